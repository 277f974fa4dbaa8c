#include "ai/llama/llama_grammar.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <stdexcept>

#include "json-schema-to-grammar.h"
#include "json.h"
#include "llama.h"

namespace custintel::ai {

struct SamplerFree {
  void operator()(llama_sampler* s) const { llama_sampler_free(s); }
};
using SamplerPtr = std::unique_ptr<llama_sampler, SamplerFree>;

struct JsonGrammar::Shared {
  const llama_vocab* vocab = nullptr;
  SamplerPtr base;                       // parsed grammar at its start state; cloned per row
  std::vector<int32_t> closing_order;    // preferred single-character tokens when closing
  std::vector<int32_t> any_char;         // every single-character token, non-space first
  // Tokens grouped by the first byte of their text, and a token that is exactly that byte (-1
  // when the vocabulary has none): a byte the grammar refuses rules out its whole group.
  std::array<std::vector<int32_t>, 256> by_first_byte;
  std::array<int32_t, 256> byte_token;
  std::vector<int32_t> eog_tokens;
};

namespace {

constexpr int kTopK = 256;
constexpr int kMaxClosing = 4096;

// Whether the grammar in state `g` allows `token` next.
bool Allowed(llama_sampler* g, int32_t token) {
  llama_token_data d{token, 0.0f, 0.0f};
  llama_token_data_array arr{&d, 1, -1, false};
  llama_sampler_apply(g, &arr);
  return std::isfinite(d.logit);
}

Status Accept(llama_sampler* g, int32_t token) {
  try {
    llama_sampler_accept(g, token);
  } catch (const std::exception& e) {
    return Status::Internal(std::string("grammar refused an allowed token: ") + e.what());
  }
  return Status::Ok();
}

// Indexes the vocabulary by first byte; records single-byte tokens (lowest id wins) and the
// printable single-character ones used for closing.
void IndexVocab(JsonGrammar::Shared& sh, std::map<char, int32_t>* chars) {
  sh.byte_token.fill(-1);
  char buf[256];
  for (int32_t t = 0; t < llama_vocab_n_tokens(sh.vocab); ++t) {
    if (llama_vocab_is_eog(sh.vocab, t)) {
      sh.eog_tokens.push_back(t);
      continue;
    }
    if (llama_vocab_is_control(sh.vocab, t)) continue;
    const int32_t n = llama_token_to_piece(sh.vocab, t, buf, sizeof(buf), 0, /*special=*/false);
    if (n <= 0) continue;  // empty or too long for any grammar we build: never allowed
    const auto first = static_cast<unsigned char>(buf[0]);
    sh.by_first_byte[first].push_back(t);
    if (n != 1) continue;
    if (sh.byte_token[first] < 0) sh.byte_token[first] = t;
    const char c = buf[0];
    if ((c >= 0x20 && c < 0x7f) || c == '\n' || c == '\t') chars->emplace(c, t);
  }
}

// Tokens that close a document from grammar state `g` (end-of-generation excluded), or an
// error when no closing within `limit` tokens exists along the preferred walk.
Result<std::vector<int32_t>> Closing(const JsonGrammar::Shared& sh, const llama_sampler* g, int limit) {
  SamplerPtr walk(llama_sampler_clone(g));
  const int32_t eog = llama_vocab_eos(sh.vocab);
  std::vector<int32_t> out;
  while (!Allowed(walk.get(), eog)) {
    if (static_cast<int>(out.size()) >= limit) {
      return Status::InvalidArgument("no closing within " + std::to_string(limit) + " tokens");
    }
    int32_t next = -1;
    for (int32_t t : sh.closing_order) {
      if (Allowed(walk.get(), t)) { next = t; break; }
    }
    for (size_t i = 0; next < 0 && i < sh.any_char.size(); ++i) {
      if (Allowed(walk.get(), sh.any_char[i])) next = sh.any_char[i];
    }
    if (next < 0) return Status::Internal("the grammar allows no single character to continue");
    CI_RETURN_IF_ERROR(Accept(walk.get(), next));
    out.push_back(next);
  }
  return out;
}

// The highest-logit token the grammar allows (ties to the lowest id), or -1 when none is.
int32_t BestAllowed(const JsonGrammar::Shared& sh, llama_sampler* g, const float* logits, int n_vocab) {
  const auto argmax = static_cast<int32_t>(std::max_element(logits, logits + n_vocab) - logits);
  if (Allowed(g, argmax)) return argmax;
  // Only tokens whose first byte the grammar accepts can be allowed.
  std::vector<llama_token_data> cand;
  for (int32_t t : sh.eog_tokens) cand.push_back({t, logits[t], 0.0f});
  for (int b = 0; b < 256; ++b) {
    if (sh.by_first_byte[b].empty() || (sh.byte_token[b] >= 0 && !Allowed(g, sh.byte_token[b]))) continue;
    for (int32_t t : sh.by_first_byte[b]) cand.push_back({t, logits[t], 0.0f});
  }
  auto better = [](const llama_token_data& a, const llama_token_data& b) {
    return a.logit != b.logit ? a.logit > b.logit : a.id < b.id;
  };
  const size_t k = std::min<size_t>(kTopK, cand.size());
  std::partial_sort(cand.begin(), cand.begin() + static_cast<std::ptrdiff_t>(k), cand.end(), better);
  for (size_t n : {k, cand.size()}) {
    std::vector<llama_token_data> chunk(cand.begin(), cand.begin() + static_cast<std::ptrdiff_t>(n));
    llama_token_data_array arr{chunk.data(), chunk.size(), -1, false};
    llama_sampler_apply(g, &arr);
    const llama_token_data* best = nullptr;
    for (const auto& d : chunk) {
      if (std::isfinite(d.logit) && (!best || better(d, *best))) best = &d;
    }
    if (best) return best->id;
  }
  return -1;
}

// llama.cpp's number rule allows a 16-digit exponent, which overflows a double: JSON parsers
// (nlohmann, Python's) refuse "3e5298904247890". Exponents keep two digits.
std::string TightenNumbers(std::string gbnf) {
  const std::string from = "[eE] [-+]? integral-part";
  const std::string to = "[eE] [-+]? [0-9]{1,2}";
  for (size_t at = gbnf.find(from); at != std::string::npos; at = gbnf.find(from, at + to.size())) {
    gbnf.replace(at, from.size(), to);
  }
  return gbnf;
}

class JsonPicker : public TokenPicker {
 public:
  JsonPicker(std::shared_ptr<const JsonGrammar::Shared> shared, int max_tokens)
      : sh_(std::move(shared)), max_tokens_(max_tokens) {}

  Result<bool> Pick(size_t row, const float* logits, std::vector<int32_t>* out) override {
    auto [it, fresh] = rows_.try_emplace(row);
    if (fresh) it->second.reset(llama_sampler_clone(sh_->base.get()));
    llama_sampler* g = it->second.get();
    const int remaining = max_tokens_ - static_cast<int>(out->size());
    const int32_t next = BestAllowed(*sh_, g, logits, llama_vocab_n_tokens(sh_->vocab));
    if (next < 0) return Status::Internal("the grammar allows no token");
    if (llama_vocab_is_eog(sh_->vocab, next)) return Done(row);  // the document is complete
    // Take `next` only if a closing still fits after it; otherwise close now.
    SamplerPtr after(llama_sampler_clone(g));
    CI_RETURN_IF_ERROR(Accept(after.get(), next));
    auto closing_after = Closing(*sh_, after.get(), remaining - 1);
    if (closing_after.ok()) {
      it->second = std::move(after);
      out->push_back(next);
      if (remaining - 1 > 0) return true;
      return Done(row);  // closing_after is empty: the document is complete
    }
    CI_ASSIGN_OR_RETURN(auto closing, Closing(*sh_, g, remaining));
    out->insert(out->end(), closing.begin(), closing.end());
    return Done(row);
  }

 private:
  bool Done(size_t row) {
    rows_.erase(row);
    return false;
  }

  std::shared_ptr<const JsonGrammar::Shared> sh_;
  int max_tokens_;
  std::map<size_t, SamplerPtr> rows_;  // grammar state of each row in flight
};

}  // namespace

Result<JsonGrammar> JsonGrammar::Compile(const llama_model* model, const std::string& schema_text) {
  JsonGrammar g;
  CI_ASSIGN_OR_RETURN(g.schema_, JsonSchema::Parse(schema_text));
  try {
    g.gbnf_ = TightenNumbers(json_schema_to_grammar(common_json::parse(schema_text)));
  } catch (const std::exception& e) {
    return Status::InvalidArgument(std::string("llama.cpp cannot turn the json schema into a grammar: ") + e.what());
  }
  auto shared = std::make_shared<Shared>();
  shared->vocab = llama_model_get_vocab(model);
  shared->base.reset(llama_sampler_init_grammar(shared->vocab, g.gbnf_.c_str(), "root"));
  if (!shared->base) return Status::Internal("llama.cpp could not parse the grammar built from the schema");
  std::map<char, int32_t> chars;
  IndexVocab(*shared, &chars);
  for (char c : std::string("\"}]:0,fnt[{")) {
    if (auto it = chars.find(c); it != chars.end()) shared->closing_order.push_back(it->second);
  }
  for (const auto& [c, t] : chars) {
    if (c != ' ' && c != '\n' && c != '\t') shared->any_char.push_back(t);
  }
  for (char c : std::string(" \n\t")) {
    if (auto it = chars.find(c); it != chars.end()) shared->any_char.push_back(it->second);
  }
  g.shared_ = std::move(shared);
  return g;
}

Result<std::unique_ptr<TokenPicker>> JsonGrammar::NewPicker(int max_tokens) const {
  auto shortest = Closing(*shared_, shared_->base.get(), max_tokens);
  if (!shortest.ok()) {
    return Status::InvalidArgument("generate_json: the shortest JSON this schema allows does not fit in " +
                                   std::to_string(max_tokens) + " tokens; raise max_tokens");
  }
  return std::unique_ptr<TokenPicker>(new JsonPicker(shared_, max_tokens));
}

}  // namespace custintel::ai
