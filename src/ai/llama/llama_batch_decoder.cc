#include "ai/llama/llama_batch_decoder.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "llama.h"

namespace custintel::ai {
namespace {

// Sequence id 0 holds the shared prefix; row slot i decodes as sequence i + 1.
constexpr llama_seq_id kPrefixSeq = 0;

const llama_vocab* VocabOf(const llama_context* ctx) {
  return llama_model_get_vocab(llama_get_model(ctx));
}

// log p(token) under the softmax of `logits`.
double LogSoftmaxAt(const float* logits, int n_vocab, int32_t token) {
  const float max = *std::max_element(logits, logits + n_vocab);
  double sum = 0;
  for (int i = 0; i < n_vocab; ++i) sum += std::exp(static_cast<double>(logits[i]) - max);
  return static_cast<double>(logits[token]) - max - std::log(sum);
}

// RAII llama_batch of one sequence id per token.
class Batch {
 public:
  explicit Batch(int capacity) : b_(llama_batch_init(capacity, 0, 1)) {}
  ~Batch() { llama_batch_free(b_); }
  Batch(const Batch&) = delete;
  Batch& operator=(const Batch&) = delete;
  void Clear() { b_.n_tokens = 0; }
  // Returns the token's index in the batch (what llama_get_logits_ith takes).
  int32_t Add(int32_t token, int pos, llama_seq_id seq, bool logits) {
    const int32_t i = b_.n_tokens++;
    b_.token[i] = token;
    b_.pos[i] = pos;
    b_.n_seq_id[i] = 1;
    b_.seq_id[i][0] = seq;
    b_.logits[i] = logits;
    return i;
  }
  int32_t size() const { return b_.n_tokens; }
  const llama_batch& get() const { return b_; }

 private:
  llama_batch b_;
};

}  // namespace

struct BatchDecoder::Slot {
  int64_t row = -1;          // -1: free
  std::vector<int32_t> seq;  // the row's tokens, then what the picker added
  size_t n_prompt = 0;
  size_t n_fed = 0;          // tokens whose KV cells exist
  int cells = 0;             // KV cells reserved for this row
  bool stopped = false;      // the picker said done
  int fork_slot = -1;        // >= 0: waits for that slot to feed fork_at tokens, then copies them
  size_t fork_at = 0;
  DecodeResult result;
};

namespace {

// The first position whose token a row must feed itself: its last token (whose logits it
// needs), or for a scored row the token before its first scored one.
size_t OwnFrom(const DecodeRow& r) {
  size_t own_from = r.tokens.size() - 1;
  if (r.score_from >= 1) own_from = std::min(own_from, static_cast<size_t>(r.score_from - 1));
  return own_from;
}

}  // namespace

GreedyPicker::GreedyPicker(const llama_context* ctx, bool ignore_eog)
    : ctx_(ctx), ignore_eog_(ignore_eog) {}

Result<bool> GreedyPicker::Pick(size_t /*row*/, const float* logits, std::vector<int32_t>* out) {
  const llama_vocab* vocab = VocabOf(ctx_);
  const int n_vocab = llama_vocab_n_tokens(vocab);
  // max_element keeps the first maximum: ties go to the lowest id, deterministically.
  const auto next = static_cast<int32_t>(std::max_element(logits, logits + n_vocab) - logits);
  if (!ignore_eog_ && llama_vocab_is_eog(vocab, next)) return false;
  out->push_back(next);
  return true;
}

BatchDecoder::BatchDecoder(llama_context* ctx, int n_parallel, int n_batch)
    : ctx_(ctx),
      n_parallel_(std::max(1, n_parallel)),
      n_batch_(std::max(1, n_batch)),
      n_ctx_(static_cast<int>(llama_n_ctx(ctx))) {}

int BatchDecoder::SharedPrefix(std::span<const DecodeRow> rows) const {
  // Every row keeps at least one token of its own (the one whose logits it needs), and a
  // scored row keeps the token before its first scored one.
  size_t n = rows[0].tokens.size();
  for (const DecodeRow& r : rows) {
    n = std::min(n, OwnFrom(r));
    const auto mismatch = std::mismatch(rows[0].tokens.begin(), rows[0].tokens.begin() + n, r.tokens.begin());
    n = static_cast<size_t>(mismatch.first - rows[0].tokens.begin());
  }
  return static_cast<int>(n);
}

Status BatchDecoder::DecodePrefix(const std::vector<int32_t>& tokens, int n) {
  Batch batch(n_batch_);
  for (int start = 0; start < n; start += n_batch_) {
    batch.Clear();
    for (int i = start; i < std::min(n, start + n_batch_); ++i) batch.Add(tokens[i], i, kPrefixSeq, false);
    if (int32_t rc = llama_decode(ctx_, batch.get()); rc != 0) {
      return Status::Internal("llama.cpp could not decode the shared prefix (code " + std::to_string(rc) + ")");
    }
  }
  tokens_evaluated_ += n;
  return Status::Ok();
}

Status BatchDecoder::Admit(std::span<const DecodeRow> rows, std::vector<Slot>& slots, size_t* next_row) {
  llama_memory_t mem = llama_get_memory(ctx_);
  for (size_t s = 0; s < slots.size() && *next_row < rows.size(); ++s) {
    if (slots[s].row >= 0) continue;
    const DecodeRow& r = rows[*next_row];
    const int cells = static_cast<int>(r.tokens.size()) - shared_prefix_ + r.max_new_tokens;
    if (cells_used_ + cells > n_ctx_) break;  // wait for a running row to free its cells
    Slot& slot = slots[s];
    slot = Slot{};
    slot.row = static_cast<int64_t>((*next_row)++);
    slot.seq = r.tokens;
    slot.n_prompt = r.tokens.size();
    slot.n_fed = static_cast<size_t>(shared_prefix_);
    // Cells stay reserved for the whole prompt even when part of it is copied from a row in
    // flight: conservative (the copied cells are counted twice), so a decode never runs out.
    slot.cells = cells;
    cells_used_ += cells;
    ForkFromBestSlot(r, s, slots);
    if (slot.fork_slot < 0 && shared_prefix_ > 0) {
      llama_memory_seq_cp(mem, kPrefixSeq, static_cast<llama_seq_id>(s + 1), -1, -1);
    }
  }
  ResolveForks(slots);
  return Status::Ok();
}

void BatchDecoder::ForkFromBestSlot(const DecodeRow& row, size_t s, std::vector<Slot>& slots) {
  const size_t own_from = OwnFrom(row);
  size_t best = static_cast<size_t>(shared_prefix_);
  int from = -1;
  for (size_t t = 0; t < slots.size(); ++t) {
    const Slot& other = slots[t];
    if (t == s || other.row < 0 || other.fork_slot >= 0) continue;  // a waiting row has no cells yet
    const size_t limit = std::min(own_from, other.n_prompt);
    if (limit <= best) continue;
    size_t n = static_cast<size_t>(shared_prefix_);  // every row starts with the common prefix
    while (n < limit && other.seq[n] == row.tokens[n]) ++n;
    if (n > best) {
      best = n;
      from = static_cast<int>(t);
    }
  }
  if (from < 0) return;
  slots[s].fork_slot = from;
  slots[s].fork_at = best;
}

// A waiting row whose source has fed the shared positions takes their cells. Runs after every
// decode, before finished rows leave: a source cannot finish before it has fed its prompt.
void BatchDecoder::ResolveForks(std::vector<Slot>& slots) {
  llama_memory_t mem = llama_get_memory(ctx_);
  for (size_t s = 0; s < slots.size(); ++s) {
    Slot& slot = slots[s];
    if (slot.row < 0 || slot.fork_slot < 0) continue;
    const Slot& from = slots[static_cast<size_t>(slot.fork_slot)];
    if (from.n_fed < slot.fork_at) continue;
    llama_memory_seq_cp(mem, static_cast<llama_seq_id>(slot.fork_slot + 1), static_cast<llama_seq_id>(s + 1), 0,
                        static_cast<llama_pos>(slot.fork_at));
    reused_tokens_ += static_cast<int64_t>(slot.fork_at) - shared_prefix_;
    slot.n_fed = slot.fork_at;
    slot.fork_slot = -1;
  }
}

Status BatchDecoder::Step(std::span<const DecodeRow> rows, std::vector<Slot>& slots, TokenPicker& picker,
                          std::vector<DecodeResult>& results) {
  struct Want {
    size_t slot;
    size_t index;  // position in slot.seq
    int32_t batch_index;
  };
  Batch batch(n_batch_);
  std::vector<Want> wants;
  std::vector<size_t> taken(slots.size(), 0);
  int room = n_batch_;
  for (size_t s = 0; s < slots.size() && room > 0; ++s) {
    Slot& slot = slots[s];
    if (slot.row < 0 || slot.fork_slot >= 0) continue;
    const DecodeRow& r = rows[static_cast<size_t>(slot.row)];
    const size_t n = std::min(slot.seq.size() - slot.n_fed, static_cast<size_t>(room));
    for (size_t k = 0; k < n; ++k) {
      const size_t idx = slot.n_fed + k;
      const bool scored = r.score_from >= 1 && idx + 1 >= static_cast<size_t>(r.score_from) && idx + 1 < slot.n_prompt;
      const bool generates = idx + 1 == slot.seq.size() && r.max_new_tokens > 0;
      const int32_t bi = batch.Add(slot.seq[idx], static_cast<int>(idx), static_cast<llama_seq_id>(s + 1), scored || generates);
      if (scored || generates) wants.push_back({s, idx, bi});
    }
    taken[s] = n;
    room -= static_cast<int>(n);
  }
  if (batch.size() == 0) return Status::Internal("batch decoder made no progress");
  if (int32_t rc = llama_decode(ctx_, batch.get()); rc != 0) {
    return Status::Internal("llama.cpp could not decode a batch of " + std::to_string(batch.size()) +
                            " tokens (code " + std::to_string(rc) + ")");
  }
  tokens_evaluated_ += batch.size();
  const int n_vocab = llama_vocab_n_tokens(VocabOf(ctx_));
  for (size_t s = 0; s < slots.size(); ++s) slots[s].n_fed += taken[s];
  ResolveForks(slots);
  for (const Want& w : wants) {
    Slot& slot = slots[w.slot];
    const float* logits = llama_get_logits_ith(ctx_, w.batch_index);
    if (w.index + 1 < slot.n_prompt) {
      slot.result.log_prob += LogSoftmaxAt(logits, n_vocab, slot.seq[w.index + 1]);
      continue;
    }
    if (w.index + 1 != slot.seq.size()) continue;  // superseded within this step
    std::vector<int32_t>& gen = slot.result.generated;
    CI_ASSIGN_OR_RETURN(bool more, picker.Pick(static_cast<size_t>(slot.row), logits, &gen));
    slot.stopped = !more;
    slot.seq.resize(slot.n_prompt);
    slot.seq.insert(slot.seq.end(), gen.begin(), gen.end());
  }
  // Finish rows: their cells go back to the pool and their slot to the next row.
  llama_memory_t mem = llama_get_memory(ctx_);
  for (size_t s = 0; s < slots.size(); ++s) {
    Slot& slot = slots[s];
    if (slot.row < 0 || slot.n_fed < slot.n_prompt) continue;
    const int max_new = rows[static_cast<size_t>(slot.row)].max_new_tokens;
    std::vector<int32_t>& gen = slot.result.generated;
    if (max_new > 0 && !slot.stopped && static_cast<int>(gen.size()) < max_new) continue;
    if (static_cast<int>(gen.size()) > max_new) gen.resize(static_cast<size_t>(max_new));
    results[static_cast<size_t>(slot.row)] = std::move(slot.result);
    llama_memory_seq_rm(mem, static_cast<llama_seq_id>(s + 1), -1, -1);
    cells_used_ -= slot.cells;
    slot = Slot{};
  }
  return Status::Ok();
}

Result<std::vector<DecodeResult>> BatchDecoder::Run(std::span<const DecodeRow> rows, TokenPicker& picker) {
  std::vector<DecodeResult> results(rows.size());
  if (rows.empty()) return results;
  for (size_t i = 0; i < rows.size(); ++i) {
    const int need = static_cast<int>(rows[i].tokens.size()) + rows[i].max_new_tokens;
    if (rows[i].tokens.empty()) return Status::InvalidArgument("row " + std::to_string(i) + ": the prompt is empty");
    if (need > n_ctx_) {
      return Status::InvalidArgument("row " + std::to_string(i) + ": the prompt is " +
                                     std::to_string(rows[i].tokens.size()) + " tokens plus " +
                                     std::to_string(rows[i].max_new_tokens) + " to generate, more than the context of " +
                                     std::to_string(n_ctx_) + " tokens; shorten the input or raise n_ctx");
    }
  }
  llama_memory_t mem = llama_get_memory(ctx_);
  llama_memory_clear(mem, /*data=*/true);
  tokens_evaluated_ = 0;
  reused_tokens_ = 0;
  shared_prefix_ = SharedPrefix(rows);
  cells_used_ = shared_prefix_;
  CI_RETURN_IF_ERROR(DecodePrefix(rows[0].tokens, shared_prefix_));
  std::vector<Slot> slots(static_cast<size_t>(n_parallel_));
  size_t next_row = 0;
  auto busy = [&] {
    return std::any_of(slots.begin(), slots.end(), [](const Slot& s) { return s.row >= 0; });
  };
  while (next_row < rows.size() || busy()) {
    CI_RETURN_IF_ERROR(Admit(rows, slots, &next_row));
    CI_RETURN_IF_ERROR(Step(rows, slots, picker, results));
  }
  llama_memory_clear(mem, true);
  return results;
}

}  // namespace custintel::ai
