#!/usr/bin/env python3
"""The layers of the op library, checked on the include graph (quoted includes, transitively):
  - a raw kernel (kernels/raw/, kernels/cpu/, kernels/cuda/) sees no Tensor and no autograd: it
    reaches neither engine/tensor.h, engine/autograd.h nor a differentiable op's header;
  - the engine (engine/) includes no differentiable op: of kernels/ it reaches only raw kernels.
Prints every violation with the include chain that makes it, and exits 1 if there is one.
  tests/scripts/check_layers.py SOURCE_DIR"""
import os
import re
import sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else "."
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
RAW = ("kernels/raw/", "kernels/cpu/", "kernels/cuda/")
SOURCES = (".h", ".cuh", ".cpp", ".cu")


def includes(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        return [i for i in INCLUDE.findall(f.read()) if os.path.exists(os.path.join(ROOT, i))]


def reachable(start):
    """Every header reachable from start, each with the chain that reaches it."""
    chains, todo = {start: [start]}, [start]
    while todo:
        f = todo.pop()
        for i in includes(f):
            if i not in chains:
                chains[i] = chains[f] + [i]
                todo.append(i)
    return chains


def is_op_header(path):
    return path.startswith("kernels/") and not path.startswith(RAW)


def main():
    files = []
    for top in ("engine", "kernels"):
        for d, _, names in os.walk(os.path.join(ROOT, top)):
            files += [os.path.relpath(os.path.join(d, n), ROOT) for n in names if n.endswith(SOURCES)]
    violations = []
    for f in sorted(files):
        chains = reachable(f)
        for h, chain in chains.items():
            if h == f:
                continue
            if f.startswith(RAW) and (h in ("engine/tensor.h", "engine/autograd.h") or is_op_header(h)):
                violations.append(("a raw kernel reaches the op layer", chain))
            elif f.startswith("engine/") and is_op_header(h):
                violations.append(("the engine reaches a differentiable op", chain))
    for why, chain in violations:
        print(f"{why}: {' -> '.join(chain)}")
    print(f"{len(files)} files checked, {len(violations)} layer violations")
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
