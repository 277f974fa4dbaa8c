// BatchDecoder: many token sequences decoded together in one llama_batch, with the prefix they
// all share evaluated once.
//
// One row = one sequence; rows never share a prompt. Run():
//   1. finds the longest token prefix common to all rows (the shared instruction), decodes it
//      once into a reserved sequence (id 0) and copies its KV cells to every row's sequence
//      (llama_memory_seq_cp: with a unified KV cache the cells are shared, not duplicated);
//   2. keeps up to n_parallel rows in flight ("continuous batching"): each llama_decode carries
//      the next token of every generating row plus prompt tokens of newly admitted rows, and a
//      finished row's slot is given to the next row at once;
//   3. per row, either scores the row's own tokens from `score_from` on (teacher forcing: the
//      sum of log p(token | everything before), used by choose) or asks a TokenPicker for new
//      tokens until it says stop or max_new_tokens is reached;
//   4. reuses the work of rows in flight: a row admitted while another row's prompt shares a
//      longer prefix with it than the common one (a choose prompt's other choices, the rows of
//      one instruction inside a mixed batch of several) copies that row's KV cells for the
//      shared positions instead of evaluating them again (waiting, if need be, until that row
//      has fed them).
//
//   BatchDecoder d(ctx, /*n_parallel=*/16, /*n_batch=*/512);
//   CI_ASSIGN_OR_RETURN(auto out, d.Run(rows, greedy_picker));
//
// Invariants:
//   1. Results are row-aligned with the input and do not depend on n_parallel's scheduling
//      order beyond floating-point effects of batch composition (measured in the tests and
//      documented in src/ai/README.md).
//   2. The KV cache is cleared at the start of Run; nothing carries over between calls.
//   3. Rows are admitted only while their prompt plus max_new_tokens fits the free cells, so a
//      decode never fails for lack of KV space.
//
// Thread safety: none. The caller (LlamaModel) holds its context lock for the whole Run.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/status.h"

struct llama_context;

namespace custintel::ai {

struct DecodeRow {
  // The whole prompt, BOS included; for choose also the choice's tokens.
  std::vector<int32_t> tokens;
  // >= 1: the result's log_prob sums log p(tokens[i] | tokens[<i]) for i >= score_from.
  int score_from = -1;
  // Tokens to ask the picker for after `tokens` (0 = none).
  int max_new_tokens = 0;
};

struct DecodeResult {
  std::vector<int32_t> generated;
  double log_prob = 0;
};

// Decides a row's next token(s) from its logits.
class TokenPicker {
 public:
  virtual ~TokenPicker() = default;
  // Appends the next token(s) of `row` to *out (normally one; a picker may append several to
  // finish the row). Returns false when the row is done. Called at most until out holds the
  // row's max_new_tokens; the decoder stops the row there either way.
  virtual Result<bool> Pick(size_t row, const float* logits, std::vector<int32_t>* out) = 0;
};

// Argmax (ties to the lowest id); an end-of-generation token ends the row unless ignore_eog.
class GreedyPicker : public TokenPicker {
 public:
  GreedyPicker(const llama_context* ctx, bool ignore_eog);
  Result<bool> Pick(size_t row, const float* logits, std::vector<int32_t>* out) override;

 private:
  const llama_context* ctx_;
  bool ignore_eog_;
};

class BatchDecoder {
 public:
  // n_parallel: rows in flight (the context needs n_seq_max >= n_parallel + 1).
  // n_batch: most tokens per llama_decode call.
  BatchDecoder(llama_context* ctx, int n_parallel, int n_batch);

  // Errors: InvalidArgument when a row does not fit the context; Internal when llama.cpp
  // fails to decode.
  Result<std::vector<DecodeResult>> Run(std::span<const DecodeRow> rows, TokenPicker& picker);

  // Tokens evaluated by the last Run (prefix once, plus every row's own tokens), the length
  // of the shared prefix, and the prompt tokens rows took from a row in flight instead of
  // evaluating them (step 4): for benchmarks and tests.
  int64_t tokens_evaluated() const { return tokens_evaluated_; }
  int shared_prefix() const { return shared_prefix_; }
  int64_t reused_tokens() const { return reused_tokens_; }

 private:
  struct Slot;
  Status DecodePrefix(const std::vector<int32_t>& tokens, int n);
  Status Admit(std::span<const DecodeRow> rows, std::vector<Slot>& slots, size_t* next_row);
  Status Step(std::span<const DecodeRow> rows, std::vector<Slot>& slots, TokenPicker& picker,
              std::vector<DecodeResult>& results);
  int SharedPrefix(std::span<const DecodeRow> rows) const;
  void ForkFromBestSlot(const DecodeRow& row, size_t s, std::vector<Slot>& slots);
  void ResolveForks(std::vector<Slot>& slots);

  llama_context* ctx_;
  int n_parallel_;
  int n_batch_;
  int n_ctx_;
  int cells_used_ = 0;  // reserved KV cells: the prefix plus every in-flight row's budget
  int shared_prefix_ = 0;
  int64_t tokens_evaluated_ = 0;
  int64_t reused_tokens_ = 0;
};

}  // namespace custintel::ai
