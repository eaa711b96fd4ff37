#!/usr/bin/env python3
# The reference documentation, from the kernel-doc comments of the public
# headers: one section-3 manual page per documented call or macro, one
# section-3type page per documented struct, enum or function typedef, one
# HTML page per header.
#
#   kerneldoc.py --list-man HEADER...          names of the manual pages
#   kerneldoc.py --list-html HEADER...         names of the HTML pages
#   kerneldoc.py --man DIR HEADER...           writes the manual pages into DIR
#   kerneldoc.py --html DIR HEADER...          writes the HTML pages into DIR
#   kerneldoc.py --check [--pages FILE...] -- HEADER...
#
# --check fails (exit 1, one line per problem) when a header's top comment
# has no "Threads:" paragraph (what may run concurrently), when a DMAMAP_API
# or DMAMAP_INLINE declaration, a structure, enum or function type has no
# kernel-doc comment naming it, a comment leaves a parameter or a struct
# member (before a "private:" comment) undocumented or a function returning
# a value without "Return:", a comment names something the code after it does
# not declare, one of the macros drivers call has no page, or a page refers
# in SEE ALSO (or as name(N) in a hand-written page given by --pages) to a
# page that does not exist, or a header beside those given is left out.
#
# Only the standard library: the script runs wherever the build does.
import html
import os
import re
import sys

# Macros (and header-only helpers) drivers call by these names: each must
# have a page of its own even though the library exports none of them.
USER_MACROS = [
    "dma_map_single", "dma_unmap_single", "dma_map_page", "dma_unmap_page",
    "dma_map_sg", "dma_unmap_sg", "dma_get_sgtable", "dma_alloc_coherent",
    "dma_free_coherent", "dma_alloc_wc", "dma_free_wc", "dma_mmap_coherent",
    "dma_mmap_wc", "dmam_alloc_coherent", "dma_sync_single_range_for_cpu",
    "dma_sync_single_range_for_device", "dma_sync_sgtable_for_cpu",
    "dma_sync_sgtable_for_device", "sg_dma_address", "sg_dma_len", "for_each_sg",
    "for_each_sgtable_sg", "for_each_sgtable_dma_sg", "sg_next", "sg_page",
    "sg_set_page", "sg_chain", "sg_mark_end", "dma_pool_zalloc",
]

# Pages of other manuals the hand-written pages may refer to.
SYSTEM_PAGES = {("strerror", "3"), ("errno", "3"), ("pkg-config", "1"), ("meson", "1"),
                ("bash", "1")}

SECTIONS = ("Context", "Return", "Returns", "Note", "Notes", "Errors", "Locking",
            "Example", "See also")

KDOC = re.compile(r"/\*\*(?!/)(.*?)\*/", re.S)
HEAD = re.compile(r"^\s*(?:(?P<kind>struct|enum|union|typedef)\s+)?(?P<name>[A-Za-z_]\w*)\s*(?:\(\))?"
                  r"\s*-\s*(?P<summary>.*)$")
ATTR = r"(?:__attribute__\s*\(\(.*?\)\)\s*)?"
API = re.compile(r"\bDMAMAP_API\s+(?P<proto>[^;{]*?\b(?P<name>\w+)\s*\((?P<args>[^;{]*?)\))\s*"
                 + ATTR + ";", re.S)
INLINE = re.compile(r"^\s*(?:DMAMAP_INLINE|static\s+inline)\s+(?P<proto>[^;{]*?\b(?P<name>\w+)"
                    r"\s*\((?P<args>[^;{]*?)\))\s*\{", re.S | re.M)


class Doc:
    def __init__(self, kind, name, summary):
        self.kind, self.name, self.summary = kind, name, summary
        self.params = []        # (name, text)
        self.body = []          # paragraphs: (verbatim?, text)
        self.sections = []      # (title, [paragraphs])
        self.header = None
        self.synopsis = ""
        self.decl = None        # "func", "macro", "struct", "enum", "typedef"
        self.args = []          # parameter names from the code
        self.returns = False    # the code returns a value
        self.members = []       # struct members from the code
        self.api = False
        self.line = 0

    def page(self):
        return self.name + (".3type" if self.kind else ".3")

    def section(self):
        return "3type" if self.kind else "3"

    def alltext(self):
        parts = [self.summary] + [t for _, t in self.params] + [t for _, t in self.body]
        for _, paras in self.sections:
            parts += [t for _, t in paras]
        return "\n".join(parts)


def comment_lines(raw):
    lines = []
    for line in raw.split("\n"):
        s = line.strip()
        if s.startswith("*"):
            s = line[line.index("*") + 1:]
            if s.startswith(" "):
                s = s[1:]
        else:
            s = line.strip()
        lines.append(s.rstrip())
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def paragraphs(lines):
    out, cur = [], []
    for line in lines + [""]:
        if line.strip():
            cur.append(line)
            continue
        if cur:
            verbatim = all(l.startswith(("\t", "  ")) for l in cur)
            out.append((verbatim, "\n".join(cur) if verbatim else " ".join(l.strip() for l in cur)))
            cur = []
    return out


def parse_comment(raw):
    lines = comment_lines(raw)
    if not lines:
        return None
    m = HEAD.match(lines[0])
    if not m:
        return None
    doc = Doc(m.group("kind"), m.group("name"), m.group("summary").strip())
    i = 1
    while i < len(lines) and lines[i].strip() and not lines[i].lstrip().startswith("@"):
        doc.summary += " " + lines[i].strip()
        i += 1
    while i < len(lines) and not lines[i].strip():
        i += 1
    # parameters (or members): "@name: text" with indented continuations
    while i < len(lines) and re.match(r"\s*@[\w.]+\s*:", lines[i]):
        pm = re.match(r"\s*@([\w.]+)\s*:\s*(.*)", lines[i])
        text = [pm.group(2).strip()]
        i += 1
        while (i < len(lines) and lines[i].strip() and not re.match(r"\s*@[\w.]+\s*:", lines[i])):
            text.append(lines[i].strip())
            i += 1
        doc.params.append((pm.group(1), " ".join(t for t in text if t)))
        while i < len(lines) and not lines[i].strip() and i + 1 < len(lines) and \
                re.match(r"\s*@[\w.]+\s*:", lines[i + 1]):
            i += 1
    rest = lines[i:]
    cur_title, cur = None, []
    for line in rest:
        sm = re.match(r"^(%s):\s*(.*)$" % "|".join(SECTIONS), line)
        if sm:
            if cur_title is None:
                doc.body = paragraphs(cur)
            else:
                doc.sections.append((cur_title, paragraphs(cur)))
            cur_title = "Return" if sm.group(1) == "Returns" else sm.group(1)
            cur = [sm.group(2)] if sm.group(2) else []
            continue
        cur.append(line)
    if cur_title is None:
        doc.body = paragraphs(cur)
    else:
        doc.sections.append((cur_title, paragraphs(cur)))
    return doc


def arg_names(args):
    names = []
    args = args.strip()
    if args in ("", "void"):
        return names
    for a in split_top(args, ","):
        a = a.strip()
        if a == "...":
            continue
        fm = re.search(r"\(\s*\*\s*(\w+)\s*\)", a)
        if fm:
            names.append(fm.group(1))
            continue
        am = re.search(r"(\w+)\s*(\[[^\]]*\])?\s*$", a)
        if am:
            names.append(am.group(1))
    return names


def split_top(s, sep):
    out, depth, cur = [], 0, ""
    for ch in s:
        if ch in "({[":
            depth += 1
        elif ch in ")}]":
            depth -= 1
        if ch == sep and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    out.append(cur)
    return out


def strip_comments(s):
    s = re.sub(r"/\*.*?\*/", "", s, flags=re.S)
    return re.sub(r"//[^\n]*", "", s)


def struct_members(body):
    members = []
    for part in split_top(strip_comments(body), ";"):
        part = part.strip()
        if not part or part.startswith("#"):
            continue
        if re.match(r"(struct|union)\s*(\w+\s*)?\{", part) or "{" in part:
            # a nested anonymous struct or union: its members are the outer's
            inner = part[part.index("{") + 1:part.rindex("}")] if "}" in part else ""
            tail = part[part.rindex("}") + 1:].strip() if "}" in part else ""
            if tail:
                members.append(re.sub(r"\[.*", "", tail).strip())
            else:
                members += struct_members(inner)
            continue
        fm = re.search(r"\(\s*\*\s*(\w+)\s*\)\s*\(", part)
        if fm:
            members.append(fm.group(1))
            continue
        for decl in split_top(part, ","):
            dm = re.search(r"(\w+)\s*(\[[^\]]*\])*\s*(:\s*\d+)?\s*$", decl.strip())
            if dm:
                members.append(dm.group(1))
    return members


def enum_members(body):
    out = []
    for part in split_top(strip_comments(body), ","):
        m = re.match(r"\s*(\w+)", part)
        if m:
            out.append(m.group(1))
    return out


def declaration_after(text, pos):
    """What the code right after a comment declares: (decl, name, synopsis, args, returns, members)."""
    rest = text[pos:]
    lead = len(rest) - len(rest.lstrip())
    rest = rest.lstrip()
    m = re.match(r"#define\s+(\w+)(\(([^)]*)\))?", rest)
    if m:
        line_end = 0
        while True:
            nl = rest.find("\n", line_end)
            if nl < 0:
                nl = len(rest)
                break
            if rest[:nl].rstrip().endswith("\\"):
                line_end = nl + 1
                continue
            break
        args = [a.strip() for a in (m.group(3) or "").split(",") if a.strip() and a.strip() != "..."]
        syn = "#define " + m.group(1) + (m.group(2) or "")
        return "macro", m.group(1), syn, args, False, []
    m = re.match(r"(?:typedef\s+)?(struct|enum|union)\s+(\w+)\s*\{", rest)
    if m:
        depth, i = 0, rest.index("{")
        start = i
        while i < len(rest):
            if rest[i] == "{":
                depth += 1
            elif rest[i] == "}":
                depth -= 1
                if depth == 0:
                    break
            i += 1
        body = rest[start + 1:i]
        syn = rest[:i + 1] + ";"
        # kernel-doc's convention: what follows "/* private: */" is neither
        # described nor shown
        pm = re.search(r"/\*\s*private:", body)
        if pm and m.group(1) != "enum":
            body = body[:pm.start()]
            syn = rest[:start + 1] + body.rstrip() + "\n\t/* private */\n};"
        members = enum_members(body) if m.group(1) == "enum" else struct_members(body)
        return m.group(1), m.group(2), syn, [], False, members
    # a function type: "typedef int (*name)(args);", its parameters described
    m = re.match(r"typedef\s+([^;{()]*?)\(\s*\*\s*(\w+)\s*\)\s*\(([^;{]*?)\)\s*;", rest, re.S)
    if m:
        syn = " ".join(m.group(0).split())
        returns = m.group(1).strip() != "void"
        return "typedef", m.group(2), syn, arg_names(m.group(3)), returns, []
    m = re.match(r"(?:DMAMAP_API|DMAMAP_INLINE|static\s+inline)\s+([^;{]*?\b(\w+)\s*\(([^;{]*?)\))\s*"
                 + ATTR + "[;{]", rest, re.S)
    if m:
        proto = " ".join(m.group(1).split())
        ret = proto[:re.search(r"\b%s\s*\(" % re.escape(m.group(2)), proto).start()].strip()
        returns = ret not in ("void", "static void") and not ret.endswith("__noreturn")
        return "func", m.group(2), proto + ";", arg_names(m.group(3)), returns, []
    return None, None, None, [], False, []


TOP = re.compile(r"\A/\*[^\n]*SPDX[^\n]*\*/\s*/\*(?!\*)(.*?)\*/", re.S)


def header_overview(path):
    """The paragraphs of the header's top comment: [(verbatim?, text)], or []."""
    m = TOP.match(open(path).read())
    return paragraphs(comment_lines(m.group(1))) if m else []


def threads_paragraph(overview):
    return next((t for v, t in overview if not v and t.startswith("Threads:")), None)


def parse_header(path):
    text = open(path).read()
    header = os.path.basename(path)
    docs, problems = [], []
    documented_at = set()
    for cm in KDOC.finditer(text):
        doc = parse_comment(cm.group(1))
        line = text.count("\n", 0, cm.start()) + 1
        if doc is None:
            problems.append("%s:%d: kernel-doc comment without \"name - summary\"" % (path, line))
            continue
        decl, name, syn, args, returns, members = declaration_after(text, cm.end())
        doc.header, doc.line = header, line
        if name != doc.name:
            problems.append("%s:%d: comment for %s is followed by %s" %
                            (path, line, doc.name, name or "no declaration"))
            continue
        doc.decl, doc.synopsis, doc.args, doc.returns, doc.members = decl, syn, args, returns, members
        doc.api = text[cm.end():].lstrip().startswith("DMAMAP_API")
        documented_at.add(cm.end())
        docs.append(doc)
    # declarations the check insists on
    required = []
    for rx in (API, INLINE):
        for m in rx.finditer(text):
            start = m.start()
            if rx is INLINE:
                start += len(m.group(0)) - len(m.group(0).lstrip())
                if not re.match(r"DMAMAP_INLINE", text[start:]) and \
                        m.group("name") not in USER_MACROS:
                    continue
            required.append((m.group("name"), text.count("\n", 0, start) + 1, start))
    for name in USER_MACROS:
        for m in re.finditer(r"^#define\s+%s\b" % re.escape(name), text, re.M):
            required.append((name, text.count("\n", 0, m.start()) + 1, m.start()))
    # and every type a caller meets: structures, enums, function types
    for m in re.finditer(r"^(?:typedef\s+)?(?:struct|enum|union)\s+(\w+)\s*\{|"
                         r"^typedef\s+[^;{]*?\(\s*\*\s*(\w+)\s*\)", text, re.M):
        required.append((m.group(1) or m.group(2), text.count("\n", 0, m.start()) + 1, m.start()))
    names = {d.name for d in docs}
    for name, line, start in required:
        head = text[:start].rstrip()
        if name not in names or not head.endswith("*/") or \
                head.rfind("/**") < 0 or head.rfind("/**") < head.rfind("/*"):
            problems.append("%s:%d: %s has no kernel-doc comment" % (path, line, name))
    return docs, problems


def check_doc(doc, path):
    problems = []
    where = "%s:%d: %s" % (path, doc.line, doc.name)
    if not doc.summary:
        problems.append(where + ": no summary after \"-\"")
    documented = {p for p, _ in doc.params}
    text = doc.alltext()
    if doc.decl in ("func", "macro", "typedef"):
        for a in doc.args:
            if a not in documented and not re.search(r"@%s\b" % re.escape(a), text):
                problems.append(where + ": parameter %s is not described" % a)
        for p in documented:
            if p not in doc.args and doc.args:
                problems.append(where + ": @%s is not a parameter" % p)
        if doc.returns and not any(t == "Return" for t, _ in doc.sections):
            problems.append(where + ": returns a value but has no \"Return:\"")
    elif doc.decl in ("struct", "union"):
        for mname in doc.members:
            if mname not in documented and not any(p.split(".")[-1] == mname for p in documented):
                problems.append(where + ": member %s is not described" % mname)
    return problems


def collect(headers):
    docs, problems, seen = [], [], {}
    for h in headers:
        d, p = parse_header(h)
        problems += p
        for doc in d:
            if doc.page() in seen:
                problems.append("%s:%d: %s documented twice" % (h, doc.line, doc.page()))
                continue
            seen[doc.page()] = doc
            docs.append(doc)
            problems += check_doc(doc, h)
    return docs, problems


class Index:
    """The pages by name: calls and macros (section 3), types (3type)."""
    def __init__(self, docs):
        self.funcs = {d.name: d for d in docs if not d.kind}
        self.types = {d.name: d for d in docs if d.kind}

    def func(self, name):
        return self.funcs.get(name)

    def type(self, name):
        return self.types.get(name)

    def any(self, name):
        return self.funcs.get(name) or self.types.get(name)


def refs(doc, index):
    """Pages this one refers to, in order: name() and struct name in the text, See also."""
    out = []
    text = doc.alltext()
    for m in re.finditer(r"\b(\w+)\(\)|&?\b(?:struct|enum|union)\s+(\w+)", text):
        d = index.func(m.group(1)) if m.group(1) else index.type(m.group(2))
        if d is not None and d is not doc and d not in out:
            out.append(d)
    for name in explicit_see_also(doc):
        d = index.any(name)
        if d is not None and d is not doc and d not in out:
            out.append(d)
    return out


def explicit_see_also(doc):
    names = []
    for title, paras in doc.sections:
        if title == "See also":
            for _, t in paras:
                names += re.findall(r"([\w-]+)(?:\((\d\w*)\))?", t)
    return [n for n, _ in names]


# ---- manual pages

def roff(s):
    s = s.replace("\\", "\\e").replace("-", "\\-")
    s = re.sub(r"^([.'])", r"\\&\1", s, flags=re.M)
    s = re.sub(r"@(\w+)", r"\\fI\1\\fP", s)
    s = re.sub(r"%(\w+)", r"\1", s)
    s = re.sub(r"&(struct|enum|union)\b", r"\1", s)
    s = re.sub(r"&(\w+)\.(\w+)", r"\1.\2", s)	# a member: &struct_name.member
    s = re.sub(r"\b(\w+)\(\)", r"\\fB\1\\fP()", s)
    return s


TITLES = {"Context": "CONTEXT", "Return": "RETURN VALUE", "Errors": "ERRORS", "Note": "NOTES",
          "Notes": "NOTES", "Locking": "LOCKING", "Example": "EXAMPLE"}


def wrap_synopsis(doc):
    """A prototype longer than a terminal line, broken after commas."""
    if doc.decl != "func" or len(doc.synopsis) <= 78:
        return doc.synopsis
    open_at = doc.synopsis.index("(") + 1
    lines, cur = [], doc.synopsis[:open_at]
    for i, arg in enumerate(split_top(doc.synopsis[open_at:], ",")):
        piece = arg.strip() if i == 0 else " " + arg.strip()
        if len(cur) + len(piece) + 1 > 78 and cur.strip():
            lines.append(cur + ("," if i else ""))
            cur = " " * open_at + piece.strip()
        else:
            cur += ("," if i else "") + piece
    lines.append(cur)
    return "\n".join(lines)


def synopsis_lines(doc):
    """The synopsis as shown: a structure without its comments (its members are described)."""
    text = wrap_synopsis(doc)
    if doc.kind:
        text = re.sub(r"[ \t]*/\*(?! private \*/).*?\*/", "", text, flags=re.S)
    lines = [l.expandtabs(8).rstrip() for l in text.split("\n")]
    return [l for l in lines if l.strip()] if doc.kind else lines


def man_page(doc, known):
    out = [".TH %s %s \"\" \"dmamap\" \"dmamap Programmer's Manual\"" % (doc.name.upper(), doc.section()),
           ".SH NAME", "%s \\- %s" % (roff(doc.name), roff(doc.summary)),
           ".SH SYNOPSIS", ".nf", ".B #include <dmamap/%s>" % doc.header, ".sp"]
    for line in synopsis_lines(doc):
        out.append(roff(line) if line.strip() else ".sp")
    out += [".fi", ".SH DESCRIPTION"]
    if doc.params:
        for p, t in doc.params:
            out += [".TP", ".I " + roff(p), roff(t)]
        out.append(".PP")
    for verbatim, t in doc.body:
        out += ([".PP", ".nf", roff(t), ".fi"] if verbatim else [".PP", roff(t)])
    for title, paras in doc.sections:
        if title == "See also":
            continue
        out.append(".SH " + TITLES.get(title, title.upper()))
        for verbatim, t in paras:
            out += ([".PP", ".nf", roff(t), ".fi"] if verbatim else [".PP", roff(t)])
    see = [(d.name, d.section()) for d in refs(doc, known)]
    see += [("dmamap", "3")]
    out.append(".SH SEE ALSO")
    out += [".BR %s (%s)%s" % (roff(n), s, "," if i + 1 < len(see) else "")
            for i, (n, s) in enumerate(see)]
    out.append("")
    return "\n".join(out)


# ---- HTML

CSS = """body{font-family:sans-serif;max-width:52em;margin:2em auto;padding:0 1em;line-height:1.45}
pre{background:#f4f4f4;padding:.6em;overflow-x:auto}code,pre{font-family:monospace}
h2{border-top:1px solid #ccc;padding-top:.8em;font-family:monospace}dt{font-family:monospace;font-style:italic}
nav{font-size:90%}nav a{margin-right:.6em}nav p{margin:.3em 0}.summary{color:#333}
.names{font-size:85%}.names a{margin-right:.4em}li{margin-bottom:.6em}"""


def h(s, index, page_of):
    s = html.escape(s, quote=False)
    s = re.sub(r"@(\w+)", r"<var>\1</var>", s)
    s = re.sub(r"%(\w+)", r"<code>\1</code>", s)
    s = re.sub(r"&amp;(struct|enum|union)\b", r"\1", s)

    def link(m):
        d = index.func(m.group(1))
        if d is not None:
            return '<a href="%s"><code>%s()</code></a>' % (page_of(d), d.name)
        return "<code>%s()</code>" % m.group(1)

    def link_type(m):
        d = index.type(m.group(2))
        if d is not None:
            return '<a href="%s"><code>%s %s</code></a>' % (page_of(d), m.group(1), d.name)
        return m.group(0)
    s = re.sub(r"\b(struct|enum|union) (\w+)", link_type, s)

    def link_member(m):
        d = index.type(m.group(1))
        text = "<code>%s.%s</code>" % (m.group(1), m.group(2))
        return '<a href="%s">%s</a>' % (page_of(d), text) if d is not None else text
    s = re.sub(r"&amp;(\w+)\.(\w+)", link_member, s)
    return re.sub(r"\b(\w+)\(\)", link, s)


def anchor(d):
    return ("%s-%s" % (d.kind, d.name)) if d.kind else d.name


def html_pages(docs, headers):
    by_name = Index(docs)

    def page_of(d):
        return "%s#%s" % (d.header.replace(".h", ".html"), anchor(d))
    pages = {}
    order = [os.path.basename(x) for x in headers]
    overview = {os.path.basename(x): header_overview(x) for x in headers}

    def names(ds):
        return " ".join('<a href="%s">%s</a>' % (page_of(d), d.name) for d in ds)
    for hdr in order:
        mine = [d for d in docs if d.header == hdr]
        body = ["<!DOCTYPE html>", "<html><head><meta charset=\"utf-8\">",
                "<title>&lt;dmamap/%s&gt;</title><style>%s</style></head><body>" % (hdr, CSS),
                '<p><a href="index.html">dmamap reference</a></p>',
                "<h1>&lt;dmamap/%s&gt;</h1>" % hdr]
        # the header's own comment: what it is for, then what may run concurrently
        for verbatim, t in overview[hdr]:
            if verbatim:
                body.append("<pre>%s</pre>" % html.escape(t))
            elif t.startswith("Threads:"):
                body.append("<h3>Threads</h3>")
                t = t[len("Threads:"):].strip()
                if re.match(r"[a-z]+\b(?![(_])", t):	# a word, not a name
                    t = t[:1].upper() + t[1:]
                body.append("<p>%s</p>" % h(t, by_name, page_of))
            else:
                body.append("<p>%s</p>" % h(t, by_name, page_of))
        calls = [d for d in mine if not d.kind]
        types = [d for d in mine if d.kind]
        nav = []
        if calls:
            nav.append("<p>Calls and macros: %s</p>" % names(calls))
        if types:
            nav.append("<p>Types: %s</p>" % names(types))
        body.append("<nav>%s</nav>" % "".join(nav))
        for d in mine:
            kind = (d.kind + " ") if d.kind else ""
            body.append('<h2 id="%s">%s%s</h2>' % (anchor(d), kind, d.name))
            body.append('<p class="summary">%s</p>' % h(d.summary, by_name, page_of))
            body.append("<pre>%s</pre>" % html.escape("\n".join(synopsis_lines(d))))
            if d.params:
                body.append("<dl>")
                for p, t in d.params:
                    body.append("<dt>%s</dt><dd>%s</dd>" % (html.escape(p), h(t, by_name, page_of)))
                body.append("</dl>")
            for verbatim, t in d.body:
                body.append("<pre>%s</pre>" % html.escape(t) if verbatim else
                            "<p>%s</p>" % h(t, by_name, page_of))
            for title, paras in d.sections:
                if title == "See also":
                    continue
                body.append("<h3>%s</h3>" % html.escape(TITLES.get(title, title).capitalize()))
                for verbatim, t in paras:
                    body.append("<pre>%s</pre>" % html.escape(t) if verbatim else
                                "<p>%s</p>" % h(t, by_name, page_of))
            see = refs(d, by_name)
            if see:
                body.append("<p>See also: " + ", ".join(
                    '<a href="%s">%s</a>' % (page_of(s), s.name) for s in see) + "</p>")
        body.append("</body></html>")
        pages[hdr.replace(".h", ".html")] = "\n".join(body) + "\n"
    idx = ["<!DOCTYPE html>", "<html><head><meta charset=\"utf-8\"><title>dmamap reference</title>"
           "<style>%s</style></head><body><h1>dmamap reference</h1>" % CSS,
           "<p>Every call, macro and structure of the public headers, from their kernel-doc comments."
           " The same text is in the section-3 manual pages.</p><ul>"]
    for hdr in order:
        mine = [d for d in docs if d.header == hdr]
        first = next((t for v, t in overview[hdr] if not v), "")
        # its first sentence says what the header is for; up to its colon, if
        # what comes before the colon is more than a name
        what = re.split(r"(?<=\.)\s", first, maxsplit=1)[0].rstrip(".")
        head = what.split(": ", 1)[0]
        if head != what and len(head.split()) > 2:
            what = head
        idx.append('<li><a href="%s">&lt;dmamap/%s&gt;</a>%s<br><span class="names">%s</span></li>' % (
            hdr.replace(".h", ".html"), hdr, (": " + h(what, by_name, page_of)) if what else "",
            names(mine) or "no kernel-doc declarations of its own"))
    idx.append("</ul></body></html>")
    pages["index.html"] = "\n".join(idx) + "\n"
    return pages


# ---- check

def check(headers, pages):
    docs, problems = collect(headers)
    known = Index(docs)
    # a public header the build does not document
    for d in sorted({os.path.dirname(os.path.abspath(h)) for h in headers}):
        given = {os.path.basename(h) for h in headers}
        for f in sorted(os.listdir(d)):
            if f.endswith(".h") and f not in given:
                problems.append("%s: public header not in the reference (docs/meson.build)" %
                                os.path.join(d, f))
    for hdr in headers:
        ov = header_overview(hdr)
        if not ov:
            problems.append("%s: no top comment saying what the header is for" % hdr)
        elif threads_paragraph(ov) is None:
            problems.append("%s: its top comment has no \"Threads:\" paragraph (what may run "
                            "concurrently, where callbacks run, which locks are held)" % hdr)
    for name in USER_MACROS:
        if known.func(name) is None:
            problems.append("%s: no page (drivers call it; document it in its header)" % name)
    for d in docs:
        for n in explicit_see_also(d):
            if known.any(n) is None and n not in ("dmamap",):
                problems.append("%s:%d: %s: SEE ALSO %s: no such page" % (d.header, d.line, d.name, n))
    ours = {(d.name, d.section()) for d in docs}
    for p in pages:
        base = os.path.basename(p)
        ours.add((base.rsplit(".", 1)[0], base.rsplit(".", 1)[1]))
    for p in pages:
        text = open(p).read()
        for m in re.finditer(r"(?:\.BR\s+|\\fB|\b)([\w\\-]+?)(?:\\fP|\\fR)?\s*\((\d\w*)\)", text):
            name = m.group(1).replace("\\-", "-").replace("\\", "")
            if not re.match(r"^[A-Za-z_][\w-]*$", name):
                continue
            if (name, m.group(2)) not in ours and (name, m.group(2)) not in SYSTEM_PAGES:
                line = text.count("\n", 0, m.start()) + 1
                problems.append("%s:%d: refers to %s(%s): no such page" % (p, line, name, m.group(2)))
    for p in problems:
        print(p)
    print("kernel-doc: %d pages, %d problems" % (len(docs), len(problems)))
    return 1 if problems else 0


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__ or "usage: see the head of kerneldoc.py")
    mode = argv[1]
    if mode == "--check":
        rest = argv[2:]
        pages = []
        if rest and rest[0] == "--pages":
            cut = rest.index("--")
            pages, rest = rest[1:cut], rest[cut + 1:]
        elif rest and rest[0] == "--":
            rest = rest[1:]
        sys.exit(check(rest, pages))
    if mode in ("--list-man", "--list-html"):
        docs, _ = collect(argv[2:])
        if mode == "--list-man":
            print("\n".join(sorted(d.page() for d in docs)))
        else:
            print("\n".join(sorted(html_pages(docs, argv[2:]))))
        return
    outdir, headers = argv[2], argv[3:]
    os.makedirs(outdir, exist_ok=True)
    docs, _ = collect(headers)
    known = Index(docs)
    if mode == "--man":
        for d in docs:
            with open(os.path.join(outdir, d.page()), "w") as f:
                f.write(man_page(d, known))
    elif mode == "--html":
        for name, text in html_pages(docs, headers).items():
            with open(os.path.join(outdir, name), "w") as f:
                f.write(text)
    else:
        sys.exit("unknown mode " + mode)


if __name__ == "__main__":
    main(sys.argv)
