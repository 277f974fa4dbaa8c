// AiUsage: a tenant's daily AI usage (ai::UsageStore) in this database's meta.ai_usage table,
// so that per-day caps hold across runs and processes.
//
// Thread safety: any thread; each call opens its own short connection. Best effort: a usage
// that cannot be read counts from zero, one that cannot be written is logged at debug level.
#pragma once

#include <memory>
#include <string>

#include "ai/budget.h"
#include "store/database.h"

namespace custintel::store {

class AiUsage final : public ai::UsageStore {
 public:
  // Holds the database weakly: the usage store never keeps a closed database alive.
  explicit AiUsage(std::weak_ptr<Database> db) : db_(std::move(db)) {}

  Usage Load(const std::string& scope) override;
  void Add(const std::string& scope, int64_t calls, int64_t tokens) override;

 private:
  std::weak_ptr<Database> db_;
};

}  // namespace custintel::store
