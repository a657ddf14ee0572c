#!/usr/bin/env python3
"""The module graph of a Rust crate's src/, read from its paths (`use crate::…`, `super::…`,
`self::…`, and `crate::…` paths in code), with test modules (`#[cfg(test)] mod tests { … }`)
left out. Fails on an import cycle, and on an arrow from a child module up to its parent
inside the modules named after --flat (the pipeline's steps reach siblings, never their
parent); other child -> parent arrows are listed.

It also fails on a cycle among the crate's top-level modules (a folder `src/x/` or a file
`src/x.rs` is one unit; `src/x.rs` with `src/x/` beside it is one too): files can be acyclic
while two folders still lean on each other, and then neither can be read, tested or moved
without the other. The folder graph is printed, and the longest chain of imports among
modules and among folders: how far a change at the bottom travels.

Paths relative to the module itself (`pub use child::Item;` in a mod.rs) are not read, as
before: they can name only its own children, which are in its folder.

    python3 tests/tools/import_graph.py SRC_DIR [--flat MODULE,MODULE]
"""
import re, sys, pathlib

args = sys.argv[1:]
flat = set()
if "--flat" in args:
    at = args.index("--flat")
    flat = set(args[at + 1].split(","))
    del args[at:at + 2]
root = pathlib.Path(args[0] if args else "src")
exclude = set()

def module_of(path):
    rel = path.relative_to(root).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] in ("mod", "lib", "main"):
        parts = parts[:-1]
    return tuple(parts)

files = {}
for path in root.rglob("*.rs"):
    rel = path.relative_to(root)
    if rel.parts[0] == "bin" or rel.as_posix() == "main.rs":
        continue
    mod = module_of(path)
    if mod and mod[0] in exclude:
        continue
    files[mod] = path.read_text()
# Modules declared under `#[cfg(test)]` in their parent (`#[cfg(test)] mod vectors;`) are
# test code kept in files of their own: left out like inline test modules, with their children.
test_only = set()
for mod, text in files.items():
    for m in re.finditer(r"#\[cfg\(test\)\]\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*;", text):
        test_only.add(mod + (m.group(1),))
files = {m: t for m, t in files.items() if not any(m[:len(t)] == t for t in test_only)}
modules = set(files)

def strip_tests(text):
    out, i = [], 0
    for m in re.finditer(r"#\[cfg\(test\)\]\s*mod\s+\w+\s*\{", text):
        if m.start() < i:
            continue
        out.append(text[i:m.start()])
        depth, j = 1, m.end()
        while depth and j < len(text):
            depth += {"{": 1, "}": -1}.get(text[j], 0)
            j += 1
        i = j
    out.append(text[i:])
    text = "".join(out)
    text = re.sub(r"//[^\n]*", "", text)  # comments and doc links are not imports
    return text

def resolve(path):
    """The longest known module prefix of `path` (a tuple of segments from the crate root)."""
    for n in range(len(path), -1, -1):
        if tuple(path[:n]) in modules:
            return tuple(path[:n])
    return ()

def expand_use(tree):
    """`a::{b, c::{d}}` -> [a::b, a::c::d]."""
    tree = re.sub(r"\s+", "", tree)
    m = re.match(r"^([^{]*)\{(.*)\}$", tree)
    if not m:
        return [tree]
    prefix, inner = m.group(1), m.group(2)
    items, depth, cur = [], 0, ""
    for ch in inner:
        if ch == "," and depth == 0:
            items.append(cur); cur = ""; continue
        depth += ch == "{"; depth -= ch == "}"
        cur += ch
    items.append(cur)
    return [p for item in items if item for p in expand_use(prefix + item)]

edges = {}
for mod, text in files.items():
    text = strip_tests(text)
    paths = []
    for m in re.finditer(r"\buse\s+([^;]+);", text):
        paths += expand_use(m.group(1))
    paths += re.findall(r"(?<![\w:])((?:crate|super)(?:::\w+)+)", text)
    for p in paths:
        segs = [s.split(" as ")[0] for s in p.split("::")]
        segs = [s for s in segs if s not in ("", "*")]
        if not segs:
            continue
        is_dir = files[mod] is not None and str(root) and (root.joinpath(*mod, "mod.rs").exists() or mod == ())
        base = list(mod) if is_dir else list(mod[:-1])  # where `self`/`super` start
        if segs[0] == "crate":
            full = segs[1:]
        elif segs[0] == "self":
            full = list(mod) + segs[1:]
        elif segs[0] == "super":
            here = list(mod)
            while segs and segs[0] == "super":
                here = here[:-1]; segs = segs[1:]
            full = here + segs
        else:
            continue  # external crates, std
        target = resolve(full)
        if target and target != mod:
            edges.setdefault(mod, {}).setdefault(target, set()).add("::".join(p.split("::")))

def name(m): return "::".join(m) or "crate"

def cycles(nodes, arrows):
    """The strongly connected components of more than one node (Tarjan's algorithm)."""
    index, low, stack, on, found, counter = {}, {}, [], set(), [], [0]
    def strong(v):
        index[v] = low[v] = counter[0]; counter[0] += 1; stack.append(v); on.add(v)
        for w in arrows.get(v, {}):
            if w not in index:
                strong(w); low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop(); on.discard(w); comp.append(w)
                if w == v: break
            if len(comp) > 1:
                found.append(comp)
    for v in sorted(nodes):
        if v not in index:
            strong(v)
    return found

def longest_chain(nodes, arrows):
    """The longest path of imports, as its modules; the graph must be acyclic."""
    best = {}
    def down(v):
        if v not in best:
            best[v] = max(([v] + down(w) for w in arrows.get(v, {})), key=len, default=[v])
        return best[v]
    return max((down(v) for v in sorted(nodes)), key=len, default=[])

sys.setrecursionlimit(10000)
sccs = cycles(modules, edges)

# folders: the top-level module each module sits in; the crate root itself is no folder
folder_edges = {}
for a, targets in edges.items():
    for b in targets:
        if a and b and a[0] != b[0]:
            folder_edges.setdefault(a[0], {}).setdefault(b[0], set()).add((a, b))
folders = {m[0] for m in modules if m}
folder_sccs = cycles(folders, folder_edges)

print(f"{len(modules)} modules, {sum(len(t) for t in edges.values())} arrows")
for comp in sccs:
    print("CYCLE among:", ", ".join(sorted(name(m) for m in comp)))
    for a in sorted(comp):
        for b in sorted(edges.get(a, {})):
            if b in comp:
                print(f"   {name(a)} -> {name(b)}   ({', '.join(sorted(edges[a][b]))})")
parents = [(a, b) for a, ts in edges.items() for b in ts if len(b) < len(a) and a[:len(b)] == b and b]
banned = [(a, b) for a, b in parents if b[0] in flat]
for a, b in sorted(parents):
    kind = "CHILD -> PARENT (not allowed)" if (a, b) in banned else "child -> parent"
    print(f"{kind}: {name(a)} -> {name(b)}   ({', '.join(sorted(edges[a][b]))})")
if not sccs:
    print("no cycles")

print(f"\n{len(folders)} folders, {sum(len(t) for t in folder_edges.values())} arrows")
for a in sorted(folders):
    print(f"   {a} -> {', '.join(sorted(folder_edges.get(a, {}))) or '(leaf)'}")
for comp in folder_sccs:
    print("FOLDER CYCLE among:", ", ".join(sorted(comp)))
    for a in sorted(comp):
        for b in sorted(folder_edges.get(a, {})):
            if b in comp:
                via = sorted(f"{name(x)} -> {name(y)}" for x, y in folder_edges[a][b])
                print(f"   {a} -> {b}   ({', '.join(via)})")
if not folder_sccs:
    print("no folder cycles")
if not sccs:
    chain = longest_chain(modules, edges)
    print(f"\nlongest import chain: {len(chain)} modules: {' -> '.join(name(m) for m in chain)}")
if not folder_sccs:
    chain = longest_chain(folders, folder_edges)
    print(f"longest folder chain: {len(chain)} folders: {' -> '.join(chain)}")
sys.exit(1 if sccs or banned or folder_sccs else 0)
