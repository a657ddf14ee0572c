//! The module map has one source, each crate's `# Layout` block in its `lib.rs`: the
//! README's copy must be the same text, and the block must name every file of the crate's
//! `src/` once and nothing that is not there.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace holds the suite")
        .to_path_buf()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// The text block after `# Layout` in a crate's docs, without the `//! ` of each line.
fn layout_in_docs(lib: &str) -> String {
    let lines: Vec<&str> = lib.lines().collect();
    let start = lines
        .iter()
        .position(|line| *line == "//! ```text")
        .expect("a ```text block in the crate docs");
    let end = start
        + 1
        + lines[start + 1..]
            .iter()
            .position(|line| *line == "//! ```")
            .expect("the block's end");
    lines[start + 1..end]
        .iter()
        .map(|line| line.strip_prefix("//! ").unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The README's copy of `lib`'s block, between `<!-- layout: {lib} -->` and the next
/// `<!-- end layout -->`, without the list's indentation and the fence.
fn layout_in_readme(readme: &str, lib: &str) -> String {
    let marker = format!("<!-- layout: {lib} -->");
    let start = readme
        .find(&marker)
        .unwrap_or_else(|| panic!("README.md has no {marker}"));
    let rest = &readme[start + marker.len()..];
    let end = rest
        .find("<!-- end layout -->")
        .expect("the block's end marker");
    let lines: Vec<&str> = rest[..end].trim().lines().collect();
    assert_eq!(
        lines.first(),
        Some(&"```text"),
        "{lib}: a fenced text block"
    );
    assert_eq!(lines.last(), Some(&"  ```"), "{lib}: a fenced text block");
    lines[1..lines.len() - 1]
        .iter()
        .map(|line| line.strip_prefix("  ").unwrap_or(line))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every `.rs` file below `dir`, as a path relative to it.
fn rust_files(dir: &Path, under: &Path, files: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).expect("readable") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            rust_files(&path, under, files);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            let relative = path.strip_prefix(under).expect("below");
            files.insert(relative.to_string_lossy().into_owned());
        }
    }
}

/// The files a block names: the first word of each line after the root's.
fn named(block: &str) -> Vec<String> {
    block
        .lines()
        .skip(1)
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

fn check(crate_src: &str) {
    let root = workspace();
    let lib = format!("{crate_src}/lib.rs");
    let docs = layout_in_docs(&read(&root.join(&lib)));
    let readme = layout_in_readme(&read(&root.join("README.md")), &lib);
    assert_eq!(
        readme, docs,
        "README.md's map of {crate_src} differs from {lib}'s `# Layout`: run `python3 tests/tools/sync_layout.py`"
    );
    assert_eq!(docs.lines().next(), Some(format!("{crate_src}/").as_str()));
    let names = named(&docs);
    let listed: BTreeSet<String> = names.iter().cloned().collect();
    assert_eq!(listed.len(), names.len(), "{lib}: a file listed twice");
    let mut present = BTreeSet::new();
    let src = root.join(crate_src);
    rust_files(&src, &src, &mut present);
    let missing: Vec<_> = present.difference(&listed).collect();
    let gone: Vec<_> = listed.difference(&present).collect();
    assert!(
        missing.is_empty() && gone.is_empty(),
        "{lib}'s `# Layout`: not listed {missing:?}; listed but not there {gone:?}"
    );
}

#[test]
fn the_action_crate_has_one_module_map_naming_every_file() {
    check("src");
}

#[test]
fn fc_local_has_one_module_map_naming_every_file() {
    check("fc-local/src");
}

#[test]
fn a_map_that_drifts_is_told_apart() {
    let docs = "//! ```text\n//! src/\n//!   a.rs   one\n//! ```\n";
    let readme = "<!-- layout: src/lib.rs -->\n  ```text\n  src/\n    a.rs   two\n  ```\n  <!-- end layout -->\n";
    assert_ne!(layout_in_readme(readme, "src/lib.rs"), layout_in_docs(docs));
    let same = readme.replace("two", "one");
    assert_eq!(layout_in_readme(&same, "src/lib.rs"), layout_in_docs(docs));
    assert_eq!(named(&layout_in_docs(docs)), ["a.rs"]);
}
