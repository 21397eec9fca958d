# rerun-c: the entry points. `make` builds into build/, `make test` builds with
# ASan+UBSan into build/asan/ and runs every test, `make bench` runs the
# benchmarks, `make fuzz` runs each libFuzzer target briefly.
# Every target first makes sure the Debian packages it needs are installed.

JOBS ?= $(shell nproc 2>/dev/null || echo 2)
FUZZ_SECONDS ?= 20

PREFIX ?= /usr/local

.PHONY: all deps build test bench fuzz demo install clean generate web

all: build

deps:
	@scripts/install-deps --check >/dev/null 2>&1 || scripts/install-deps

build: deps
	@cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build build -j $(JOBS)

test: deps
	@cmake -S . -B build/asan -DCMAKE_BUILD_TYPE=Debug -DRR_SANITIZE=ON >/dev/null
	@cmake --build build/asan -j $(JOBS)
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ctest --test-dir build/asan --output-on-failure -j $(JOBS)

bench: build
	@for b in build/bench/bench_*; do echo "== $$b"; $$b || exit 1; done

fuzz: deps
	@CC=clang cmake -S . -B build/fuzz -DCMAKE_BUILD_TYPE=Debug -DRR_FUZZ=ON >/dev/null
	@cmake --build build/fuzz -j $(JOBS)
	@scripts/run-fuzz $(FUZZ_SECONDS)

demo: build
	@scripts/demo

# The browser viewer (Wasm + WebGL 2) into build/web/; `build/rerun
# --serve-web FILE.rrd` serves it.
web: deps
	@scripts/build-web build/web

# Regenerates the archetype code (include/rerun_archetypes.h,
# src/sdk/generated/) from types/ with tools/typegen.
generate: deps
	@cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build build --target typegen -j $(JOBS)
	@build/tools/typegen . .

# The SDK for other programs: librerun.a, rerun.h (+ rerun_status.h,
# rerun_archetypes.h) and lib/pkgconfig/rerun.pc under PREFIX.
install: build
	@cmake --install build --prefix "$(PREFIX)"

clean:
	rm -rf build
