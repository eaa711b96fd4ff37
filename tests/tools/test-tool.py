#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The dmamap command, as a user runs it.

usage: test-tool.py DMAMAP CASE
  demo     the demo runs end to end: exit 0, every check passed, the figures
           that must be non-zero are, the debugger's two reports name their
           sites
  svg      the picture is well-formed XML with, in every lane, exactly one
           shape per shared buffer
  trace    the trace is JSON in the Chrome trace event format and holds the
           DMA calls and bus accesses the scenario makes
  bench    'dmamap bench --json' with a tiny scale writes valid JSON naming
           every benchmark 'dmamap bench --list' knows
  bench-map  'dmamap bench map' on every kind of device prints the kernel's
           tool's two lines and writes JSON with the latencies, p50 <= p99,
           and no host call made while measuring; bad values are refused
  options  the conventions every command follows: --opt=value and --opt value,
           '-' for standard output, bad options and outputs refused on stderr
           (with the errno text) before any work, 'dmamap help [COMMAND]'
  completion  the bash completion offers the commands, their options and
           the values they take
  man      dmamap(1) documents every command and every option the commands
           have
  readme   the tour in README.md is examples/tour.c, which make check builds
           and runs: the README cannot drift from code that works
  check    'dmamap check -- DRIVER' (the path in DMAMAP_CHECK_DRIVER): a clean
           run passes, a buggy one fails with its reports summed up by kind and
           site, in text and JSON; --fatal stops it at the first
"""
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

SVG = "{http://www.w3.org/2000/svg}"


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600, **kw)


def emulated(tool, bindir):
    """In a cross build, a script in @bindir that runs @tool under the emulator
    meson test names (also where a shell runs it: the completion case)."""
    wrapper = shlex.split(os.environ.get("MESON_EXE_WRAPPER", ""))
    if not wrapper:
        return tool
    path = os.path.join(bindir, "dmamap")
    with open(path, "w") as f:
        f.write("#!/bin/sh\nexec %s %s \"$@\"\n" %
                (" ".join(shlex.quote(w) for w in wrapper), shlex.quote(os.path.abspath(tool))))
    os.chmod(path, 0o755)
    return path


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
    # step 7: the debugger's two reports on the buggy driver, with where each was made
    site = (r"demo\.c:\d+ \(buggy_rx\)" if not os.environ.get("MESON_EXE_WRAPPER")
            else r"\S+")  # no libdw in a cross build: an offset in the program
    for kind in ("device_access", "wrong_size"):
        expect(re.search(r"^   report: %s: .*\n +at %s, mapped at %s$" % (kind, site, site), out,
                         re.M), "the debugger's %s report:\n%s" % (kind, out))
    expect("   2 reports;" in out, "the debugger's count")


def path_rects(d):
    """The rectangles of a buffer's path, as the library draws them: (x, y, w)."""
    rects = re.findall(r"M([\d.]+) ([\d.]+)h([\d.]+)v[\d.]+h-([\d.]+)z", d)
    expect(rects and "".join("M%s %sh%sv" % r[:3] for r in rects), "a shape without geometry")
    return [(float(x), float(y), float(w)) for x, y, w, _ in rects]


def case_svg(tool, tmp):
    path = os.path.join(tmp, "demo.svg")
    out = demo_out(tool, "--svg=" + path)
    nframes = len(re.findall(r"^   frame (\d+) \(", out, re.M))
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        fail("SVG is not well-formed XML: %s" % e)
    expect(root.tag == SVG + "svg", "root element is %s" % root.tag)
    lanes = [g for g in root.iter(SVG + "g") if g.get("class") == "lane"]
    kinds = [g.get("data-kind") for g in lanes]
    expect(kinds == ["phys", "iova", "iova", "direct", "swiotlb"], "lanes: %s" % kinds)
    names = [g.get("data-lane") for g in lanes]
    expect(names[1:4] == ["camera (IOMMU)", "encoder (IOMMU)", "display (no IOMMU)"],
           "lane names: %s" % names)
    legend = [g for g in root.iter(SVG + "g") if g.get("class") == "legend-entry"]
    fills = {}
    shapes = {}
    for g in lanes:
        lane = g.get("data-lane")
        paths = [p for p in g.iter(SVG + "path") if p.get("class") == "buffer"]
        bufs = [p.get("data-buffer") for p in paths]
        expect(len(bufs) == len(set(bufs)), "lane %s: a buffer drawn twice" % lane)
        labels = {t.get("data-buffer") for t in g.iter(SVG + "text") if t.get("class") == "label"}
        expect(labels == set(bufs), "lane %s: labels %s for shapes %s" % (lane, labels, bufs))
        for p in paths:
            b = p.get("data-buffer")
            # the same buffer in the same colour in every lane
            expect(fills.setdefault(b, p.get("fill")) == p.get("fill"),
                   "buffer %s changes colour in %s" % (b, lane))
            shapes[(g.get("data-kind") if g.get("data-kind") != "iova" else lane, b)] = \
                path_rects(p.get("d"))
    # every buffer in physical memory, and in the legend
    for e in legend:
        expect(("phys", e.get("data-buffer")) in shapes,
               "buffer %s is not in physical memory" % e.get("data-buffer"))
    frames = [e.get("data-buffer") for e in legend
              if "camera: dma_alloc of 1 MiB" in "".join(e.itertext())]
    expect(len(frames) == nframes, "%d frames in the legend, %d in the text" %
           (len(frames), nframes))
    for b in frames:
        for lane in ("phys", "camera (IOMMU)", "encoder (IOMMU)"):
            expect((lane, b) in shapes, "frame %s is not drawn in %s" % (b, lane))
            # 1 MiB at 3 pixels a page: a whole row's width, every page of it
            width = sum(w for _, _, w in shapes[(lane, b)])
            expect(width >= 256 * 3 - 0.5, "frame %s in %s is %.1f px wide" % (b, lane, width))
    # the scattered frames, page by page in physical memory
    scattered = [b for b in frames if len(shapes[("phys", b)]) >= 256]
    expect(len(scattered) == nframes - 1, "scattered frames drawn page by page: %d" %
           len(scattered))
    # the swiotlb slot holds a copy of the bounced page: its colour
    slots = [b for (lane, b) in shapes if lane == "swiotlb"]
    expect(len(slots) == 1, "swiotlb slots in use: %s" % slots)
    # the axis breaks between the two banks, at the hole
    phys = lanes[0]
    kids = [c.get("class") for c in phys if c.tag == SVG + "g"]
    expect(kids == ["bank", "bank-break", "bank"], "physical lane: %s" % kids)
    brk = [c for c in phys if c.get("class") == "bank-break"][0]
    expect((brk.get("data-from"), brk.get("data-to")) == ("0xa0000000", "0x880000000"),
           "the break is at %s-%s" % (brk.get("data-from"), brk.get("data-to")))
    # and the picture renders
    png = os.path.join(tmp, "demo.png")
    r = run(["rsvg-convert", "-o", png, path])
    expect(r.returncode == 0 and os.path.getsize(png) > 10000, "rsvg-convert: %s" % r.stderr)


def check_trace(doc, want):
    """A Chrome trace-event JSON array as the library writes it; returns its X events."""
    expect(isinstance(doc, list), "the trace is not a JSON array")
    tracks = {(e["pid"], e["tid"]): e["args"]["name"] for e in doc
              if e.get("ph") == "M" and e["name"] == "thread_name"}
    ev = [e for e in doc if e.get("ph") in ("X", "i")]
    names = {e["name"] for e in ev}
    for w in want:
        expect(w in names, "no %s event (have %s)" % (w, sorted(names)))
    for e in ev:
        expect(e["ts"] >= 0 and e.get("dur", 0) >= 0, "bad timing in %s" % e)
        expect((e["pid"], e["tid"]) in tracks, "event on an unnamed track: %s" % e)
        track = tracks[(e["pid"], e["tid"])]
        cat = e["cat"]
        expect(cat in ("dma", "bus", "iommu", "cache"), "category %s" % cat)
        expect((cat == "dma") == track.endswith(": DMA API"), "%s on track %s" % (e, track))
        expect((cat in ("bus", "iommu")) == track.endswith(": bus"), "%s on track %s" % (e, track))
        expect((cat == "cache") == (track == "CPU cache maintenance"), "%s on %s" % (e, track))
        expect(e["name"].startswith({"dma": "dma_", "bus": "bus_", "iommu": "iommu_",
                                     "cache": "cache_"}[cat]), "%s in %s" % (e["name"], cat))
        if cat == "dma" and not e["name"].startswith(("dma_map_sg", "dma_unmap_sg",
                                                      "dma_sync_sg")):
            for k in ("dma_addr", "size", "dir"):
                expect(k in e["args"], "%s has no %s" % (e["name"], k))
    # slices on one track nest or follow each other, as calls in one thread do
    by_track = {}
    for e in ev:
        if e["ph"] == "X":
            by_track.setdefault((e["pid"], e["tid"]), []).append(e)
    for key, xs in by_track.items():
        if tracks[key] == "CPU cache maintenance":
            continue
        xs.sort(key=lambda e: (e["ts"], -e["dur"]))
        open_ = []
        for e in xs:
            while open_ and open_[-1] <= e["ts"] + 0.002:
                open_.pop()
            if open_:
                expect(e["ts"] + e["dur"] <= open_[-1] + 0.002,
                       "%s overlaps another slice on %s" % (e, tracks[key]))
            open_.append(e["ts"] + e["dur"])
    return ev


def case_trace(tool, tmp):
    path = os.path.join(tmp, "demo.json")
    demo_out(tool, "--trace", path)
    try:
        doc = json.load(open(path))
    except ValueError as e:
        fail("trace is not JSON: %s" % e)
    ev = check_trace(doc, ("dma_alloc", "dma_free", "dma_mmap", "dma_get_sgtable",
                           "dma_map_sgtable", "dma_map_page", "dma_unmap_page",
                           "dma_sync_single_for_cpu", "bus_read", "bus_write", "cache_clean",
                           "cache_invalidate"))
    tracks = {e["args"]["name"] for e in doc if e.get("name") == "thread_name"}
    for dev in ("camera", "encoder", "display"):
        for side in ("DMA API", "bus"):
            expect("%s: %s" % (dev, side) in tracks, "no track %s: %s" % (dev, side))
    expect("CPU cache maintenance" in tracks, "no cache track")
    allocs = [e for e in ev if e["name"] == "dma_alloc"]
    frees = [e for e in ev if e["name"] == "dma_free"]
    expect(len(allocs) == len(frees), "%d allocs, %d frees" % (len(allocs), len(frees)))
    # the display's bounce: a map of a page above 4 GiB, at a DMA address it reaches
    maps = [e for e in ev if e["name"] == "dma_map_page" and e["args"]["device"] == "display"]
    expect(maps, "no dma_map_page by the display")

    # any program, traced without recompiling: DMAMAP_TRACE
    env_path = os.path.join(tmp, "env.json")
    r = run([tool, "demo"], env=dict(os.environ, DMAMAP_TRACE=env_path))
    expect(r.returncode == 0, "demo under DMAMAP_TRACE exited %d" % r.returncode)
    try:
        doc = json.load(open(env_path))
    except ValueError as e:
        fail("the DMAMAP_TRACE file is not JSON: %s" % e)
    check_trace(doc, ("dma_alloc", "dma_map_sgtable", "bus_write"))


def case_bench(tool, tmp):
    path = os.path.join(tmp, "bench.json")
    r = run([tool, "bench", "--list"])
    expect(r.returncode == 0, "bench --list")
    known = [line.split()[0] for line in r.stdout.splitlines() if line.strip()]
    expect(len(known) > 0, "no benchmarks listed")
    svg = os.path.join(tmp, "bench.svg")
    r = run([tool, "bench", "--scale", "0.001", "--json", path, "--svg=" + svg])
    expect(r.returncode == 0, "bench exited %d: %s" % (r.returncode, r.stderr))
    # the picture: a row per benchmark, and it renders
    rows = [g.get("data-name") for g in ET.parse(svg).getroot().iter(SVG + "g")
            if g.get("class") == "row"]
    expect(rows == known, "bench --svg rows: %s" % rows)
    r2 = run(["rsvg-convert", "-o", os.path.join(tmp, "bench.png"), svg])
    expect(r2.returncode == 0, "rsvg-convert: %s" % r2.stderr)
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


def case_bench_map(tool, tmp):
    path = os.path.join(tmp, "map.json")
    for dev in ("direct", "direct-coherent", "iommu", "iommu-lazy", "swiotlb"):
        for extra in ([], ["--threads=2", "--granule", "16", "--dir=from"]):
            r = run([tool, "bench", "map", "--device", dev, "--seconds=0.05", "--json", path,
                     *extra])
            what = "bench map --device %s %s" % (dev, " ".join(extra))
            expect(r.returncode == 0, "%s exited %d: %s" % (what, r.returncode, r.stderr))
            expect(re.search(r"^average map latency\(us\):\d+\.\d+ standard deviation:"
                             r"\d+\.\d+$", r.stdout, re.M), "%s: no map line" % what)
            expect(re.search(r"^average unmap latency\(us\):\d+\.\d+ standard deviation:"
                             r"\d+\.\d+$", r.stdout, re.M), "%s: no unmap line" % what)
            doc = json.load(open(path))
            expect(doc["device"] == dev and doc["pairs"] > 0, "%s: JSON %s" % (what, doc))
            for op in ("map", "unmap"):
                expect(0 < doc[op]["p50_us"] <= doc[op]["p99_us"], "%s: %s percentiles" % (what, op))
            expect(doc["host_calls"] == 0, "%s: %d host calls" % (what, doc["host_calls"]))
    for args in (["--threads=0"], ["--threads", "65"], ["--granule=0"], ["--granule=1025"],
                 ["--dir=sideways"], ["--device=gpu"], ["--seconds=0"], ["--bogus"], ["extra"]):
        r = run([tool, "bench", "map", *args])
        expect(r.returncode == 2 and r.stderr.strip() and not r.stdout.strip(),
               "'bench map %s' exited %d" % (" ".join(args), r.returncode))
    r = run([tool, "bench", "map", "--help"])
    expect(r.returncode == 0 and "--granule" in r.stdout, "bench map --help")


def case_options(tool, tmp):
    bad = [[], ["frobnicate"], ["--bogus"], ["demo", "--svg"], ["demo", "--bogus"],
           ["info", "--bogus"], ["info", "extra"], ["demo", "--trace=-", "--svg=-"],
           ["bench", "--scale", "0"], ["bench", "--scale", "abc"], ["bench", "--scale=101"],
           ["bench", "--filter"], ["bench", "--bogus"], ["bench", "--list=yes"],
           ["help", "frobnicate"]]
    for args in bad:
        r = run([tool, *args])
        expect(r.returncode == 2, "'dmamap %s' exited %d, not 2" % (" ".join(args), r.returncode))
        expect(r.stderr.strip(), "'dmamap %s' printed no message" % " ".join(args))
        expect(not r.stdout.strip() or not args,
               "'dmamap %s' wrote on stdout: %s" % (" ".join(args), r.stdout[:200]))
    for args in (["--help"], ["--version"], ["help"], ["demo", "--help"], ["bench", "--help"],
                 ["info"], ["help", "help"]):
        r = run([tool, *args])
        expect(r.returncode == 0 and r.stdout.strip(), "'dmamap %s'" % " ".join(args))
    r = run([tool, "bench", "--filter", "no-such-benchmark"])
    expect(r.returncode != 0, "a filter matching nothing exited 0")
    # info describes the demo's machine, --default the one a NULL configuration gives
    r = run([tool, "info"])
    expect("the demo's machine: 2 bank(s)" in r.stdout and "512 MiB" in r.stdout, r.stdout)
    r = run([tool, "info", "--default"])
    expect("the default machine: 1 bank(s)" in r.stdout and "256 MiB" in r.stdout and
           "0x000080000000 - 0x00008fffffff" in r.stdout, r.stdout)

    # "help COMMAND" and "COMMAND --help" are one text, and name every option
    commands = run([tool, "help", "--commands"]).stdout.split()
    for c in ("info", "demo", "bench", "help"):
        expect(c in commands, "help --commands lacks %s" % c)
    for c in commands:
        h1 = run([tool, "help", c])
        h2 = run([tool, c, "--help"])
        expect(h1.returncode == 0 and h1.stdout == h2.stdout,
               "'help %s' differs from '%s --help'" % (c, c))
        for o in run([tool, "help", "--options", c]).stdout.split():
            expect("--" + o.split("=")[0][2:] in h1.stdout, "help %s lacks %s" % (c, o))

    # an output that cannot be written is refused at once, with the errno text,
    # before the command does any work
    for args in (["demo", "--svg", "/nonexistent/x"], ["demo", "--trace=/nonexistent/x"],
                 ["bench", "--json", "/nonexistent/x"]):
        r = run([tool, *args])
        expect(r.returncode == 2, "'dmamap %s' exited %d" % (" ".join(args), r.returncode))
        expect("cannot write /nonexistent/x: No such file or directory" in r.stderr,
               "'dmamap %s' said: %s" % (" ".join(args), r.stderr))
        expect(r.stdout == "", "'dmamap %s' did some work: %s" % (" ".join(args), r.stdout[:200]))

    # '-' is standard output for every output, and the text then goes to stderr
    r = run([tool, "demo", "--trace", "-"])
    expect(r.returncode == 0, "demo --trace - exited %d: %s" % (r.returncode, r.stderr))
    try:
        doc = json.loads(r.stdout)
    except ValueError as e:
        fail("demo --trace - did not write JSON on stdout: %s" % e)
    expect([e for e in doc if e.get("ph") == "X"], "demo --trace -: no events")
    expect("checks, 0 failed" in r.stderr, "demo --trace -: the text is not on stderr")
    expect(not os.path.exists("-"), "demo --trace - wrote a file named '-'")
    r = run([tool, "demo", "--svg=-"])
    expect(r.returncode == 0 and r.stdout.startswith("<?xml"), "demo --svg=-")
    ET.fromstring(r.stdout)
    r = run([tool, "bench", "--list", "--json", "-"])
    expect(r.returncode == 0, "bench --list --json -")


def case_completion(tool, tmp):
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    script = os.path.join(root, "tools", "dmamap.bash")

    def complete(*words):
        # bash splits "--opt=value" at '=', as COMP_WORDBREAKS says
        prog = ('source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _dmamap; '
                'printf "%s\\n" "${COMPREPLY[@]}"')
        r = run(["bash", "-c", prog, "bash", script, os.path.abspath(tool), *words], cwd=tmp)
        expect(r.returncode == 0, "completion of %s failed: %s" % (words, r.stderr))
        return r.stdout.split()

    expect(complete("de") == ["demo"], "command: %s" % complete("de"))
    expect(set(complete("")) >= {"info", "demo", "bench", "help", "--help", "--version"},
           "commands: %s" % complete(""))
    expect(complete("demo", "--s") == ["--svg"], "option: %s" % complete("demo", "--s"))
    expect(set(complete("bench", "--")) >= {"--json", "--filter", "--scale", "--check", "--list",
                                           "--help"}, "bench options")
    expect(complete("help", "be") == ["bench"], "help COMMAND")
    open(os.path.join(tmp, "picture.svg"), "w").close()
    expect(complete("demo", "--svg", "pic") == ["picture.svg"], "a FILE value")
    expect(complete("demo", "--svg", "=", "pic") == ["picture.svg"], "a FILE value after =")
    names = complete("bench", "--filter", "=", "iova-w1")
    expect(names == ["iova-w1-single"], "a benchmark name: %s" % names)
    expect(complete("bench", "--scale", "") == [], "a number is not completed")
    # "bench map": a command of its own, its options, the values they take
    expect(complete("bench", "m") == ["map"], "bench map: %s" % complete("bench", "m"))
    expect(complete("bench", "map", "--thr") == ["--threads"],
           "bench map option: %s" % complete("bench", "map", "--thr"))
    expect("--filter" not in complete("bench", "map", "--"), "bench's options for bench map")
    expect(set(complete("bench", "map", "--dir", "")) == {"to", "from", "bidir"},
           "--dir values: %s" % complete("bench", "map", "--dir", ""))
    devs = complete("bench", "map", "--device", "=", "iommu")
    expect(sorted(devs) == ["iommu", "iommu-lazy"], "--device values: %s" % devs)
    expect(complete("bench", "map", "--granule", "") == [], "a number is not completed")


def case_man(tool, tmp):
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    page = open(os.path.join(root, "docs", "man", "dmamap.1")).read()
    # roff escapes the dashes of options
    text = page.replace("\\-", "-")
    sections = re.split(r"^\.S[SH] ", text, flags=re.M)
    for c in run([tool, "help", "--commands"]).stdout.split():
        expect(re.search(r"^\.B dmamap %s\b" % re.escape(c), text, re.M),
               "dmamap(1)'s synopsis lacks the command %s" % c)
        own = [x for x in sections if x.startswith("dmamap %s\n" % c) or
               x.startswith("dmamap %s " % c)]
        expect(own, "dmamap(1) has no section .SS dmamap %s" % c)
        for o in run([tool, "help", "--options", c]).stdout.split():
            name = o.split("=")[0]
            expect(name == "--help" or re.search(r"\B%s\b" % re.escape(name), own[0]),
                   "dmamap(1) does not document %s %s in its section" % (c, name))
    for word in ("EXIT STATUS", "ENVIRONMENT", "DMAMAP_TRACE", "FILES", "bash-completion"):
        expect(word in text, "dmamap(1) has no %s" % word)


def case_readme(tool, tmp):
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    readme = open(os.path.join(root, "README.md")).read()
    tour = open(os.path.join(root, "examples", "tour.c")).read()
    start = readme.find("## A five-minute tour")
    expect(start >= 0, "README has no tour section")
    m = re.search(r"```c\n(.*?)```", readme[start:], re.S)
    expect(m, "the tour section has no C block")
    expect(m.group(1).strip() == tour.strip(), "README's tour differs from examples/tour.c")


def case_check(tool, tmp):
    driver = os.environ["DMAMAP_CHECK_DRIVER"]
    if os.environ.get("MESON_EXE_WRAPPER"):
        # the command runs under the emulator, which cannot start a second one
        print("the check case needs a native build; skipped under the emulator")
        return
    r = run([tool, "check", "--", driver, "clean"])
    expect(r.returncode == 0, "a clean driver fails: %d\n%s%s" % (r.returncode, r.stdout, r.stderr))
    expect("done" in r.stdout and "0 reports" in r.stdout, "clean: " + r.stdout)
    js = os.path.join(tmp, "check.json")
    r = run([tool, "check", "--json", js, "--", driver, "buggy"])
    expect(r.returncode == 1, "a buggy driver passes: %d\n%s%s" % (r.returncode, r.stdout, r.stderr))
    expect("3 reports" in r.stdout, "buggy: " + r.stdout)
    for kind in ("wrong_size", "unchecked", "cpu_ownership"):
        expect(re.search(r"^\s+1\s+%s$" % kind, r.stdout, re.M), "by kind, %s: %s" % (kind, r.stdout))
        expect(re.search(r"^\s+1\s+%s at check-driver\.c:\d+ \(main\)$" % kind, r.stdout, re.M),
               "by site, %s: %s" % (kind, r.stdout))
    doc = json.load(open(js))
    expect(doc["reports"] == 3 and doc["status"] == 0 and len(doc["all"]) == 3, "json: %s" % doc)
    expect(sorted(g["kind"] for g in doc["groups"]) == ["cpu_ownership", "unchecked", "wrong_size"],
           "json groups: %s" % doc["groups"])
    expect(all(a["site"].startswith("check-driver.c:") and a["device"] == "nic"
               and a["map_site"].startswith("check-driver.c:") for a in doc["all"]),
           "json sites: %s" % doc["all"])
    r = run([tool, "check", "--fatal", "--", driver, "buggy"])
    expect(r.returncode == 1 and "killed by signal" in r.stdout and "1 report" in r.stdout,
           "--fatal: %d\n%s%s" % (r.returncode, r.stdout, r.stderr))
    r = run([tool, "check"])
    expect(r.returncode == 2 and "no program" in r.stderr, "no program: " + r.stderr)
    r = run([tool, "check", "--", os.path.join(tmp, "no-such-program")])
    expect(r.returncode == 1 and "cannot run" in r.stderr, "a missing program: " + r.stderr)


CASES = {"readme": case_readme, "demo": case_demo, "svg": case_svg, "trace": case_trace,
         "bench": case_bench, "bench-map": case_bench_map, "options": case_options,
         "completion": case_completion, "man": case_man, "check": case_check}

if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[2] not in CASES:
        print(__doc__)
        sys.exit(2)
    with tempfile.TemporaryDirectory() as tmp, tempfile.TemporaryDirectory() as bindir:
        CASES[sys.argv[2]](emulated(sys.argv[1], bindir), tmp)
    print("ok: " + sys.argv[2])
