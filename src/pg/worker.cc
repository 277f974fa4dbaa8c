// The queue's background worker (issue 23 item 5): with custintel in shared_preload_libraries
// and custintel.worker_database set, the postmaster starts custintel.workers processes that
// each run custintel_work() steps in that database, one transaction per step, waiting on their
// latch (custintel.worker_idle_ms) when nothing is due. A worker that hits an error exits and
// is restarted by the postmaster 10 s later; its transaction, and so its claimed batch, rolls
// back. Plain PostgreSQL C here: no C++ object lives in the loop (ereport may longjmp).
#include "pg/pg_door.h"

extern "C" {
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/snapmgr.h"
#include "utils/wait_event.h"
}

namespace custintel::pg {
namespace {

char* g_worker_database = nullptr;
int g_workers = 1;
int g_worker_batch = 32;
int g_worker_idle_ms = 1000;
int g_worker_max_attempts = 3;

// One step: the number of items done, or -1 when the extension is not created in the database.
int WorkStep() {
  SetCurrentStatementStartTimestamp();
  StartTransactionCommand();
  SPI_connect();
  PushActiveSnapshot(GetTransactionSnapshot());
  pgstat_report_activity(STATE_RUNNING, "custintel_work");
  int done = -1;
  int rc = SPI_execute("SELECT quote_ident(n.nspname) FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n "
                       "ON n.oid = e.extnamespace WHERE e.extname = 'custintel'",
                       true, 1);
  if (rc == SPI_OK_SELECT && SPI_processed == 1) {
    char* schema = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
    char* sql = psprintf("SELECT %s.custintel_work(%d, %d)", schema, g_worker_batch, g_worker_max_attempts);
    rc = SPI_execute(sql, false, 1);
    if (rc != SPI_OK_SELECT || SPI_processed != 1) elog(ERROR, "custintel worker: %s failed", sql);
    bool isnull = false;
    done = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
  }
  SPI_finish();
  PopActiveSnapshot();
  CommitTransactionCommand();
  pgstat_report_stat(false);
  pgstat_report_activity(STATE_IDLE, nullptr);
  return done;
}

void RegisterWorkers() {
  for (int i = 0; i < g_workers; ++i) {
    BackgroundWorker w;
    memset(&w, 0, sizeof w);
    w.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
    w.bgw_start_time = BgWorkerStart_RecoveryFinished;
    w.bgw_restart_time = 10;
    snprintf(w.bgw_library_name, BGW_MAXLEN, "custintel");
    snprintf(w.bgw_function_name, BGW_MAXLEN, "custintel_worker_main");
    snprintf(w.bgw_name, BGW_MAXLEN, "custintel worker %d", i + 1);
    snprintf(w.bgw_type, BGW_MAXLEN, "custintel worker");
    w.bgw_main_arg = Int32GetDatum(i);
    RegisterBackgroundWorker(&w);
  }
}

}  // namespace

// Called from _PG_init (settings.cc). Only when the library is preloaded: server-start settings
// cannot be created later (a CREATE EXTENSION session loading the module must not define them).
// Registers the workers in the postmaster.
void DefineWorkerSettings() {
  if (!process_shared_preload_libraries_in_progress) return;
  DefineCustomStringVariable("custintel.worker_database",
                             "Database whose queue the background workers work ('' = no workers).",
                             "Needs custintel in shared_preload_libraries; read at server start.", &g_worker_database,
                             "", PGC_POSTMASTER, 0, nullptr, nullptr, nullptr);
  DefineCustomIntVariable("custintel.workers", "Background queue workers started with the server.", nullptr,
                          &g_workers, 1, 0, 64, PGC_POSTMASTER, 0, nullptr, nullptr, nullptr);
  DefineCustomIntVariable("custintel.worker_batch", "Items a background worker claims per transaction.", nullptr,
                          &g_worker_batch, 32, 1, 100000, PGC_SIGHUP, 0, nullptr, nullptr, nullptr);
  DefineCustomIntVariable("custintel.worker_idle_ms", "How long a background worker waits when nothing is due.",
                          nullptr, &g_worker_idle_ms, 1000, 10, 3600000, PGC_SIGHUP, 0, nullptr, nullptr, nullptr);
  DefineCustomIntVariable("custintel.worker_max_attempts", "Tries before an item moves to custintel_failed.", nullptr,
                          &g_worker_max_attempts, 3, 1, 100, PGC_SIGHUP, 0, nullptr, nullptr, nullptr);
  if (g_worker_database && g_worker_database[0]) RegisterWorkers();
}

}  // namespace custintel::pg

extern "C" {
PGDLLEXPORT void custintel_worker_main(Datum arg);

void custintel_worker_main(Datum) {
  using namespace custintel::pg;
  pqsignal(SIGHUP, SignalHandlerForConfigReload);
  pqsignal(SIGTERM, die);
  BackgroundWorkerUnblockSignals();
  BackgroundWorkerInitializeConnection(g_worker_database, nullptr, 0);
  for (;;) {
    CHECK_FOR_INTERRUPTS();
    if (ConfigReloadPending) {
      ConfigReloadPending = false;
      ProcessConfigFile(PGC_SIGHUP);
    }
    int done = WorkStep();
    if (done > 0) continue;
    (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, g_worker_idle_ms, PG_WAIT_EXTENSION);
    ResetLatch(MyLatch);
  }
}
}
