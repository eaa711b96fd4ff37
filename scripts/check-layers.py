#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The layers depend one way: no #include against the direction.

usage: check-layers.py [SOURCE_ROOT]

Every file of src/ and include/dmamap/ belongs to a layer (LAYERS, lowest
first; the first pattern that matches a path decides). A file may include
headers of its own layer and of the layers below it. tools/ and examples/
use the library as a program outside it does: public headers only.
docs/architecture.md draws the picture and says why each layer is where it
is.

KNOWN lists the includes against the direction that the code has today and
that are to go; each is allowed, any other fails, and one that is gone must
be taken off the list (so that it cannot come back unnoticed).

Prints one line per problem and "layers: ok" or "layers: N problems";
exits 1 on a problem.
"""
import fnmatch
import os
import re
import sys

LAYERS = [
    ("lib", ["src/lib/util.h", "src/lib/atomic.*", "src/lib/lockdep.*", "src/lib/hbitmap.*",
             "src/lib/symbolize.*",
             "include/dmamap/types.h"]),
    # memory: pages, allocators, host memory, the cache model; the
    # scatterlist is a list of pages
    # the scatterlist is a list of pages; the report path (report.c) is
    # here, the lowest layer that reports
    ("mm", ["src/mm/*", "src/lib/scatterlist.c", "include/dmamap/mm.h",
            "include/dmamap/scatterlist.h", "include/dmamap/debug.h", "include/dmamap/mmio.h",
            "include/dmamap/iosys-map.h", "include/dmamap/fault-inject.h"]),
    # the device and the DMA API's declarations (types and ops tables, no code)
    # and the kernel's printk and dev_*() messages, which name a device
    ("device", ["src/dma/device.h", "include/dmamap/device.h", "include/dmamap/dma-mapping.h",
                "include/dmamap/dma-map-ops.h", "include/dmamap/printk.h", "src/lib/printk.c"]),
    # the trace core and its Perfetto writer, which every layer above reports to
    ("trace", ["src/trace/*", "include/dmamap/trace.h"]),
    ("iommu", ["src/iommu/*", "include/dmamap/iommu.h"]),
    # the DMA API: dispatch, the direct and IOMMU backends, swiotlb, pools
    ("dma", ["src/dma/*", "include/dmamap/dmapool.h"]),
    ("dma-buf", ["src/dma-buf/*", "include/dmamap/dma-buf.h", "include/dmamap/dma-resv.h"]),
    # a device's side of DMA: bus reads and writes through its IOMMU
    ("bus", ["src/bus/*", "include/dmamap/bus.h"]),
    # pictures of a whole machine: they read every layer's state
    ("svg", ["src/svg/*", "include/dmamap/svg.h"]),
    # the composition root: the machine, the umbrella header
    ("machine", ["include/dmamap/machine.h", "include/dmamap/dmamap.h", "src/version.c"]),
    # the kernel's own header names, mapped onto all of the above
    ("linux-compat", ["include/dmamap/linux-compat/*"]),
]

# (file, the header it includes) against the direction, to be removed
KNOWN = {
    # the machine is made in mm but composes every layer
    ("src/mm/machine.c", "src/dma/coherent.h"),
    ("src/mm/machine.c", "src/dma/device.h"),
    ("src/mm/machine.c", "src/trace/trace.h"),
    # mm.h holds the machine, its DMA and IOMMU counters and the trace hook
    ("src/mm/mm.h", "include/dmamap/machine.h"),
    ("src/mm/mm.h", "include/dmamap/trace.h"),
    # a domain's teardown calls into the DMA layer; bus.h is unused
    ("src/iommu/iommu.c", "src/dma/dma-iommu.h"),
    ("src/iommu/iommu.c", "src/bus/bus.h"),
    # only for IOMMU_FAULT_READ/WRITE and the fault reasons, which bus.h defines
    ("include/dmamap/iommu.h", "include/dmamap/bus.h"),
    ("src/trace/perfetto.c", "include/dmamap/bus.h"),
}

# programs outside the library: these may include no internal header
PUBLIC_ONLY = ["tools/*", "examples/*"]

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)


def layer_of(path):
    for i, (_, pats) in enumerate(LAYERS):
        if any(fnmatch.fnmatchcase(path, p) for p in pats):
            return i
    return None


def resolve(root, src, kind, name):
    """The repository path of an included header of the library, or None."""
    if kind == "<":
        return "include/" + name if name.startswith("dmamap/") else None
    for cand in (os.path.join(os.path.dirname(src), name), "src/" + name):
        cand = os.path.normpath(cand)
        if os.path.exists(os.path.join(root, cand)):
            return cand
    return None


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                           os.path.join(os.path.dirname(__file__), ".."))
    problems = []
    seen = set()
    files = []
    for top in ("src", "include", "tools", "examples"):
        for d, _, names in os.walk(os.path.join(root, top)):
            files += [os.path.relpath(os.path.join(d, n), root) for n in names
                      if n.endswith((".c", ".h"))]
    for f in sorted(files):
        text = open(os.path.join(root, f), encoding="utf-8", errors="replace").read()
        public_only = any(fnmatch.fnmatchcase(f, p) for p in PUBLIC_ONLY)
        mine = None if public_only else layer_of(f)
        if not public_only and mine is None:
            problems.append("%s: in no layer (add it to LAYERS in %s)" % (f, sys.argv[0]))
            continue
        for kind, name in INCLUDE.findall(text):
            hdr = resolve(root, f, kind, name)
            if hdr is None or hdr == f:
                continue
            if public_only:
                if not hdr.startswith("include/") and not hdr.startswith(os.path.dirname(f) + "/"):
                    problems.append("%s: includes %s, an internal header" % (f, hdr))
                continue
            theirs = layer_of(hdr)
            if theirs is None:
                problems.append("%s: includes %s, in no layer" % (f, hdr))
            elif theirs > mine:
                if (f, hdr) in KNOWN:
                    seen.add((f, hdr))
                else:
                    problems.append("%s (%s) includes %s (%s), a layer above" %
                                    (f, LAYERS[mine][0], hdr, LAYERS[theirs][0]))
    for f, hdr in sorted(KNOWN - seen):
        problems.append("%s no longer includes %s: take it off KNOWN" % (f, hdr))
    for p in problems:
        print("layers: " + p)
    print("layers: ok" if not problems else "layers: %d problems" % len(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
