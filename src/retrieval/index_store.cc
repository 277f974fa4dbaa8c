// Reading and writing the retrieval index directory (see index_store.h).
#include "retrieval/index_store.h"

#include <filesystem>
#include <set>

#include <nlohmann/json.hpp>

#include "core/hash.h"
#include "retrieval/codec.h"

namespace custintel::retrieval {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr uint32_t kDocsMagic = 0x53434f44;  // "DOCS"
constexpr const char* kManifest = "MANIFEST.json";

std::string EncodeDocs(const std::vector<Document>& docs) {
  ByteWriter w;
  w.U32(kDocsMagic);
  w.U32(static_cast<uint32_t>(docs.size()));
  for (const Document& d : docs) {
    w.Str(d.id);
    if (d.id.empty()) continue;
    w.Str(d.source);
    w.Str(d.text);
    w.Str(d.customer_id);
    w.Str(d.product_id);
    w.Str(d.hash);
    w.U32(d.passages);
  }
  return w.bytes();
}

Result<std::vector<Document>> DecodeDocs(std::string_view bytes) {
  ByteReader r(bytes);
  if (r.U32() != kDocsMagic) return Status::Corruption("not a document table");
  std::vector<Document> docs(r.Count(4));
  for (Document& d : docs) {
    d.id = r.Str();
    if (d.id.empty()) continue;
    d.source = r.Str();
    d.text = r.Str();
    d.customer_id = r.Str();
    d.product_id = r.Str();
    d.hash = r.Str();
    d.passages = r.U32();
    if (d.source != "note" && d.source != "review" && d.source != "ticket") r = ByteReader("");
  }
  if (!r.ok() || !r.at_end()) return Status::Corruption("document table is truncated or garbled");
  return docs;
}

json FileEntry(const std::string& name, const std::string& bytes) {
  return {{"name", name}, {"size", bytes.size()}, {"sha256", Sha256Hex(bytes)}};
}

// Reads the file a manifest entry names, checking its size and checksum.
Result<std::string> ReadChecked(const std::string& dir, const json& entry) {
  if (!entry.is_object() || !entry.contains("name")) return Status::Corruption("manifest entry without a name");
  const std::string name = entry.at("name").get<std::string>();
  if (name.find('/') != std::string::npos) return Status::Corruption("manifest names a file outside the index");
  auto bytes = ReadWholeFile(dir + "/" + name);
  if (!bytes.ok()) return Status::Corruption("missing file " + name);
  if (bytes->size() != entry.value("size", uint64_t{0}) || Sha256Hex(*bytes) != entry.value("sha256", "")) {
    return Status::Corruption(name + " does not match its checksum");
  }
  return bytes;
}

Result<IndexState> LoadFromManifest(const std::string& dir, const json& m) {
  const int format = m.value("format", 0);
  if (format != kIndexFormat) {
    return Status::Corruption("format " + std::to_string(format) + " != " + std::to_string(kIndexFormat));
  }
  IndexState state;
  state.generation = m.value("generation", uint64_t{0});
  const json& files = m.at("files");
  CI_ASSIGN_OR_RETURN(std::string docs, ReadChecked(dir, files.at("docs")));
  CI_ASSIGN_OR_RETURN(state.docs, DecodeDocs(docs));
  CI_ASSIGN_OR_RETURN(std::string bm25, ReadChecked(dir, files.at("bm25")));
  CI_ASSIGN_OR_RETURN(state.bm25, Bm25Index::Decode(bm25));
  if (files.contains("vectors")) {
    CI_ASSIGN_OR_RETURN(std::string ignored, ReadChecked(dir, files.at("vectors")));
    (void)ignored;
    const std::string path = dir + "/" + files.at("vectors").at("name").get<std::string>();
    CI_ASSIGN_OR_RETURN(VectorIndex v, VectorIndex::Load(path, m.value("dimensions", 0)));
    state.vectors = std::move(v);
    state.model = m.value("embedding_model", "");
  }
  return state;
}

// Deletes what the manifest does not name: older generations, temporary leftovers.
void RemoveStaleFiles(const std::string& dir, const std::set<std::string>& keep) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name != kManifest && !keep.count(name)) fs::remove(entry.path(), ec);
  }
}

}  // namespace

Result<IndexState> LoadIndexDir(const std::string& dir) {
  auto text = ReadWholeFile(dir + "/" + kManifest);
  if (!text.ok()) return Status::NotFound("no retrieval index in " + dir);
  try {
    return LoadFromManifest(dir, json::parse(*text));
  } catch (const json::exception& e) {
    return Status::Corruption(std::string("manifest is not valid: ") + e.what());
  }
}

Status SaveIndexDir(const std::string& dir, IndexState& state) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::IoError("cannot create " + dir + ": " + ec.message());
  const uint64_t gen = state.generation + 1;
  const std::string suffix = "-" + std::to_string(gen);
  json files;
  const std::string docs = EncodeDocs(state.docs), bm25 = state.bm25.Encode();
  CI_RETURN_IF_ERROR(WriteFileAtomic(dir + "/docs" + suffix + ".bin", docs));
  files["docs"] = FileEntry("docs" + suffix + ".bin", docs);
  CI_RETURN_IF_ERROR(WriteFileAtomic(dir + "/bm25" + suffix + ".bin", bm25));
  files["bm25"] = FileEntry("bm25" + suffix + ".bin", bm25);
  if (state.vectors) {
    const std::string name = "vectors" + suffix + ".hnsw";
    CI_RETURN_IF_ERROR(state.vectors->Save(dir + "/" + name));
    CI_ASSIGN_OR_RETURN(std::string bytes, ReadWholeFile(dir + "/" + name));
    files["vectors"] = FileEntry(name, bytes);
  }
  json manifest = {{"format", kIndexFormat}, {"generation", gen}, {"embedding_model", state.model},
                   {"dimensions", state.vectors ? state.vectors->dimensions() : 0},
                   {"documents", state.bm25.live_documents()}, {"files", files}};
  CI_RETURN_IF_ERROR(WriteFileAtomic(dir + "/" + kManifest, manifest.dump(2)));
  state.generation = gen;
  std::set<std::string> keep;
  for (const auto& [key, entry] : files.items()) keep.insert(entry.at("name").get<std::string>());
  RemoveStaleFiles(dir, keep);
  return Status::Ok();
}

}  // namespace custintel::retrieval
