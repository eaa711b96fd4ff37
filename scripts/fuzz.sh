#!/bin/sh
# The fuzz targets of fuzz/, built by clang 14 (libFuzzer and the sanitizers):
# fuzz-ops with AddressSanitizer + UndefinedBehaviorSanitizer in build-fuzz,
# fuzz-threads with ThreadSanitizer in build-fuzz-tsan.
#
#   scripts/fuzz.sh run [SECONDS]    fuzz-ops from the committed corpus for
#                                    SECONDS (0 or none: until interrupted),
#                                    new inputs kept in build-fuzz/corpus; then,
#                                    with SECONDS, fuzz-threads for half as long
#   scripts/fuzz.sh check [SECONDS]  (make check) both targets replay the
#                                    committed corpus, then fuzz-ops runs
#                                    SECONDS (60) of fresh inputs and
#                                    fuzz-threads a third of that; the
#                                    status is the number that failed
#
# A failing input is written to the build directory (crash-*, crash-input);
# DMAMAP_FUZZ_TRACE=1 fuzz-ops FILE tells its story.
set -u
MODE=${1:-run}
SECS=${2:-}
SRC=$(cd "$(dirname "$0")/.." && pwd)
FUZZ=${BUILD_FUZZ:-build-fuzz}
FUZZ_TSAN=${BUILD_FUZZ_TSAN:-build-fuzz-tsan}
CC_FUZZ=${CC_FUZZ:-clang-14}
CORPUS=$SRC/fuzz/corpus/ops
case $FUZZ in /*) ;; *) FUZZ=$PWD/$FUZZ ;; esac
case $FUZZ_TSAN in /*) ;; *) FUZZ_TSAN=$PWD/$FUZZ_TSAN ;; esac

command -v "$CC_FUZZ" >/dev/null 2>&1 || { echo "fuzz: no $CC_FUZZ"; exit 1; }

setup() {
	dir=$1; target=$2; shift 2
	if [ ! -f "$dir/build.ninja" ]; then
		CC=$CC_FUZZ meson setup "$dir" "$SRC" --buildtype=debug -Db_lundef=false \
			-Dfuzz=true -Dtests=false -Dbench=false "$@" >"$dir.setup.log" 2>&1 || {
			cat "$dir.setup.log"; echo "fuzz: meson setup $dir failed"; return 1; }
	fi
	ninja -C "$dir" "fuzz/$target" >"$dir.ninja.log" 2>&1 || {
		cat "$dir.ninja.log"; echo "fuzz: build $dir failed"; return 1; }
}

setup "$FUZZ" fuzz-ops -Db_sanitize=address,undefined \
	-Dc_args="-fsanitize=fuzzer-no-link -fno-sanitize-recover=all" || exit 2
# no coverage counters here: libFuzzer's are plain stores every thread makes
setup "$FUZZ_TSAN" fuzz-threads -Db_sanitize=thread || exit 2

OPS="$FUZZ/fuzz/fuzz-ops -max_len=4096 -artifact_prefix=$FUZZ/"
THREADS="$FUZZ_TSAN/fuzz/fuzz-threads"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1}

# Runs a target, output to a log; prints the lines a reader wants (not its
# progress) and returns the target's status.
LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT
quiet() {
	"$@" >"$LOG" 2>&1
	rc=$?
	grep -E '^fuzz|inputs replayed|ERROR|WARNING: ThreadSanitizer|SUMMARY' "$LOG"
	grep -E 'Test unit written|the input is' "$LOG"
	return $rc
}

case $MODE in
run)
	mkdir -p "$FUZZ/corpus"
	if [ -z "$SECS" ] || [ "$SECS" = 0 ]; then
		exec $OPS "$FUZZ/corpus" "$CORPUS"
	fi
	quiet $OPS -max_total_time="$SECS" "$FUZZ/corpus" "$CORPUS" || exit 1
	cd "$FUZZ_TSAN" && quiet "$THREADS" -seconds=$((SECS / 2)) "$CORPUS" "$FUZZ/corpus"
	;;
check)
	SECS=${SECS:-60}
	fresh=$(mktemp -d)
	trap 'rm -rf "$fresh" "$LOG"' EXIT
	echo "fuzz: fuzz-ops replays the $(ls "$CORPUS" | wc -l) inputs of fuzz/corpus/ops," \
		"then runs ${SECS}s"
	failed=0
	ops=passed
	quiet $OPS -runs=0 "$CORPUS" || ops=FAILED
	[ $ops = passed ] && { quiet $OPS -max_total_time="$SECS" "$fresh" "$CORPUS" || ops=FAILED; }
	[ $ops = passed ] || failed=$((failed + 1))
	echo "fuzz: fuzz-threads replays them under ThreadSanitizer, then runs $((SECS / 3))s"
	threads=passed
	(cd "$FUZZ_TSAN" && quiet "$THREADS" -seconds=$((SECS / 3)) "$CORPUS") || threads=FAILED
	[ $threads = passed ] || failed=$((failed + 1))
	echo "fuzz: fuzz-ops $ops, fuzz-threads $threads"
	exit $failed	# how many of the two failed
	;;
*)
	echo "usage: scripts/fuzz.sh run|check [SECONDS]" >&2
	exit 2
	;;
esac
