// Binary encoding of the index files and the atomic file write they all go through.
//
//   ByteWriter w;  w.U32(7); w.Str("note:N001");
//   CI_RETURN_IF_ERROR(WriteFileAtomic(dir + "/docs-3.bin", w.bytes()));
//   ByteReader r(bytes);  uint32_t n = r.U32();  std::string id = r.Str();
//   if (!r.ok()) return Status::Corruption("docs-3.bin: truncated");
//
// Integers are little-endian fixed width. A ByteReader never reads past its end: a short or
// garbled input sets ok() to false and yields zeros / empty strings from then on, so a decoder
// checks ok() once at the end instead of after every field.
//
// Thread safety: values; a writer or reader belongs to one thread.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/status.h"

namespace custintel::retrieval {

class ByteWriter {
 public:
  void U32(uint32_t v);
  void U64(uint64_t v);
  void F32(float v);
  void F64(double v);
  void Str(std::string_view s);  // u32 length, then the bytes
  const std::string& bytes() const { return bytes_; }

 private:
  std::string bytes_;
};

class ByteReader {
 public:
  explicit ByteReader(std::string_view bytes) : bytes_(bytes) {}
  uint32_t U32();
  uint64_t U64();
  float F32();
  double F64();
  std::string Str();
  bool ok() const { return ok_; }
  bool at_end() const { return pos_ == bytes_.size(); }
  // A count read from the input that must fit in the bytes left, `min_item_bytes` each;
  // guards allocations against garbled counts.
  uint32_t Count(size_t min_item_bytes);

 private:
  bool Take(void* out, size_t n);
  std::string_view bytes_;
  size_t pos_ = 0;
  bool ok_ = true;
};

// "<path>.tmp.<pid>": where a file is written before it is renamed to `path`, unique per
// process so that two processes refreshing one index never write into each other's file.
std::string TempName(const std::string& path);
// Writes `bytes` to TempName(path), flushes it to disk, then renames it over `path`: readers
// see the old file or the new one, never a part.
Status WriteFileAtomic(const std::string& path, std::string_view bytes);
// Flushes an already written file and renames it to `path` (for files a library writes).
Status CommitFile(const std::string& tmp_path, const std::string& path);
Result<std::string> ReadWholeFile(const std::string& path);

}  // namespace custintel::retrieval
