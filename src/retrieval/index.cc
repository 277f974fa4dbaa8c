// Index: opening, refreshing and persisting the retrieval index (see index.h). Search lives in
// index_search.cc.
#include "retrieval/index.h"

#include <fmt/format.h>

#include <chrono>

#include "core/log.h"
#include "core/parallel.h"
#include "retrieval/index_impl.h"

namespace custintel::retrieval {
namespace {

constexpr size_t kEmbedChunk = 256;     // texts per AiService::Embed call
constexpr size_t kBuildSlice = 16384;   // texts embedded before they are added to a new graph
constexpr size_t kCompactMinDead = 1024;  // removed slots tolerated before renumbering

// What a refresh changes, decided before anything is changed.
struct Plan {
  std::vector<Document> add;    // new and changed documents (masked before indexing)
  std::vector<uint32_t> drop;   // slots of removed and changed documents
  RefreshReport report;
};

Plan Diff(const Index::Impl& impl, std::vector<Document> current) {
  Plan plan;
  std::vector<bool> seen(impl.state.docs.size(), false);
  for (Document& d : current) {
    auto it = impl.by_id.find(d.id);
    if (it != impl.by_id.end()) {
      seen[it->second] = true;
      if (impl.state.docs[it->second].hash == d.hash) {
        ++plan.report.unchanged;
        continue;
      }
      plan.drop.push_back(it->second);
      ++plan.report.updated;
    } else {
      ++plan.report.added;
    }
    plan.add.push_back(std::move(d));
  }
  for (uint32_t slot = 0; slot < seen.size(); ++slot) {
    if (!seen[slot] && !impl.state.docs[slot].id.empty()) {
      plan.drop.push_back(slot);
      ++plan.report.removed;
    }
  }
  return plan;
}

// The passages to embed for a refresh, flattened, with their vector labels.
struct EmbedJob {
  std::vector<std::string> texts;
  std::vector<uint64_t> labels;
  std::vector<const std::string*> owners;  // document id of each text, for errors
  std::vector<std::pair<uint32_t, uint32_t>> passages;  // (slot, passage count) per document
  void AddDocument(uint32_t slot, const Document& d) {
    std::vector<std::string> parts = Passages(d.text, d.source == kSourceNote);
    passages.emplace_back(slot, static_cast<uint32_t>(parts.size()));
    for (uint32_t p = 0; p < parts.size(); ++p) {
      texts.push_back(std::move(parts[p]));
      labels.push_back(PassageLabel(slot, p));
      owners.push_back(&d.id);
    }
  }
};

// Embeds texts [begin, end) of the job, in chunks, on all cores. Fails on the first text that
// fails, naming its document.
Result<std::vector<std::vector<float>>> EmbedRange(ai::AiService& ai, const EmbedJob& job, size_t begin, size_t end) {
  const size_t n = end - begin;
  std::vector<std::vector<float>> out(n);
  const size_t chunks = (n + kEmbedChunk - 1) / kEmbedChunk;
  std::vector<Status> failed(chunks);
  ParallelFor(chunks, 0, 64, [&](size_t c) {
    const size_t from = begin + c * kEmbedChunk, to = std::min(end, from + kEmbedChunk);
    auto batch = ai.Embed(std::span<const std::string>(job.texts).subspan(from, to - from));
    for (size_t i = from; i < to && failed[c].ok(); ++i) {
      if (!batch[i - from].ok()) {
        failed[c] = batch[i - from].status().WithContext("retrieval: cannot embed " + *job.owners[i]);
      } else {
        out[i - begin] = std::move(*batch[i - from]);
      }
    }
  });
  for (const Status& s : failed) CI_RETURN_IF_ERROR(s);
  return out;
}

// A vector index over the job, or nullopt when there is nothing to embed. Embeds and adds in
// slices, so only one slice of raw embeddings is held at a time.
Result<std::optional<VectorIndex>> BuildVectors(ai::AiService& ai, const EmbedJob& job) {
  if (job.texts.empty()) return std::optional<VectorIndex>();
  std::optional<VectorIndex> index;
  for (size_t begin = 0; begin < job.texts.size(); begin += kBuildSlice) {
    const size_t end = std::min(job.texts.size(), begin + kBuildSlice);
    CI_ASSIGN_OR_RETURN(auto vecs, EmbedRange(ai, job, begin, end));
    if (!index) {
      CI_ASSIGN_OR_RETURN(VectorIndex created, VectorIndex::Create(static_cast<int>(vecs.front().size()), job.texts.size()));
      index = std::move(created);
    }
    CI_RETURN_IF_ERROR(index->AddMany(std::span<const uint64_t>(job.labels).subspan(begin, end - begin), vecs));
  }
  return index;
}

// Renumbers live documents densely (slot order kept), re-using stored vectors: no embedding.
Result<IndexState> Compact(const IndexState& old) {
  IndexState fresh;
  fresh.generation = old.generation;
  fresh.model = old.model;
  std::vector<uint64_t> labels;
  std::vector<std::vector<float>> vecs;
  for (uint32_t slot = 0; slot < old.docs.size(); ++slot) {
    if (old.docs[slot].id.empty()) continue;
    const uint32_t to = static_cast<uint32_t>(fresh.docs.size());
    fresh.docs.push_back(old.docs[slot]);
    fresh.bm25.Add(to, fresh.docs.back().text, SourceNumber(fresh.docs.back().source));
    for (uint32_t p = 0; old.vectors && p < old.docs[slot].passages; ++p) {
      labels.push_back(PassageLabel(to, p));
      vecs.push_back(old.vectors->Vector(PassageLabel(slot, p)));
    }
  }
  if (old.vectors) {
    CI_ASSIGN_OR_RETURN(VectorIndex v, VectorIndex::Create(old.vectors->dimensions(), labels.size()));
    CI_RETURN_IF_ERROR(v.AddMany(labels, vecs));
    fresh.vectors = std::move(v);
  }
  return fresh;
}

// Checks new embeddings against the index they join, before anything is changed.
Status CheckDimensions(const IndexState& state, const std::vector<std::vector<float>>& vecs) {
  if (!state.vectors) return Status::Ok();
  for (const auto& v : vecs) {
    if (static_cast<int>(v.size()) != state.vectors->dimensions()) {
      return Status::InvalidArgument(fmt::format(
          "retrieval: the embedding size changed from {} to {} under the same model identity", state.vectors->dimensions(),
          v.size()));
    }
  }
  return Status::Ok();
}

// Vectors for a refresh: a whole new index (`rebuilt`) or vectors to add under job.labels.
struct NewVectors {
  bool all = false;
  EmbedJob job;
  std::optional<VectorIndex> rebuilt;
  std::vector<std::vector<float>> added;
};

// Embeds what the plan needs; runs before anything is changed, since it may fail (backend
// down, budget spent).
Result<NewVectors> EmbedPlan(Index::Impl& m, const Plan& plan, bool all) {
  NewVectors out;
  out.all = all;
  if (all) {
    std::vector<bool> dropped(m.state.docs.size(), false);
    for (uint32_t slot : plan.drop) dropped[slot] = true;
    for (uint32_t slot = 0; slot < m.state.docs.size(); ++slot) {
      if (!m.state.docs[slot].id.empty() && !dropped[slot]) out.job.AddDocument(slot, m.state.docs[slot]);
    }
  }
  const uint32_t base = static_cast<uint32_t>(m.state.docs.size());
  for (size_t i = 0; i < plan.add.size(); ++i) out.job.AddDocument(base + static_cast<uint32_t>(i), plan.add[i]);
  if (all) {
    CI_ASSIGN_OR_RETURN(out.rebuilt, BuildVectors(*m.ai, out.job));
  } else {
    CI_ASSIGN_OR_RETURN(out.added, EmbedRange(*m.ai, out.job, 0, out.job.texts.size()));
    CI_RETURN_IF_ERROR(CheckDimensions(m.state, out.added));
  }
  return out;
}

size_t DeadSlots(const IndexState& state) {
  return state.docs.size() - static_cast<size_t>(state.bm25.live_documents());
}

Status Apply(Index::Impl& m, Plan& plan, NewVectors vectors, const std::string& model) {
  for (uint32_t slot : plan.drop) {
    m.state.bm25.Remove(slot);
    for (uint32_t p = 0; m.state.vectors && !vectors.all && p < m.state.docs[slot].passages; ++p) {
      m.state.vectors->Remove(PassageLabel(slot, p));
    }
    m.state.docs[slot] = Document{};
  }
  for (Document& d : plan.add) {
    m.state.bm25.Add(static_cast<uint32_t>(m.state.docs.size()), d.text, SourceNumber(d.source));
    m.state.docs.push_back(std::move(d));
  }
  for (auto [slot, count] : vectors.job.passages) m.state.docs[slot].passages = count;
  if (vectors.all) {
    m.state.vectors = std::move(vectors.rebuilt);
    m.state.model = m.state.vectors ? model : "";
  } else if (!vectors.added.empty()) {
    CI_RETURN_IF_ERROR(m.state.vectors->AddMany(vectors.job.labels, vectors.added));
  }
  const size_t dead = DeadSlots(m.state);
  if (dead >= kCompactMinDead && dead > static_cast<size_t>(m.state.bm25.live_documents())) {
    CI_ASSIGN_OR_RETURN(m.state, Compact(m.state));
  }
  m.RebuildLookups();
  return Status::Ok();
}

Result<RefreshReport> RefreshIndex(Index::Impl& m, store::Connection& conn, const std::string& rebuild_reason) {
  const auto start = std::chrono::steady_clock::now();
  CI_ASSIGN_OR_RETURN(std::vector<Document> current, ReadCorpus(conn));
  Plan plan = Diff(m, std::move(current));
  RefreshReport& report = plan.report;
  report.created = !rebuild_reason.empty();
  report.rebuilt_reason = rebuild_reason;
  ParallelFor(plan.add.size(), 0, 64, [&](size_t i) { MaskDocument(plan.add[i]); });

  const std::string model = m.EmbeddingModel();
  const bool model_changed = m.state.vectors && m.state.model != model;
  if (model_changed && report.rebuilt_reason.empty()) report.rebuilt_reason = "model changed";
  const bool all = !m.state.vectors || model_changed;
  CI_ASSIGN_OR_RETURN(NewVectors vectors, EmbedPlan(m, plan, all));
  report.embedded = static_cast<int64_t>(vectors.job.texts.size());
  CI_RETURN_IF_ERROR(Apply(m, plan, std::move(vectors), model));
  if (report.changed() && !m.dir.empty()) CI_RETURN_IF_ERROR(SaveIndexDir(m.dir, m.state));
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  m.last = report;
  return report;
}

}  // namespace

int SourceNumber(std::string_view source) {
  for (int i = 0; i < kSourceCount; ++i) {
    if (SourceName(i) == source) return i;
  }
  return -1;
}

std::string_view SourceName(int number) {
  static constexpr std::string_view kNames[kSourceCount] = {kSourceNote, kSourceReview, kSourceTicket};
  return kNames[number];
}

void Index::Impl::RebuildLookups() {
  by_id.clear();
  by_customer.clear();
  for (auto& s : by_source) s.clear();
  source_of.assign(state.docs.size(), -1);
  for (uint32_t slot = 0; slot < state.docs.size(); ++slot) {
    const Document& d = state.docs[slot];
    if (d.id.empty()) continue;
    const int source = SourceNumber(d.source);
    source_of[slot] = static_cast<int8_t>(source);
    by_id.emplace(d.id, slot);
    by_source[source].push_back(slot);
    if (source != 0 && !d.customer_id.empty()) by_customer[d.customer_id].push_back(slot);
  }
}

std::string Index::Impl::EmbeddingModel() const {
  const auto& id = ai->identity();
  return id.backend + "/" + id.model + "@" + id.model_sha256;
}

std::string RefreshReport::ToString() const {
  std::string s = fmt::format("retrieval: {} added, {} updated, {} removed, {} unchanged ({} embedded)", added,
                              updated, removed, unchanged, embedded);
  if (!rebuilt_reason.empty()) s += "; rebuilt: " + rebuilt_reason;
  return s;
}

Index::Index(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Index::Index(Index&&) noexcept = default;
Index& Index::operator=(Index&&) noexcept = default;
Index::~Index() = default;

Result<Index> Index::Open(store::Connection& conn, std::string dir, std::shared_ptr<ai::AiService> ai) {
  if (!ai) return Status::InvalidArgument("retrieval: an AI service is needed for embeddings");
  auto impl = std::make_unique<Impl>();
  impl->dir = std::move(dir);
  impl->ai = std::move(ai);
  std::string reason = "no index";
  if (!impl->dir.empty()) {
    auto loaded = LoadIndexDir(impl->dir);
    if (loaded.ok()) {
      impl->state = std::move(*loaded);
      reason.clear();
    } else if (loaded.status().code() != StatusCode::kNotFound) {
      reason = loaded.status().message();
      LogWarn(fmt::format("retrieval index {} is unusable ({}); rebuilding it", impl->dir, reason));
    }
  }
  impl->RebuildLookups();
  CI_RETURN_IF_ERROR(RefreshIndex(*impl, conn, reason).status());
  return Index(std::move(impl));
}

Result<Index> Index::InMemory(store::Connection& conn, std::shared_ptr<ai::AiService> ai) {
  return Open(conn, "", std::move(ai));
}

Result<RefreshReport> Index::Refresh(store::Connection& conn) { return RefreshIndex(*impl_, conn, ""); }

const RefreshReport& Index::last_refresh() const { return impl_->last; }

const std::string& Index::dir() const { return impl_->dir; }

IndexStats Index::stats() const {
  const Impl& m = *impl_;
  IndexStats s;
  s.notes = static_cast<int64_t>(m.by_source[0].size());
  s.reviews = static_cast<int64_t>(m.by_source[1].size());
  s.tickets = static_cast<int64_t>(m.by_source[2].size());
  s.documents = s.notes + s.reviews + s.tickets;
  s.terms = static_cast<int64_t>(m.state.bm25.terms());
  s.dimensions = m.state.vectors ? m.state.vectors->dimensions() : 0;
  s.model = m.state.model;
  return s;
}

std::string IndexDirFor(std::string_view db_path) {
  if (db_path.empty() || db_path == ":memory:") return "";
  return std::string(db_path) + ".retrieval";
}

}  // namespace custintel::retrieval
