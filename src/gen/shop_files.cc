#include "gen/shop_files.h"

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/embedded.h"
#include "core/strings.h"
#include "gen/csv_buffer.h"

namespace custintel::gen {
namespace {

struct FileSpec {
  const char* path;
  std::string_view header;
};

constexpr std::string_view kTruthCustomersHeader =
    "customer_id,acquired_at,lambda_per_week,dropout_p,alive_at_window_end,dropout_at,spend_nu,"
    "mean_order_value,order_count,staples,category_affinity";
constexpr std::string_view kTruthOrdersHeader =
    "order_id,customer_id,target_value,late_days,damaged,defective,pre_dropout,delivered_at";
constexpr std::string_view kTruthReviewsHeader = "review_id,order_id,sentiment,sentiment_score,themes";
constexpr std::string_view kTruthTicketsHeader =
    "ticket_id,order_id,root_cause,urgency,sentiment,pre_dropout,themes";

// Same order as ShopFiles::File.
const FileSpec kSpecs[] = {
    {"customers.csv", kCustomersHeader},     {"orders.csv", kOrdersHeader},
    {"order_items.csv", kOrderItemsHeader},  {"events.csv", kEventsHeader},
    {"reviews.csv", kReviewsHeader},         {"tickets.csv", kTicketsHeader},
    {"truth/customers.csv", kTruthCustomersHeader}, {"truth/orders.csv", kTruthOrdersHeader},
    {"truth/reviews.csv", kTruthReviewsHeader},     {"truth/tickets.csv", kTruthTicketsHeader},
};

Status OsError(const std::string& what, const std::string& path) {
  return Status::IoError(what + " " + path + ": " + std::strerror(errno));
}

void JsonNumber(std::string* j, std::string_view key, double v, bool comma = true) {
  j->append("    \"").append(key).append("\": ");
  AppendFixed(j, v, 6);
  if (comma) j->push_back(',');
  j->push_back('\n');
}

}  // namespace

ShopFiles::~ShopFiles() {
  for (FILE* f : files_)
    if (f) std::fclose(f);
}

Status ShopFiles::Open(const std::string& out_dir) {
  dir_ = out_dir;
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(out_dir) / "truth", ec);
  if (ec) return Status::IoError("cannot create output folder " + out_dir + "/truth: " + ec.message());
  for (const FileSpec& spec : kSpecs) {
    const std::string path = out_dir + "/" + spec.path;
    FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) return OsError("cannot open", path);
    std::setvbuf(f, nullptr, _IOFBF, 1 << 20);
    files_.push_back(f);
    paths_.push_back(path);
    std::string header(spec.header);
    header.push_back('\n');
    CI_RETURN_IF_ERROR(Write(static_cast<File>(files_.size() - 1), header));
  }
  return Status::Ok();
}

Status ShopFiles::Write(File f, std::string_view data) {
  if (data.empty()) return Status::Ok();
  if (std::fwrite(data.data(), 1, data.size(), files_[f]) != data.size()) {
    return OsError("cannot write", paths_[f]);
  }
  bytes_ += static_cast<int64_t>(data.size());
  return Status::Ok();
}

Status ShopFiles::WriteBlock(const BlockText& t) {
  CI_RETURN_IF_ERROR(Write(kCustomers, t.customers));
  CI_RETURN_IF_ERROR(Write(kOrders, t.orders));
  CI_RETURN_IF_ERROR(Write(kOrderItems, t.order_items));
  CI_RETURN_IF_ERROR(Write(kEvents, t.events));
  CI_RETURN_IF_ERROR(Write(kReviews, t.reviews));
  CI_RETURN_IF_ERROR(Write(kTickets, t.tickets));
  CI_RETURN_IF_ERROR(Write(kTruthCustomers, t.truth_customers));
  CI_RETURN_IF_ERROR(Write(kTruthOrders, t.truth_orders));
  CI_RETURN_IF_ERROR(Write(kTruthReviews, t.truth_reviews));
  return Write(kTruthTickets, t.truth_tickets);
}

Status ShopFiles::WriteWhole(const std::string& relative, std::string_view content) {
  const std::string path = dir_ + "/" + relative;
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return OsError("cannot open", path);
  const bool ok = std::fwrite(content.data(), 1, content.size(), f) == content.size();
  if (std::fclose(f) != 0 || !ok) return OsError("cannot write", path);
  bytes_ += static_cast<int64_t>(content.size());
  return Status::Ok();
}

Status ShopFiles::Close() {
  Status first;
  for (size_t i = 0; i < files_.size(); ++i) {
    if (std::fclose(files_[i]) != 0 && first.ok()) first = OsError("cannot write", paths_[i]);
    files_[i] = nullptr;
  }
  files_.clear();
  return first;
}

std::string ProductsCsv(const Catalog& catalog) {
  CsvBuffer out;
  out.mutable_str().append(kProductsHeader).push_back('\n');
  for (const Product& p : catalog.products()) {
    out.Id("P", p.index + 1, 4).Text(p.name).Text(catalog.categories()[p.category].name);
    out.Money(p.price_cents).EndRow();
  }
  return std::move(out.mutable_str());
}

std::string ProductsTruthCsv(const Catalog& catalog) {
  CsvBuffer out;
  out.mutable_str().append("product_id,category_slug,staple,quality,popularity\n");
  for (const Product& p : catalog.products()) {
    out.Id("P", p.index + 1, 4).Raw(catalog.categories()[p.category].slug).Bool(p.staple);
    out.Fixed(p.quality, 4).Fixed(p.popularity, 4).EndRow();
  }
  return std::move(out.mutable_str());
}

Result<std::string> NotesCsv(int64_t* count) {
  constexpr std::string_view kPath = "gen/assets/notes.tsv";
  std::optional<std::string_view> tsv = embedded::Find(kPath);
  if (!tsv) return Status::Internal(std::string(kPath) + " is not embedded in this build");
  CsvBuffer out;
  out.mutable_str().append(kNotesHeader).push_back('\n');
  *count = 0;
  for (const std::string& line : Split(*tsv, '\n')) {
    if (Trim(line).empty() || line[0] == '#') continue;
    const std::vector<std::string> f = Split(line, '\t');
    if (f.size() != 3) return Status::Internal(std::string(kPath) + ": expected title<TAB>tags<TAB>body");
    ++*count;
    out.Id("N", *count, 3).Text(f[0]).Text(f[2]).Text(f[1]).EndRow();
  }
  return std::move(out.mutable_str());
}

std::string PopulationJson(const GenOptions& o, const SimContext& ctx, const GenReport& r) {
  std::string j = "{\n  \"generator\": \"custintel gen-data\",\n  \"seed\": ";
  AppendInt(&j, static_cast<int64_t>(o.seed));
  j.append(",\n  \"customers\": ");
  AppendInt(&j, o.customers);
  j.append(",\n  \"window\": {\"start\": \"");
  AppendTimestamp(&j, ctx.window_start);
  j.append("\", \"end\": \"");
  AppendTimestamp(&j, ctx.window_end);
  j.append("\", \"acquisition\": \"uniform over the window\"},\n");
  j.append("  \"bgnbd\": {\n    \"time_unit\": \"week\",\n");
  j.append("    \"story\": \"first order at acquisition; while alive, purchases are Poisson(lambda); after "
           "each repeat purchase the customer drops out with probability p; every order row is one "
           "transaction whatever its status\",\n");
  JsonNumber(&j, "r", o.bgnbd_r);
  JsonNumber(&j, "alpha", o.bgnbd_alpha);
  JsonNumber(&j, "a", o.bgnbd_a);
  JsonNumber(&j, "b", o.bgnbd_b, false);
  j.append("  },\n  \"gamma_gamma\": {\n");
  j.append("    \"story\": \"nu ~ Gamma(shape q, rate v) per customer; each order's target value ~ "
           "Gamma(shape p, rate nu) in USD; items are picked by category affinity until they come close "
           "to the target, and the order amount is the items' exact sum (truth/orders.csv target_value)\",\n");
  JsonNumber(&j, "p", o.spend_p);
  JsonNumber(&j, "q", o.spend_q);
  JsonNumber(&j, "v", o.spend_v);
  JsonNumber(&j, "mean_order_value", o.spend_p * o.spend_v / (o.spend_q - 1), false);
  j.append("  },\n  \"experience\": {\n");
  JsonNumber(&j, "late_delivery_rate", o.late_delivery_rate);
  JsonNumber(&j, "damage_rate", o.damage_rate);
  JsonNumber(&j, "pre_dropout_weeks", o.pre_dropout_weeks);
  JsonNumber(&j, "pre_dropout_problem_multiplier", o.pre_dropout_problem_multiplier);
  JsonNumber(&j, "review_rate", o.review_rate);
  JsonNumber(&j, "background_ticket_rate_per_week", o.background_ticket_rate);
  JsonNumber(&j, "staple_customer_share", o.staple_customer_share);
  JsonNumber(&j, "missing_last_active_share", o.missing_last_active_share, false);
  j.append("  },\n  \"counts\": {");
  const std::pair<const char*, int64_t> counts[] = {
      {"customers", r.customers}, {"orders", r.orders}, {"order_items", r.order_items},
      {"products", r.products}, {"events", r.events}, {"reviews", r.reviews},
      {"tickets", r.tickets}, {"notes", r.notes}};
  for (size_t i = 0; i < std::size(counts); ++i) {
    j.append(i ? ", \"" : "\"").append(counts[i].first).append("\": ");
    AppendInt(&j, counts[i].second);
  }
  j.append("},\n  \"block_size\": ");
  AppendInt(&j, kBlockSize);
  j.append(",\n  \"labels\": {\"sentiment\": [\"very_negative\", \"negative\", \"neutral\", \"positive\", "
           "\"very_positive\"], \"themes\": [\"shipping\", \"packaging\", \"quality\", \"value\", \"service\", "
           "\"returns\", \"usability\", \"performance\", \"billing\", \"account\"]}\n}\n");
  return j;
}

}  // namespace custintel::gen
