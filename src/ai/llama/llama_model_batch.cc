// LlamaModel's batch-first API (issue 6): rows become sequences of one BatchDecoder run (or,
// for embedders, of one pooled llama_decode per packed batch).
#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>
#include <set>

#include "ai/llama/llama_batch_decoder.h"
#include "ai/llama/llama_chat_template.h"
#include "ai/llama/llama_grammar.h"
#include "ai/llama/llama_model.h"
#include "llama.h"

namespace custintel::ai {
namespace {

Status NormaliseL2(std::vector<float>& v) {
  double norm = 0;
  for (float x : v) norm += static_cast<double>(x) * x;
  norm = std::sqrt(norm);
  if (!(norm > 0) || !std::isfinite(norm)) return Status::Internal("the embedding has no direction");
  for (float& x : v) x = static_cast<float>(x / norm);
  return Status::Ok();
}

Status CheckChoices(std::span<const std::string> choices) {
  if (choices.empty()) return Status::InvalidArgument("choose needs at least one choice");
  std::set<std::string> seen;
  for (const std::string& c : choices) {
    if (c.empty()) return Status::InvalidArgument("choose: a choice is the empty string");
    if (!seen.insert(c).second) return Status::InvalidArgument("choose: choice '" + c + "' is listed twice");
  }
  return Status::Ok();
}

// Softmax over one prompt's choice log-probabilities; ties go to the first listed choice.
Choice Decide(std::span<const std::string> choices, std::span<const double> log_probs) {
  const double max = *std::max_element(log_probs.begin(), log_probs.end());
  std::vector<double> p(log_probs.size());
  double sum = 0;
  for (size_t i = 0; i < p.size(); ++i) sum += p[i] = std::exp(log_probs[i] - max);
  size_t best = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    p[i] /= sum;
    if (p[i] > p[best]) best = i;
  }
  double runner_up = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    if (i != best) runner_up = std::max(runner_up, p[i]);
  }
  return Choice{choices[best], p[best], p[best] - runner_up, p};
}

// Scores single-token choices from one sequence per prompt: the logits after the prompt give
// every choice's log-probability at once (no sequence per choice needed).
class SingleTokenChoicePicker : public TokenPicker {
 public:
  SingleTokenChoicePicker(std::vector<int32_t> choice_tokens, size_t rows)
      : tokens_(std::move(choice_tokens)), log_probs_(rows) {}
  Result<bool> Pick(size_t row, const float* logits, std::vector<int32_t>* /*out*/) override {
    const float max = *std::max_element(logits, logits + n_vocab_);
    double sum = 0;
    for (int i = 0; i < n_vocab_; ++i) sum += std::exp(static_cast<double>(logits[i]) - max);
    for (int32_t t : tokens_) log_probs_[row].push_back(static_cast<double>(logits[t]) - max - std::log(sum));
    return false;
  }
  void set_vocab_size(int n) { n_vocab_ = n; }
  const std::vector<double>& log_probs(size_t row) const { return log_probs_[row]; }

 private:
  std::vector<int32_t> tokens_;
  std::vector<std::vector<double>> log_probs_;
  int n_vocab_ = 0;
};

// Sends each row to the picker of its part, with the row's index within that part.
class RoutingPicker : public TokenPicker {
 public:
  void Add(TokenPicker* picker, size_t local_row) { route_.emplace_back(picker, local_row); }
  Result<bool> Pick(size_t row, const float* logits, std::vector<int32_t>* out) override {
    const auto& [picker, local] = route_[row];
    return picker->Pick(local, logits, out);
  }

 private:
  std::vector<std::pair<TokenPicker*, size_t>> route_;
};

}  // namespace

void LlamaModel::RecordStats(const BatchDecoder& decoder, size_t sequences) {
  last_batch_stats_ = {static_cast<int64_t>(sequences), decoder.shared_prefix(), decoder.tokens_evaluated(),
                       decoder.reused_tokens()};
}

Status LlamaModel::CheckGenerator() const {
  if (!is_embedder_) return Status::Ok();
  return Status::InvalidArgument("model '" + path_ + "' is an embedding model (" + architecture_ +
                                 "); it cannot generate text");
}

Result<std::vector<int32_t>> LlamaModel::TokenizeText(std::string_view text, bool add_special) const {
  const llama_vocab* vocab = llama_model_get_vocab(model_);
  std::vector<llama_token> tokens(text.size() + 8);
  auto run = [&] {
    return llama_tokenize(vocab, text.data(), static_cast<int32_t>(text.size()), tokens.data(),
                          static_cast<int32_t>(tokens.size()), add_special, /*parse_special=*/true);
  };
  int32_t n = run();
  if (n < 0) {
    tokens.resize(static_cast<size_t>(-n));
    n = run();
  }
  if (n < 0) return Status::Internal("tokenizing " + std::to_string(text.size()) + " bytes failed");
  tokens.resize(static_cast<size_t>(n));
  return std::vector<int32_t>(tokens.begin(), tokens.end());
}

Result<std::vector<std::vector<int32_t>>> LlamaModel::PromptTokens(std::span<const std::string> prompts,
                                                                   bool chat_template) const {
  const ChatTemplate tmpl = ChatTemplate::FromModelText(chat_template_);
  std::vector<std::vector<int32_t>> out;
  out.reserve(prompts.size());
  for (const std::string& p : prompts) {
    CI_ASSIGN_OR_RETURN(auto tokens, TokenizeText(chat_template ? tmpl.Apply(p) : p, /*add_special=*/true));
    out.push_back(std::move(tokens));
  }
  return out;
}

Result<std::vector<std::string>> LlamaModel::GenerateBatch(std::span<const std::string> prompts,
                                                           const GenerateOptions& options) {
  CI_RETURN_IF_ERROR(CheckGenerator());
  if (options.max_tokens < 0) return Status::InvalidArgument("max_tokens must not be negative");
  CI_ASSIGN_OR_RETURN(auto tokens, PromptTokens(prompts, options.chat_template));
  std::vector<DecodeRow> rows(tokens.size());
  for (size_t i = 0; i < rows.size(); ++i) rows[i] = {std::move(tokens[i]), -1, options.max_tokens};
  std::lock_guard lock(mu_);
  BatchDecoder decoder(ctx_, options_.n_parallel, n_batch_);
  GreedyPicker picker(ctx_, options.ignore_eog);
  CI_ASSIGN_OR_RETURN(auto results, decoder.Run(rows, picker));
  RecordStats(decoder, rows.size());
  std::vector<std::string> texts;
  texts.reserve(results.size());
  for (const DecodeResult& r : results) texts.push_back(Detokenize(r.generated));
  return texts;
}

Result<std::vector<Choice>> LlamaModel::ChooseBatch(std::span<const std::string> prompts,
                                                    std::span<const std::string> choices) {
  CI_RETURN_IF_ERROR(CheckGenerator());
  CI_RETURN_IF_ERROR(CheckChoices(choices));
  CI_ASSIGN_OR_RETURN(auto prompt_tokens, PromptTokens(prompts, /*chat_template=*/true));
  std::vector<std::vector<int32_t>> choice_tokens;
  for (const std::string& c : choices) {
    CI_ASSIGN_OR_RETURN(auto t, TokenizeText(c, /*add_special=*/false));
    choice_tokens.push_back(std::move(t));
  }
  if (std::all_of(choice_tokens.begin(), choice_tokens.end(), [](const auto& t) { return t.size() == 1; })) {
    return ChooseSingleTokens(prompt_tokens, choices, choice_tokens);
  }
  // One sequence per (prompt, choice): the reply is scored token by token as if generated.
  std::vector<DecodeRow> rows;
  rows.reserve(prompts.size() * choices.size());
  for (const auto& p : prompt_tokens) {
    for (const auto& c : choice_tokens) {
      DecodeRow r{p, static_cast<int>(p.size()), 0};
      r.tokens.insert(r.tokens.end(), c.begin(), c.end());
      rows.push_back(std::move(r));
    }
  }
  std::lock_guard lock(mu_);
  BatchDecoder decoder(ctx_, options_.n_parallel, n_batch_);
  GreedyPicker unused(ctx_, false);
  CI_ASSIGN_OR_RETURN(auto results, decoder.Run(rows, unused));
  RecordStats(decoder, rows.size());
  std::vector<Choice> out;
  std::vector<double> log_probs(choices.size());
  for (size_t p = 0; p < prompts.size(); ++p) {
    for (size_t c = 0; c < choices.size(); ++c) log_probs[c] = results[p * choices.size() + c].log_prob;
    out.push_back(Decide(choices, log_probs));
  }
  return out;
}

Result<std::vector<Choice>> LlamaModel::ChooseSingleTokens(std::vector<std::vector<int32_t>>& prompt_tokens,
                                                           std::span<const std::string> choices,
                                                           const std::vector<std::vector<int32_t>>& choice_tokens) {
  std::vector<int32_t> tokens;
  for (const auto& t : choice_tokens) tokens.push_back(t[0]);
  std::vector<DecodeRow> rows(prompt_tokens.size());
  for (size_t i = 0; i < rows.size(); ++i) rows[i] = {std::move(prompt_tokens[i]), -1, 1};
  SingleTokenChoicePicker picker(std::move(tokens), rows.size());
  picker.set_vocab_size(VocabSize());
  std::lock_guard lock(mu_);
  BatchDecoder decoder(ctx_, options_.n_parallel, n_batch_);
  CI_RETURN_IF_ERROR(decoder.Run(rows, picker).status());
  RecordStats(decoder, rows.size());
  std::vector<Choice> out;
  for (size_t p = 0; p < rows.size(); ++p) out.push_back(Decide(choices, picker.log_probs(p)));
  return out;
}

Result<std::vector<std::string>> LlamaModel::GenerateJsonBatch(std::span<const std::string> prompts,
                                                               const std::string& json_schema, int max_tokens) {
  CI_RETURN_IF_ERROR(CheckGenerator());
  if (max_tokens <= 0) return Status::InvalidArgument("generate_json: max_tokens must be positive");
  CI_ASSIGN_OR_RETURN(JsonGrammar grammar, JsonGrammar::Compile(model_, json_schema));
  CI_ASSIGN_OR_RETURN(auto tokens, PromptTokens(prompts, /*chat_template=*/true));
  std::vector<DecodeRow> rows(tokens.size());
  for (size_t i = 0; i < rows.size(); ++i) rows[i] = {std::move(tokens[i]), -1, max_tokens};
  std::lock_guard lock(mu_);
  CI_ASSIGN_OR_RETURN(auto picker, grammar.NewPicker(max_tokens));
  BatchDecoder decoder(ctx_, options_.n_parallel, n_batch_);
  CI_ASSIGN_OR_RETURN(auto results, decoder.Run(rows, *picker));
  RecordStats(decoder, rows.size());
  std::vector<std::string> texts;
  texts.reserve(results.size());
  for (size_t i = 0; i < results.size(); ++i) {
    std::string text = Detokenize(results[i].generated);
    CI_RETURN_IF_ERROR(grammar.Validate(text).WithContext("generate_json row " + std::to_string(i)));
    texts.push_back(std::move(text));
  }
  return texts;
}

Result<std::vector<Result<MixedOutput>>> LlamaModel::MixedBatch(std::span<const MixedPart> parts) {
  CI_RETURN_IF_ERROR(CheckGenerator());
  // How each part's rows were laid out, to read its answers back.
  struct Plan {
    Status status;
    size_t first_row = 0;
    std::vector<std::vector<int32_t>> choice_tokens;  // kChoose
    std::optional<JsonGrammar> grammar;               // kJson
    std::unique_ptr<SingleTokenChoicePicker> single;  // kChoose with one token per choice
    std::unique_ptr<TokenPicker> json_picker;         // kJson
  };
  std::vector<Plan> plans(parts.size());
  std::vector<DecodeRow> rows;
  std::vector<std::pair<size_t, size_t>> owner;  // per row: part, row within the part
  auto plan_part = [&](size_t p) -> Status {
    const MixedPart& part = parts[p];
    Plan& plan = plans[p];
    plan.first_row = rows.size();
    if (part.kind == MixedPart::Kind::kJson) {
      if (part.max_tokens <= 0) return Status::InvalidArgument("generate_json: max_tokens must be positive");
      CI_ASSIGN_OR_RETURN(JsonGrammar grammar, JsonGrammar::Compile(model_, part.json_schema));
      plan.grammar.emplace(std::move(grammar));
      CI_ASSIGN_OR_RETURN(plan.json_picker, plan.grammar->NewPicker(part.max_tokens));
    } else if (part.kind == MixedPart::Kind::kChoose) {
      CI_RETURN_IF_ERROR(CheckChoices(part.choices));
      for (const std::string& c : part.choices) {
        CI_ASSIGN_OR_RETURN(auto t, TokenizeText(c, /*add_special=*/false));
        plan.choice_tokens.push_back(std::move(t));
      }
    } else if (part.max_tokens < 0) {
      return Status::InvalidArgument("max_tokens must not be negative");
    }
    CI_ASSIGN_OR_RETURN(auto tokens, PromptTokens(part.prompts, /*chat_template=*/true));
    const bool single = part.kind == MixedPart::Kind::kChoose &&
                        std::all_of(plan.choice_tokens.begin(), plan.choice_tokens.end(),
                                    [](const auto& t) { return t.size() == 1; });
    if (single) {
      std::vector<int32_t> firsts;
      for (const auto& t : plan.choice_tokens) firsts.push_back(t[0]);
      plan.single = std::make_unique<SingleTokenChoicePicker>(std::move(firsts), tokens.size());
      plan.single->set_vocab_size(VocabSize());
    }
    for (size_t i = 0; i < tokens.size(); ++i) {
      if (part.kind != MixedPart::Kind::kChoose || single) {
        const int new_tokens = part.kind == MixedPart::Kind::kChoose ? 1 : part.max_tokens;
        rows.push_back({std::move(tokens[i]), -1, new_tokens});
        owner.emplace_back(p, i);
        continue;
      }
      // One scored sequence per (prompt, choice), as ChooseBatch; the decoder lets the
      // choices of one prompt share its cells.
      for (size_t c = 0; c < plan.choice_tokens.size(); ++c) {
        DecodeRow r{tokens[i], static_cast<int>(tokens[i].size()), 0};
        r.tokens.insert(r.tokens.end(), plan.choice_tokens[c].begin(), plan.choice_tokens[c].end());
        rows.push_back(std::move(r));
        owner.emplace_back(p, i * plan.choice_tokens.size() + c);
      }
    }
    return Status::Ok();
  };
  for (size_t p = 0; p < parts.size(); ++p) {
    const size_t rows_before = rows.size();
    plans[p].status = plan_part(p);
    if (!plans[p].status.ok()) {  // the part is left out; its rows, if any were added, go
      rows.resize(rows_before);
      owner.resize(rows_before);
    }
  }
  std::lock_guard lock(mu_);
  GreedyPicker greedy(ctx_, /*ignore_eog=*/false);
  RoutingPicker router;
  for (const auto& [p, local] : owner) {
    const Plan& plan = plans[p];
    TokenPicker* picker = &greedy;  // generate rows, and scored rows (never asked)
    if (plan.single) picker = plan.single.get();
    else if (plan.json_picker) picker = plan.json_picker.get();
    router.Add(picker, local);
  }
  std::vector<DecodeResult> results;
  if (!rows.empty()) {
    BatchDecoder decoder(ctx_, options_.n_parallel, n_batch_);
    CI_ASSIGN_OR_RETURN(results, decoder.Run(rows, router));
    RecordStats(decoder, rows.size());
  }
  std::vector<Result<MixedOutput>> out;
  for (size_t p = 0; p < parts.size(); ++p) {
    const Plan& plan = plans[p];
    if (!plan.status.ok()) {
      out.push_back(plan.status);
      continue;
    }
    const MixedPart& part = parts[p];
    MixedOutput o;
    Status status;
    for (size_t i = 0; i < part.prompts.size() && status.ok(); ++i) {
      if (part.kind == MixedPart::Kind::kChoose) {
        if (plan.single) {
          o.choices.push_back(Decide(part.choices, plan.single->log_probs(i)));
          continue;
        }
        const size_t n = plan.choice_tokens.size();
        std::vector<double> log_probs(n);
        for (size_t c = 0; c < n; ++c) log_probs[c] = results[plan.first_row + i * n + c].log_prob;
        o.choices.push_back(Decide(part.choices, log_probs));
        continue;
      }
      std::string text = Detokenize(results[plan.first_row + i].generated);
      if (plan.grammar) status = plan.grammar->Validate(text).WithContext("generate_json row " + std::to_string(i));
      o.texts.push_back(std::move(text));
    }
    if (status.ok()) out.push_back(std::move(o));
    else out.push_back(status);
  }
  return out;
}

Result<std::vector<std::vector<float>>> LlamaModel::PoolBatch(const std::vector<std::vector<int32_t>>& inputs) {
  // Texts are packed into one llama_decode while they fit one physical batch (a non-causal
  // encoder sees a whole text at once) and the sequence limit.
  const int max_seqs = static_cast<int>(llama_n_seq_max(ctx_));
  const int out_size = is_reranker_ ? 1 : EmbeddingSize();
  std::vector<std::vector<float>> out;
  llama_batch batch = llama_batch_init(n_batch_, 0, 1);
  Status status;
  for (size_t start = 0; start < inputs.size() && status.ok();) {
    batch.n_tokens = 0;
    size_t end = start;
    while (end < inputs.size() && static_cast<int>(end - start) < max_seqs &&
           batch.n_tokens + static_cast<int>(inputs[end].size()) <= n_batch_) {
      for (size_t i = 0; i < inputs[end].size(); ++i) {
        const int32_t k = batch.n_tokens++;
        batch.token[k] = inputs[end][i];
        batch.pos[k] = static_cast<llama_pos>(i);
        batch.n_seq_id[k] = 1;
        batch.seq_id[k][0] = static_cast<llama_seq_id>(end - start);
        batch.logits[k] = true;  // pooling reads every token's output
      }
      ++end;
    }
    if (llama_memory_t memory = llama_get_memory(ctx_)) llama_memory_clear(memory, true);
    if (int32_t rc = llama_decode(ctx_, batch); rc != 0) {
      status = Status::Internal("llama.cpp could not embed a batch of " + std::to_string(end - start) +
                                " texts (code " + std::to_string(rc) + ")");
      break;
    }
    for (size_t i = start; i < end && status.ok(); ++i) {
      const float* pooled = llama_get_embeddings_seq(ctx_, static_cast<llama_seq_id>(i - start));
      if (!pooled) status = Status::Internal("llama.cpp returned no pooled embedding");
      else out.emplace_back(pooled, pooled + out_size);
    }
    start = end;
  }
  llama_batch_free(batch);
  if (!status.ok()) return status;
  return out;
}

Result<std::vector<std::vector<float>>> LlamaModel::EmbedBatch(std::span<const std::string> texts) {
  if (!is_embedder_ || is_reranker_) {
    return Status::InvalidArgument("model '" + path_ + "' (" + architecture_ +
                                   ") is not an embedding model; embeddings need one with mean or cls pooling");
  }
  std::vector<std::vector<int32_t>> inputs;
  for (const std::string& t : texts) {
    CI_ASSIGN_OR_RETURN(auto tokens, TokenizeText(t, /*add_special=*/true));
    CI_RETURN_IF_ERROR(CheckFits(static_cast<int>(tokens.size()), 0));
    inputs.push_back(std::move(tokens));
  }
  std::lock_guard lock(mu_);
  CI_ASSIGN_OR_RETURN(auto vectors, PoolBatch(inputs));
  for (auto& v : vectors) CI_RETURN_IF_ERROR(NormaliseL2(v));
  return vectors;
}

Result<std::vector<float>> LlamaModel::Rerank(const std::string& query, std::span<const std::string> docs) {
  if (!is_reranker_) {
    return Status::Unimplemented("model '" + path_ + "' (" + architecture_ +
                                 ") is not a reranker; rerank needs a GGUF with pooling type rank "
                                 "(e.g. a bge-reranker conversion)");
  }
  // The input llama.cpp's server gives rerankers: BOS query EOS SEP doc EOS, by the vocab's flags.
  const llama_vocab* vocab = llama_model_get_vocab(model_);
  llama_token eos = llama_vocab_eos(vocab);
  if (eos == LLAMA_TOKEN_NULL) eos = llama_vocab_sep(vocab);
  CI_ASSIGN_OR_RETURN(auto query_tokens, TokenizeText(query, false));
  std::vector<std::vector<int32_t>> inputs;
  for (const std::string& doc : docs) {
    CI_ASSIGN_OR_RETURN(auto doc_tokens, TokenizeText(doc, false));
    std::vector<int32_t> t;
    if (llama_vocab_get_add_bos(vocab)) t.push_back(llama_vocab_bos(vocab));
    t.insert(t.end(), query_tokens.begin(), query_tokens.end());
    if (llama_vocab_get_add_eos(vocab)) t.push_back(eos);
    if (llama_vocab_get_add_sep(vocab)) t.push_back(llama_vocab_sep(vocab));
    t.insert(t.end(), doc_tokens.begin(), doc_tokens.end());
    if (llama_vocab_get_add_eos(vocab)) t.push_back(eos);
    CI_RETURN_IF_ERROR(CheckFits(static_cast<int>(t.size()), 0));
    inputs.push_back(std::move(t));
  }
  std::lock_guard lock(mu_);
  CI_ASSIGN_OR_RETURN(auto scores, PoolBatch(inputs));
  std::vector<float> out;
  for (const auto& s : scores) out.push_back(s[0]);
  return out;
}

}  // namespace custintel::ai
