// CheckGrounding: the three rules of grounding.h put together — numbers
// (grounding_numbers.h, and grounding_context.h for a number in the wrong place), names (grounding_entities.h), sentence support (grounding_support.h)
// — into one score and a list of flags a writer can act on.
#include "insight/grounding/grounding.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "insight/grounding/grounding_claims.h"
#include "insight/grounding/grounding_context.h"
#include "insight/grounding/grounding_entities.h"
#include "insight/grounding/grounding_numbers.h"
#include "insight/grounding/grounding_sheet.h"
#include "insight/grounding/grounding_support.h"
#include "text/clean.h"
#include "text/tokenizer.h"

namespace custintel::insight {
namespace {

// Sentences that carry words; a list marker such as "1." alone is not a sentence.
std::vector<uint32_t> RealSentences(const text::TokenizedText& tt) {
  std::vector<uint32_t> out;
  for (uint32_t s = 0; s < tt.sentences.size(); ++s) {
    const text::Sentence& sent = tt.sentences[s];
    for (uint32_t i = sent.first_token; i < sent.end_token; ++i) {
      if (tt.tokens[i].kind == text::TokenKind::kWord) { out.push_back(s); break; }
    }
  }
  return out;
}

// The tokenizer's sentence holding byte `pos`.
uint32_t SentenceAt(const text::TokenizedText& tt, size_t pos) {
  uint32_t found = 0;
  for (uint32_t s = 0; s < tt.sentences.size(); ++s) {
    if (tt.sentences[s].begin <= pos) found = s;
  }
  return found;
}

class Checker {
 public:
  Checker(std::string_view text, const FactSheet& sheet, const EntityCatalog& catalog, const GroundingOptions& options)
      : clean_(text::CleanText(text).text), sheet_(sheet), catalog_(catalog), options_(options) {
    if (options.sheet_index && &options.sheet_index->sheet() == &sheet) {
      index_ = options.sheet_index;
    } else {
      index_ = &own_index_.emplace(sheet);
    }
  }

  GroundingReport Run() {
    tt_ = text::Tokenize(clean_);
    real_ = RealSentences(tt_);
    for (size_t i = 0; i < real_.size(); ++i) index_of_[real_[i]] = static_cast<int>(i);
    matched_.assign(tt_.sentences.size(), 0);
    EntityScan scan = options_.catalog_index ? SpotEntities(tt_, index_->names(), *options_.catalog_index)
                                             : SpotEntities(tt_, index_->names(), CatalogIndex(catalog_));
    CheckNumbers(scan.name_spans);
    CheckEntities(scan);
    name_spans_ = std::move(scan.name_spans);
    CheckSupport();
    return Finish();
  }

 private:
  int Index(uint32_t tokenizer_sentence) const {
    auto it = index_of_.find(tokenizer_sentence);
    return it == index_of_.end() ? 0 : it->second;
  }

  void Flag(FlagKind kind, uint32_t sentence, std::string span, std::string detail) {
    report_.flags.push_back({kind, Index(sentence), std::move(span), std::move(detail)});
    flagged_.insert(sentence);
  }

  void CheckNumbers(const SpanList& name_spans) {
    for (const NumberMention& m : ExtractNumbers(clean_, name_spans)) {
      uint32_t s = SentenceAt(tt_, m.begin);
      NumberVerdict v = MatchNumber(m, index_->numbers());
      if (v.supported && !v.from_snippet) {
        v.detail = index_->context().WrongPlace(m, v.facts, ClauseStems(tt_, tt_.sentences[s], m.begin, name_spans));
        v.supported = v.detail.empty();
      }
      if (v.supported) ++matched_[s];
      else Flag(FlagKind::kNumber, s, m.surface, v.detail);
    }
  }

  void CheckEntities(const EntityScan& scan) {
    for (const EntityMention& e : scan.invented) {
      std::string what = e.kind == "name" ? "segment, product, theme or category" : e.kind;
      std::string detail = fmt::format("'{}' is not a {} in the data; name only segments, products, themes and "
                                       "categories that exist",
                                       e.span, what);
      if (!e.closest.empty()) detail += fmt::format(" (did you mean '{}'?)", e.closest);
      Flag(FlagKind::kEntity, e.sentence, e.span, detail);
    }
  }

  // "Suggested actions:" or "# Actions" introduces what follows; it claims nothing itself.
  bool IsHeading(uint32_t s) const {
    const text::Sentence& sent = tt_.sentences[s];
    return tt_.tokens[sent.first_token].norm == "#" || tt_.tokens[sent.end_token - 1].norm == ":";
  }

  void CheckSupport() {
    const SupportIndex& index = index_->support();
    std::vector<uint32_t> weak;
    std::vector<SentenceSupport> support;
    for (uint32_t s : real_) {
      if (flagged_.count(s) || IsHeading(s)) continue;
      std::vector<ClaimWord> claims = UnsupportedClaimWords(tt_, tt_.sentences[s], index.vocab(), name_spans_);
      if (!claims.empty()) {
        Flag(FlagKind::kUnsupported, s, std::string(tt_.SentenceText(tt_.sentences[s])), ClaimDetail(claims));
        continue;
      }
      SentenceSupport sup = index.Lexical(tt_, tt_.sentences[s], matched_[s]);
      if (sup.support >= options_.min_sentence_support) continue;
      weak.push_back(s);
      support.push_back(std::move(sup));
    }
    std::vector<double> similarity = EmbeddingSimilarity(weak);
    for (size_t i = 0; i < weak.size(); ++i) {
      if (!similarity.empty() && similarity[i] >= options_.min_embedding_similarity) continue;
      Flag(FlagKind::kUnsupported, weak[i], std::string(tt_.SentenceText(tt_.sentences[weak[i]])),
           UnsupportedDetail(support[i], similarity.empty() ? -1 : similarity[i]));
    }
  }

  // Empty when there is no embedder or it failed (the lexical verdict stands).
  std::vector<double> EmbeddingSimilarity(const std::vector<uint32_t>& weak) const {
    if (!options_.embedder || weak.empty()) return {};
    std::vector<std::string> texts;
    for (uint32_t s : weak) texts.emplace_back(tt_.SentenceText(tt_.sentences[s]));
    Result<std::vector<double>> sims = EmbeddingSupport(*options_.embedder, texts, sheet_);
    return sims.ok() ? *sims : std::vector<double>{};
  }

  static std::string ClaimDetail(const std::vector<ClaimWord>& claims) {
    std::string words;
    for (size_t i = 0; i < claims.size() && i < 6; ++i) {
      words += fmt::format("{}'{}' ({})", i ? ", " : "", claims[i].word, claims[i].kind);
    }
    return fmt::format("claims that no fact or snippet makes: {}; state only what the facts and snippets say", words);
  }

  std::string UnsupportedDetail(const SentenceSupport& sup, double similarity) const {
    std::string words;
    for (size_t i = 0; i < sup.unsupported.size() && i < 6; ++i) words += (i ? ", " : "") + sup.unsupported[i];
    std::string detail = fmt::format(
        "support {:.2f} < {:.2f}: words with no fact or snippet behind them ({}); state only what the facts and "
        "snippets say",
        sup.support, options_.min_sentence_support, words);
    if (similarity >= 0) detail += fmt::format(" (embedding similarity {:.2f})", similarity);
    return detail;
  }

  GroundingReport Finish() {
    report_.sentences = static_cast<int>(real_.size());
    int clean_sentences = 0;
    for (uint32_t s : real_) clean_sentences += flagged_.count(s) ? 0 : 1;
    report_.score = real_.empty() ? 1.0 : static_cast<double>(clean_sentences) / real_.size();
    bool hard = std::any_of(report_.flags.begin(), report_.flags.end(),
                            [](const GroundingFlag& f) { return f.kind != FlagKind::kUnsupported; });
    report_.passed = !hard && report_.score >= options_.pass_score;
    std::stable_sort(report_.flags.begin(), report_.flags.end(),
                     [](const GroundingFlag& a, const GroundingFlag& b) { return a.sentence < b.sentence; });
    return std::move(report_);
  }

  std::string clean_;
  const FactSheet& sheet_;
  const EntityCatalog& catalog_;
  const GroundingOptions& options_;
  std::optional<SheetIndex> own_index_;  // when options_.sheet_index is not this sheet's
  const SheetIndex* index_ = nullptr;
  text::TokenizedText tt_;
  std::vector<uint32_t> real_;
  std::unordered_map<uint32_t, int> index_of_;
  std::vector<int> matched_;
  std::unordered_set<uint32_t> flagged_;
  SpanList name_spans_;  // known names found in the text
  GroundingReport report_;
};

}  // namespace

std::string_view FlagKindName(FlagKind kind) {
  static constexpr std::string_view kNames[] = {"number", "entity", "unsupported"};
  return kNames[static_cast<int>(kind)];
}

nlohmann::json GroundingReport::ToJson() const {
  nlohmann::json j = {{"score", score}, {"passed", passed}, {"sentences", sentences}, {"flags", nlohmann::json::array()}};
  for (const GroundingFlag& f : flags) {
    j["flags"].push_back({{"kind", FlagKindName(f.kind)}, {"sentence", f.sentence}, {"span", f.span}, {"detail", f.detail}});
  }
  return j;
}

std::string GroundingReport::FlagsText() const {
  std::string out;
  for (const GroundingFlag& f : flags) {
    out += fmt::format("{}: sentence {}: {}\n", FlagKindName(f.kind), f.sentence + 1, f.detail);
  }
  return out;
}

GroundingReport CheckGrounding(std::string_view text, const FactSheet& sheet, const EntityCatalog& catalog,
                               const GroundingOptions& options) {
  return Checker(text, sheet, catalog, options).Run();
}

}  // namespace custintel::insight
