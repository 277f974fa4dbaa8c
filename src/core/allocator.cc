#include "core/allocator.h"

#include <dlfcn.h>

#include <string>

namespace custintel {

std::string AllocatorName() {
  // mi_version() returns e.g. 209 for 2.0.9.
  using VersionFn = int (*)();
  auto version = reinterpret_cast<VersionFn>(dlsym(RTLD_DEFAULT, "mi_version"));
  if (!version) return "system malloc";
  const int v = version();
  return "mimalloc " + std::to_string(v / 100) + "." + std::to_string(v / 10 % 10) + "." + std::to_string(v % 10);
}

}  // namespace custintel
