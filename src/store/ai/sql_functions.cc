#include "store/ai/sql_functions.h"

#include <atomic>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ai/json_schema.h"
#include "ai/lexical_embed.h"
#include "store/functions.h"

namespace custintel::store {
namespace {

using ai::AiService;
using ai::AiStats;
using ai::Batch;
using ai::Cosine;
using ai::IsStructDescription;
using ai::ModelIdentity;
using ai::Scored;
using ai::StructTypeToJsonStructure;

using store::SqlChunk;
using store::SqlFunction;
using store::SqlType;
using store::SqlValue;
using nlohmann::json;

using RowResults = std::vector<Result<SqlValue>>;  // one per row of `rows`, in order
// Computes the rows `rows` (their arguments are all non-NULL) of one chunk.
using ChunkOp = std::function<RowResults(AiService&, const SqlChunk&, const std::vector<size_t>& rows)>;

struct Spec {
  std::string name;  // "ai_<suffix>"
  std::vector<SqlType> args;
  SqlType returns;
  ChunkOp op;
  std::vector<std::string> aliases;  // SteadyText names
  bool try_variant = true;
};

std::string Excerpt(const std::string& s) {
  std::string one = s.substr(0, 60);
  for (char& c : one) if (c == '\n' || c == '\r') c = ' ';
  return s.size() > 60 ? one + "..." : one;
}

std::vector<std::string> Texts(const SqlChunk& in, size_t arg, const std::vector<size_t>& rows) {
  std::vector<std::string> out;
  out.reserve(rows.size());
  for (size_t r : rows) out.push_back(in.Text(arg, r));
  return out;
}

std::vector<std::string> ListTexts(const SqlValue& v) {
  std::vector<std::string> out;
  for (const auto& item : v.items) out.push_back(item.text);
  return out;
}

// Groups `rows` by a key of each row (max_tokens, choices, schema, query), keeping row order
// within a group; each group is one backend batch.
template <class KeyFn>
std::map<std::string, std::vector<size_t>> GroupBy(const std::vector<size_t>& rows, KeyFn key) {
  std::map<std::string, std::vector<size_t>> groups;
  for (size_t i = 0; i < rows.size(); ++i) groups[key(rows[i])].push_back(i);
  return groups;
}

template <class T, class Map>
RowResults MapRows(Batch<T> in, Map map) {
  RowResults out;
  out.reserve(in.size());
  for (auto& r : in) {
    if (!r.ok()) out.push_back(r.status());
    else out.push_back(map(*r));
  }
  return out;
}

SqlValue StringList(const std::vector<std::string>& v) {
  std::vector<SqlValue> items;
  for (const auto& s : v) items.push_back(SqlValue::Text(s));
  return SqlValue::Items(std::move(items));
}

SqlValue ScoredValue(const Scored& s) {
  return SqlValue::Items({SqlValue::Text(s.label), SqlValue::Double(s.probability), SqlValue::Double(s.margin)});
}

SqlType ScoredType() {
  return SqlType::Struct({{"label", SqlType::Varchar()}, {"probability", SqlType::Double()}, {"margin", SqlType::Double()}});
}

// --- the operations ---------------------------------------------------------------------------

RowResults OpGenerate(AiService& ai, const SqlChunk& in, const std::vector<size_t>& rows) {
  RowResults out(rows.size(), Status::Internal("not computed"));
  const bool has_max = in.columns.size() > 1;
  auto groups = GroupBy(rows, [&](size_t r) { return has_max ? std::to_string(in.columns[1][r].i) : ""; });
  for (const auto& [key, idx] : groups) {
    std::vector<std::string> prompts;
    for (size_t i : idx) prompts.push_back(in.Text(0, rows[i]));
    int max_tokens = key.empty() ? 0 : std::stoi(key);
    if (has_max && max_tokens < 1) {
      for (size_t i : idx) out[i] = Status::InvalidArgument("max_tokens must be at least 1");
      continue;
    }
    auto got = MapRows(ai.Generate(prompts, max_tokens), [](const std::string& s) { return SqlValue::Text(s); });
    for (size_t k = 0; k < idx.size(); ++k) out[idx[k]] = std::move(got[k]);
  }
  return out;
}

RowResults OpChoose(AiService& ai, const SqlChunk& in, const std::vector<size_t>& rows, bool scored) {
  RowResults out(rows.size(), Status::Internal("not computed"));
  auto groups = GroupBy(rows, [&](size_t r) { return json(ListTexts(in.columns[1][r])).dump(); });
  for (const auto& [key, idx] : groups) {
    std::vector<std::string> prompts;
    for (size_t i : idx) prompts.push_back(in.Text(0, rows[i]));
    std::vector<std::string> choices = ListTexts(in.columns[1][rows[idx[0]]]);
    auto got = MapRows(ai.Choose(prompts, choices),
                       [&](const Scored& s) { return scored ? ScoredValue(s) : SqlValue::Text(s.label); });
    for (size_t k = 0; k < idx.size(); ++k) out[idx[k]] = std::move(got[k]);
  }
  return out;
}

RowResults OpJson(AiService& ai, const SqlChunk& in, const std::vector<size_t>& rows) {
  RowResults out(rows.size(), Status::Internal("not computed"));
  auto groups = GroupBy(rows, [&](size_t r) { return in.Text(1, r); });
  for (const auto& [schema, idx] : groups) {
    std::vector<std::string> prompts;
    for (size_t i : idx) prompts.push_back(in.Text(0, rows[i]));
    auto got = MapRows(ai.GenerateJson(prompts, schema), [](const std::string& s) { return SqlValue::Text(s); });
    for (size_t k = 0; k < idx.size(); ++k) out[idx[k]] = std::move(got[k]);
  }
  return out;
}

RowResults OpEmbed(AiService& ai, const SqlChunk& in, const std::vector<size_t>& rows) {
  return MapRows(ai.Embed(Texts(in, 0, rows)), [](const std::vector<float>& v) { return SqlValue::Floats(v); });
}

RowResults OpSimilarity(AiService& ai, const SqlChunk& in, const std::vector<size_t>& rows) {
  std::vector<std::string> both = Texts(in, 0, rows);
  for (size_t r : rows) both.push_back(in.Text(1, r));
  Batch<std::vector<float>> e = ai.Embed(both);  // a and b in one batch
  RowResults out;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (!e[i].ok()) out.push_back(e[i].status());
    else if (!e[rows.size() + i].ok()) out.push_back(e[rows.size() + i].status());
    else out.push_back(SqlValue::Double(Cosine(*e[i], *e[rows.size() + i])));
  }
  return out;
}

RowResults OpRerank(AiService& ai, const SqlChunk& in, const std::vector<size_t>& rows) {
  RowResults out(rows.size(), Status::Internal("not computed"));
  auto groups = GroupBy(rows, [&](size_t r) { return in.Text(0, r); });
  for (const auto& [query, idx] : groups) {
    std::vector<std::string> docs;
    for (size_t i : idx) docs.push_back(in.Text(1, rows[i]));
    auto scores = ai.Rerank(query, docs);
    for (size_t k = 0; k < idx.size(); ++k) {
      if (!scores.ok()) out[idx[k]] = scores.status();
      else out[idx[k]] = SqlValue::Double((*scores)[k]);
    }
  }
  return out;
}

RowResults OpSentiment(AiService& ai, const SqlChunk& in, const std::vector<size_t>& rows) {
  return MapRows(ai.Sentiment(Texts(in, 0, rows)), [](double d) { return SqlValue::Double(d); });
}

RowResults OpSummarize(AiService& ai, const SqlChunk& in, const std::vector<size_t>& rows) {
  return MapRows(ai.Summarize(Texts(in, 0, rows)), [](const std::string& s) { return SqlValue::Text(s); });
}

RowResults OpThemes(AiService& ai, const SqlChunk& in, const std::vector<size_t>& rows) {
  return MapRows(ai.Themes(Texts(in, 0, rows)), StringList);
}

RowResults OpMask(AiService& ai, const SqlChunk& in, const std::vector<size_t>& rows) {
  RowResults out;
  for (auto& s : ai.Mask(Texts(in, 0, rows))) out.push_back(SqlValue::Text(std::move(s)));
  return out;
}

std::vector<Spec> Specs() {
  const SqlType V = SqlType::Varchar();
  const SqlType VList = SqlType::List(SqlType::Varchar());
  const SqlType FList = SqlType::List(SqlType::Float());
  auto choose = [](bool scored) {
    return [scored](AiService& ai, const SqlChunk& in, const std::vector<size_t>& rows) {
      return OpChoose(ai, in, rows, scored);
    };
  };
  return {
      {"ai_generate", {V}, V, OpGenerate, {"steadytext_generate"}},
      {"ai_generate", {V, SqlType::Bigint()}, V, OpGenerate, {"steadytext_generate"}},
      {"ai_choose", {V, VList}, V, choose(false), {"steadytext_generate_choice"}},
      {"ai_choose_scored", {V, VList}, ScoredType(), choose(true), {}},
      {"ai_json", {V, V}, SqlType::Json(), OpJson, {"steadytext_generate_json", "ai_json_text"}},
      {"ai_embed", {V}, FList, OpEmbed, {"steadytext_embed"}},
      {"ai_similarity", {V, V}, SqlType::Double(), OpSimilarity, {}, false},
      {"ai_rerank", {V, V}, SqlType::Double(), OpRerank, {}, false},
      {"ai_sentiment", {V}, SqlType::Double(), OpSentiment, {}},
      {"ai_summarize", {V}, V, OpSummarize, {}},
      {"ai_themes", {V}, VList, OpThemes, {}},
      {"ai_mask", {V}, V, OpMask, {}, false},
  };
}

// --- registration -----------------------------------------------------------------------------

std::vector<size_t> NonNullRows(const SqlChunk& in) {
  std::vector<size_t> rows;
  for (size_t r = 0; r < in.rows; ++r) {
    if (!in.AnyNull(r)) rows.push_back(r);
  }
  return rows;
}

RowResults RunOp(const Spec& spec, AiRuntime& runtime, const SqlChunk& in, const std::vector<size_t>& rows) {
  auto ai = runtime.Service();
  if (!ai.ok()) return RowResults(rows.size(), ai.status());
  return spec.op(**ai, in, rows);
}

SqlFunction Plain(const Spec& spec, const std::string& name, std::shared_ptr<AiRuntime> runtime) {
  SqlFunction f{name, spec.args, spec.returns, {}, {}, false, false};
  f.scalar = [spec, name, runtime](const SqlChunk& in) -> Result<std::vector<SqlValue>> {
    std::vector<size_t> rows = NonNullRows(in);
    RowResults got = RunOp(spec, *runtime, in, rows);
    std::vector<SqlValue> out(in.rows);
    for (size_t i = 0; i < rows.size(); ++i) {
      if (!got[i].ok()) {
        return Status(got[i].status().code(), fmt::format("{}: row with input '{}': {}", name,
                                                          Excerpt(in.Text(0, rows[i])), got[i].status().message()));
      }
      out[rows[i]] = std::move(*got[i]);
    }
    return out;
  };
  return f;
}

SqlFunction Try(const Spec& spec, std::shared_ptr<AiRuntime> runtime) {
  const std::string name = "ai_try_" + spec.name.substr(3);
  SqlType returns = SqlType::Struct({{"value", spec.returns}, {"error", SqlType::Varchar()}});
  SqlFunction f{name, spec.args, returns, {}, {}, false, false};
  f.scalar = [spec, runtime](const SqlChunk& in) -> Result<std::vector<SqlValue>> {
    std::vector<size_t> rows = NonNullRows(in);
    RowResults got = RunOp(spec, *runtime, in, rows);
    std::vector<SqlValue> out(in.rows);
    for (size_t i = 0; i < rows.size(); ++i) {
      out[rows[i]] = got[i].ok() ? SqlValue::Items({std::move(*got[i]), SqlValue::Null()})
                                 : SqlValue::Items({SqlValue::Null(), SqlValue::Text(got[i].status().message())});
    }
    return out;
  };
  return f;
}

SqlFunction JsonStructure() {
  SqlFunction f{"ai_json_structure", {SqlType::Varchar()}, SqlType::Varchar(), {}, {}, false, false};
  f.scalar = [](const SqlChunk& in) -> Result<std::vector<SqlValue>> {
    std::vector<SqlValue> out(in.rows);
    for (size_t r = 0; r < in.rows; ++r) {
      if (in.IsNull(0, r)) continue;
      if (!IsStructDescription(in.Text(0, r))) {
        out[r] = SqlValue::Text("\"JSON\"");
        continue;
      }
      auto structure = StructTypeToJsonStructure(in.Text(0, r));
      if (!structure.ok()) return structure.status().WithContext("ai_json");
      out[r] = SqlValue::Text(structure->dump());
    }
    return out;
  };
  return f;
}

SqlFunction Agg(std::shared_ptr<AiRuntime> runtime) {
  SqlFunction f{"ai_agg", {SqlType::Varchar(), SqlType::Varchar()}, SqlType::Varchar(), {}, {}, false, false};
  f.aggregate = [runtime](const std::vector<std::vector<SqlValue>>& rows) -> Result<SqlValue> {
    auto ai = runtime->Service();
    if (!ai.ok()) return ai.status().WithContext("ai_agg");
    std::vector<std::string> texts;
    for (const auto& row : rows) texts.push_back(row[0].text);
    auto summary = (*ai)->Aggregate(texts, rows[0][1].text);
    if (!summary.ok()) return summary.status().WithContext(fmt::format("ai_agg over {} rows", rows.size()));
    return SqlValue::Text(*summary);
  };
  return f;
}

SqlFunction Info(std::shared_ptr<AiRuntime> runtime) {
  SqlFunction f{"ai_info", {}, SqlType::Json(), {}, {}, true, false};
  f.scalar = [runtime](const SqlChunk& in) -> Result<std::vector<SqlValue>> {
    auto ai = runtime->Service();
    if (!ai.ok()) return ai.status();
    const ModelIdentity& id = (*ai)->identity();
    AiStats s = (*ai)->stats();
    json j = {{"backend", id.backend},
              {"model", id.model},
              {"model_sha256", id.model_sha256},
              {"engine_version", id.engine_version},
              {"backend_calls", s.backend_calls},
              {"cache_hits", s.cache_hits},
              {"tokens", s.tokens}};
    return std::vector<SqlValue>(std::max<size_t>(in.rows, 1), SqlValue::Text(j.dump()));
  };
  return f;
}

Status Register(store::Connection& conn, const std::vector<SqlFunction>& overloads) {
  return store::RegisterOverloads(conn, overloads);
}

}  // namespace

Status RegisterAiFunctions(store::Connection& conn, std::shared_ptr<AiRuntime> runtime) {
  // Overloads of one name are registered together.
  std::map<std::string, std::vector<SqlFunction>> by_name;
  for (const Spec& spec : Specs()) {
    by_name[spec.name].push_back(Plain(spec, spec.name, runtime));
    for (const auto& alias : spec.aliases) by_name[alias].push_back(Plain(spec, alias, runtime));
    if (spec.try_variant) {
      SqlFunction t = Try(spec, runtime);
      by_name[t.name].push_back(t);
    }
  }
  by_name["ai_json_structure"].push_back(JsonStructure());
  by_name["ai_agg"].push_back(Agg(runtime));
  by_name["ai_info"].push_back(Info(runtime));
  for (const auto& [name, overloads] : by_name) CI_RETURN_IF_ERROR(Register(conn, overloads));
  return Status::Ok();
}

void InstallAiFunctions(store::Database& db, std::shared_ptr<AiRuntime> runtime) {
  auto registered = std::make_shared<std::atomic<bool>>(false);
  db.AddConnectionInitializer([runtime, registered](store::Connection& conn) -> Status {
    if (!registered->exchange(true)) {
      Status s = RegisterAiFunctions(conn, runtime);
      if (!s.ok() && s.code() != StatusCode::kAlreadyExists) return s;
    }
    return Status::Ok();
  });
}

}  // namespace custintel::store
