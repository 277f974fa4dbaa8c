# Front door, like DuckDB's: make (release) · make debug (ASan+UBSan) · make test · make demo.
# Every target first runs scripts/deps.sh, which installs only what is missing.
BUILD_DIR   ?= build
DEBUG_DIR   ?= build/debug
JOBS        ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all release debug test test-debug demo deps bench clean format

all: release

deps:
	@scripts/deps.sh

release: deps
	@cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD_DIR) -j$(JOBS)

debug: deps
	@cmake -S . -B $(DEBUG_DIR) -DCMAKE_BUILD_TYPE=Debug -DCUSTINTEL_SANITIZE=ON $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(DEBUG_DIR) -j$(JOBS)

test: release
	@scripts/test.sh $(BUILD_DIR)

test-debug: debug
	@scripts/test.sh $(DEBUG_DIR)

demo: release
	@$(BUILD_DIR)/custintel demo

bench: release
	@bench/run.sh $(BUILD_DIR)

clean:
	rm -rf $(BUILD_DIR)
