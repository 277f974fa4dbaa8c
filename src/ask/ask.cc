#include "ask/ask.h"

#include <fmt/format.h>

#include <condition_variable>
#include <mutex>
#include <regex>
#include <thread>

#include "ask/answer.h"
#include "ask/llm_parser.h"
#include "ask/parser.h"
#include "store/result_json.h"

namespace custintel::ask {
namespace {

using Clock = std::chrono::steady_clock;

// Runs the query; a timer thread interrupts it when it outlives `timeout`.
Result<store::QueryResult> RunWithTimeout(store::Connection& conn, const CompiledQuery& q,
                                          std::chrono::milliseconds timeout) {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false, fired = false;
  std::thread timer([&] {
    std::unique_lock lock(mu);
    if (!cv.wait_for(lock, timeout, [&] { return done; })) {
      fired = true;
      conn.Interrupt();
    }
  });
  Result<store::QueryResult> r = conn.Query(q.sql, q.params);
  {
    std::lock_guard lock(mu);
    done = true;
  }
  cv.notify_all();
  timer.join();
  if (fired && !r.ok()) {
    return Status::ResourceExhausted(
        fmt::format("the question's query ran longer than {} ms and was stopped", timeout.count()));
  }
  if (!r.ok()) return r.status().WithContext("the question's query failed (has `custintel run` built the gold tables?)");
  return r;
}

nlohmann::json RowsToJson(const store::QueryResult& r) {
  nlohmann::json rows = nlohmann::json::array();
  for (size_t row = 0; row < r.row_count(); ++row) {
    nlohmann::json cells = nlohmann::json::array();
    for (size_t col = 0; col < r.column_count(); ++col) cells.push_back(store::CellToJson(r, col, row));
    rows.push_back(std::move(cells));
  }
  return rows;
}

void CannotAnswer(AskAnswer* a, const std::string& reason, const std::vector<std::string>& tokens,
                  const SemanticModel& model) {
  static const std::regex kDigit("[0-9]");
  a->answered = false;
  a->reason = reason;
  a->chart = "none";
  a->suggestions = ClosestQuestions(tokens, model);
  // The text states no numbers: the reason is left out when it carries any.
  a->answer_text = "I cannot answer that from the data model";
  if (!reason.empty() && !std::regex_search(reason, kDigit)) a->answer_text += ": " + reason;
  a->answer_text += ".";
  if (!a->suggestions.empty()) a->answer_text += " Try one of the suggested questions.";
}

Status CheckScopeKeys(const Scope& scope, const SemanticModel& model) {
  for (const auto& [key, value] : scope) {
    bool known = false;
    for (const Source& s : model.sources) known = known || s.scope.count(key) > 0;
    if (!known) return Status::InvalidArgument("scope key '" + key + "' is not defined by the semantic model");
  }
  return Status::Ok();
}

nlohmann::json ScopeToJson(const Scope& scope) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [k, v] : scope) j[k] = v;
  return j;
}

Status Audit(store::Connection& conn, const AskAnswer& a, const std::string& status) {
  return conn
      .Query("INSERT INTO meta.ask_log (question, parser, answered, status, reason, spec, sql, params, scope, "
             "row_count, elapsed_ms) VALUES (?, ?, ?, ?, ?, CAST(? AS JSON), ?, CAST(? AS JSON), CAST(? AS JSON), ?, ?)",
             {a.question, a.parser, a.answered, status, a.reason,
              a.answered ? SpecToJson(a.spec).dump() : std::string("null"), a.sql, ParamsToJson(a.params).dump(),
              ScopeToJson(a.scope).dump(), static_cast<int64_t>(a.rows.size()), a.elapsed_ms})
      .status()
      .WithContext("could not write the question to meta.ask_log");
}

Result<ParseOutcome> ParseQuestion(const std::string& question, const AskOptions& options,
                                   const SemanticModel& model) {
  if (options.parser == ParserKind::kBuiltin) return BuiltinParser(model).Parse(question);
  if (!options.ai) {
    return Status::Unimplemented("the LLM parser needs an AI backend; none is configured (use the builtin parser)");
  }
  return ParseWithLlm(*options.ai, question, model);
}

// Parse → validate → compile → run → answer. Errors are Status; "cannot answer" is not.
Status Answer(store::Connection& conn, const AskOptions& options, const SemanticModel& model, AskAnswer* a) {
  CI_ASSIGN_OR_RETURN(ParseOutcome parsed, ParseQuestion(a->question, options, model));
  if (!parsed.answerable) {
    CannotAnswer(a, parsed.reason, parsed.tokens, model);
    return Status::Ok();
  }
  a->spec = parsed.spec;
  if (Status valid = ValidateSpec(a->spec, model, options.row_limit); !valid.ok()) {
    CannotAnswer(a, valid.message(), parsed.tokens, model);
    return Status::Ok();
  }
  Result<CompiledQuery> q = CompileSpec(a->spec, model, options.scope, options.row_limit);
  if (!q.ok()) {
    CannotAnswer(a, q.status().message(), parsed.tokens, model);
    return Status::Ok();
  }
  a->source = q->source;
  a->sql = q->sql;
  a->params = q->params;
  a->columns = q->columns;
  CI_ASSIGN_OR_RETURN(store::QueryResult rows, RunWithTimeout(conn, *q, options.timeout));
  a->answered = true;
  a->rows = RowsToJson(rows);
  a->truncated = static_cast<int64_t>(rows.row_count()) >= q->limit && (a->spec.limit == 0 || a->spec.limit > q->limit);
  // A comparison of two rows also states their difference, as a row (the text states only
  // numbers of the rows).
  if (nlohmann::json diff = DifferenceRow(a->spec, model, a->columns, a->rows); !diff.is_null()) {
    a->rows.push_back(std::move(diff));
  }
  a->chart = ChartFor(a->spec, rows.row_count());
  a->answer_text = AnswerText(a->spec, model, a->columns, a->rows, a->truncated);
  return Status::Ok();
}

}  // namespace

nlohmann::json ParamsToJson(const std::vector<store::Param>& params) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& p : params) {
    std::visit([&](const auto& v) {
      using T = std::decay_t<decltype(v)>;
      if constexpr (std::is_same_v<T, std::monostate>) {
        j.push_back(nullptr);
      } else {
        j.push_back(v);
      }
    }, p);
  }
  return j;
}

nlohmann::json AskAnswer::ToJson() const {
  nlohmann::json j = {{"question", question},
                      {"answered", answered},
                      {"parser", parser},
                      {"spec", answered ? SpecToJson(spec) : nlohmann::json(nullptr)},
                      {"source", source},
                      {"sql", sql},
                      {"params", ParamsToJson(params)},
                      {"scope", ScopeToJson(scope)},
                      {"columns", columns},
                      {"rows", rows},
                      {"truncated", truncated},
                      {"chart", chart},
                      {"answer_text", answer_text},
                      {"elapsed_ms", elapsed_ms}};
  if (!answered) {
    j["reason"] = reason;
    j["suggestions"] = suggestions;
  }
  return j;
}

Result<std::shared_ptr<const SemanticModel>> LoadModelFor(store::Connection& conn) {
  CI_ASSIGN_OR_RETURN(SemanticModel model, DefaultSemanticModel());
  CI_RETURN_IF_ERROR(LoadSampleValues(conn, &model));
  CI_RETURN_IF_ERROR(NameCurrency(conn, &model));
  return std::shared_ptr<const SemanticModel>(std::make_shared<SemanticModel>(std::move(model)));
}

Result<AskAnswer> Ask(store::Connection& conn, const std::string& question, const AskOptions& options) {
  if (options.row_limit < 1) return Status::InvalidArgument("row limit must be at least 1");
  if (question.size() > 2000) return Status::InvalidArgument("the question is longer than 2000 characters");
  std::shared_ptr<const SemanticModel> model = options.model;
  if (!model) {
    CI_ASSIGN_OR_RETURN(model, LoadModelFor(conn));
  }
  CI_RETURN_IF_ERROR(CheckScopeKeys(options.scope, *model));

  const auto start = Clock::now();
  AskAnswer a;
  a.question = question;
  a.parser = options.parser == ParserKind::kBuiltin ? "builtin" : "llm";
  a.scope = options.scope;
  Status s = Answer(conn, options, *model, &a);
  a.elapsed_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  if (options.audit) {
    std::string status = !s.ok() ? "error: " + s.message() : a.answered ? "answered" : "cannot_answer";
    CI_RETURN_IF_ERROR(Audit(conn, a, status));
  }
  if (!s.ok()) return s;
  return a;
}

}  // namespace custintel::ask
