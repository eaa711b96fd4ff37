#!/bin/sh
# The install, as a user of the library sees it: "meson install" into a
# staging directory (the command, its manual page and completion there too),
# then examples/tour.c built outside the tree with nothing but pkg-config
# pointed at the staged dmamap.pc, once against the shared library and once
# statically, and again after the staged tree has moved, and the programs run;
# tests/api/contract.c, the public API's types and signatures, built and
# linked the same way; and driver files that include only <linux/...> headers,
# built with pkg-config dmamap-linux and run. Prints one line "install: ok"
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

for f in 'man1/dmamap.1' 'man3/dmamap_svg_memory_map.3' 'man3/dmamap_trace_open.3' \
	'man3/dma_map_single.3' 'man3type/dmamap_machine_config.3type' 'doc/dmamap/html/index.html' 'doc/dmamap/html/dma-mapping.html' \
	'bash-completion/completions/dmamap' 'bin/dmamap'; do
	[ -n "$(find "$STAGE" -path "*/$f*" | head -n 1)" ] || { echo "install: no $f"; exit 1; }
done
"$(find "$STAGE" -path '*/bin/dmamap' | head -n 1)" help >/dev/null ||
	{ echo "install: the installed dmamap does not run"; exit 1; }

# dmamap.pc is relocatable: pointing pkg-config at the staged copy gives the
# staged paths, with no PKG_CONFIG_SYSROOT_DIR
unset PKG_CONFIG_SYSROOT_DIR
export PKG_CONFIG_PATH="$(dirname "$pc")"
cflags=$(pkg-config --cflags dmamap)
libs=$(pkg-config --libs dmamap)
libdir=$(pkg-config --variable=libdir dmamap)
case "$libdir" in "$STAGE"*) ;; *) echo "install: dmamap.pc gives $libdir, not the staged copy"; exit 1 ;; esac
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

# Driver files with kernel includes only, against the <linux/...> tree of dmamap-linux.
lcflags=$(pkg-config --cflags dmamap-linux)
llibs=$(pkg-config --libs dmamap-linux)
case "$lcflags" in *"$STAGE"*linux-compat*) ;; *)
	echo "install: pkg-config dmamap-linux gives no staged <linux/...> tree"; exit 1 ;; esac
for drv in "$SRC/tests/api/linux-driver.c"; do
	out="$STAGE/$(basename "$drv" .c)"
	cc -std=gnu11 -Wall -Wextra -Werror $lcflags -o "$out" "$drv" $llibs ||
		{ echo "install: $drv does not build against pkg-config dmamap-linux"; exit 1; }
	LD_LIBRARY_PATH="$libdir" "$out" 2>/dev/null ||
		{ echo "install: $(basename "$drv") (dmamap-linux) failed"; exit 1; }
done

# and still after the whole tree has moved
top=${pc#"$STAGE"/}
top=${top%%/*}
mkdir "$STAGE/moved"
mv "$STAGE/$top" "$STAGE/moved/$top"
pc=$(find "$STAGE/moved" -name dmamap.pc | head -n 1)
export PKG_CONFIG_PATH="$(dirname "$pc")"
libdir=$(pkg-config --variable=libdir dmamap)
cc -std=gnu11 -Wall -Wextra -Werror $(pkg-config --cflags dmamap) -o "$STAGE/tour-moved" \
	"$SRC/examples/tour.c" $(pkg-config --libs dmamap) ||
	{ echo "install: tour does not build against a moved install"; exit 1; }
LD_LIBRARY_PATH="$libdir" "$STAGE/tour-moved" >/dev/null ||
	{ echo "install: tour (moved install) failed"; exit 1; }
echo "install: ok"
