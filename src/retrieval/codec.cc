// Binary encoding helpers and atomic file writes for the retrieval index (see codec.h).
#include "retrieval/codec.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace custintel::retrieval {
namespace {

template <class T>
void Put(std::string& out, T v) {
  char buf[sizeof(T)];
  std::memcpy(buf, &v, sizeof(T));  // the index is read back on the machine that wrote it
  out.append(buf, sizeof(T));
}

Status Errno(const std::string& what, const std::string& path) {
  return Status::IoError(what + " " + path + ": " + std::strerror(errno));
}

Status SyncFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return Errno("cannot open", path);
  int rc = ::fsync(fd);
  ::close(fd);
  return rc == 0 ? Status::Ok() : Errno("cannot flush", path);
}

}  // namespace

std::string TempName(const std::string& path) { return path + ".tmp." + std::to_string(::getpid()); }

void ByteWriter::U32(uint32_t v) { Put(bytes_, v); }
void ByteWriter::U64(uint64_t v) { Put(bytes_, v); }
void ByteWriter::F32(float v) { Put(bytes_, v); }
void ByteWriter::F64(double v) { Put(bytes_, v); }
void ByteWriter::Str(std::string_view s) {
  U32(static_cast<uint32_t>(s.size()));
  bytes_.append(s);
}

bool ByteReader::Take(void* out, size_t n) {
  if (!ok_ || bytes_.size() - pos_ < n) {
    ok_ = false;
    std::memset(out, 0, n);
    return false;
  }
  std::memcpy(out, bytes_.data() + pos_, n);
  pos_ += n;
  return true;
}

uint32_t ByteReader::U32() {
  uint32_t v;
  Take(&v, sizeof v);
  return v;
}
uint64_t ByteReader::U64() {
  uint64_t v;
  Take(&v, sizeof v);
  return v;
}
float ByteReader::F32() {
  float v;
  Take(&v, sizeof v);
  return v;
}
double ByteReader::F64() {
  double v;
  Take(&v, sizeof v);
  return v;
}

std::string ByteReader::Str() {
  uint32_t n = U32();
  if (!ok_ || bytes_.size() - pos_ < n) {
    ok_ = false;
    return {};
  }
  std::string s(bytes_.substr(pos_, n));
  pos_ += n;
  return s;
}

uint32_t ByteReader::Count(size_t min_item_bytes) {
  uint32_t n = U32();
  if (ok_ && min_item_bytes > 0 && n > (bytes_.size() - pos_) / min_item_bytes) ok_ = false;
  return ok_ ? n : 0;
}

Status WriteFileAtomic(const std::string& path, std::string_view bytes) {
  const std::string tmp = TempName(path);
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Errno("cannot create", tmp);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) return Errno("cannot write", tmp);
  }
  return CommitFile(tmp, path);
}

Status CommitFile(const std::string& tmp_path, const std::string& path) {
  CI_RETURN_IF_ERROR(SyncFile(tmp_path));
  if (std::rename(tmp_path.c_str(), path.c_str()) != 0) return Errno("cannot rename " + tmp_path + " to", path);
  return Status::Ok();
}

Result<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot open " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Status::IoError("cannot read " + path);
  return std::move(ss).str();
}

}  // namespace custintel::retrieval
