# Front door, like DuckDB's: make (release) · make debug (ASan+UBSan) · make test · make demo ·
# make pg (the PostgreSQL extension, installed into the system PostgreSQL 15).
# Every target first runs scripts/deps.sh, which installs only what is missing. `make demo`
# installs and builds only what the binary needs (no test binaries, no llama-server, no
# browser); `make test` adds the rest.
BUILD_DIR   ?= build
DEBUG_DIR   ?= build/debug
JOBS        ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all release debug test test-debug demo demo-build deps deps-demo bench clean format pg

all: release

deps:
	@scripts/deps.sh

deps-demo:
	@scripts/deps.sh --binary

release: deps
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null
	@scripts/phase.sh "building custintel, its tests and benchmarks (about 25 minutes on 2 cores from scratch)" \
	  cmake --build $(BUILD_DIR) -j$(JOBS)

debug: deps
	@cmake -S . -B $(DEBUG_DIR) -DCMAKE_BUILD_TYPE=Debug -DCUSTINTEL_SANITIZE=ON $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(DEBUG_DIR) -j$(JOBS)

test: release
	@scripts/test.sh $(BUILD_DIR)

test-debug: debug
	@scripts/test.sh $(DEBUG_DIR)

# The binary alone: every library it links, nothing else.
demo-build: deps-demo
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null
	@scripts/phase.sh "building custintel (the binary only; about 14 minutes on 2 cores from scratch, seconds with ccache)" \
	  cmake --build $(BUILD_DIR) -j$(JOBS) --target custintel

demo: demo-build
	@$(BUILD_DIR)/custintel demo

# The PostgreSQL extension: builds custintel.so + custintel.control + custintel--<version>.sql and
# installs them into the system PostgreSQL 15 (then CREATE EXTENSION custintel; src/pg/README.md).
pg: deps
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null
	@scripts/phase.sh "building and installing the PostgreSQL extension" scripts/pg_install.sh $(BUILD_DIR)

bench: release
	@bench/run.sh $(BUILD_DIR)

clean:
	rm -rf $(BUILD_DIR)
