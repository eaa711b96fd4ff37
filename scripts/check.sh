#!/bin/sh
# make check: build and run every cmocka suite, then the same suites built
# with AddressSanitizer + UndefinedBehaviorSanitizer, then the thread suites
# with ThreadSanitizer; beside them, when the cross compiler is installed,
# every suite built for arm64 and run under qemu-user. Ends with one line
# "N passed, N failed" counting the test cases of all suites in all builds,
# the install test and the layer check.
set -u
BUILD=${1:-build}
ASAN=${2:-build-asan}
TSAN=${3:-build-tsan}
ARM64=${4:-build-arm64}
SRC=$(cd "$(dirname "$0")/.." && pwd)
status=0
broken=0	# builds that failed: one failure each in the count

setup() {
	dir=$1; shift
	rm -f "$dir/meson-logs/testlog.json"	# a failed build counts no old results
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" "$@" >"$dir.setup.log" 2>&1 || {
			cat "$dir.setup.log"; echo "meson setup $dir failed"; return 1; }
	fi
	ninja -C "$dir" >"$dir.ninja.log" 2>&1 || { cat "$dir.ninja.log"; echo "build $dir failed"; return 1; }
}

run_suites() {
	dir=$1; shift
	meson test -C "$dir" --print-errorlogs --num-processes 2 "$@" >"$dir.test.log" 2>&1
	rc=$?
	tail -n 12 "$dir.test.log"
	return $rc
}

mkdir -p "$(dirname "$BUILD")"
setup "$BUILD" --buildtype=debugoptimized || { status=1; broken=$((broken + 1)); }

# arm64: the suites under emulation (qemu-user), in the background beside
# the native runs, so that it fills the cores their serial tails leave idle.
# qemu-user 7.2 (Debian 12) keeps page bookkeeping for every guest address
# range ever mapped: each machine made costs about 0.25 s of CPU and 30 MB
# that are never given back, so DMAMAP_TEST_SCALE shortens the loops that
# make machines by the hundred (test_scaled()), and the tool's bench case is
# left out (its machine-creation benchmark alone grew qemu to 10 GB; the
# harness it checks is the same code natively), and so is the fuzzer's corpus
# replay (suite fuzz: hundreds of op sequences, minutes under emulation; the
# library's code it runs is the same natively). Every other case runs.
arm64_pid=
rm -f "$ARM64/meson-logs/testlog.json"
if command -v aarch64-linux-gnu-gcc >/dev/null 2>&1; then
	( setup "$ARM64" --cross-file "$SRC/cross/aarch64-linux-gnu.ini" \
		--buildtype=debugoptimized -Dbench=false || exit 2
	  DMAMAP_TEST_SCALE=0.02 run_suites "$ARM64" --timeout-multiplier 3 --no-suite bench \
		--no-suite fuzz
	) >"$ARM64.check.log" 2>&1 &
	arm64_pid=$!
else
	echo "arm64: skipped, no aarch64-linux-gnu-gcc (scripts/deps.sh installs it as root)"
fi

[ $status -eq 0 ] && { run_suites "$BUILD" || status=1; }

setup "$ASAN" --buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false \
	-Dc_args=-fno-sanitize-recover=all -Dbench=false || { status=1; broken=$((broken + 1)); }
if [ -f "$ASAN/build.ninja" ]; then
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
		run_suites "$ASAN" || status=1
fi

# ThreadSanitizer: only the suites that run threads (suite "threads").
setup "$TSAN" --buildtype=debug -Db_sanitize=thread -Db_lundef=false -Dbench=false ||
	{ status=1; broken=$((broken + 1)); }
if [ -f "$TSAN/build.ninja" ] && meson test -C "$TSAN" --list --suite threads 2>/dev/null | grep -q .; then
	TSAN_OPTIONS=halt_on_error=1 run_suites "$TSAN" --suite threads || status=1
fi

# The op-sequence fuzzer (fuzz/): the committed corpus replayed, then 60 s
# of fresh inputs, and the thread target under ThreadSanitizer; with clang
# 14 (scripts/deps.sh installs it as root). Two results in the count.
fuzz_passed=0
fuzz_failed=0
if command -v clang-14 >/dev/null 2>&1; then
	BUILD_FUZZ="$BUILD-fuzz" BUILD_FUZZ_TSAN="$BUILD-fuzz-tsan" sh "$SRC/scripts/fuzz.sh" check 60
	fuzz_failed=$?
	fuzz_passed=$((2 - fuzz_failed))
	[ $fuzz_failed -eq 0 ] || status=1
else
	echo "fuzz: skipped, no clang-14 (scripts/deps.sh installs it as root)"
fi

if [ -n "$arm64_pid" ]; then
	wait "$arm64_pid"
	rc=$?
	[ $rc -eq 0 ] || status=1
	[ $rc -eq 2 ] && broken=$((broken + 1))
	echo "arm64 (qemu-user):"
	cat "$ARM64.check.log"
fi

# The install as a user sees it: headers, pkg-config, shared and static library.
install_passed=0
if [ -f "$BUILD/build.ninja" ]; then
	if sh "$(dirname "$0")/test-install.sh" "$BUILD"; then install_passed=1; else status=1; fi
fi

# No #include against the direction of the layers (docs/architecture.md).
layers_passed=0
if python3 "$SRC/scripts/check-layers.py" "$SRC"; then layers_passed=1; else status=1; fi

FUZZ_PASSED=$fuzz_passed FUZZ_FAILED=$fuzz_failed \
BROKEN=$broken INSTALL_PASSED=$install_passed LAYERS_PASSED=$layers_passed python3 - "$BUILD" "$ASAN" "$TSAN" "$ARM64" <<'PY' || status=1
import json, os, re, sys
passed = int(os.environ["INSTALL_PASSED"]) + int(os.environ["LAYERS_PASSED"])
failed = 2 - passed + int(os.environ["BROKEN"]) + int(os.environ["FUZZ_FAILED"])
passed += int(os.environ["FUZZ_PASSED"])
for d in sys.argv[1:]:
    log = os.path.join(d, "meson-logs", "testlog.json")
    if not os.path.exists(log):
        continue
    for line in open(log):
        t = json.loads(line)
        out = (t.get("stdout") or "") + (t.get("stderr") or "")
        p = re.findall(r"\[  PASSED  \] (\d+) test", out)
        f = re.findall(r"\[  FAILED  \] (\d+) test", out)
        if "[==========]" not in out:
            # not a cmocka suite (an example program): one test, by its exit
            if t.get("result") in ("OK", "EXPECTEDFAIL"):
                passed += 1
            else:
                failed += 1
                print("%s/%s: %s" % (d, t.get("name"), t.get("result")))
            continue
        if t.get("result") not in ("OK", "EXPECTEDFAIL", "SKIP") and not f:
            # crashed or timed out before cmocka could count: the tests not reported failed
            n = sum(int(x) for x in re.findall(r"\[==========\] Running (\d+) test", out)) or 1
            done = sum(int(x) for x in p)
            passed += done
            failed += max(n - done, 1)
            print("%s/%s: %s" % (d, t.get("name"), t.get("result")))
            continue
        passed += sum(int(x) for x in p)
        failed += sum(int(x) for x in f)
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
PY
exit $status
