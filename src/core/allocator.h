// Which malloc the process runs on, for `custintel version` and the benches: release builds
// link mimalloc in place of glibc's malloc (cmake/Dependencies.cmake), sanitizer builds do not.
// Found at run time (dlsym), so nothing else in custintel depends on the allocator.
//
//   std::cout << AllocatorName();   // "mimalloc 2.0.9" or "system malloc"
#pragma once

#include <string>

namespace custintel {

std::string AllocatorName();

}  // namespace custintel
