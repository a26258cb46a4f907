#!/usr/bin/env python3
"""The code the docs quote is the code: every fenced block preceded by a line
  <!-- verbatim: path/to/file -->
must appear, line for line, in that file (after stripping trailing spaces). Prints each block that
drifted, with the first line that no longer matches, and exits 1 if there is one.
  tests/scripts/check_doc_examples.py SOURCE_DIR"""
import os
import re
import sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else "."
MARK = re.compile(r"<!-- verbatim: (\S+) -->\n```[a-z]*\n(.*?)```", re.S)


def lines(text):
    return [line.rstrip() for line in text.splitlines()]


def contains(haystack, needle):
    n = len(needle)
    return any(haystack[i:i + n] == needle for i in range(len(haystack) - n + 1))


def main():
    checked, drifted = 0, 0
    for d, _, names in os.walk(os.path.join(ROOT, "docs")):
        for name in sorted(n for n in names if n.endswith(".md")):
            doc = os.path.join(d, name)
            with open(doc, encoding="utf-8") as f:
                text = f.read()
            for m in MARK.finditer(text):
                checked += 1
                source = os.path.join(ROOT, m.group(1))
                block = lines(m.group(2))
                if not os.path.exists(source):
                    print(f"{os.path.relpath(doc, ROOT)}: quotes {m.group(1)}, which does not exist")
                    drifted += 1
                    continue
                with open(source, encoding="utf-8") as f:
                    code = lines(f.read())
                if contains(code, block):
                    continue
                drifted += 1
                first = next((b for k, b in enumerate(block) if not contains(code, block[:k + 1])), block[0])
                print(f"{os.path.relpath(doc, ROOT)}: the block quoted from {m.group(1)} no longer matches it; "
                      f"first line that differs: {first!r}")
    print(f"{checked} quoted blocks checked, {drifted} drifted")
    return 1 if drifted or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
