// The SQL door to on-demand texts (issue 26 item 2): the table function
//
//   SELECT kind, text FROM customer_texts('C000042');
//
// returns one customer's texts — its summary, its account's summary, its retention strategy (at
// risk), its personal recommendations and its notification (due) — written first when they are
// missing or stale, exactly as `insights --customer` and GET /v1/customers/{id} write them
// (EnsureCustomerTexts: the run's code, AI service, budget and cache), and then kept.
//
// Columns: customer_id, kind ('summary' | 'account_summary' | 'retention_strategy' |
// 'recommendation' | 'notification'), subject_id (the customer, or the account for
// 'account_summary'), title (a recommendation's title, a notification's product), text,
// actions (JSON: next best actions or the strategy's actions), writer, model, input_hash,
// generated_at, grounding_score, written_now (true when this call wrote the row: the customer's
// texts, or for 'account_summary' the account's).
//
// How it writes inside a read: a DuckDB table function runs inside the calling query's
// transaction, which cannot commit a write of its own. So the function writes through a
// connection of its own (a transaction that commits before the query reads anything of it) and
// returns the rows it read there after the commit; the calling query's snapshot predates the
// write, so in the same statement `gold.account_summaries` still shows the table as it was, and
// the next statement shows the new rows. The work happens when the query starts executing
// (DESCRIBE and EXPLAIN write nothing). Arguments are constants (one customer per call; DuckDB's C API has no
// lateral table functions): for many customers, `custintel insights --all`. Inside an explicit
// transaction that wrote to the insight tables, the function's own commit may conflict and the
// query fails with DuckDB's conflict message.
//
// Thread safety: the function may run on many connections at once; EnsureCustomerTexts' writes
// of one customer race as two requests do (one commits, the other's transaction conflicts).
#pragma once

#include <functional>
#include <memory>

#include "core/status.h"
#include "store/database.h"

namespace custintel::ai {
class AiService;
}

namespace custintel::insight {

// The AI service the texts are written with (null: the builtin writer).
using AiServiceSource = std::function<Result<std::shared_ptr<ai::AiService>>()>;

// Makes every connection `db` hands out from now on carry customer_texts(customer_id).
void InstallCustomerTextsFunction(const std::shared_ptr<store::Database>& db, AiServiceSource ai);

}  // namespace custintel::insight
