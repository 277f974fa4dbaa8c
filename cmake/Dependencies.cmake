# Every third-party library custintel uses, found once and exposed as a target.
# System copies win; DuckDB and llama.cpp fall back to what scripts/deps.sh put in CUSTINTEL_DEPS.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(CLI11 CONFIG REQUIRED)
find_package(nlohmann_json CONFIG REQUIRED)
find_package(fmt CONFIG REQUIRED)
find_package(spdlog CONFIG REQUIRED)
find_package(Eigen3 CONFIG REQUIRED)
find_package(NLopt CONFIG REQUIRED)
find_package(GTest CONFIG REQUIRED)
find_package(benchmark CONFIG REQUIRED)
find_package(xgboost CONFIG REQUIRED)
pkg_check_modules(TOMLPP REQUIRED IMPORTED_TARGET tomlplusplus)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)
pkg_check_modules(UTF8PROC REQUIRED IMPORTED_TARGET libutf8proc)
pkg_check_modules(LIBPQ REQUIRED IMPORTED_TARGET libpq)
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
find_path(HNSWLIB_INCLUDE_DIR hnswlib/hnswlib.h REQUIRED)
# mimalloc replaces malloc in the custintel binary (not under the sanitizers, which bring their
# own): the grounding and text code allocate many small strings and sets, and glibc's malloc
# cost ~15% of the insights step (1M customers: 150.6 s → 128.4 s).
if(NOT CUSTINTEL_SANITIZE)
  find_package(mimalloc CONFIG REQUIRED)
endif()
include(GoogleTest)

# --- DuckDB 1.4.4 (C API) -------------------------------------------------------------------
set(CUSTINTEL_DUCKDB_DIR ${CUSTINTEL_DEPS}/duckdb-1.4.4)
find_path(DUCKDB_INCLUDE_DIR duckdb.h PATHS ${CUSTINTEL_DUCKDB_DIR}/include)
find_library(DUCKDB_LIBRARY duckdb PATHS ${CUSTINTEL_DUCKDB_DIR}/lib)
if(NOT DUCKDB_INCLUDE_DIR OR NOT DUCKDB_LIBRARY)
  message(FATAL_ERROR "DuckDB not found; run scripts/deps.sh (or `make`) to fetch it into ${CUSTINTEL_DEPS}")
endif()
add_library(custintel_duckdb SHARED IMPORTED GLOBAL)
set_target_properties(custintel_duckdb PROPERTIES
  IMPORTED_LOCATION ${DUCKDB_LIBRARY}
  INTERFACE_INCLUDE_DIRECTORIES ${DUCKDB_INCLUDE_DIR})
get_filename_component(DUCKDB_LIBRARY_DIR ${DUCKDB_LIBRARY} DIRECTORY)
# The binary finds libduckdb.so where it was built against, wherever it is run from.
list(APPEND CMAKE_BUILD_RPATH ${DUCKDB_LIBRARY_DIR})
set(CMAKE_INSTALL_RPATH ${DUCKDB_LIBRARY_DIR})

# --- llama.cpp (static: llama, ggml, common) -------------------------------------------------
set(CUSTINTEL_LLAMA_SRC ${CUSTINTEL_DEPS}/llama.cpp-3.22.1 CACHE PATH "llama.cpp source tree")
if(EXISTS ${CUSTINTEL_LLAMA_SRC}/build-cuda/.custintel-built)
  set(CUSTINTEL_LLAMA_BUILD ${CUSTINTEL_LLAMA_SRC}/build-cuda)
  set(CUSTINTEL_LLAMA_CUDA ON)
else()
  set(CUSTINTEL_LLAMA_BUILD ${CUSTINTEL_LLAMA_SRC}/build-cpu)
  set(CUSTINTEL_LLAMA_CUDA OFF)
endif()
if(NOT EXISTS ${CUSTINTEL_LLAMA_BUILD}/.custintel-built)
  message(FATAL_ERROR "llama.cpp not built; run scripts/deps.sh (or `make`)")
endif()
add_library(custintel_llama INTERFACE)
file(GLOB_RECURSE LLAMA_GGML_BACKENDS ${CUSTINTEL_LLAMA_BUILD}/ggml/src/libggml-*.a)
list(FILTER LLAMA_GGML_BACKENDS EXCLUDE REGEX "libggml-base\\.a$")
target_link_libraries(custintel_llama INTERFACE
  ${CUSTINTEL_LLAMA_BUILD}/common/libllama-common.a
  ${CUSTINTEL_LLAMA_BUILD}/common/libllama-common-base.a
  ${CUSTINTEL_LLAMA_BUILD}/src/libllama.a
  ${CUSTINTEL_LLAMA_BUILD}/ggml/src/libggml.a
  ${LLAMA_GGML_BACKENDS}
  ${CUSTINTEL_LLAMA_BUILD}/ggml/src/libggml-base.a
  Threads::Threads ${CMAKE_DL_LIBS})
if(CUSTINTEL_LLAMA_CUDA)
  find_package(CUDAToolkit REQUIRED)
  target_link_libraries(custintel_llama INTERFACE CUDA::cudart CUDA::cublas CUDA::cublasLt CUDA::cuda_driver)
endif()
target_include_directories(custintel_llama SYSTEM INTERFACE
  ${CUSTINTEL_LLAMA_SRC}/include ${CUSTINTEL_LLAMA_SRC}/ggml/include
  ${CUSTINTEL_LLAMA_SRC}/common ${CUSTINTEL_LLAMA_SRC}/vendor)
set(CUSTINTEL_LLAMA_VOCAB_DIR ${CUSTINTEL_LLAMA_SRC}/models)
# MakeGguf's default vocabulary folder (custintel dev make-gguf without --vocab).
target_compile_definitions(custintel_llama INTERFACE CUSTINTEL_LLAMA_VOCAB_DIR_DEFAULT="${CUSTINTEL_LLAMA_VOCAB_DIR}")
