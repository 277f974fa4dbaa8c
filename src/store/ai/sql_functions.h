// The AI functions in SQL (DESIGN.md §5, issue 6 item 7), registered on every connection the
// engine opens:
//
//   ai_generate(prompt [, max_tokens]) -> VARCHAR      ai_choose(prompt, choices VARCHAR[]) -> VARCHAR
//   ai_choose_scored(prompt, choices) -> STRUCT(label, probability, margin)
//   ai_json(prompt, schema) -> JSON valid for schema: a JSON Schema document or a DuckDB
//     'STRUCT(...)' description (cast the answer with ::STRUCT(...) to get the STRUCT; DuckDB 1.4's
//     C API cannot type a result from an argument's value); ai_json_structure(schema) gives the
//     json_transform structure of a STRUCT description
//   ai_embed(text) -> FLOAT[]                          ai_similarity(a, b) -> DOUBLE (cosine)
//   ai_sentiment(text) -> DOUBLE in [-1, 1]            ai_summarize(text) -> VARCHAR
//   ai_themes(text) -> VARCHAR[]                       ai_mask(text) -> VARCHAR (PII placeholders)
//   ai_rerank(query, doc) -> DOUBLE                    ai_agg(text, instruction) -> VARCHAR (aggregate)
//   ai_info() -> JSON (backend, model, sha256, counters)
//   ai_try_<f>(...) -> STRUCT(value <f's type>, error VARCHAR) for generate, choose, choose_scored,
//     json (value JSON), embed, sentiment, summarize, themes
//   steadytext_generate, steadytext_generate_choice, steadytext_generate_json, steadytext_embed
//
// Vectorised: one DuckDB chunk is one batch through AiService (duplicates inside it computed
// once, the cache consulted for all of it). NULL in, NULL out. A failing row makes the plain
// function raise a SQL error naming the row by its input; the ai_try_ variants return the
// error in `error` and NULL in `value` instead.
//
// Thread safety: the functions run on DuckDB's worker threads; AiRuntime/AiService are
// thread-safe.
#pragma once

#include <memory>

#include "store/ai/runtime.h"
#include "store/database.h"

namespace custintel::store {

// Registers every AI function (database-wide) bound to `runtime`. AlreadyExists when they are
// registered on this database already.
Status RegisterAiFunctions(Connection& conn, std::shared_ptr<AiRuntime> runtime);

// Makes every connection `db` hands out from now on carry the AI functions of `runtime`.
void InstallAiFunctions(Database& db, std::shared_ptr<AiRuntime> runtime);

}  // namespace custintel::store
