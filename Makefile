# dmamap: top-level entry points. `make demo` and `make check` work on a fresh
# Debian machine: they install what is missing first (make deps). The other
# targets never run the package manager: they need the tools already there.

BUILD      ?= build
BUILD_ASAN ?= build-asan
BUILD_TSAN ?= build-tsan
BUILD_ARM64 ?= build-arm64
BUILD_BENCH ?= build-bench
BUILD_FUZZ ?= build-fuzz
BUILD_FUZZ_TSAN ?= build-fuzz-tsan
BUILD_COV  ?= build-coverage
MESON      ?= meson
NINJA      ?= ninja

DEB_PACKAGES = meson ninja-build libcmocka-dev pkg-config libdw-dev

.PHONY: all deps build demo check bench fuzz coverage install clean distclean

all: build

deps:
	@sh scripts/deps.sh $(DEB_PACKAGES)

$(BUILD)/build.ninja:
	$(MESON) setup $(BUILD) --buildtype=debugoptimized

build: $(BUILD)/build.ninja
	$(NINJA) -C $(BUILD)

# deps first, then the build (a prerequisite list could run them in parallel)
demo: deps
	@$(MAKE) --no-print-directory build
	$(BUILD)/tools/dmamap demo

check: deps
	@sh scripts/check.sh $(BUILD) $(BUILD_ASAN) $(BUILD_TSAN) $(BUILD_ARM64)

# The benchmarks in a build of their own: release with link-time optimisation.
bench:
	@[ -f $(BUILD_BENCH)/build.ninja ] || $(MESON) setup $(BUILD_BENCH) --buildtype=release \
		-Db_ndebug=true -Db_lto=true -Dtests=false >/dev/null
	$(NINJA) -C $(BUILD_BENCH)
	$(BUILD_BENCH)/bench/dmamap-bench $(BENCH_ARGS)

# The op-sequence fuzzer (fuzz/, clang 14) from the committed corpus:
# FUZZ_SECONDS=N for N seconds (then the thread target for N/2), or until
# interrupted without it.
fuzz:
	@BUILD_FUZZ=$(BUILD_FUZZ) BUILD_FUZZ_TSAN=$(BUILD_FUZZ_TSAN) sh scripts/fuzz.sh run $(FUZZ_SECONDS)

# Line and branch coverage of src/ (gcov, gcovr) over every suite and the
# fuzzer's corpus; HTML in $(BUILD_COV)/coverage/.
coverage:
	@BUILD_COV=$(BUILD_COV) sh scripts/coverage.sh

install: build
	$(MESON) install -C $(BUILD)

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_TSAN) $(BUILD_BENCH) $(BUILD_ARM64) \
		$(BUILD_FUZZ) $(BUILD_FUZZ_TSAN) $(BUILD_COV)

distclean: clean
