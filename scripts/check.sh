#!/bin/sh
# make check: build and run every cmocka suite, then the same suites built
# with AddressSanitizer + UndefinedBehaviorSanitizer, then the thread suites
# with ThreadSanitizer. Ends with one line "N passed, N failed" counting the
# test cases of all suites in all builds, and the install test.
set -u
BUILD=${1:-build}
ASAN=${2:-build-asan}
TSAN=${3:-build-tsan}
status=0

setup() {
	dir=$1; shift
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
setup "$BUILD" --buildtype=debugoptimized || status=1
[ $status -eq 0 ] && { run_suites "$BUILD" || status=1; }

setup "$ASAN" --buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false \
	-Dc_args=-fno-sanitize-recover=all -Dbench=false || status=1
if [ -f "$ASAN/build.ninja" ]; then
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 \
		run_suites "$ASAN" || status=1
fi

# ThreadSanitizer: only the suites that run threads (suite "threads").
setup "$TSAN" --buildtype=debug -Db_sanitize=thread -Db_lundef=false -Dbench=false || status=1
if [ -f "$TSAN/build.ninja" ] && meson test -C "$TSAN" --list --suite threads 2>/dev/null | grep -q .; then
	TSAN_OPTIONS=halt_on_error=1 run_suites "$TSAN" --suite threads || status=1
fi

# The install as a user sees it: headers, pkg-config, shared and static library.
install_passed=0
if [ -f "$BUILD/build.ninja" ]; then
	if sh "$(dirname "$0")/test-install.sh" "$BUILD"; then install_passed=1; else status=1; fi
fi

INSTALL_PASSED=$install_passed python3 - "$BUILD" "$ASAN" "$TSAN" <<'PY' || status=1
import json, os, re, sys
passed = int(os.environ["INSTALL_PASSED"])
failed = 1 - passed
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
