#!/usr/bin/env python3
"""Copies each crate's `# Layout` block (the ```text block in its lib.rs docs) into the
README, between `<!-- layout: {lib} -->` and `<!-- end layout -->`: the crate docs are the
one module map, and tests/suite/layout.rs fails when the README's copy differs.

    python3 tests/tools/sync_layout.py
"""
import pathlib, re, sys

root = pathlib.Path(__file__).resolve().parents[2]
readme_path = root / "README.md"
readme = readme_path.read_text()

for lib in ("src/lib.rs", "fc-local/src/lib.rs"):
    lines = (root / lib).read_text().split("\n")
    start = lines.index("//! ```text")
    end = lines.index("//! ```", start + 1)
    block = [line[4:] if line.startswith("//! ") else "" for line in lines[start + 1:end]]
    body = "\n".join(f"  {line}" if line else "" for line in block)
    marker = f"<!-- layout: {lib} -->"
    pattern = re.compile(re.escape(marker) + r"\n.*?<!-- end layout -->", re.S)
    if not pattern.search(readme):
        sys.exit(f"README.md has no {marker} block")
    replacement = f"{marker}\n  ```text\n{body}\n  ```\n  <!-- end layout -->"
    readme = pattern.sub(lambda _: replacement, readme)

readme_path.write_text(readme)
