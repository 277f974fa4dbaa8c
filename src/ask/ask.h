// Ask: a natural-language question answered through the semantic model, scoped and audited.
// The one entry point for the CLI (`custintel ask`) and the server (POST /v1/ask).
//
//   ask::AskOptions options;
//   options.scope = {{"account_id", "acme"}};     // an account key's row scope
//   CI_ASSIGN_OR_RETURN(ask::AskAnswer a, ask::Ask(conn, "total revenue", options));
//   std::cout << a.ToJson().dump();               // question, spec, sql, columns, rows, ...
//
// What happens: the question → a query spec (builtin parser, or the LLM parser through the AI
// layer) → ValidateSpec → CompileSpec (scope AND-ed in) → the one SELECT runs on `conn` with a
// row limit and a statement timeout (Connection::Interrupt from a timer thread) → answer text
// that states only numbers found in the rows. No other SQL runs for a question, except the
// audit row (meta.ask_log) written afterwards when options.audit is set.
// A question the model cannot answer is not an error: the answer says "cannot answer" and
// offers the closest verified questions. Errors (Status) are the caller's or the system's:
// bad scope key, query failed or timed out, LLM parser without a backend.
//
// Thread safety: Ask uses `conn` for its duration (one thread); the shared model is immutable.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ask/compiler.h"
#include "ask/semantic_model.h"
#include "ask/spec.h"
#include "core/status.h"
#include "store/database.h"

namespace custintel::ai {
class AiService;
}

namespace custintel::ask {

enum class ParserKind { kBuiltin, kLlm };

struct AskOptions {
  // Row filter the compiler ANDs into every query: scope key (as the model's sources name it,
  // e.g. account_id) → value. Empty = the whole tenant.
  Scope scope;
  // Most rows an answer returns (also the largest `limit` a spec may ask for).
  int64_t row_limit = 1000;
  // The query is interrupted after this long.
  std::chrono::milliseconds timeout{10000};
  ParserKind parser = ParserKind::kBuiltin;
  // Needed by the LLM parser only.
  std::shared_ptr<ai::AiService> ai;
  // The semantic model; null = the embedded default with sample values read from `conn`
  // (a server should load it once per tenant and pass it here).
  std::shared_ptr<const SemanticModel> model;
  // Write the question to meta.ask_log.
  bool audit = true;
};

struct AskAnswer {
  std::string question;
  bool answered = false;        // false: "cannot answer" (see reason and suggestions)
  std::string parser;           // builtin | llm
  QuerySpec spec;               // valid when answered
  std::string source;           // the model source the query read
  std::string sql;              // the one SELECT that ran ("" when not answered)
  std::vector<store::Param> params;
  Scope scope;
  std::vector<std::string> columns;
  nlohmann::json rows = nlohmann::json::array();  // array of arrays, numbers as numbers
  bool truncated = false;       // the row limit cut the answer
  std::string chart;            // number | bar | line | table | none
  std::string answer_text;      // states only numbers that occur in rows
  std::string reason;           // why not answered
  std::vector<std::string> suggestions;  // closest answerable questions when not answered
  double elapsed_ms = 0;

  nlohmann::json ToJson() const;
};

Result<AskAnswer> Ask(store::Connection& conn, const std::string& question, const AskOptions& options = {});

// The model Ask uses when options.model is null: embedded default + sample values from `conn`.
Result<std::shared_ptr<const SemanticModel>> LoadModelFor(store::Connection& conn);

// Bound parameters as JSON (for the audit log and the API).
nlohmann::json ParamsToJson(const std::vector<store::Param>& params);

}  // namespace custintel::ask
