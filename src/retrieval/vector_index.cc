// The hnswlib door (see vector_index.h). Exceptions from hnswlib stop here.
#include "retrieval/vector_index.h"

#include <hnswlib/hnswlib.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <thread>

#include "retrieval/codec.h"

namespace custintel::retrieval {
namespace {

constexpr size_t kM = 16;                // graph degree: hnswlib's default, good recall at 512 dims
constexpr size_t kEfConstruction = 100;  // build-time beam; 200 doubles build time for ~1% recall
constexpr size_t kEfSearch = 64;         // query-time beam (raised to k when k is larger)
constexpr size_t kInitialCapacity = 1024;

bool NeighborBetter(const Neighbor& a, const Neighbor& b) {
  return a.score != b.score ? a.score > b.score : a.label < b.label;
}

}  // namespace

struct VectorIndex::Impl {
  std::unique_ptr<hnswlib::InnerProductSpace> space;
  std::unique_ptr<hnswlib::HierarchicalNSW<float>> graph;
};

bool Normalize(std::vector<float>& v) {
  double sum = 0;
  for (float x : v) sum += static_cast<double>(x) * x;
  if (!(sum > 0) || !std::isfinite(sum)) return false;
  const float inv = static_cast<float>(1.0 / std::sqrt(sum));
  for (float& x : v) x *= inv;
  return true;
}

VectorIndex::VectorIndex(std::unique_ptr<Impl> impl, int dims) : impl_(std::move(impl)), dims_(dims) {}
VectorIndex::VectorIndex(VectorIndex&&) noexcept = default;
VectorIndex& VectorIndex::operator=(VectorIndex&&) noexcept = default;
VectorIndex::~VectorIndex() = default;

Result<VectorIndex> VectorIndex::Create(int dimensions, size_t capacity) {
  if (dimensions <= 0) return Status::InvalidArgument("vector index: dimensions must be positive");
  auto impl = std::make_unique<Impl>();
  impl->space = std::make_unique<hnswlib::InnerProductSpace>(dimensions);
  try {
    impl->graph = std::make_unique<hnswlib::HierarchicalNSW<float>>(
        impl->space.get(), std::max(capacity, kInitialCapacity), kM, kEfConstruction);
  } catch (const std::exception& e) {
    return Status::Internal(std::string("hnswlib: ") + e.what());
  }
  impl->graph->setEf(kEfSearch);
  return VectorIndex(std::move(impl), dimensions);
}

Result<VectorIndex> VectorIndex::Load(const std::string& path, int dimensions) {
  if (dimensions <= 0) return Status::Corruption("vector index " + path + ": no dimensions recorded");
  auto impl = std::make_unique<Impl>();
  impl->space = std::make_unique<hnswlib::InnerProductSpace>(dimensions);
  try {
    impl->graph = std::make_unique<hnswlib::HierarchicalNSW<float>>(impl->space.get(), path);
  } catch (const std::exception& e) {
    return Status::Corruption("vector index " + path + ": " + e.what());
  }
  impl->graph->setEf(kEfSearch);
  return VectorIndex(std::move(impl), dimensions);
}

Status VectorIndex::Reserve(size_t extra) {
  auto& g = *impl_->graph;
  const size_t need = g.cur_element_count + extra;
  if (need <= g.max_elements_) return Status::Ok();
  try {
    g.resizeIndex(std::max(need, g.max_elements_ * 2));
  } catch (const std::exception& e) {
    return Status::ResourceExhausted(std::string("vector index: ") + e.what());
  }
  return Status::Ok();
}

Status VectorIndex::Add(uint64_t label, std::span<const float> vector) {
  const uint64_t labels[] = {label};
  std::vector<float> one(vector.begin(), vector.end());
  return AddMany(labels, std::span<std::vector<float>>(&one, 1), 1);
}

Status VectorIndex::AddMany(std::span<const uint64_t> labels, std::span<std::vector<float>> unit, int threads) {
  if (labels.size() != unit.size()) return Status::Internal("vector index: labels and vectors differ in count");
  for (size_t i = 0; i < unit.size(); ++i) {
    if (static_cast<int>(unit[i].size()) != dims_) {
      return Status::InvalidArgument("vector index: an embedding has " + std::to_string(unit[i].size()) +
                                     " dimensions, the index " + std::to_string(dims_));
    }
    if (!Normalize(unit[i])) return Status::InvalidArgument("vector index: an embedding is zero or not finite");
  }
  CI_RETURN_IF_ERROR(Reserve(unit.size()));
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  threads = static_cast<int>(std::min<size_t>(threads, std::max<size_t>(1, unit.size() / 64)));
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  auto work = [&] {
    for (size_t i; !failed && (i = next++) < unit.size();) {
      try {
        impl_->graph->addPoint(unit[i].data(), labels[i]);
      } catch (const std::exception&) {
        failed = true;
      }
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  return failed ? Status::Internal("hnswlib refused a vector") : Status::Ok();
}

void VectorIndex::Remove(uint64_t label) {
  auto& g = *impl_->graph;
  auto it = g.label_lookup_.find(label);
  if (it == g.label_lookup_.end() || g.isMarkedDeleted(it->second)) return;
  g.markDelete(label);
}

std::vector<Neighbor> VectorIndex::Search(std::span<const float> query, size_t k, const LabelFilter* filter) const {
  const size_t live_count = live();
  if (k == 0 || live_count == 0 || static_cast<int>(query.size()) != dims_) return {};
  for (size_t want = filter ? std::min(live_count, k * 4) : std::min(live_count, k);; want = std::min(live_count, want * 4)) {
    std::priority_queue<std::pair<float, hnswlib::labeltype>> found;
    try {
      found = impl_->graph->searchKnn(query.data(), want);
    } catch (const std::exception&) {
      return {};
    }
    std::vector<Neighbor> out;
    for (; !found.empty(); found.pop()) {
      auto [dist, label] = found.top();
      if (filter == nullptr || (*filter)(label)) out.push_back({label, 1.0 - dist});
    }
    if (out.size() >= k || want >= live_count) {
      std::sort(out.begin(), out.end(), NeighborBetter);
      if (out.size() > k) out.resize(k);
      return out;
    }
  }
}

std::vector<Neighbor> VectorIndex::SearchAmong(std::span<const float> query, std::span<const uint64_t> labels,
                                             size_t k) const {
  const auto& g = *impl_->graph;
  std::vector<Neighbor> out;
  if (static_cast<int>(query.size()) != dims_) return out;
  for (uint64_t label : labels) {
    auto it = g.label_lookup_.find(label);
    if (it == g.label_lookup_.end() || g.isMarkedDeleted(it->second)) continue;
    const float* v = reinterpret_cast<const float*>(g.getDataByInternalId(it->second));
    double dot = 0;
    for (int i = 0; i < dims_; ++i) dot += static_cast<double>(v[i]) * query[i];
    out.push_back({label, dot});
  }
  const size_t n = std::min(k, out.size());
  std::partial_sort(out.begin(), out.begin() + n, out.end(), NeighborBetter);
  out.resize(n);
  return out;
}

std::vector<float> VectorIndex::Vector(uint64_t label) const {
  const auto& g = *impl_->graph;
  auto it = g.label_lookup_.find(label);
  if (it == g.label_lookup_.end() || g.isMarkedDeleted(it->second)) return {};
  const float* v = reinterpret_cast<const float*>(g.getDataByInternalId(it->second));
  return std::vector<float>(v, v + dims_);
}

Status VectorIndex::Save(const std::string& path) const {
  const std::string tmp = TempName(path);
  try {
    impl_->graph->saveIndex(tmp);
  } catch (const std::exception& e) {
    return Status::IoError("cannot write " + tmp + ": " + e.what());
  }
  return CommitFile(tmp, path);
}

size_t VectorIndex::live() const { return impl_->graph->cur_element_count - impl_->graph->num_deleted_; }

}  // namespace custintel::retrieval
