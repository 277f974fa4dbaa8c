// JsonGrammar: JSON-schema-constrained decoding that always ends in valid JSON.
//
// The schema (checked against json_schema_subset.h) goes through llama.cpp's
// json_schema_to_grammar into GBNF, and every row gets its own grammar sampler
// (llama_sampler_init_grammar, cloned per row), so each picked token keeps the text a prefix of
// some valid document. Greedy: the highest-logit token the grammar allows (ties to the lowest
// id); the argmax is tried alone first, then the top 256, then the whole vocabulary, because
// checking 32k tokens against the grammar costs more than the model step of a tiny model.
//
// A grammar alone does not make a document *finish*: a string may go on forever. So before a
// token is accepted the picker asks how many tokens a closing needs afterwards — found by a
// deterministic walk over single-character tokens ('"' first, then '}', ']', ':', '0', ',',
// 'f', 'n', 't', '[', '{', then any allowed character) until end-of-generation is allowed — and
// when the token would leave too few for that, it writes the closing instead. Every row thus
// ends in a complete document within max_tokens; the shortest possible document longer than
// max_tokens is refused up front.
//
//   CI_ASSIGN_OR_RETURN(JsonGrammar g, JsonGrammar::Compile(model, schema_text));
//   CI_ASSIGN_OR_RETURN(auto picker, g.NewPicker(max_tokens));   // a TokenPicker
//   ... BatchDecoder::Run(rows, *picker) ...; CI_RETURN_IF_ERROR(g.Validate(text));
//
// Thread safety: a JsonGrammar is immutable and shareable; a picker belongs to one Run.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ai/json_schema_subset.h"
#include "ai/llama/llama_batch_decoder.h"
#include "core/status.h"

struct llama_model;
struct llama_sampler;

namespace custintel::ai {

class JsonGrammar {
 public:
  // Errors: InvalidArgument for a schema outside the subset or one llama.cpp cannot convert.
  static Result<JsonGrammar> Compile(const llama_model* model, const std::string& schema_text);

  // A picker for one batch. Errors: InvalidArgument when even the shortest valid document
  // takes more than max_tokens tokens.
  Result<std::unique_ptr<TokenPicker>> NewPicker(int max_tokens) const;

  Status Validate(std::string_view text) const { return schema_.Validate(text); }
  // The GBNF llama.cpp built from the schema (for debugging and cache keys).
  const std::string& gbnf() const { return gbnf_; }

  // Opaque (llama_grammar.cc): the parsed grammar sampler and the single-character tokens.
  struct Shared;

 private:
  JsonSchema schema_;
  std::string gbnf_;
  std::shared_ptr<const Shared> shared_;
};

}  // namespace custintel::ai
