// The SQL-callable functions (custintel--<version>.sql declares them; README.md lists them).
// Each entry point is one line: CallBoundary around a C++ body. A body reads its arguments by
// position, so one body serves pg_steadytext's long signatures, the st_* aliases and
// custintel's short ai_* names alike (arguments past PG_NARGS() take their defaults).
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pg/calls.h"
#include "pg/engine.h"
#include "pg/settings.h"
#include "models/clv/clv_bgnbd.h"
#include "pg/spi_cache.h"
#include "text/pii.h"
#include "text/sentiment.h"
#include "text/summary.h"
#include "text/themes.h"
#include "text/triage.h"
#include "pg/pg_door.h"

// PostgreSQL's macros name the type `text`, which inside namespace custintel is the text engine's
// namespace: the argument readers that use them live out here.
static char* ArgCString(FunctionCallInfo fcinfo, int i) { return text_to_cstring(PG_GETARG_TEXT_PP(i)); }
static char* DatumCString(Datum d) { return text_to_cstring(DatumGetTextPP(d)); }

namespace custintel::pg {

Callee CalleeOf(FunctionCallInfo fcinfo) {
  char* name = nullptr;
  const char* table = nullptr;
  const char* schema = nullptr;
  PgGuard([&] {
    Oid fn = fcinfo->flinfo->fn_oid;
    name = get_func_name(fn);
    const char* ns = get_namespace_name(get_func_namespace(fn));
    schema = quote_identifier(ns);
    table = quote_qualified_identifier(ns, "custintel_ai_cache");
  });
  return {name ? name : "custintel", table, schema};
}

std::unique_ptr<ai::AiService> ServiceFor(const Callee& callee, const CallOptions& call) {
  Engine& engine = Engine::Get();
  engine.Configure(CurrentSettings());
  // The role that called (the one before SECURITY DEFINER switched to the owner).
  const char* role = nullptr;
  PgGuard([&] { role = GetUserNameFromId(GetOuterUserId(), false); });
  auto service = engine.Service(call, std::make_shared<SpiCache>(callee.cache_table), role,
                                std::make_shared<SpiUsageStore>(callee.schema + ".custintel_usage"));
  if (!service.ok()) ThrowStatus(service.status(), callee.name);
  return std::move(*service);
}

namespace {

bool Given(FunctionCallInfo fcinfo, int i) { return i < PG_NARGS() && !PG_ARGISNULL(i); }

std::optional<std::string> TextArg(FunctionCallInfo fcinfo, int i) {
  if (!Given(fcinfo, i)) return std::nullopt;
  char* s = nullptr;
  PgGuard([&] { s = ArgCString(fcinfo, i); });
  return std::string(s);
}

std::optional<int> IntArg(FunctionCallInfo fcinfo, int i) {
  if (!Given(fcinfo, i)) return std::nullopt;
  return PG_GETARG_INT32(i);
}

bool BoolArg(FunctionCallInfo fcinfo, int i, bool fallback) {
  return Given(fcinfo, i) ? PG_GETARG_BOOL(i) : fallback;
}

// The elements of a text[] argument; a NULL element is an error naming `what`.
std::vector<std::string> TextArrayArg(FunctionCallInfo fcinfo, int i, const char* what) {
  Datum* elems = nullptr;
  bool* nulls = nullptr;
  int n = 0;
  PgGuard([&] {
    deconstruct_array(PG_GETARG_ARRAYTYPE_P(i), TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
  });
  std::vector<std::string> out;
  for (int k = 0; k < n; ++k) {
    if (nulls[k]) throw SqlError(ERRCODE_NULL_VALUE_NOT_ALLOWED, std::string(what) + " must not contain NULL");
    char* s = nullptr;
    PgGuard([&] { s = DatumCString(elems[k]); });
    out.emplace_back(s);
  }
  return out;
}

// A schema argument declared jsonb, json or text, as JSON text.
std::string SchemaArg(FunctionCallInfo fcinfo, int i) {
  char* s = nullptr;
  PgGuard([&] {
    Oid* types = nullptr;
    int nargs = 0;
    get_func_signature(fcinfo->flinfo->fn_oid, &types, &nargs);
    if (i < nargs && types[i] == JSONBOID) {
      Jsonb* j = PG_GETARG_JSONB_P(i);
      s = JsonbToCString(nullptr, &j->root, VARSIZE(j));
    } else {
      s = ArgCString(fcinfo, i);
    }
  });
  return s;
}

Datum NullResult(FunctionCallInfo fcinfo) {
  fcinfo->isnull = true;
  return (Datum)0;
}

Datum TextResult(const std::string& s) {
  Datum d = (Datum)0;
  PgGuard([&] { d = PointerGetDatum(cstring_to_text_with_len(s.data(), static_cast<int>(s.size()))); });
  return d;
}

Datum JsonbResult(const std::string& s) {
  Datum d = (Datum)0;
  PgGuard([&] { d = DirectFunctionCall1(jsonb_in, CStringGetDatum(s.c_str())); });
  return d;
}

Datum TextArrayResult(const std::vector<std::string>& items) {
  Datum d = (Datum)0;
  PgGuard([&] {
    Datum* elems = static_cast<Datum*>(palloc(sizeof(Datum) * (items.empty() ? 1 : items.size())));
    for (size_t k = 0; k < items.size(); ++k) {
      elems[k] = PointerGetDatum(cstring_to_text_with_len(items[k].data(), static_cast<int>(items[k].size())));
    }
    d = PointerGetDatum(construct_array(elems, static_cast<int>(items.size()), TEXTOID, -1, false, TYPALIGN_INT));
  });
  return d;
}

template <class T>
Datum FloatArrayResult(const std::vector<T>& values, Oid type) {
  Datum d = (Datum)0;
  PgGuard([&] {
    Datum* elems = static_cast<Datum*>(palloc(sizeof(Datum) * (values.empty() ? 1 : values.size())));
    for (size_t k = 0; k < values.size(); ++k) {
      elems[k] = type == FLOAT4OID ? Float4GetDatum(static_cast<float>(values[k]))
                                   : Float8GetDatum(static_cast<double>(values[k]));
    }
    d = PointerGetDatum(type == FLOAT4OID
                            ? construct_array(elems, static_cast<int>(values.size()), FLOAT4OID, 4, true, TYPALIGN_INT)
                            : construct_array(elems, static_cast<int>(values.size()), FLOAT8OID, 8,
                                              FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
  });
  return d;
}

// pg_steadytext picks models per call; here a superuser picks the model (custintel.model).
void RefusePerCallModel(FunctionCallInfo fcinfo, const Callee& callee, std::initializer_list<int> args) {
  for (int i : args) {
    if (Given(fcinfo, i)) {
      throw SqlError(ERRCODE_FEATURE_NOT_SUPPORTED,
                     callee.name + ": choosing a model per call (model, model_repo, model_filename, size) is not "
                                   "supported",
                     "Leave these NULL: a superuser chooses the model with custintel.backend and custintel.model.");
    }
  }
}

// Call options from (max_tokens, use_cache, seed) at the given positions (-1: not in this call).
CallOptions OptionsFrom(FunctionCallInfo fcinfo, const Callee& callee, int max_tokens_arg, int use_cache_arg,
                        int seed_arg) {
  CallOptions o;
  if (max_tokens_arg >= 0) {
    if (auto m = IntArg(fcinfo, max_tokens_arg)) {
      if (*m < 1) throw SqlError(ERRCODE_INVALID_PARAMETER_VALUE, callee.name + ": max_tokens must be at least 1");
      o.max_tokens = *m;
    }
  }
  if (use_cache_arg >= 0) o.use_cache = BoolArg(fcinfo, use_cache_arg, true);
  if (seed_arg >= 0) {
    if (auto s = IntArg(fcinfo, seed_arg)) {
      if (*s < 0) throw SqlError(ERRCODE_INVALID_PARAMETER_VALUE, callee.name + ": seed must be non-negative");
      o.seed = *s;
    }
  }
  return o;
}

template <class T>
T Take(ai::Batch<T> batch, const Callee& callee) {
  if (batch.empty()) throw SqlError(ERRCODE_INTERNAL_ERROR, callee.name + ": no answer");
  if (!batch[0].ok()) ThrowStatus(batch[0].status(), callee.name);
  return std::move(*batch[0]);
}

// steadytext_generate(prompt, max_tokens, use_cache, seed, eos_string, model, model_repo,
// model_filename, size, unsafe_mode); ai_generate(prompt, max_tokens).
Datum Generate(FunctionCallInfo fcinfo) {
  auto prompt = TextArg(fcinfo, 0);
  if (!prompt) return NullResult(fcinfo);
  const Callee callee = CalleeOf(fcinfo);
  RefusePerCallModel(fcinfo, callee, {5, 6, 7, 8});
  const CallOptions call = OptionsFrom(fcinfo, callee, 1, 2, 3);
  std::string text;
  {
    auto service = ServiceFor(callee, call);
    std::vector<std::string> prompts = {*prompt};
    text = Take(service->Generate(prompts, call.max_tokens), callee);
  }
  // eos_string: the text ends before its first occurrence ('[EOS]', the default, is the model's own).
  if (auto eos = TextArg(fcinfo, 4); eos && !eos->empty() && *eos != "[EOS]") {
    if (size_t at = text.find(*eos); at != std::string::npos) text.resize(at);
  }
  return TextResult(text);
}

// steadytext_generate_choice(prompt, choices, max_tokens, use_cache, seed, unsafe_mode, model);
// ai_choose(prompt, choices).
Datum Choose(FunctionCallInfo fcinfo) {
  auto prompt = TextArg(fcinfo, 0);
  if (!prompt || !Given(fcinfo, 1)) return NullResult(fcinfo);
  const Callee callee = CalleeOf(fcinfo);
  RefusePerCallModel(fcinfo, callee, {6});
  std::vector<std::string> choices = TextArrayArg(fcinfo, 1, "choices");
  if (choices.empty()) throw SqlError(ERRCODE_INVALID_PARAMETER_VALUE, callee.name + ": choices must not be empty");
  const CallOptions call = OptionsFrom(fcinfo, callee, 2, 3, 4);
  std::string label;
  {
    auto service = ServiceFor(callee, call);
    std::vector<std::string> prompts = {*prompt};
    label = Take(service->Choose(prompts, choices), callee).label;
  }
  return TextResult(label);
}

// steadytext_generate_json(prompt, schema, max_tokens, use_cache, seed, unsafe_mode, model) ->
// text; ai_json(prompt, schema) -> jsonb. The schema: a JSON Schema, or SteadyText's bare map
// of properties.
std::string JsonAnswer(FunctionCallInfo fcinfo, const Callee& callee, const std::string& prompt) {
  RefusePerCallModel(fcinfo, callee, {6});
  std::string schema = SchemaArg(fcinfo, 1);
  const CallOptions call = OptionsFrom(fcinfo, callee, 2, 3, 4);
  auto service = ServiceFor(callee, call);
  std::vector<std::string> prompts = {prompt};
  return Take(service->GenerateJson(prompts, schema), callee);
}

Datum JsonText(FunctionCallInfo fcinfo) {
  auto prompt = TextArg(fcinfo, 0);
  if (!prompt || !Given(fcinfo, 1)) return NullResult(fcinfo);
  return TextResult(JsonAnswer(fcinfo, CalleeOf(fcinfo), *prompt));
}

Datum JsonB(FunctionCallInfo fcinfo) {
  auto prompt = TextArg(fcinfo, 0);
  if (!prompt || !Given(fcinfo, 1)) return NullResult(fcinfo);
  return JsonbResult(JsonAnswer(fcinfo, CalleeOf(fcinfo), *prompt));
}

// steadytext_embed(text_input, use_cache, seed, model, unsafe_mode); ai_embed(text) -> real[].
Datum Embed(FunctionCallInfo fcinfo) {
  auto input = TextArg(fcinfo, 0);
  if (!input) return NullResult(fcinfo);
  const Callee callee = CalleeOf(fcinfo);
  RefusePerCallModel(fcinfo, callee, {3});
  const CallOptions call = OptionsFrom(fcinfo, callee, -1, 1, 2);
  std::vector<float> vector;
  {
    auto service = ServiceFor(callee, call);
    std::vector<std::string> texts = {*input};
    vector = Take(service->Embed(texts), callee);
  }
  return FloatArrayResult(vector, FLOAT4OID);
}

// custintel_rerank_scores(query, documents, seed) -> float8[], one score per document in order
// (steadytext_rerank's rows come from it).
Datum RerankScores(FunctionCallInfo fcinfo) {
  auto query = TextArg(fcinfo, 0);
  if (!query || !Given(fcinfo, 1)) return NullResult(fcinfo);
  const Callee callee = CalleeOf(fcinfo);
  std::vector<std::string> docs = TextArrayArg(fcinfo, 1, "documents");
  const CallOptions call = OptionsFrom(fcinfo, callee, -1, -1, 2);
  std::vector<double> scores;
  {
    auto service = ServiceFor(callee, call);
    auto got = service->Rerank(*query, docs);
    if (!got.ok()) ThrowStatus(got.status(), callee.name);
    scores = std::move(*got);
  }
  return FloatArrayResult(scores, FLOAT8OID);
}

Datum Sentiment(FunctionCallInfo fcinfo) {
  auto input = TextArg(fcinfo, 0);
  if (!input) return NullResult(fcinfo);
  const Callee callee = CalleeOf(fcinfo);
  double score = 0;
  {
    auto service = ServiceFor(callee, {});
    std::vector<std::string> texts = {*input};
    score = Take(service->Sentiment(texts), callee);
  }
  return Float8GetDatum(score);
}

Datum Summarize(FunctionCallInfo fcinfo) {
  auto input = TextArg(fcinfo, 0);
  if (!input) return NullResult(fcinfo);
  const Callee callee = CalleeOf(fcinfo);
  std::string summary;
  {
    auto service = ServiceFor(callee, {});
    std::vector<std::string> texts = {*input};
    summary = Take(service->Summarize(texts), callee);
  }
  return TextResult(summary);
}

Datum Themes(FunctionCallInfo fcinfo) {
  auto input = TextArg(fcinfo, 0);
  if (!input) return NullResult(fcinfo);
  const Callee callee = CalleeOf(fcinfo);
  std::vector<std::string> themes;
  {
    auto service = ServiceFor(callee, {});
    std::vector<std::string> texts = {*input};
    themes = Take(service->Themes(texts), callee);
  }
  return TextArrayResult(themes);
}

// ai_mask(text): emails, phones, cards, IBANs, names ... replaced by placeholders. Always the text
// engine (masking never leaves the process): IMMUTABLE.
Datum Mask(FunctionCallInfo fcinfo) {
  auto input = TextArg(fcinfo, 0);
  if (!input) return NullResult(fcinfo);
  return TextResult(text::MaskPii(*input).text);
}

// ai_triage(text) -> jsonb {urgency, sentiment, root_cause, suggested_resolution,
// follow_up_needed, tags}: the text engine's ticket triage. IMMUTABLE.
Datum Triage(FunctionCallInfo fcinfo) {
  auto input = TextArg(fcinfo, 0);
  if (!input) return NullResult(fcinfo);
  return JsonbResult(text::TriageTicket(*input).ToJson().dump());
}

// custintel_text_sentiment / _summary / _themes: the text engine's answers whatever the backend
// (the instant half of custintel_analyze_on_insert's triggers). IMMUTABLE.
Datum TextSentiment(FunctionCallInfo fcinfo) {
  static const text::SentimentAnalyzer analyzer;
  return Float8GetDatum(analyzer.Analyze(*TextArg(fcinfo, 0)).compound);
}

Datum TextSummary(FunctionCallInfo fcinfo) { return TextResult(text::Summarize(*TextArg(fcinfo, 0))); }

Datum TextThemes(FunctionCallInfo fcinfo) {
  static const text::ThemeExtractor extractor;
  std::vector<std::string> ids;
  for (const auto& th : extractor.Extract(*TextArg(fcinfo, 0)).themes) ids.push_back(th.id);
  return TextArrayResult(ids);
}

// The elements of a float8[] argument; a NULL element is an error naming `what`.
std::vector<double> FloatArrayArg(FunctionCallInfo fcinfo, int i, const char* what) {
  Datum* elems = nullptr;
  bool* nulls = nullptr;
  int n = 0;
  PgGuard([&] {
    deconstruct_array(PG_GETARG_ARRAYTYPE_P(i), FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &elems, &nulls, &n);
  });
  std::vector<double> out(static_cast<size_t>(n));
  for (int k = 0; k < n; ++k) {
    if (nulls[k]) throw SqlError(ERRCODE_NULL_VALUE_NOT_ALLOWED, std::string(what) + " must not contain NULL");
    out[static_cast<size_t>(k)] = DatumGetFloat8(elems[k]);
  }
  return out;
}

// custintel_fit_bgnbd(x, t_x, t, penalizer) -> jsonb {r, alpha, a, b, log_likelihood, customers,
// groups, converged, iterations, stop_reason}: the BG/NBD fit of models/clv on one summary row
// per customer (x repeat periods, the last at t_x, observed for T) — what a coordinator gathers
// from its shards. One thread: a backend process starts none for it. IMMUTABLE.
Datum FitBgNbd(FunctionCallInfo fcinfo) {
  const std::vector<double> x = FloatArrayArg(fcinfo, 0, "x");
  const std::vector<double> t_x = FloatArrayArg(fcinfo, 1, "t_x");
  const std::vector<double> t = FloatArrayArg(fcinfo, 2, "t");
  models::BgNbdOptions options;
  options.threads = 1;
  options.penalizer = Given(fcinfo, 3) ? PG_GETARG_FLOAT8(3) : 0.0;
  if (!(options.penalizer >= 0.0)) {
    throw SqlError(ERRCODE_INVALID_PARAMETER_VALUE, "custintel_fit_bgnbd: penalizer must be non-negative");
  }
  if (x.size() != t_x.size() || x.size() != t.size()) {
    throw SqlError(ERRCODE_INVALID_PARAMETER_VALUE,
                   "custintel_fit_bgnbd: x, t_x and t must have one element per customer (got " +
                       std::to_string(x.size()) + ", " + std::to_string(t_x.size()) + ", " + std::to_string(t.size()) + ")");
  }
  auto fit = models::FitBgNbd(x, t_x, t, options);
  if (!fit.ok()) ThrowStatus(fit.status(), "custintel_fit_bgnbd");
  nlohmann::json j = {{"r", fit->params.r}, {"alpha", fit->params.alpha}, {"a", fit->params.a},
                      {"b", fit->params.b}, {"log_likelihood", fit->log_likelihood},
                      {"customers", fit->customers}, {"groups", fit->groups}, {"converged", fit->converged},
                      {"iterations", fit->iterations}, {"stop_reason", fit->stop_reason}};
  return JsonbResult(j.dump());
}

// custintel_info() -> jsonb: backend, model, identity and settings in force for this session.
Datum Info(FunctionCallInfo fcinfo) {
  (void)fcinfo;
  Engine& engine = Engine::Get();
  engine.Configure(CurrentSettings());
  nlohmann::json j;
  {
    auto id = engine.Identity();
    if (!id.ok()) ThrowStatus(id.status(), "custintel_info");
    j = {{"backend", id->backend}, {"model", id->model}, {"model_sha256", id->model_sha256},
         {"engine_version", id->engine_version}, {"cache", engine.settings().cache},
         {"cache_builtin", engine.settings().cache_builtin}, {"mask_pii", engine.settings().mask_pii}, {"max_tokens", engine.settings().default_max_tokens}};
  }
  return JsonbResult(j.dump());
}

}  // namespace
}  // namespace custintel::pg

using custintel::pg::CallBoundary;

#define CUSTINTEL_PG_FUNCTION(sql_name, body)                                          \
  PG_FUNCTION_INFO_V1(sql_name);                                                       \
  Datum sql_name(PG_FUNCTION_ARGS) { return CallBoundary(fcinfo, custintel::pg::body); }

extern "C" {
CUSTINTEL_PG_FUNCTION(custintel_generate, Generate)
CUSTINTEL_PG_FUNCTION(custintel_choose, Choose)
CUSTINTEL_PG_FUNCTION(custintel_json_text, JsonText)
CUSTINTEL_PG_FUNCTION(custintel_json, JsonB)
CUSTINTEL_PG_FUNCTION(custintel_embed, Embed)
CUSTINTEL_PG_FUNCTION(custintel_rerank_scores, RerankScores)
CUSTINTEL_PG_FUNCTION(custintel_sentiment, Sentiment)
CUSTINTEL_PG_FUNCTION(custintel_summarize, Summarize)
CUSTINTEL_PG_FUNCTION(custintel_themes, Themes)
CUSTINTEL_PG_FUNCTION(custintel_mask, Mask)
CUSTINTEL_PG_FUNCTION(custintel_triage, Triage)
CUSTINTEL_PG_FUNCTION(custintel_info, Info)
CUSTINTEL_PG_FUNCTION(custintel_fit_bgnbd, FitBgNbd)
CUSTINTEL_PG_FUNCTION(custintel_text_sentiment, TextSentiment)
CUSTINTEL_PG_FUNCTION(custintel_text_summary, TextSummary)
CUSTINTEL_PG_FUNCTION(custintel_text_themes, TextThemes)
}
