#!/usr/bin/env python3
# Writes a section-3 man page for every call the public headers export
# (DMAMAP_API), from the comment above its declaration (kernel-doc or plain).
#   mkman.py --list HEADER...           prints the page names
#   mkman.py --outdir DIR HEADER...     writes DIR/NAME.3
import os
import re
import sys

DECL = re.compile(r"DMAMAP_API\s+(?P<proto>[^;{]*?\b(?P<name>\w+)\s*\((?P<args>[^;{]*?)\))\s*;", re.S)


def comment_before(text, pos):
    """The comment block that ends right before pos (only blank lines between)."""
    head = text[:pos].rstrip()
    if not head.endswith("*/"):
        return ""
    start = head.rfind("/*")
    if start < 0:
        return ""
    kerneldoc = head[start:start + 3] == "/**"
    body = head[start + 2:-2].lstrip("*")
    lines = []
    for line in body.split("\n"):
        line = line.strip()
        if line.startswith("*"):
            line = line[1:]
            if line.startswith(" "):
                line = line[1:]
        lines.append(line)
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    # a one-line heading over a group of declarations says nothing of this one
    if not kerneldoc and len(lines) == 1 and not re.search(r"[.:;)]$", lines[0]):
        return ""
    return "\n".join(lines)


def entries(headers):
    for h in headers:
        text = open(h).read()
        for m in DECL.finditer(text):
            proto = " ".join(m.group("proto").split())
            yield m.group("name"), proto, comment_before(text, m.start()), os.path.basename(h)


def esc(s):
    return s.replace("\\", "\\e").replace("-", "\\-")


def page(name, proto, doc, header):
    summary = ""
    desc = doc
    first = doc.split("\n", 1)[0] if doc else ""
    m = re.match(r"\s*" + re.escape(name) + r"\s*-\s*(.*)", first)
    if m:
        summary = m.group(1)
        desc = doc.split("\n", 1)[1] if "\n" in doc else ""
    if not summary:
        summary = "see the kernel's documentation of " + name
    out = [".TH %s 3 \"\" \"dmamap\" \"dmamap Programmer's Manual\"" % name.upper(),
           ".SH NAME", "%s \\- %s" % (esc(name), esc(summary)),
           ".SH SYNOPSIS", ".nf", ".B #include <dmamap/dmamap.h>", "",
           ".BI \"%s;\"" % esc(proto).replace('"', '\\(dq'), ".fi",
           ".SH DESCRIPTION"]
    paras = [p.strip() for p in re.split(r"\n\s*\n", desc) if p.strip()]
    if not paras:
        paras = ["Declared in <dmamap/%s>. Behaves as the Linux kernel's %s; the kernel's "
                 "documentation applies as written." % (header, name)]
    for p in paras:
        args = [l for l in p.split("\n") if re.match(r"\s*@\w+:", l)]
        if args and len(args) == len(p.split("\n")):
            for l in args:
                m = re.match(r"\s*@(\w+):\s*(.*)", l)
                out += [".TP", ".I " + esc(m.group(1)), esc(m.group(2))]
            continue
        out.append(".PP")
        out.append(esc(" ".join(l.strip() for l in p.split("\n"))))
    out += [".SH SEE ALSO", ".BR dmamap (1),", ".BR dmamap (3)", ""]
    return "\n".join(out)


def main(argv):
    if len(argv) < 2:
        sys.exit("usage: mkman.py --list|--outdir DIR HEADER...")
    if argv[1] == "--list":
        names = sorted({e[0] for e in entries(argv[2:])})
        print("\n".join(names))
        return
    outdir, headers = argv[2], argv[3:]
    os.makedirs(outdir, exist_ok=True)
    seen = set()
    for name, proto, doc, header in entries(headers):
        if name in seen:
            continue
        seen.add(name)
        with open(os.path.join(outdir, name + ".3"), "w") as f:
            f.write(page(name, proto, doc, header))


if __name__ == "__main__":
    main(sys.argv)
