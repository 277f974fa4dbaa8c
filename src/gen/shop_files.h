// ShopFiles: the output files of one generation run, opened together, written in block order,
// closed with their errors checked. Also the contents that do not come from customer blocks:
// products.csv, notes.csv, truth/products.csv and truth/population.json.
//
// Thread safety: not thread-safe; one writer thread.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "gen/catalog.h"
#include "gen/gen_data.h"
#include "gen/shop_block.h"

namespace custintel::gen {

// The header rows, exactly the silver contract (DESIGN.md §4) for the input files.
inline constexpr std::string_view kCustomersHeader =
    "customer_id,email,first_name,last_name,segment,plan,region,account_id,acquisition_date,last_active_date";
inline constexpr std::string_view kOrdersHeader = "order_id,customer_id,ordered_at,amount,currency,status,channel";
inline constexpr std::string_view kOrderItemsHeader = "order_id,product_id,quantity,unit_price";
inline constexpr std::string_view kProductsHeader = "product_id,name,category,price";
inline constexpr std::string_view kEventsHeader =
    "event_id,customer_id,event_type,channel,occurred_at,content,properties";
inline constexpr std::string_view kReviewsHeader =
    "review_id,customer_id,product_id,rating,title,review_text,verified_purchase,helpful_count,created_at";
inline constexpr std::string_view kTicketsHeader =
    "ticket_id,customer_id,category,priority,subject,description,resolution,satisfaction_score,created_at,"
    "resolved_at";
inline constexpr std::string_view kNotesHeader = "note_id,title,body,tags";

class ShopFiles {
 public:
  ShopFiles() = default;
  ~ShopFiles();
  ShopFiles(const ShopFiles&) = delete;
  ShopFiles& operator=(const ShopFiles&) = delete;

  // Creates out_dir and out_dir/truth, opens every block file and writes its header.
  Status Open(const std::string& out_dir);
  Status WriteBlock(const BlockText& text);
  // Writes a whole small file (products, notes, population.json) at `relative` path.
  Status WriteWhole(const std::string& relative, std::string_view content);
  // Flushes and closes every file; the first error wins.
  Status Close();
  int64_t bytes_written() const { return bytes_; }

 private:
  enum File { kCustomers, kOrders, kOrderItems, kEvents, kReviews, kTickets,
              kTruthCustomers, kTruthOrders, kTruthReviews, kTruthTickets, kFileCount };
  Status Write(File f, std::string_view data);

  std::string dir_;
  std::vector<FILE*> files_;
  std::vector<std::string> paths_;
  int64_t bytes_ = 0;
};

std::string ProductsCsv(const Catalog& catalog);
std::string ProductsTruthCsv(const Catalog& catalog);
// notes.csv from the embedded gen/assets/notes.tsv; `count` receives the number of notes.
Result<std::string> NotesCsv(int64_t* count);
std::string PopulationJson(const GenOptions& options, const SimContext& ctx, const GenReport& report);

}  // namespace custintel::gen
