#!/bin/sh
# The install, as a user of the library sees it: "meson install" into a
# staging directory, then examples/tour.c built outside the tree with nothing
# but pkg-config, once against the shared library and once statically, and
# both programs run; and tests/api/contract.c, the public API's types and
# signatures, built and linked the same way. Prints one line "install: ok"
# or the failure.
set -eu
BUILD=${1:-build}
SRC=$(cd "$(dirname "$0")/.." && pwd)
STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT

meson install -C "$BUILD" --destdir "$STAGE" --quiet >"$STAGE.log" 2>&1 ||
	{ cat "$STAGE.log"; rm -f "$STAGE.log"; echo "install: meson install failed"; exit 1; }
rm -f "$STAGE.log"
pc=$(find "$STAGE" -name dmamap.pc | head -n 1)
[ -n "$pc" ] || { echo "install: no dmamap.pc installed"; exit 1; }
hdr=$(find "$STAGE" -path '*/include/dmamap/dma-mapping.h' | head -n 1)
[ -n "$hdr" ] || { echo "install: headers not under include/dmamap/"; exit 1; }
man=$(find "$STAGE" -name 'dma_get_sgtable_attrs.3*' | head -n 1)
[ -n "$man" ] || { echo "install: no section-3 manual pages"; exit 1; }

export PKG_CONFIG_PATH="$(dirname "$pc")"
export PKG_CONFIG_SYSROOT_DIR="$STAGE"
cflags=$(pkg-config --cflags dmamap)
libs=$(pkg-config --libs dmamap)
libdir=$(pkg-config --variable=libdir dmamap)
case "$libdir" in "$STAGE"*) ;; *) libdir="$STAGE$libdir" ;; esac
cc -std=gnu11 -Wall -Wextra -Werror $cflags -o "$STAGE/tour" "$SRC/examples/tour.c" $libs ||
	{ echo "install: tour does not build against the installed library"; exit 1; }
LD_LIBRARY_PATH="$libdir" "$STAGE/tour" >/dev/null ||
	{ echo "install: tour (shared) failed"; exit 1; }
# the shared library must be the one run, and carry its soname
ldd_out=$(LD_LIBRARY_PATH="$libdir" ldd "$STAGE/tour")
echo "$ldd_out" | grep -q "libdmamap.so.0 => $STAGE" ||
	{ echo "install: tour is not linked to the installed libdmamap.so.0"; exit 1; }
cc -std=gnu11 $cflags -o "$STAGE/tour-static" "$SRC/examples/tour.c" \
	"$libdir/libdmamap.a" $(pkg-config --static --libs-only-l dmamap | sed 's/-ldmamap//') ||
	{ echo "install: tour does not link against libdmamap.a"; exit 1; }
"$STAGE/tour-static" >/dev/null || { echo "install: tour (static) failed"; exit 1; }
cc -std=gnu11 -Wall -Wextra -Werror $cflags -o "$STAGE/contract" "$SRC/tests/api/contract.c" $libs ||
	{ echo "install: the installed headers break the API contract (tests/api/contract.c)"; exit 1; }
LD_LIBRARY_PATH="$libdir" "$STAGE/contract" ||
	{ echo "install: the contract program failed to run"; exit 1; }
echo "install: ok"
