#!/usr/bin/env python3
"""Fails listing every Rust function longer than a limit (80 lines unless told) in the given
folders: a function that long does several things, and each wants a name of its own.

A function's length runs from its `fn` line to its closing brace, comments inside included.
Test modules (`#[cfg(test)] mod tests { … }`) are left out: a test reads as one story.

    python3 tests/tools/fn_length.py DIR [DIR …] [--max N]
"""
import pathlib, re, sys

args = sys.argv[1:]
limit = 80
if "--max" in args:
    at = args.index("--max")
    limit = int(args[at + 1])
    del args[at:at + 2]
if not args:
    sys.exit(__doc__)


def blank_out(text):
    """The text with comments, strings and character literals replaced by spaces (newlines
    kept), so that every brace and parenthesis left is code and line numbers still hold."""
    out, i, n = list(text), 0, len(text)

    def erase(start, end):
        for k in range(start, end):
            if out[k] != "\n":
                out[k] = " "

    while i < n:
        c = text[i]
        if text.startswith("//", i):
            end = text.find("\n", i)
            end = n if end < 0 else end
            erase(i, end)
            i = end
        elif text.startswith("/*", i):
            depth, j = 1, i + 2
            while depth and j < n:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            erase(i, j)
            i = j
        elif (m := re.compile(r'b?r(#*)"').match(text, i)) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            close = '"' + m.group(1)
            end = text.find(close, m.end())
            end = n if end < 0 else end + len(close)
            erase(i, end)
            i = end
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            erase(i, j + 1)
            i = j + 1
        elif c == "'":
            # a character literal ('x', '\n', '\u{..}', '{'), or else a lifetime ('a)
            m = re.compile(r"'(\\[^']*|[^\\'])'").match(text, i)
            if m:
                erase(i, m.end())
                i = m.end()
            else:
                i += 1
        else:
            i += 1
    return "".join(out)


def closing(code, start):
    """The index of the brace that closes the one at `start`."""
    depth = 0
    for j in range(start, len(code)):
        if code[j] == "{":
            depth += 1
        elif code[j] == "}":
            depth -= 1
            if depth == 0:
                return j
    return len(code) - 1


def test_modules(code):
    """The spans of `#[cfg(test)] mod … { … }` blocks."""
    return [(m.start(), closing(code, m.end() - 1))
            for m in re.finditer(r"#\[cfg\(test\)\]\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+\w+\s*\{", code)]


def functions(code):
    """(name, first line, last line) of every function with a body."""
    for m in re.finditer(r"\bfn\s+(\w+)", code):
        depth, j = 0, m.end()
        while j < len(code):
            c = code[j]
            if c in "([":
                depth += 1
            elif c in ")]":
                depth -= 1
            elif depth == 0 and c == ";":
                break  # a declaration without a body (a trait's method)
            elif depth == 0 and c == "{":
                end = closing(code, j)
                yield m.group(1), m.start(), code.count("\n", 0, m.start()) + 1, code.count("\n", 0, end) + 1
                break
            j += 1


long = []
for root in args:
    for path in sorted(pathlib.Path(root).rglob("*.rs")):
        code = blank_out(path.read_text())
        tests = test_modules(code)
        for name, at, first, last in functions(code):
            if any(start <= at <= end for start, end in tests):
                continue
            if last - first + 1 > limit:
                long.append((path, name, first, last - first + 1))

for path, name, first, length in long:
    print(f"{path}:{first}: fn {name} is {length} lines (at most {limit})")
sys.exit(1 if long else 0)
