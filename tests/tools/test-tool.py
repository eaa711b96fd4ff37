#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The dmamap command, as a user runs it.

usage: test-tool.py DMAMAP CASE
  demo     the demo runs end to end: exit 0, every check passed, the figures
           that must be non-zero are
  svg      the picture is well-formed XML with, in every lane, exactly one
           shape per shared buffer
  trace    the trace is JSON in the Chrome trace event format and holds the
           DMA calls and bus accesses the scenario makes
  bench    'dmamap bench --json' with a tiny scale writes valid JSON naming
           every benchmark 'dmamap bench --list' knows
  options  bad options and commands exit non-zero with a message
  readme   the tour in README.md is examples/tour.c, which make check builds
           and runs: the README cannot drift from code that works
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

SVG = "{http://www.w3.org/2000/svg}"


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600, **kw)


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def expect(cond, msg):
    if not cond:
        fail(msg)


def demo_out(tool, *args):
    r = run([tool, "demo", *args])
    expect(r.returncode == 0, "dmamap demo exited %d:\n%s%s" % (r.returncode, r.stdout, r.stderr))
    return r.stdout


def case_demo(tool, tmp):
    out = demo_out(tool)
    m = re.search(r"(\d+) checks, (\d+) failed", out)
    expect(m and int(m.group(1)) > 0 and m.group(2) == "0", "no check summary:\n" + out)
    m = re.search(r"checksums verified: (\d+) of (\d+)", out)
    expect(m and m.group(1) == m.group(2) and int(m.group(1)) > 0, "checksums: " + out)
    m = re.search(r"camera wrote (\d+) KiB, encoder read (\d+) KiB, display read (\d+) KiB, "
                  r"CPU read (\d+) KiB", out)
    expect(m and all(int(x) > 0 for x in m.groups()), "bytes moved")
    m = re.search(r"IOTLB (\d+) hits, (\d+) misses", out)
    # each page of a fresh mapping is walked once: misses, and hits only on a second look
    expect(m and int(m.group(2)) > 0, "IOTLB figures")
    # the seed's point: no VA window for the frames, some for mapped buffers
    expect(re.search(r"DMA_ATTR_NO_KERNEL_MAPPING: VA window \+0 bytes", out), "NKM VA use")
    expect(re.search(r"with a kernel mapping: +VA window [1-9]", out), "mapped VA use")
    expect(re.search(r"(\d+) bytes bounced, contents verified", out), "bounce")
    expect(re.search(r"cache maintenance in the whole run: [1-9]\d* operations", out), "cache ops")
    frames = re.findall(r"^   frame (\d+) \(", out, re.M)
    expect(len(frames) >= 2, "frames listed")


def case_svg(tool, tmp):
    path = os.path.join(tmp, "demo.svg")
    out = demo_out(tool, "--svg", path)
    nframes = len(re.findall(r"^   frame (\d+) \(", out, re.M))
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        fail("SVG is not well-formed XML: %s" % e)
    expect(root.tag == SVG + "svg", "root element is %s" % root.tag)
    lanes = [g for g in root.iter(SVG + "g") if g.get("class") == "lane"]
    expect(len(lanes) >= 2, "lanes: %d" % len(lanes))
    for g in lanes:
        shapes = [p.get("data-buffer") for p in g.iter(SVG + "path") if p.get("class") == "buffer"]
        expect(len(shapes) == len(set(shapes)), "lane %s: a buffer drawn twice" % g.get("data-lane"))
        expect(len(shapes) == nframes,
               "lane %s: %d shapes for %d buffers" % (g.get("data-lane"), len(shapes), nframes))
        for p in g.iter(SVG + "path"):
            expect(p.get("d"), "a shape without geometry")


def case_trace(tool, tmp):
    path = os.path.join(tmp, "demo.json")
    demo_out(tool, "--trace", path)
    try:
        doc = json.load(open(path))
    except ValueError as e:
        fail("trace is not JSON: %s" % e)
    ev = [e for e in doc["traceEvents"] if e.get("ph") == "X"]
    names = {e["name"] for e in ev}
    for want in ("dma_alloc", "dma_free", "dma_mmap", "dma_get_sgtable", "dma_map_sgtable",
                 "dma_unmap_sg", "dma_map_page", "dma_unmap_page", "dma_sync_single_for_cpu",
                 "bus_read", "bus_write"):
        expect(want in names, "no %s event (have %s)" % (want, sorted(names)))
    for e in ev:
        expect(e["dur"] >= 0 and e["ts"] >= 0, "bad timing in %s" % e)
        expect(e["cat"] in ("dma", "bus"), "category %s" % e["cat"])
        expect(e["cat"] == "bus" or not e["name"].startswith("bus_"), "bus event as dma")
    allocs = [e for e in ev if e["name"] == "dma_alloc"]
    frees = [e for e in ev if e["name"] == "dma_free"]
    expect(len(allocs) == len(frees), "%d allocs, %d frees" % (len(allocs), len(frees)))
    ts = [e["ts"] for e in ev]
    expect(ts == sorted(ts), "events out of order")


def case_bench(tool, tmp):
    path = os.path.join(tmp, "bench.json")
    r = run([tool, "bench", "--list"])
    expect(r.returncode == 0, "bench --list")
    known = [line.split()[0] for line in r.stdout.splitlines() if line.strip()]
    expect(len(known) > 0, "no benchmarks listed")
    r = run([tool, "bench", "--scale", "0.001", "--json", path])
    expect(r.returncode == 0, "bench exited %d: %s" % (r.returncode, r.stderr))
    try:
        doc = json.load(open(path))
    except ValueError as e:
        fail("bench JSON: %s" % e)
    got = {b["name"]: b for b in doc["benchmarks"]}
    for name in known:
        expect(name in got, "benchmark %s missing from JSON" % name)
        b = got[name]
        for k in ("unit", "median", "p10", "p90", "iterations", "target", "note"):
            expect(k in b, "%s: no %s" % (name, k))
        if "error" not in b:
            expect(b["p10"] <= b["median"] <= b["p90"], "%s: percentiles" % name)
            expect(b["iterations"] > 0, "%s: no iterations" % name)


def case_options(tool, tmp):
    bad = [[], ["frobnicate"], ["demo", "--svg"], ["demo", "--bogus"], ["info", "--bogus"],
           ["bench", "--scale", "0"], ["bench", "--scale", "abc"], ["bench", "--filter"],
           ["bench", "--bogus"]]
    for args in bad:
        r = run([tool, *args])
        expect(r.returncode != 0, "'dmamap %s' exited 0" % " ".join(args))
        expect(r.stderr.strip(), "'dmamap %s' printed no message" % " ".join(args))
    for args in (["--help"], ["--version"], ["demo", "--help"], ["bench", "--help"], ["info"]):
        r = run([tool, *args])
        expect(r.returncode == 0 and r.stdout.strip(), "'dmamap %s'" % " ".join(args))
    r = run([tool, "bench", "--filter", "no-such-benchmark"])
    expect(r.returncode != 0, "a filter matching nothing exited 0")


def case_readme(tool, tmp):
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    readme = open(os.path.join(root, "README.md")).read()
    tour = open(os.path.join(root, "examples", "tour.c")).read()
    start = readme.find("## A five-minute tour")
    expect(start >= 0, "README has no tour section")
    m = re.search(r"```c\n(.*?)```", readme[start:], re.S)
    expect(m, "the tour section has no C block")
    expect(m.group(1).strip() == tour.strip(), "README's tour differs from examples/tour.c")


CASES = {"readme": case_readme, "demo": case_demo, "svg": case_svg, "trace": case_trace, "bench": case_bench,
         "options": case_options}

if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[2] not in CASES:
        print(__doc__)
        sys.exit(2)
    with tempfile.TemporaryDirectory() as tmp:
        CASES[sys.argv[2]](sys.argv[1], tmp)
    print("ok: " + sys.argv[2])
