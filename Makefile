# tessera: `make run` and `make test` are the only two set-up commands (see README).
BUILD_DIR ?= build/release
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps configure build run test bench asan tsan clean format

all: build

deps:
	@bash scripts/install-deps.sh

configure: deps
	@if [ ! -f $(BUILD_DIR)/build.ninja ]; then \
	  cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS); \
	fi

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	$(BUILD_DIR)/bin/tessera run models/tiny_cnn.onnx

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

bench: build
	$(BUILD_DIR)/bin/bench_dispatch --benchmark_repetitions=5 --benchmark_report_aggregates_only=true

asan:
	$(MAKE) test BUILD_DIR=build/asan CMAKE_FLAGS="-DTESSERA_SANITIZE=address,undefined -DCMAKE_BUILD_TYPE=RelWithDebInfo"

tsan:
	$(MAKE) test BUILD_DIR=build/tsan CMAKE_FLAGS="-DTESSERA_SANITIZE=thread -DCMAKE_BUILD_TYPE=RelWithDebInfo"

format:
	clang-format -i $$(git ls-files '*.h' '*.cpp')

clean:
	rm -rf build
