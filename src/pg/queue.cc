// custintel_work(batch_size, max_attempts): one worker step over the queue (custintel.sql has
// the tables and the contract). Claim, compute, write, delete — in the caller's transaction.
#include <cmath>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "pg/calls.h"
#include "pg/spi.h"
#include "pg/pg_door.h"

namespace custintel::pg {
namespace {

using nlohmann::json;

struct Item {
  std::string id, op, input, choices_json, schema;
  std::string target_oid, target_key, target_column, enqueued_by;  // target_oid "" = none
  std::optional<int> max_tokens;
  int64_t seed = 42;
};

// Items of one operation share the operation and every parameter; the operations of one seed
// are computed together (AiService::RunTogether: one backend batch for all of them).
std::string GroupKey(const Item& it) {
  return it.op + '\x1f' + it.choices_json + '\x1f' + it.schema + '\x1f' +
         (it.max_tokens ? std::to_string(*it.max_tokens) : "") + '\x1f' + std::to_string(it.seed);
}

std::vector<Item> Claim(const std::string& queue, int batch_size) {
  ExecuteWithKeys("SELECT id, op, input, array_to_json(choices)::text, schema, max_tokens, seed, target_table::oid::text, "
                  "target_key, target_column, enqueued_by FROM " + queue +
                      " WHERE run_after <= pg_catalog.now() ORDER BY id LIMIT ($1::text[])[1]::integer "
                      "FOR UPDATE SKIP LOCKED",
                  {std::to_string(batch_size)}, SPI_OK_SELECT);
  std::vector<Item> items(SPI_processed);
  for (int r = 0; r < static_cast<int>(items.size()); ++r) {
    Item& it = items[r];
    it.id = SpiValue(r, 1);
    it.op = SpiValue(r, 2);
    it.input = SpiValue(r, 3);
    it.choices_json = SpiValue(r, 4);
    it.schema = SpiValue(r, 5);
    if (!SpiIsNull(r, 6)) it.max_tokens = std::stoi(SpiValue(r, 6));
    it.seed = std::stoll(SpiValue(r, 7));
    it.target_oid = SpiValue(r, 8);
    it.target_key = SpiValue(r, 9);
    it.target_column = SpiValue(r, 10);
    it.enqueued_by = SpiValue(r, 11);
  }
  return items;
}

template <class T, class Encode>
std::vector<Result<std::string>> Encoded(ai::Batch<T> batch, Encode encode) {
  std::vector<Result<std::string>> out;
  for (auto& r : batch) {
    if (r.ok()) out.push_back(encode(*r));
    else out.push_back(r.status());
  }
  return out;
}

std::optional<ai::OpBatch::Kind> KindOf(const std::string& op) {
  if (op == "generate") return ai::OpBatch::Kind::kGenerate;
  if (op == "choose") return ai::OpBatch::Kind::kChoose;
  if (op == "json") return ai::OpBatch::Kind::kJson;
  if (op == "sentiment") return ai::OpBatch::Kind::kSentiment;
  if (op == "summarize") return ai::OpBatch::Kind::kSummarize;
  if (op == "themes") return ai::OpBatch::Kind::kThemes;
  return std::nullopt;  // embed (another model kind) and unknown ops: Compute
}

// A RunTogether answer as the results table keeps it: text for generate, summarize and json,
// the label for choose, JSON for sentiment and themes.
Result<std::string> Stored(ai::OpBatch::Kind kind, Result<json> answer) {
  if (!answer.ok()) return answer.status();
  if (kind == ai::OpBatch::Kind::kChoose) return (*answer)["label"].get<std::string>();
  if (answer->is_string()) return answer->get<std::string>();
  return answer->dump();
}

// One seed's groups through one service: every operation's rows in one backend batch, except
// embed (an embedding model's own batch) and unknown ops. Row-aligned with each group.
std::vector<std::vector<Result<std::string>>> ComputeTogether(const Callee& callee, int64_t seed,
                                                              const std::vector<const std::vector<const Item*>*>& groups);

// One batch through the service: the rows of `group`, in order.
std::vector<Result<std::string>> Compute(const Callee& callee, const std::vector<const Item*>& group) {
  const Item& first = *group.front();
  CallOptions call;
  call.max_tokens = first.max_tokens.value_or(0);
  call.seed = first.seed;
  std::unique_ptr<ai::AiService> service = ServiceFor(callee, call);
  std::vector<std::string> inputs;
  for (const Item* it : group) inputs.push_back(it->input);
  auto same = [](const std::string& s) { return s; };
  if (first.op == "generate") return Encoded(service->Generate(inputs, call.max_tokens), same);
  if (first.op == "json") return Encoded(service->GenerateJson(inputs, first.schema), same);
  if (first.op == "summarize") return Encoded(service->Summarize(inputs), same);
  if (first.op == "sentiment") return Encoded(service->Sentiment(inputs), [](double d) { return json(d).dump(); });
  if (first.op == "themes") {
    return Encoded(service->Themes(inputs), [](const std::vector<std::string>& v) { return json(v).dump(); });
  }
  if (first.op == "embed") {
    return Encoded(service->Embed(inputs), [](const std::vector<float>& v) { return json(v).dump(); });
  }
  if (first.op == "choose") {
    std::vector<std::string> choices = json::parse(first.choices_json).get<std::vector<std::string>>();
    return Encoded(service->Choose(inputs, choices), [](const ai::Scored& s) { return s.label; });
  }
  return std::vector<Result<std::string>>(group.size(), Status::InvalidArgument("unknown op '" + first.op + "'"));
}

std::vector<std::vector<Result<std::string>>> ComputeTogether(const Callee& callee, int64_t seed,
                                                              const std::vector<const std::vector<const Item*>*>& groups) {
  std::vector<std::vector<Result<std::string>>> out(groups.size());
  std::vector<ai::OpBatch> ops;
  std::vector<size_t> op_group;
  for (size_t g = 0; g < groups.size(); ++g) {
    const std::vector<const Item*>& group = *groups[g];
    const Item& first = *group.front();
    std::optional<ai::OpBatch::Kind> kind = KindOf(first.op);
    if (!kind) {
      out[g] = Compute(callee, group);
      continue;
    }
    ai::OpBatch op;
    op.kind = *kind;
    for (const Item* it : group) op.inputs.push_back(it->input);
    if (!first.choices_json.empty()) op.choices = json::parse(first.choices_json).get<std::vector<std::string>>();
    op.schema = first.schema;
    op.max_tokens = first.max_tokens.value_or(0);
    ops.push_back(std::move(op));
    op_group.push_back(g);
  }
  if (ops.empty()) return out;
  CallOptions call;
  call.seed = seed;
  std::unique_ptr<ai::AiService> service = ServiceFor(callee, call);
  std::vector<ai::Batch<json>> answers = service->RunTogether(ops);
  for (size_t k = 0; k < ops.size(); ++k) {
    for (auto& a : answers[k]) out[op_group[k]].push_back(Stored(ops[k].kind, std::move(a)));
  }
  return out;
}

// Writes `result` into the item's target row as the role that enqueued it, in a subtransaction:
// a refused or failed write (no privilege, row gone, wrong type) is that item's error, the
// rest of the batch goes on. Plain PostgreSQL calls only inside (PL/pgSQL's pattern).
std::optional<std::string> WriteBack(const std::string& schema, const Item& it, const std::string& result) {
  const std::string sql = "SELECT " + schema + ".custintel_write_back($1::oid::regclass, $2, $3::name, $4)";
  const char* error = nullptr;
  MemoryContext caller = CurrentMemoryContext;
  ResourceOwner owner = CurrentResourceOwner;
  Oid saved_user = InvalidOid;
  int saved_context = 0;
  GetUserIdAndSecContext(&saved_user, &saved_context);
  BeginInternalSubTransaction(nullptr);
  MemoryContextSwitchTo(caller);
  PG_TRY();
  {
    Oid role = get_role_oid(it.enqueued_by.c_str(), false);
    SetUserIdAndSecContext(role, saved_context | SECURITY_LOCAL_USERID_CHANGE);
    Oid types[4] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID};
    Datum values[4] = {CStringGetTextDatum(it.target_oid.c_str()), CStringGetTextDatum(it.target_key.c_str()),
                       CStringGetTextDatum(it.target_column.c_str()), CStringGetTextDatum(result.c_str())};
    int rc = SPI_execute_with_args(sql.c_str(), 4, types, values, nullptr, false, 0);
    if (rc != SPI_OK_SELECT) elog(ERROR, "custintel: writing a result back failed: %s", SPI_result_code_string(rc));
    SetUserIdAndSecContext(saved_user, saved_context);
    ReleaseCurrentSubTransaction();
    MemoryContextSwitchTo(caller);
    CurrentResourceOwner = owner;
  }
  PG_CATCH();
  {
    MemoryContextSwitchTo(caller);
    ErrorData* data = CopyErrorData();
    FlushErrorState();
    RollbackAndReleaseCurrentSubTransaction();
    SetUserIdAndSecContext(saved_user, saved_context);
    MemoryContextSwitchTo(caller);
    CurrentResourceOwner = owner;
    error = data->message ? pstrdup(data->message) : "error";
  }
  PG_END_TRY();
  if (error) return std::string(error);
  return std::nullopt;
}

Datum Work(FunctionCallInfo fcinfo) {
  const int batch_size = PG_NARGS() > 0 && !PG_ARGISNULL(0) ? PG_GETARG_INT32(0) : 32;
  const int max_attempts = PG_NARGS() > 1 && !PG_ARGISNULL(1) ? PG_GETARG_INT32(1) : 3;
  if (batch_size < 1 || max_attempts < 1) {
    throw SqlError(ERRCODE_INVALID_PARAMETER_VALUE, "custintel_work: batch_size and max_attempts must be at least 1");
  }
  const Callee callee = CalleeOf(fcinfo);
  const std::string queue = callee.schema + ".custintel_queue";
  SpiSession spi;
  const std::vector<Item> items = Claim(queue, batch_size);
  if (items.empty()) return Int32GetDatum(0);

  std::map<int64_t, std::map<std::string, std::vector<const Item*>>> by_seed;
  for (const Item& it : items) by_seed[it.seed][GroupKey(it)].push_back(&it);
  std::vector<const std::vector<const Item*>*> all_groups;
  std::vector<std::vector<Result<std::string>>> all_results;
  for (const auto& [seed, groups] : by_seed) {
    std::vector<const std::vector<const Item*>*> these;
    for (const auto& [key, group] : groups) these.push_back(&group);
    std::vector<std::vector<Result<std::string>>> got = ComputeTogether(callee, seed, these);
    for (size_t g = 0; g < these.size(); ++g) {
      all_groups.push_back(these[g]);
      all_results.push_back(std::move(got[g]));
    }
  }
  std::vector<std::string> done_ids, done_results, failed_ids, errors;
  for (size_t g = 0; g < all_groups.size(); ++g) {
    const std::vector<const Item*>& group = *all_groups[g];
    std::vector<Result<std::string>>& results = all_results[g];
    results.resize(group.size(), Status::Internal("no answer for the item"));
    for (size_t i = 0; i < group.size(); ++i) {
      std::optional<std::string> write_error;
      if (results[i].ok() && !group[i]->target_oid.empty()) {
        write_error = WriteBack(callee.schema, *group[i], *results[i]);
      }
      if (results[i].ok() && !write_error) {
        done_ids.push_back(group[i]->id);
        done_results.push_back(*results[i]);
      } else if (write_error) {
        failed_ids.push_back(group[i]->id);
        errors.push_back("writing the result into " + group[i]->target_column + " failed: " + *write_error);
      } else {
        failed_ids.push_back(group[i]->id);
        errors.push_back(results[i].status().message());
      }
    }
  }
  if (!done_ids.empty()) {
    ExecuteWithArrays("WITH r AS (SELECT * FROM unnest($1::bigint[], $2) AS r(id, result)), "
                      "d AS (DELETE FROM " + queue + " q USING r WHERE q.id = r.id "
                      "RETURNING q.id, q.op, q.attempts, q.request_id, q.enqueued_at) "
                      "INSERT INTO " + callee.schema + ".custintel_results (id, op, result, attempts, request_id, "
                      "enqueued_at) SELECT d.id, d.op, r.result, d.attempts + 1, d.request_id, d.enqueued_at "
                      "FROM d JOIN r USING (id)",
                      {done_ids, done_results}, SPI_OK_INSERT);
  }
  if (!failed_ids.empty()) {
    // Retry after 1 s, 2 s, 4 s ...; park once max_attempts is reached.
    ExecuteWithArrays("UPDATE " + queue + " q SET attempts = q.attempts + 1, last_error = f.error, "
                      "run_after = pg_catalog.now() + interval '1 second' * power(2, q.attempts) "
                      "FROM unnest($1::bigint[], $2) AS f(id, error) WHERE q.id = f.id",
                      {failed_ids, errors}, SPI_OK_UPDATE);
    ExecuteWithArrays("WITH p AS (DELETE FROM " + queue + " WHERE id = ANY($1::bigint[]) AND attempts >= "
                      "($2::text[])[1]::integer RETURNING *) INSERT INTO " + callee.schema +
                      ".custintel_failed (id, op, input, choices, schema, max_tokens, seed, attempts, error, "
                      "enqueued_at, request_id) SELECT id, op, input, choices, schema, max_tokens, seed, attempts, "
                      "last_error, enqueued_at, request_id FROM p",
                      {failed_ids, {std::to_string(max_attempts)}}, SPI_OK_INSERT);
  }
  return Int32GetDatum(static_cast<int>(items.size()));
}

}  // namespace
}  // namespace custintel::pg

extern "C" {
PG_FUNCTION_INFO_V1(custintel_work);
Datum custintel_work(PG_FUNCTION_ARGS) { return custintel::pg::CallBoundary(fcinfo, custintel::pg::Work); }
}
