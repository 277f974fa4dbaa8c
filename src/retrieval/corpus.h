// The retrieval corpus: the documents of silver.notes, silver.reviews and silver.tickets as
// the index stores them, and how they are read, hashed and masked.
//
//   CI_ASSIGN_OR_RETURN(std::vector<Document> docs, ReadCorpus(conn));   // raw text, hashed
//   MaskDocument(docs[7]);                                                // reviews/tickets only
//
// A document's text is its title and body joined ("Shipping delay apology. If an order ...").
// Its hash covers everything the indexed form depends on (source, key, title, body, customer,
// product, the customer's name used for masking, and kCorpusVersion), so an equal hash means
// the stored document (masked text, postings, embedding) is still right.
//
// Thread safety: pure functions over values; ReadCorpus uses the caller's connection.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace custintel::store {
class Connection;
}

namespace custintel::retrieval {

// Bump when the text a document is indexed with changes for the same rows (joining, masking).
inline constexpr int kCorpusVersion = 1;

struct Document {
  std::string id;           // "<source>:<key>"
  std::string source;       // "note" | "review" | "ticket"
  std::string text;         // raw after ReadCorpus; masked (reviews, tickets) once indexed
  std::string customer_id;  // reviews and tickets
  std::string product_id;   // reviews
  std::string hash;         // sha256 hex, see the file comment
  uint32_t passages = 0;    // vectors in the vector index (see Passages); 0 before embedding
  std::string mask_name;    // the customer's full name, masked out of the text; never stored
};

// Every document of the three silver tables, ordered by id. A table that is missing is an
// error naming it (the database was not set up by custintel). Duplicate keys keep the first row.
Result<std::vector<Document>> ReadCorpus(store::Connection& conn);

// Replaces PII in a review's or ticket's text (text engine masking: e-mails, phones, cards,
// addresses, the customer's own name) and forgets mask_name. Notes are left as they are.
void MaskDocument(Document& doc);

// The parts of a text embedded separately; a document's vector score is its best part's, so a
// long document is found by its title or by the passage that matches instead of by one vector
// diluted over everything it says:
//   0   the whole text, always;
//   1   the first sentence (the title), when `title_passage` and the text has more words than
//       kTitleWords. Notes ask for it: a playbook's title names its topic. Review titles and
//       ticket subjects do not: they are a few stock phrases ("Delivery is late") shared by
//       thousands of documents, whose identical vectors add nothing and degrade an HNSW graph;
//   2.. groups of sentences of at most kChunkWords words, when the text has more words than
//       kChunkWords (a longer sentence stands alone).
inline constexpr int kTitleWords = 24;
inline constexpr int kChunkWords = 64;
std::vector<std::string> Passages(std::string_view text, bool title_passage);

// Title and body as one text: "Title. Body" (no extra period when the title ends a sentence).
std::string JoinTitleBody(std::string_view title, std::string_view body);

}  // namespace custintel::retrieval
