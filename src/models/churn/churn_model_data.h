// From feature rows (a store::QueryResult) to the learned churn model's dense matrix, and from
// its SHAP contributions back to readable drivers.
//
// A FeatureSpec is inferred once, on the training rows, and saved with the model, so scoring
// builds exactly the same columns: numeric columns as they are (NULL → missing), text columns
// one-hot over their frequent levels (rarer levels and NULL → all zeros), timestamps and ids
// left out.
//
// Thread safety: values and pure functions.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "core/status.h"
#include "models/churn/churn_model_xgb.h"
#include "store/database.h"

namespace custintel::models {

struct CategoricalFeature {
  std::string column;
  std::vector<std::string> levels;  // one matrix column per level, "column=level"
};

struct FeatureSpec {
  std::vector<std::string> numeric;
  std::vector<CategoricalFeature> categorical;

  size_t width() const;
  // Matrix column names: the numeric columns, then "column=level" per categorical level.
  std::vector<std::string> Names() const;
  // {"numeric":[...],"categorical":[{"column":..,"levels":[..]}]} and back.
  std::string ToJson() const;
  static Result<FeatureSpec> FromJson(const std::string& json);
};

struct FeatureMatrix {
  std::vector<std::string> ids;  // customer_id per row
  DenseMatrix x;
  // Per categorical feature, each row's raw text ("" for NULL): shown as a driver's value.
  std::vector<std::vector<std::string>> category_values;
};

// Numeric (boolean, integer, double, decimal) and text columns of `rows`, minus `exclude`, ids
// (customer_id, account_id) and columns starting with "ci_". A text column becomes categorical
// with its levels seen at least max(5, 0.2% of rows) times (at most 20, most frequent first);
// text columns with no such level, or whose levels are nearly all distinct, are left out.
FeatureSpec InferFeatureSpec(const store::QueryResult& rows, const std::set<std::string>& exclude);

// Builds the matrix; `rows` needs a customer_id column and every column the spec names.
Result<FeatureMatrix> BuildFeatureMatrix(const store::QueryResult& rows, const FeatureSpec& spec);

// A 0/1 column of `rows` (NULL → -1, unknown).
Result<std::vector<int>> ReadLabels(const store::QueryResult& rows, const std::string& column);

// The top `k` drivers of one row by |SHAP| as a JSON array, largest first:
//   [{"feature":"days_inactive","value":120,"shap":0.83}, {"feature":"plan","value":"basic",...}]
// One-hot columns of a categorical feature are summed into one driver valued by the row's level.
// `contributions` points at the row's cols + 1 values (the last is the bias, ignored).
std::string TopDriversJson(const FeatureSpec& spec, const FeatureMatrix& m, size_t row,
                           const float* contributions, int k = 3);

}  // namespace custintel::models
