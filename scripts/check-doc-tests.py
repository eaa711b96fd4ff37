#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The tests a document names exist.

usage: check-doc-tests.py SOURCE_ROOT DOC...

A document that says which test pins a behaviour names the test function
in backquotes (`test_x`) and, after it, the file it is in
(tests/dir/file.c); every name before a file belongs to that file. Each
file must exist and define each of its functions, so that a test renamed
or removed takes the document with it.

Prints one line per problem and "doc-tests: N tests named" or
"doc-tests: N problems"; exits 1 on a problem.
"""
import os
import re
import sys


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    root, problems, named = argv[1], [], 0
    for doc in argv[2:]:
        text = open(doc).read()
        pending = []
        for m in re.finditer(r"`(test_\w+)`|\b(tests/[\w./-]+\.c)\b", text):
            if m.group(1):
                pending.append((m.group(1), text.count("\n", 0, m.start()) + 1))
                continue
            path = os.path.join(root, m.group(2))
            if not os.path.isfile(path):
                problems.append("%s:%d: %s: no such file" %
                                (doc, text.count("\n", 0, m.start()) + 1, m.group(2)))
                pending = []
                continue
            src = open(path).read()
            for name, line in pending:
                named += 1
                if not re.search(r"^static void %s\s*\(" % re.escape(name), src, re.M):
                    problems.append("%s:%d: %s is not a test of %s" % (doc, line, name, m.group(2)))
            pending = []
        for name, line in pending:
            problems.append("%s:%d: %s: no file named after it" % (doc, line, name))
    for p in problems:
        print(p)
    if problems:
        print("doc-tests: %d problems" % len(problems))
        return 1
    print("doc-tests: %d tests named" % named)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
