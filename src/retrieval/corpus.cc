// Reads and hashes the retrieval corpus from the silver tables (see corpus.h).
#include "retrieval/corpus.h"

#include <algorithm>
#include <unordered_set>

#include "core/hash.h"
#include "store/database.h"
#include "text/clean.h"
#include "text/pii.h"
#include "text/tokenizer.h"

namespace custintel::retrieval {
namespace {

// One query per source: key, title, body, customer, product, the customer's full name.
struct SourceQuery {
  const char* source;
  const char* table;
  const char* sql;
};

constexpr const char* kCustomerNames =
    "LEFT JOIN (SELECT customer_id, any_value(trim(coalesce(first_name, '') || ' ' || coalesce(last_name, ''))) "
    "AS full_name FROM silver.customers GROUP BY customer_id) c USING (customer_id) ";

const SourceQuery kQueries[] = {
    {"note", "silver.notes",
     "SELECT note_id, coalesce(title, ''), coalesce(body, ''), '', '', '' FROM silver.notes "
     "WHERE note_id IS NOT NULL ORDER BY note_id"},
    {"review", "silver.reviews", nullptr},
    {"ticket", "silver.tickets", nullptr},
};

std::string ReviewSql() {
  return std::string("SELECT review_id, coalesce(title, ''), coalesce(review_text, ''), coalesce(customer_id, ''), "
                     "coalesce(product_id, ''), coalesce(c.full_name, '') FROM silver.reviews ") +
         kCustomerNames + "WHERE review_id IS NOT NULL ORDER BY review_id";
}

std::string TicketSql() {
  return std::string("SELECT ticket_id, coalesce(subject, ''), coalesce(description, ''), coalesce(customer_id, ''), "
                     "'', coalesce(c.full_name, '') FROM silver.tickets ") +
         kCustomerNames + "WHERE ticket_id IS NOT NULL ORDER BY ticket_id";
}

std::string HashOf(const std::string& source, const store::QueryResult& rows, size_t row) {
  Sha256Builder h;
  h.Add(std::to_string(kCorpusVersion)).Add(source);
  for (size_t col = 0; col < 6; ++col) h.Add(rows.GetString(col, row));
  return h.FinishHex();
}

Status ReadSource(store::Connection& conn, const SourceQuery& q, std::vector<Document>& out) {
  const std::string sql = q.sql ? q.sql : std::string(q.source) == "review" ? ReviewSql() : TicketSql();
  auto rows = conn.Query(sql);
  if (!rows.ok()) return rows.status().WithContext(std::string("retrieval: cannot read ") + q.table);
  std::unordered_set<std::string> seen;
  for (size_t r = 0; r < rows->row_count(); ++r) {
    Document d;
    d.id = std::string(q.source) + ":" + rows->GetString(0, r);
    if (!seen.insert(d.id).second) continue;
    d.source = q.source;
    d.text = JoinTitleBody(rows->GetString(1, r), rows->GetString(2, r));
    d.customer_id = rows->GetString(3, r);
    d.product_id = rows->GetString(4, r);
    d.mask_name = rows->GetString(5, r);
    d.hash = HashOf(q.source, *rows, r);
    out.push_back(std::move(d));
  }
  return Status::Ok();
}

}  // namespace

std::string JoinTitleBody(std::string_view title, std::string_view body) {
  if (title.empty()) return std::string(body);
  if (body.empty()) return std::string(title);
  const char last = title.back();
  const bool ends_sentence = last == '.' || last == '!' || last == '?' || last == ':';
  return std::string(title) + (ends_sentence ? " " : ". ") + std::string(body);
}

std::vector<std::string> Passages(std::string_view text, bool title_passage) {
  const std::string clean = text::CleanText(text).text;
  const text::TokenizedText t = text::Tokenize(clean);
  std::vector<std::pair<std::string_view, int>> sentences;  // text, words
  int total = 0;
  for (const auto& s : t.sentences) {
    int words = 0;
    for (uint32_t i = s.first_token; i < s.end_token; ++i) {
      words += t.tokens[i].kind == text::TokenKind::kWord || t.tokens[i].kind == text::TokenKind::kNumber;
    }
    sentences.emplace_back(t.SentenceText(s), words);
    total += words;
  }
  std::vector<std::string> out = {std::string(text)};
  if (total <= kTitleWords || sentences.size() < 2) return out;
  if (title_passage) out.emplace_back(sentences[0].first);
  if (total <= kChunkWords) return out;
  if (!title_passage) out.emplace_back(sentences[0].first);  // it opens the first group
  int words = title_passage ? kChunkWords + 1 : sentences[0].second;
  for (size_t i = 1; i < sentences.size(); ++i) {
    if (words + sentences[i].second > kChunkWords) {
      out.emplace_back(sentences[i].first);
      words = sentences[i].second;
    } else {
      out.back().append(" ").append(sentences[i].first);
      words += sentences[i].second;
    }
  }
  return out;
}

Result<std::vector<Document>> ReadCorpus(store::Connection& conn) {
  std::vector<Document> docs;
  for (const auto& q : kQueries) CI_RETURN_IF_ERROR(ReadSource(conn, q, docs));
  std::sort(docs.begin(), docs.end(), [](const Document& a, const Document& b) { return a.id < b.id; });
  return docs;
}

void MaskDocument(Document& doc) {
  if (doc.source != "note") {
    text::PiiOptions options;
    if (doc.mask_name.find(' ') != std::string::npos) options.names.push_back(doc.mask_name);
    doc.text = text::MaskPii(doc.text, options).text;
  }
  doc.mask_name.clear();
}

}  // namespace custintel::retrieval
