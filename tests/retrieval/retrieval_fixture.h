// A small shop for the retrieval tests: an engine database in a temporary directory with a
// few notes, reviews, tickets and customers, the builtin AI layer, and edits to its rows.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "ai/builtin_backend.h"
#include "ai/service.h"
#include "store/database.h"
#include "store/migrations.h"
#include "testing/testing.h"

namespace custintel::retrieval {

class ShopFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = store::OpenEngineDatabase(tmp_.File("shop.duckdb"));
    ASSERT_TRUE(db.ok()) << db.status().message();
    db_ = *db;
    auto conn = db_->Connect();
    ASSERT_TRUE(conn.ok()) << conn.status().message();
    conn_ = std::make_unique<store::Connection>(std::move(*conn));
    Sql(R"(
      INSERT INTO silver.customers (customer_id, first_name, last_name) VALUES
        ('C1', 'Jane', 'Doe'), ('C2', 'Omar', 'Haddad'), ('C3', 'Li', 'Wei');
      INSERT INTO silver.notes (note_id, title, body, tags) VALUES
        ('N001', 'Shipping delay apology', 'If an order is late, apologise and refund the shipping fee.', 'shipping'),
        ('N002', 'Warranty policy', 'All products carry a 12-month warranty against defects.', 'warranty'),
        ('N003', 'Retention offer', 'Offer 20% off to subscribers showing churn signals.', 'retention');
      INSERT INTO silver.reviews (review_id, customer_id, product_id, rating, title, review_text) VALUES
        ('R001', 'C1', 'P1', 1, 'Late again', 'Delivery was two weeks late. Write to jane.doe@example.com, Jane Doe.'),
        ('R002', 'C2', 'P2', 5, 'Lovely mug', 'Great glaze and it keeps coffee warm.'),
        ('R003', 'C3', 'P1', 2, 'Slow delivery', 'The parcel arrived late and the box was dented.');
      INSERT INTO silver.tickets (ticket_id, customer_id, subject, description) VALUES
        ('T001', 'C2', 'Where is my order', 'My delivery is late, call me on +44 20 7946 0958.'),
        ('T002', 'C3', 'Refund request', 'Please refund the duplicate payment on my card.');
    )");
  }

  void Sql(const std::string& sql) {
    Status s = conn_->Execute(sql);
    ASSERT_TRUE(s.ok()) << s.message();
  }

  std::shared_ptr<ai::AiService> NewAi() {
    return std::make_shared<ai::AiService>(ai::MakeBuiltinBackend(), nullptr, nullptr);
  }

  std::string IndexDir() const { return tmp_.File("shop.duckdb.retrieval"); }

  testing::TempDir tmp_;
  std::shared_ptr<store::Database> db_;
  std::unique_ptr<store::Connection> conn_;
};

}  // namespace custintel::retrieval
