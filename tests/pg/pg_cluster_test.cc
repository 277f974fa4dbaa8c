// Past one machine (issue 24): customers sharded over three real PostgreSQL 15 clusters on
// loopback — a coordinator and two shards — with PL/Proxy routing, the custintel extension on
// every shard, and the layout of src/pg/cluster/ (shard.sql on the shards, cluster.sql +
// custintel_cluster.init on the coordinator) installed the way `make pg` installs it.
//
// Each test builds its own layout in databases named after it on the three clusters, so tests
// share the servers but no rows. Skipped with the reason when PL/Proxy is not installed.
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cmath>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "testing/postgres.h"
#include "testing/testing.h"

namespace custintel::testing {
namespace {

using nlohmann::json;

std::string Trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

// The binary under test ($CUSTINTEL_BIN under ctest).
std::string Bin() {
  const char* bin = std::getenv("CUSTINTEL_BIN");
  return bin ? bin : CUSTINTEL_BUILD_DIR "/custintel";
}

int PortOf(const std::string& url) {
  std::smatch m;
  std::regex_search(url, m, std::regex(R"(:(\d+)/)"));
  return std::stoi(m[1].str());
}

// A fake OpenAI-compatible server (tests/testing/fake_model_server.py) as a child process:
// answers after `delay_ms`, counts its requests (/stats). Killed when the object dies.
class FakeModelServer {
 public:
  FakeModelServer(const TempDir& dir, const std::string& name, int delay_ms) {
    const std::string port_file = dir.File(name + ".port");
    CommandResult r = RunShell("python3 " + std::string(CUSTINTEL_SOURCE_DIR) +
                               "/tests/testing/fake_model_server.py --port-file " + port_file + " --delay-ms " +
                               std::to_string(delay_ms) + " >" + dir.File(name + ".log") + " 2>&1 & echo $!");
    pid_ = std::atoi(r.out.c_str());
    for (int i = 0; i < 200 && port_ == 0; ++i) {  // up to 20 s for python to start
      std::ifstream in(port_file);
      if (!(in >> port_)) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  ~FakeModelServer() { Kill(); }
  bool ok() const { return pid_ > 0 && port_ > 0; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int Requests() const {
    CommandResult r = RunShell("curl -s --max-time 5 " + url() + "/stats");
    json j = json::parse(r.out, nullptr, false);
    return j.is_object() ? j.value("requests", -1) : -1;
  }
  void Kill() {
    if (pid_ > 0) RunShell("kill -9 " + std::to_string(pid_));
    pid_ = 0;
  }

 private:
  int pid_ = 0;
  int port_ = 0;
};

class PgCluster : public ::testing::Test {
 protected:
  static constexpr int kShards = 2;

  static void SetUpTestSuite() {
    CommandResult plproxy = RunShell("test -f \"$(" + PgConfig() + " --sharedir)/extension/plproxy.control\"");
    if (plproxy.exit_code != 0) {
      skip_ = "PL/Proxy is not installed (apt-get install postgresql-15-plproxy; scripts/deps.sh installs it)";
      return;
    }
    CommandResult install =
        RunShell(std::string(CUSTINTEL_SOURCE_DIR) + "/scripts/pg_install.sh " + CUSTINTEL_BUILD_DIR);
    if (install.exit_code != 0) {
      why_ = "scripts/pg_install.sh failed: " + install.err;
      return;
    }
    contrib_ = Trimmed(RunShell(PgConfig() + " --sharedir").out) + "/contrib/custintel";
    for (int i = 0; i <= kShards && why_.empty(); ++i) {
      PostgresServer* s = PostgresServer::Start().release();
      if (!s) why_ = PostgresServer::WhyUnavailable();
      nodes_.push_back(s);
    }
  }
  static void TearDownTestSuite() {
    for (PostgresServer* s : nodes_) delete s;
    nodes_.clear();
  }
  void SetUp() override {
    if (!skip_.empty()) GTEST_SKIP() << skip_;
    ASSERT_TRUE(why_.empty()) << why_;
  }

  static std::string PgConfig() {
    return access("/usr/lib/postgresql/15/bin/pg_config", X_OK) == 0 ? "/usr/lib/postgresql/15/bin/pg_config"
                                                                     : "pg_config";
  }
  static std::string Psql() {
    return access("/usr/lib/postgresql/15/bin/psql", X_OK) == 0 ? "/usr/lib/postgresql/15/bin/psql" : "psql";
  }
  // Node 0 is the coordinator, nodes 1..kShards the shards (partition = node - 1).
  static int Port(int node) { return PortOf(nodes_[static_cast<size_t>(node)]->url()); }
  static std::string Url(int node, const std::string& db) {
    return "postgresql://custintel@127.0.0.1:" + std::to_string(Port(node)) + "/" + db;
  }
  static std::string ConnStr(int node, const std::string& db) {
    return "host=127.0.0.1 port=" + std::to_string(Port(node)) + " dbname=" + db;
  }

  // Runs `sql` (a file, so no shell quoting) in `db` on `node`.
  CommandResult Sql(int node, const std::string& db, const std::string& sql) {
    const std::string file = dir_.File("q" + std::to_string(++queries_) + ".sql");
    WriteFile(file, sql);
    return RunShell(Psql() + " -X -q -A -t -v ON_ERROR_STOP=1 -d '" + Url(node, db) + "' -f " + file);
  }
  // The output of `sql`; fails the test on an error.
  std::string Value(int node, const std::string& db, const std::string& sql) {
    CommandResult r = Sql(node, db, sql);
    EXPECT_EQ(r.exit_code, 0) << "node " << node << " db " << db << ": " << sql << "\n" << r.out << r.err;
    return Trimmed(r.out);
  }
  // The error of `sql` with its SQLSTATE ("" when it succeeds).
  std::string Error(int node, const std::string& db, const std::string& sql) {
    CommandResult r = Sql(node, db, "\\set VERBOSITY verbose\n" + sql);
    return r.exit_code == 0 ? "" : r.err;
  }

  // A fresh layout in database `db` on every node: shard.sql on the shards, cluster.sql and
  // custintel_cluster.init on the coordinator. Each statement of `shard_settings` runs on the
  // shards' database before anything connects to it.
  void MakeLayout(const std::string& db, const std::string& shard_settings = "") {
    for (int node = 0; node <= kShards; ++node) ASSERT_EQ(Value(node, "postgres", "CREATE DATABASE " + db), "");
    std::string shards;
    for (int node = 1; node <= kShards; ++node) {
      if (!shard_settings.empty()) Value(node, db, shard_settings);
      CommandResult r = RunShell(Psql() + " -X -q -v ON_ERROR_STOP=1 -d '" + Url(node, db) + "' -f " + contrib_ +
                                 "/shard.sql");
      ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
      shards += std::string(shards.empty() ? "" : ", ") + "'" + ConnStr(node, db) + "'";
    }
    CommandResult r =
        RunShell(Psql() + " -X -q -v ON_ERROR_STOP=1 -d '" + Url(0, db) + "' -f " + contrib_ + "/cluster.sql");
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    std::vector<std::string> placed =
        Lines(Value(0, db, "SELECT * FROM custintel_cluster.init(ARRAY[" + shards + "])"));
    ASSERT_EQ(placed.size(), static_cast<size_t>(kShards));
    for (int k = 0; k < kShards; ++k) {
      EXPECT_NE(placed[static_cast<size_t>(k)].find("port " + std::to_string(Port(k + 1)) + ": shard " +
                                                    std::to_string(k) + " of " + std::to_string(kShards)),
                std::string::npos)
          << placed[static_cast<size_t>(k)];
    }
  }

  static std::vector<PostgresServer*> nodes_;
  static std::string why_, skip_, contrib_;
  TempDir dir_;
  int queries_ = 0;
};

std::vector<PostgresServer*> PgCluster::nodes_;
std::string PgCluster::why_;
std::string PgCluster::skip_;
std::string PgCluster::contrib_;

TEST_F(PgCluster, CustomersLandOnExactlyTheShardTheirHashNames) {
  ASSERT_NO_FATAL_FAILURE(MakeLayout("routing"));
  ASSERT_EQ(Value(0, "routing",
                  "SELECT count(custintel_cluster.upsert_customer('cust-' || i, segment := 'smb')) "
                  "FROM generate_series(1, 300) i"),
            "300");
  std::set<std::string> seen;
  size_t total = 0;
  for (int k = 0; k < kShards; ++k) {
    // What PL/Proxy's bitmask mapping names for this partition, computed by SQL on the coordinator.
    const std::string expected = Value(0, "routing",
                                       "SELECT count(*) FROM generate_series(1, 300) i "
                                       "WHERE hashtext('cust-' || i) & " + std::to_string(kShards - 1) + " = " +
                                           std::to_string(k));
    const std::vector<std::string> ids = Lines(Value(k + 1, "routing", "SELECT customer_id FROM silver.customers"));
    EXPECT_EQ(std::to_string(ids.size()), expected) << "shard " << k;
    EXPECT_GT(ids.size(), 50u) << "shard " << k << " got too few of 300 customers: is the hash used?";
    EXPECT_EQ(Value(k + 1, "routing",
                    "SELECT count(*) FROM silver.customers WHERE hashtext(customer_id) & " +
                        std::to_string(kShards - 1) + " <> " + std::to_string(k)),
              "0");
    for (const std::string& id : ids) EXPECT_TRUE(seen.insert(id).second) << id << " is on two shards";
    total += ids.size();
  }
  EXPECT_EQ(total, 300u);
  EXPECT_EQ(seen.size(), 300u);

  // A customer's orders, items, events, reviews and tickets go where the customer is.
  const int home = std::stoi(Value(0, "routing", "SELECT custintel_cluster.shard_of('cust-7')"));
  Value(0, "routing",
        "SELECT custintel_cluster.insert_order('cust-7', 'o-1', '2025-03-01 10:00+00', 19.90, 'EUR', 'completed', 'web');"
        "SELECT custintel_cluster.insert_order_item('cust-7', 'o-1', 'p-9', 2, 9.95);"
        "SELECT custintel_cluster.insert_event('cust-7', 'e-1', 'page_view', '2025-03-01 09:59+00');"
        "SELECT custintel_cluster.insert_ticket('cust-7', 't-1', 'Late parcel', 'Where is my order? It is a week late.');");
  for (int k = 0; k < kShards; ++k) {
    EXPECT_EQ(Value(k + 1, "routing",
                    "SELECT (SELECT count(*) FROM silver.orders) || ',' || (SELECT count(*) FROM silver.order_items) || ',' "
                    "|| (SELECT count(*) FROM silver.events) || ',' || (SELECT count(*) FROM silver.tickets)"),
              k == home ? "1,1,1,1" : "0,0,0,0")
        << "shard " << k;
  }
  json customer = json::parse(Value(0, "routing", "SELECT custintel_cluster.get_customer('cust-7')"));
  EXPECT_EQ(customer["customer_id"], "cust-7");
  EXPECT_EQ(customer["orders"], 1);
  EXPECT_EQ(customer["open_tickets"], 1);
  EXPECT_EQ(Value(0, "routing", "SELECT custintel_cluster.get_customer('nobody') IS NULL"), "t");

  // A write that bypasses the coordinator to the wrong shard is refused, naming the problem.
  const std::string stranger = Value(0, "routing",
                                     "SELECT 'x-' || i FROM generate_series(1, 100) i "
                                     "WHERE custintel_cluster.shard_of('x-' || i) = 1 LIMIT 1");
  std::string refused = Error(1, "routing", "SELECT custintel_shard.upsert_customer('" + stranger + "')");
  EXPECT_NE(refused.find("23514"), std::string::npos) << refused;
  EXPECT_NE(refused.find("belongs to another shard (this is shard 0 of 2)"), std::string::npos) << refused;

  // init refuses what PL/Proxy could not use.
  std::string uri = Error(0, "routing", "SELECT custintel_cluster.init(ARRAY['postgresql://u:secret@h/db'])");
  EXPECT_NE(uri.find("22023"), std::string::npos) << uri;
  EXPECT_NE(uri.find("PL/Proxy needs key=value connection strings"), std::string::npos) << uri;
  EXPECT_EQ(uri.find("secret"), std::string::npos) << uri;
  EXPECT_NE(Error(0, "routing", "SELECT custintel_cluster.init(ARRAY[]::text[])").find("at least one shard"),
            std::string::npos);
}

// Three shards (two databases on one server, one on the other): not a power of two, so init
// gives PL/Proxy modular_mapping, and each customer lands where abs(hashtext % 3) says.
TEST_F(PgCluster, ThreeShardsUseModularMapping) {
  const std::vector<std::pair<int, std::string>> shards = {{1, "m_a"}, {2, "m_a"}, {1, "m_b"}};
  ASSERT_EQ(Value(0, "postgres", "CREATE DATABASE m_a"), "");
  std::string list;
  for (const auto& [node, db] : shards) {
    if (Value(node, "postgres", "SELECT count(*) FROM pg_database WHERE datname = '" + db + "'") == "0") {
      Value(node, "postgres", "CREATE DATABASE " + db);
    }
    CommandResult r = RunShell(Psql() + " -X -q -v ON_ERROR_STOP=1 -d '" + Url(node, db) + "' -f " + contrib_ +
                               "/shard.sql");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    list += std::string(list.empty() ? "" : ", ") + "'" + ConnStr(node, db) + "'";
  }
  CommandResult r = RunShell(Psql() + " -X -q -v ON_ERROR_STOP=1 -d '" + Url(0, "m_a") + "' -f " + contrib_ +
                             "/cluster.sql");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Lines(Value(0, "m_a", "SELECT * FROM custintel_cluster.init(ARRAY[" + list + "])")).size(), 3u);
  EXPECT_EQ(Value(0, "m_a", "SELECT count(*) FROM pg_foreign_server, unnest(srvoptions) o "
                            "WHERE srvname = 'custintel_shards' AND o = 'modular_mapping=1'"),
            "1");
  Value(0, "m_a", "SELECT count(custintel_cluster.upsert_customer('m' || i)) FROM generate_series(1, 300) i");
  int total = 0;
  for (size_t k = 0; k < shards.size(); ++k) {
    const auto& [node, db] = shards[k];
    const std::string expected = Value(0, "m_a",
                                       "SELECT count(*) FROM generate_series(1, 300) i "
                                       "WHERE abs(hashtext('m' || i) % 3) = " + std::to_string(k));
    EXPECT_EQ(Value(node, db, "SELECT count(*) FROM silver.customers"), expected) << "shard " << k;
    EXPECT_EQ(Value(node, db, "SELECT count(*) FROM custintel_shard.misplaced_customers()"), "0") << "shard " << k;
    EXPECT_EQ(Value(0, "m_a", "SELECT count(*) FROM generate_series(1, 300) i "
                              "WHERE custintel_cluster.shard_of('m' || i) = " + std::to_string(k)),
              expected);
    total += std::stoi(expected);
  }
  EXPECT_EQ(total, 300);
  EXPECT_EQ(Value(0, "m_a", "SELECT shards || ',' || customers FROM custintel_cluster.kpi()"), "3,300");
}

// README.md's "Adding shards", followed step by step: one shard with data, copied with pg_dump
// into a new one, init with both, delete_misplaced on both: every customer once, where its hash
// says, every figure unchanged.
TEST_F(PgCluster, AddingAShardByTheDocumentedProcedureKeepsEveryRowOnce) {
  ASSERT_EQ(Value(0, "postgres", "CREATE DATABASE grow"), "");
  ASSERT_EQ(Value(1, "postgres", "CREATE DATABASE grow"), "");
  CommandResult r = RunShell(Psql() + " -X -q -v ON_ERROR_STOP=1 -d '" + Url(1, "grow") + "' -f " + contrib_ +
                             "/shard.sql");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = RunShell(Psql() + " -X -q -v ON_ERROR_STOP=1 -d '" + Url(0, "grow") + "' -f " + contrib_ + "/cluster.sql");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Value(0, "grow", "SELECT * FROM custintel_cluster.init(ARRAY['" + ConnStr(1, "grow") + "'])");
  Value(0, "grow",
        "SELECT count(custintel_cluster.upsert_customer('g' || i, segment := 's' || i % 4)) FROM generate_series(1, 200) i;"
        "SELECT count(custintel_cluster.insert_order('g' || (1 + i % 200), 'go' || i, '2025-01-01 00:00+00'::timestamptz "
        "  + i * interval '1 hour', i % 50 + 0.5)) FROM generate_series(1, 500) i;"
        "SELECT count(custintel_cluster.insert_order_item('g' || (1 + i % 200), 'go' || i, 'p1', 1, i % 50 + 0.5)) "
        "  FROM generate_series(1, 500) i;"
        "SELECT count(custintel_cluster.insert_review('g' || i, 'gr' || i, 'Great value, fast delivery.', 1 + i % 5)) "
        "  FROM generate_series(1, 200, 3) i;");
  const std::string kpi = "SELECT customers || ',' || orders || ',' || revenue || ',' || reviews || ',' || "
                          "round(average_rating::numeric, 9) FROM custintel_cluster.kpi()";
  const std::string before = Value(0, "grow", kpi);
  const std::string segments_before = Value(0, "grow", "SELECT * FROM custintel_cluster.segments()");

  // 2. The new shard is a copy of the old one (pg_dump -Fc | pg_restore), then shard.sql.
  ASSERT_EQ(Value(2, "postgres", "CREATE DATABASE grow"), "");
  const std::string bin = access("/usr/lib/postgresql/15/bin/pg_dump", X_OK) == 0 ? "/usr/lib/postgresql/15/bin/" : "";
  r = RunShell(bin + "pg_dump -Fc -d '" + Url(1, "grow") + "' | " + bin + "pg_restore --exit-on-error -d '" +
               Url(2, "grow") + "'");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  r = RunShell(Psql() + " -X -q -v ON_ERROR_STOP=1 -d '" + Url(2, "grow") + "' -f " + contrib_ + "/shard.sql");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // 3. init with the old shard first, the new one second; the old one warns what moved.
  r = Sql(0, "grow", "SELECT * FROM custintel_cluster.init(ARRAY['" + ConnStr(1, "grow") + "', '" +
                         ConnStr(2, "grow") + "'])");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // 4. Each shard deletes what is no longer its own.
  const int moved_from_0 = std::stoi(Value(1, "grow", "SELECT custintel_shard.delete_misplaced()"));
  const int moved_from_1 = std::stoi(Value(2, "grow", "SELECT custintel_shard.delete_misplaced()"));
  EXPECT_EQ(moved_from_0 + moved_from_1, 200);  // each customer was on both, is now on one
  EXPECT_GT(moved_from_0, 50);
  EXPECT_GT(moved_from_1, 50);
  for (int node = 1; node <= 2; ++node) {
    EXPECT_EQ(Value(node, "grow", "SELECT count(*) FROM custintel_shard.misplaced_customers()"), "0");
    EXPECT_EQ(Value(node, "grow", "SELECT count(*) FROM silver.orders o WHERE NOT custintel_shard.owns(o.customer_id)"),
              "0");
  }
  EXPECT_EQ(Value(0, "grow", kpi), before);
  EXPECT_EQ(Value(0, "grow", "SELECT * FROM custintel_cluster.segments()"), segments_before);
  EXPECT_EQ(Value(0, "grow", "SELECT count(*) FROM generate_series(1, 200) i "
                             "WHERE (custintel_cluster.get_customer('g' || i)->>'customer_id') = 'g' || i"),
            "200");
}

TEST_F(PgCluster, PgClusterInitCommandBuildsTheLayoutFromTheBinary) {
  for (int node = 0; node <= kShards; ++node) ASSERT_EQ(Value(node, "postgres", "CREATE DATABASE cli"), "");
  std::string args = "pg-cluster init --coordinator '" + Url(0, "cli") + "' --shard-user custintel";
  for (int node = 1; node <= kShards; ++node) args += " --shard '" + ConnStr(node, "cli") + "'";
  for (int run = 0; run < 2; ++run) {  // idempotent: a second init replaces the cluster, keeps the rows
    CommandResult init = RunCli(args);
    ASSERT_EQ(init.exit_code, 0) << init.out << init.err;
    EXPECT_NE(init.out.find("pg-cluster: cli on port " + std::to_string(Port(2)) + ": shard 1 of 2"), std::string::npos)
        << init.out;
    EXPECT_NE(init.out.find("coordinator ready (2 shards)"), std::string::npos) << init.out;
    Value(0, "cli", "SELECT custintel_cluster.upsert_customer('cli-' || i) FROM generate_series(1, 40) i");
  }
  int total = 0;
  for (int node = 1; node <= kShards; ++node) total += std::stoi(Value(node, "cli", "SELECT count(*) FROM silver.customers"));
  EXPECT_EQ(total, 40);
  EXPECT_EQ(Value(0, "cli", "SELECT customers FROM custintel_cluster.kpi()"), "40");

  CommandResult uri = RunCli("pg-cluster init --coordinator '" + Url(0, "cli") + "' --shard '" + Url(1, "cli") + "'");
  EXPECT_EQ(uri.exit_code, 2) << uri.out << uri.err;
  EXPECT_NE(uri.err.find("give a key=value connection string"), std::string::npos) << uri.err;
  CommandResult down = RunCli("pg-cluster init --coordinator '" + Url(0, "cli") + "' --shard 'host=127.0.0.1 port=1 dbname=x'");
  EXPECT_EQ(down.exit_code, 1) << down.out << down.err;
  EXPECT_NE(down.err.find("shard 0 (host=127.0.0.1 port=1 dbname=x)"), std::string::npos) << down.err;
}

// The same rows, generated by SQL, through the coordinator (`routed`) or straight into one
// database's tables.
const char* kCustomers = "SELECT 'k' || i AS id, (ARRAY['smb', 'mid', 'ent'])[1 + i % 3] AS segment "
                         "FROM generate_series(1, 240) i";
const char* kOrders =
    "SELECT 'k' || (1 + (i * 7) % 240) AS cid, 'ord' || i AS oid, "
    "'2024-01-01 00:00+00'::timestamptz + i * interval '9 hours' AS at, round((i % 97) * 3.17 + 5, 2) AS amount, "
    "CASE i % 11 WHEN 0 THEN 'cancelled' WHEN 5 THEN 'Refunded' WHEN 7 THEN NULL ELSE 'completed' END AS status "
    "FROM generate_series(1, 700) i";
const char* kReviews =
    "SELECT 'k' || (1 + (i * 13) % 240) AS cid, 'rev' || i AS rid, 1 + i % 5 AS rating, (ARRAY["
    "'Absolutely love this kettle, it boils fast and looks great.', "
    "'Terrible. The lid broke after two days and nobody answered my emails.', "
    "'It is a kettle. It arrived on Tuesday.', "
    "'Good value, works as advertised, though a bit noisy.', "
    "'Worst purchase ever, rusty inside and the refund was refused.'])[1 + i % 5] AS body "
    "FROM generate_series(1, 90) i";
const char* kTickets =
    "SELECT 'k' || (1 + (i * 17) % 240) AS cid, 'tk' || i AS tid, 'Order question ' || i AS subject, "
    "'My parcel has not arrived and I need it for a birthday.' AS body, "
    "CASE WHEN i % 3 = 0 THEN NULL ELSE '2024-06-01 00:00+00'::timestamptz END AS resolved "
    "FROM generate_series(1, 50) i";

TEST_F(PgCluster, KpiFiguresFromShardPartialsEqualTheSameDataInOneDatabase) {
  ASSERT_NO_FATAL_FAILURE(MakeLayout("kpi"));
  const std::string w = std::string("WITH g AS (");
  Value(0, "kpi",
        w + kCustomers + ") SELECT count(custintel_cluster.upsert_customer(id, segment := segment)) FROM g;" + w +
            kOrders + ") SELECT count(custintel_cluster.insert_order(cid, oid, at, amount, status := status)) FROM g;" +
            w + kReviews + ") SELECT count(custintel_cluster.insert_review(cid, rid, body, rating)) FROM g;" + w +
            kTickets +
            ") SELECT count(custintel_cluster.insert_ticket(cid, tid, subject, body, resolved_at := resolved)) FROM g;");
  // One database: plain INSERTs into the same tables (shard.sql in a standalone database).
  ASSERT_EQ(Value(0, "postgres", "CREATE DATABASE kpi_single"), "");
  CommandResult r = RunShell(Psql() + " -X -q -v ON_ERROR_STOP=1 -d '" + Url(0, "kpi_single") + "' -f " + contrib_ +
                             "/shard.sql");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Value(0, "kpi_single",
        w + kCustomers + ") INSERT INTO silver.customers (customer_id, segment) SELECT id, segment FROM g;" + w +
            kOrders +
            ") INSERT INTO silver.orders (customer_id, order_id, ordered_at, amount, status) SELECT * FROM g;" + w +
            kReviews +
            ") INSERT INTO silver.reviews (customer_id, review_id, rating, review_text) SELECT * FROM g;" + w +
            kTickets +
            ") INSERT INTO silver.tickets (customer_id, ticket_id, subject, description, resolved_at) SELECT * FROM g;");

  // Both shards hold part of every table.
  for (int k = 1; k <= kShards; ++k) {
    EXPECT_EQ(Value(k, "kpi",
                    "SELECT (SELECT count(*) > 0 FROM silver.orders) AND (SELECT count(*) > 0 FROM silver.reviews) "
                    "AND (SELECT count(*) > 0 FROM silver.tickets)"),
              "t");
  }
  const std::string routed = Value(0, "kpi",
                                   "SELECT shards, customers, orders, revenue, reviews, round(average_rating::numeric, 9), "
                                   "tickets, open_tickets, sentiment_negative, sentiment_neutral, sentiment_positive "
                                   "FROM custintel_cluster.kpi()");
  // The reference, computed directly on the one database (the purchase rule: not cancelled or refunded).
  const std::string single = Value(
      0, "kpi_single",
      "SELECT 2, (SELECT count(*) FROM silver.customers), "
      "(SELECT count(*) FROM silver.orders WHERE status IS NULL OR lower(status) NOT IN ('cancelled', 'refunded')), "
      "(SELECT sum(amount) FROM silver.orders WHERE status IS NULL OR lower(status) NOT IN ('cancelled', 'refunded')), "
      "(SELECT count(*) FROM silver.reviews), (SELECT round(avg(rating), 9) FROM silver.reviews), "
      "(SELECT count(*) FROM silver.tickets), (SELECT count(*) FROM silver.tickets WHERE resolved_at IS NULL), "
      "(SELECT count(*) FROM silver.reviews WHERE sentiment <= -0.05), "
      "(SELECT count(*) FROM silver.reviews WHERE abs(sentiment) < 0.05), "
      "(SELECT count(*) FROM silver.reviews WHERE sentiment >= 0.05)");
  EXPECT_EQ(routed, single);
  EXPECT_NE(single.find("|240|"), std::string::npos) << single;
  // Combining matters: the mean of the shards' own averages is not the average rating.
  double mean_of_means = 0;
  for (int k = 1; k <= kShards; ++k) mean_of_means += std::stod(Value(k, "kpi", "SELECT avg(rating) FROM silver.reviews"));
  mean_of_means /= kShards;
  const double average = std::stod(Value(0, "kpi", "SELECT average_rating FROM custintel_cluster.kpi()"));
  EXPECT_GT(std::abs(mean_of_means - average), 1e-6) << "this data cannot tell combined sums from averaged averages";
  EXPECT_NEAR(average, std::stod(Value(0, "kpi_single", "SELECT avg(rating) FROM silver.reviews")), 1e-12);
  // The sentiment classes are all present (the trigger ran on both sides with the text engine).
  EXPECT_EQ(Value(0, "kpi_single",
                  "SELECT count(DISTINCT sign(round(sentiment::numeric * 20))) FROM silver.reviews"),
            "3");

  const std::string routed_segments = Value(0, "kpi",
                                            "SELECT segment, customers, orders, revenue, reviews, "
                                            "round(average_rating::numeric, 9), open_tickets "
                                            "FROM custintel_cluster.segments() ORDER BY segment");
  const std::string single_segments = Value(
      0, "kpi_single",
      "SELECT c.segment, count(DISTINCT c.customer_id), count(DISTINCT o.order_id), "
      "(SELECT sum(o2.amount) FROM silver.orders o2 JOIN silver.customers c2 USING (customer_id) "
      "  WHERE c2.segment = c.segment AND (o2.status IS NULL OR lower(o2.status) NOT IN ('cancelled', 'refunded'))), "
      "(SELECT count(*) FROM silver.reviews r JOIN silver.customers c2 USING (customer_id) WHERE c2.segment = c.segment), "
      "(SELECT round(avg(r.rating), 9) FROM silver.reviews r JOIN silver.customers c2 USING (customer_id) "
      "  WHERE c2.segment = c.segment), "
      "(SELECT count(*) FROM silver.tickets t JOIN silver.customers c2 USING (customer_id) "
      "  WHERE c2.segment = c.segment AND t.resolved_at IS NULL) "
      "FROM silver.customers c LEFT JOIN silver.orders o ON o.customer_id = c.customer_id "
      "  AND (o.status IS NULL OR lower(o.status) NOT IN ('cancelled', 'refunded')) "
      "GROUP BY c.segment ORDER BY c.segment");
  EXPECT_EQ(routed_segments, single_segments);
  EXPECT_EQ(Lines(routed_segments).size(), 3u) << routed_segments;

  // The executive summary (issue 24 item 2): figures combined on the coordinator equal the one
  // database's, and its text, written on the coordinator from them, holds no other number.
  const std::string exec = Value(0, "kpi",
                                 "SELECT customers, orders, revenue, average_ltv, reviews, average_rating, tickets, "
                                 "open_tickets FROM custintel_cluster.executive_summary()");
  const std::string exec_single = Value(
      0, "kpi_single",
      "WITH p AS (SELECT * FROM silver.orders WHERE status IS NULL OR lower(status) NOT IN ('cancelled', 'refunded')) "
      "SELECT (SELECT count(*) FROM silver.customers), (SELECT count(*) FROM p), (SELECT sum(amount) FROM p), "
      "(SELECT round(sum(amount) / (SELECT count(*) FROM silver.customers), 2) FROM p), "
      "(SELECT count(*) FROM silver.reviews), (SELECT round(avg(rating), 1) FROM silver.reviews), "
      "(SELECT count(*) FROM silver.tickets), (SELECT count(*) FROM silver.tickets WHERE resolved_at IS NULL)");
  EXPECT_EQ(exec, exec_single);
  const std::string text = Value(0, "kpi", "SELECT summary FROM custintel_cluster.executive_summary()");
  const std::string figures = Value(0, "kpi",
                                    "SELECT concat_ws(' ', shards, customers, orders, revenue, average_ltv, reviews, "
                                    "average_rating, tickets, open_tickets, sentiment_negative, sentiment_neutral, "
                                    "sentiment_positive) FROM custintel_cluster.executive_summary()");
  std::set<std::string> allowed;
  std::istringstream fs(figures);
  for (std::string f; fs >> f;) allowed.insert(f);
  const std::regex number(R"(\d+(\.\d+)?)");
  int numbers = 0;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), number); it != std::sregex_iterator(); ++it, ++numbers) {
    EXPECT_TRUE(allowed.count(it->str())) << it->str() << " in \"" << text << "\" is none of the figures " << figures;
  }
  EXPECT_GE(numbers, 11) << text;
  EXPECT_NE(text.find("average review rating of"), std::string::npos) << text;
  const std::string n_reviews = Value(0, "kpi", "SELECT reviews FROM custintel_cluster.executive_summary()");
  EXPECT_NE(text.find("wrote " + n_reviews + " reviews"), std::string::npos) << text;
}

// CDNOW_sample.txt (Fader, Hardie & Lee's CDNOW 1/10th sample): master id, sample id, YYYYMMDD,
// CDs, dollars — as tab-separated (customer, day, amount) rows for \copy.
std::string CdnowTsv() {
  std::ifstream in(std::string(CUSTINTEL_SHARED_DIR) + "/datasets/cdnow/CDNOW_sample.txt");
  std::ostringstream out;
  std::string master, id, date, cds, dollars;
  while (in >> master >> id >> date >> cds >> dollars) {
    out << id << '\t' << date.substr(0, 4) << '-' << date.substr(4, 2) << '-' << date.substr(6, 2) << '\t' << dollars
        << '\n';
  }
  return out.str();
}

TEST_F(PgCluster, BgNbdFittedOnTheCoordinatorFromShardStatisticsMatchesLifetimes) {
  ASSERT_NO_FATAL_FAILURE(MakeLayout("clv"));
  const std::string tsv = dir_.File("cdnow.tsv");
  WriteFile(tsv, CdnowTsv());
  // Customers one call each (routed by hash), orders in one call SPLIT per shard.
  EXPECT_EQ(Value(0, "clv",
                  "CREATE TEMP TABLE t (cid text, day date, amount numeric);\n"
                  "\\copy t FROM '" + tsv + "'\n"
                  "SELECT count(custintel_cluster.upsert_customer(cid)) FROM (SELECT DISTINCT cid FROM t) d;\n"
                  "CREATE TEMP TABLE o AS SELECT cid, 'o' || row_number() OVER () AS oid, "
                  "  (day::text || ' 00:00+00')::timestamptz AS at, amount FROM t;\n"
                  "SELECT count(*) FROM custintel_cluster.insert_orders((SELECT array_agg(cid) FROM o), "
                  "  (SELECT array_agg(oid) FROM o), (SELECT array_agg(at) FROM o), (SELECT array_agg(amount) FROM o));"),
            "2357\n6919");
  for (int k = 1; k <= kShards; ++k) EXPECT_GT(std::stoi(Value(k, "clv", "SELECT count(*) FROM silver.orders")), 2000);
  // lifetimes' BetaGeoFitter on the CDNOW summary (observation end 1997-09-30, weeks).
  json fit = json::parse(Value(0, "clv", "SELECT custintel_cluster.fit_bgnbd('1997-09-30 00:00+00', 7)"));
  EXPECT_EQ(fit["customers"], 2357) << fit;
  EXPECT_TRUE(fit["converged"].get<bool>()) << fit;
  EXPECT_NEAR(fit["r"].get<double>(), 0.242593, 0.242593 * 1e-3) << fit;
  EXPECT_NEAR(fit["alpha"].get<double>(), 4.413532, 4.413532 * 1e-3) << fit;
  EXPECT_NEAR(fit["a"].get<double>(), 0.792886, 0.792886 * 1e-3) << fit;
  EXPECT_NEAR(fit["b"].get<double>(), 2.425752, 2.425752 * 1e-3) << fit;
  EXPECT_NEAR(fit["log_likelihood"].get<double>(), -9582.4, 0.1) << fit;
  // Only grouped statistics crossed: fewer rows than customers.
  EXPECT_LT(fit["groups_gathered"].get<int>(), 2357) << fit;

  std::string bad = Error(0, "clv", "SELECT custintel_fit_bgnbd(ARRAY[1, 2], ARRAY[1], ARRAY[3, 4])");
  EXPECT_NE(bad.find("22023"), std::string::npos) << bad;
  EXPECT_NE(bad.find("one element per customer"), std::string::npos) << bad;
  EXPECT_NE(Error(0, "clv", "SELECT custintel_cluster.fit_bgnbd('1990-01-01 00:00+00')").find("no customer has a purchase"),
            std::string::npos);
}

TEST_F(PgCluster, ReviewInsertedThroughTheCoordinatorIsAnalysedOnItsShard) {
  ASSERT_NO_FATAL_FAILURE(MakeLayout("analysis"));
  Value(0, "analysis",
        "SELECT custintel_cluster.upsert_customer('alice');"
        "SELECT custintel_cluster.insert_review('alice', 'r-1', "
        "'Terrible quality. The handle broke on day two and the refund took a month.', 1)");
  const int home = std::stoi(Value(0, "analysis", "SELECT custintel_cluster.shard_of('alice')"));
  for (int k = 0; k < kShards; ++k) {
    EXPECT_EQ(Value(k + 1, "analysis",
                    "SELECT count(*) FILTER (WHERE sentiment <= -0.05 AND summary <> '' AND cardinality(themes) > 0) "
                    "|| '/' || count(*) FROM silver.reviews"),
              k == home ? "1/1" : "0/0")
        << "shard " << k;
  }
  // A ticket too: triaged where it is stored.
  Value(0, "analysis",
        "SELECT custintel_cluster.insert_ticket('alice', 't-1', 'Refund please', "
        "'I was charged twice for my order and I am really angry, please refund me today.')");
  for (int k = 0; k < kShards; ++k) {
    EXPECT_EQ(Value(k + 1, "analysis",
                    "SELECT count(*) FILTER (WHERE sentiment <= -0.05 AND summary <> '') || '/' || count(*) "
                    "FROM silver.tickets"),
              k == home ? "1/1" : "0/0")
        << "shard " << k;
  }
  json alice = json::parse(Value(0, "analysis", "SELECT custintel_cluster.get_customer('alice')"));
  ASSERT_EQ(alice["reviews"].size(), 1u) << alice;
  EXPECT_LT(alice["reviews"][0]["sentiment"].get<double>(), -0.05) << alice;
  EXPECT_EQ(Value(0, "analysis", "SELECT sentiment_negative FROM custintel_cluster.kpi()"), "1");
}

// Every shard's workers over a pool of two model servers (custintel.base_url lists both): the
// reviews inserted through the coordinator are queued on their shards by the trigger and done by
// those shards' workers; one shard's worker and one model server are killed with SIGKILL
// mid-batch: every item is done exactly once and every review gets the model's answers.
TEST_F(PgCluster, ModelPoolServesEveryShardsQueueExactlyOnceThroughKills) {
  if (RunShell("command -v python3 && command -v curl").exit_code != 0) GTEST_SKIP() << "needs python3 and curl";
  FakeModelServer a(dir_, "a", 100), b(dir_, "b", 100);
  ASSERT_TRUE(a.ok() && b.ok()) << ReadFile(dir_.File("a.log")) << ReadFile(dir_.File("b.log"));
  ASSERT_NO_FATAL_FAILURE(MakeLayout("pool", "ALTER DATABASE pool SET custintel.backend = 'http';"
                                             "ALTER DATABASE pool SET custintel.base_url = '" + a.url() + ", " +
                                             b.url() + "';"
                                             "ALTER DATABASE pool SET custintel.http_concurrency = 4;"));
  constexpr int kReviews = 200;
  Value(0, "pool",
        "SELECT count(custintel_cluster.upsert_customer('p' || i)) FROM generate_series(1, " +
            std::to_string(kReviews) + ") i;"
            "SELECT count(custintel_cluster.insert_review('p' || i, 'pr' || i, 'Review ' || i || "
            "': the zipper broke after a week, but the seller replaced it quickly.', 1 + i % 5)) "
            "FROM generate_series(1, " + std::to_string(kReviews) + ") i;");
  // Three items per review (sentiment, summary, themes), each queued on the review's shard.
  int queued_total = 0;
  std::vector<int> queued;
  for (int k = 1; k <= kShards; ++k) {
    queued.push_back(std::stoi(Value(k, "pool", "SELECT count(*) FROM custintel_queue")));
    EXPECT_EQ(std::to_string(queued.back()),
              Value(k, "pool", "SELECT 3 * count(*) FROM silver.reviews")) << "shard " << k - 1;
    queued_total += queued.back();
  }
  ASSERT_EQ(queued_total, 3 * kReviews);

  // A long-running worker per shard; then shard 0's worker and server a die mid-batch.
  std::vector<int> workers;
  for (int k = 1; k <= kShards; ++k) {
    CommandResult w = RunShell(Bin() +
                               " pg-worker --dsn '" + Url(k, "pool") + "' --batch 24 --idle-ms 100 >" +
                               dir_.File("worker" + std::to_string(k) + ".log") + " 2>&1 & echo $!");
    workers.push_back(std::atoi(w.out.c_str()));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  const int a_requests = a.Requests();
  RunShell("kill -9 " + std::to_string(workers[0]));
  a.Kill();
  const int left_after_kill = std::stoi(Value(1, "pool", "SELECT count(*) FROM custintel_queue"));
  EXPECT_GT(a_requests, 0) << "server a took no requests: is the pool used?";
  EXPECT_GT(left_after_kill, 0) << "shard 0's worker finished before the kill: the kill tested nothing";

  // Shard 0 gets a new worker; both drain (bounded: 90 s).
  CommandResult w = RunShell(Bin() +
                             " pg-worker --dsn '" + Url(1, "pool") + "' --batch 24 --idle-ms 100 >" +
                             dir_.File("worker1b.log") + " 2>&1 & echo $!");
  workers[0] = std::atoi(w.out.c_str());
  for (int i = 0; i < 900; ++i) {
    int left = 0;
    for (int k = 1; k <= kShards; ++k) left += std::stoi(Value(k, "pool", "SELECT count(*) FROM custintel_queue"));
    if (left == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  for (int pid : workers) RunShell("kill -TERM " + std::to_string(pid));
  for (int k = 1; k <= kShards; ++k) {
    const std::string where = "shard " + std::to_string(k - 1);
    EXPECT_EQ(Value(k, "pool", "SELECT count(*) FROM custintel_queue"), "0") << where;
    EXPECT_EQ(Value(k, "pool", "SELECT count(*) FROM custintel_failed"), "0")
        << where << Value(k, "pool", "SELECT string_agg(DISTINCT error, '; ') FROM custintel_failed");
    // One result per item ever enqueued there: ids 1..n, none twice, none missing.
    EXPECT_EQ(Value(k, "pool", "SELECT count(*) || ',' || count(DISTINCT id) || ',' || min(id) || ',' || max(id) "
                               "FROM custintel_results"),
              std::to_string(queued[static_cast<size_t>(k - 1)]) + "," +
                  std::to_string(queued[static_cast<size_t>(k - 1)]) + ",1," +
                  std::to_string(queued[static_cast<size_t>(k - 1)]))
        << where;
    // Every review carries the model's answers, written back into its row on its shard.
    EXPECT_EQ(Value(k, "pool",
                    "SELECT count(*) FILTER (WHERE summary LIKE 'model summary:%' AND themes = '{\"model answer\"}') "
                    "= count(*) FROM silver.reviews"),
              "t")
        << where << Value(k, "pool", "SELECT summary, themes FROM silver.reviews LIMIT 3");
  }
  EXPECT_GT(b.Requests(), 0);
  EXPECT_EQ(Value(0, "pool", "SELECT queued FROM custintel_cluster.kpi()"), "0");
}

// A whole shard crashes (every backend gone at once, as in a power cut of that node) while its
// worker is mid-batch: after recovery the shard's queue is done by a new worker, each item once.
TEST_F(PgCluster, ShardCrashedMidBatchLosesNothingAndDoesNothingTwice) {
  if (RunShell("command -v python3 && command -v curl").exit_code != 0) GTEST_SKIP() << "needs python3 and curl";
  FakeModelServer model(dir_, "m", 150);
  ASSERT_TRUE(model.ok()) << ReadFile(dir_.File("m.log"));
  ASSERT_NO_FATAL_FAILURE(MakeLayout("crash", "ALTER DATABASE crash SET custintel.backend = 'http';"
                                              "ALTER DATABASE crash SET custintel.base_url = '" + model.url() + "';"));
  Value(0, "crash",
        "SELECT count(custintel_cluster.upsert_customer('z' || i)) FROM generate_series(1, 160) i;"
        "SELECT count(custintel_cluster.insert_review('z' || i, 'zr' || i, 'Review ' || i || "
        "': arrived late and the box was crushed, the shoes themselves are fine.', 3)) FROM generate_series(1, 160) i;");
  const int queued = std::stoi(Value(1, "crash", "SELECT count(*) FROM custintel_queue"));
  ASSERT_GT(queued, 100);
  CommandResult w = RunShell(Bin() + " pg-worker --dsn '" + Url(1, "crash") + "' --batch 24 --idle-ms 100 >" +
                             dir_.File("crash-worker.log") + " 2>&1 & echo $!");
  const int worker = std::atoi(w.out.c_str());
  // Crash once some batches are committed and more are due (bounded wait: 30 s).
  for (int i = 0; i < 300; ++i) {
    if (std::stoi(Value(1, "crash", "SELECT count(*) FROM custintel_results")) >= 24) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // into the next batch
  ASSERT_TRUE(nodes_[1]->CrashAndRestart());
  RunShell("kill -TERM " + std::to_string(worker));  // it lost its server; a fresh one takes over
  const int done_before = std::stoi(Value(1, "crash", "SELECT count(*) FROM custintel_results"));
  EXPECT_GT(done_before, 0);
  EXPECT_LT(done_before, queued) << "the worker finished before the crash: the crash tested nothing";
  for (int i = 0; i < 60; ++i) {  // bounded: 60 drains
    CommandResult drain = RunCli("pg-worker --once --batch 24 --dsn '" + Url(1, "crash") + "'");
    ASSERT_EQ(drain.exit_code, 0) << drain.out << drain.err;
    if (Value(1, "crash", "SELECT count(*) FROM custintel_queue") == "0") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_EQ(Value(1, "crash", "SELECT count(*) FROM custintel_queue"), "0");
  EXPECT_EQ(Value(1, "crash", "SELECT count(*) FROM custintel_failed"), "0");
  EXPECT_EQ(Value(1, "crash", "SELECT count(*) || ',' || count(DISTINCT id) || ',' || min(id) || ',' || max(id) "
                              "FROM custintel_results"),
            std::to_string(queued) + "," + std::to_string(queued) + ",1," + std::to_string(queued));
  EXPECT_EQ(Value(1, "crash", "SELECT count(*) FILTER (WHERE summary LIKE 'model summary:%') || '/' || count(*) "
                              "FROM silver.reviews"),
            std::to_string(queued / 3) + "/" + std::to_string(queued / 3));
  // The coordinator reaches the recovered shard again.
  EXPECT_EQ(Value(0, "crash", "SELECT customers FROM custintel_cluster.kpi()"), "160");
}

}  // namespace
}  // namespace custintel::testing
