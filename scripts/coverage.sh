#!/bin/sh
# make coverage: line and branch coverage of src/ (gcov, gcovr) over every
# suite of the normal build, the corpus of the op-sequence fuzzer replayed
# (suite fuzz) included. Builds in build-coverage/ (BUILD_COV); the report,
# file by file, is build-coverage/coverage/index.html; the summary is printed.
set -u
SRC=$(cd "$(dirname "$0")/.." && pwd)
COV=${BUILD_COV:-build-coverage}

command -v gcovr >/dev/null 2>&1 || { echo "coverage: no gcovr (apt-get install gcovr)"; exit 1; }
if [ ! -f "$COV/build.ninja" ]; then
	meson setup "$COV" "$SRC" --buildtype=debug -Db_coverage=true -Dbench=false \
		>"$COV.setup.log" 2>&1 || { cat "$COV.setup.log"; exit 1; }
fi
ninja -C "$COV" >"$COV.ninja.log" 2>&1 || { cat "$COV.ninja.log"; exit 1; }
find "$COV" -name '*.gcda' -delete
meson test -C "$COV" --num-processes 2 >"$COV.test.log" 2>&1
rc=$?
tail -n 8 "$COV.test.log"
mkdir -p "$COV/coverage"
# branches the compiler made for itself (the sanitizer-free checks of
# inlined helpers) are counted as they are: no exclusions
gcovr -r "$SRC" --object-directory "$COV" --filter "$SRC/src/" --print-summary \
	--html-details "$COV/coverage/index.html" "$COV" 2>/dev/null | tail -n 3
exit $rc
