//! One set of rules for what a layer may hold (issue 25): a directory to package is held to
//! the rules a prebuilt zip is held to, and refused with the same words. Before, a tree
//! holding `lib -> /etc`, a link climbing out, a link to `/dev/zero` named like an extension
//! module or a backslash name was published, while the same entries in a zip were refused.

use crate::common;

use std::collections::BTreeMap;
use std::fs;
use std::io::{Cursor, Write};
use std::os::unix::fs::symlink;
use std::path::Path;

use common::hostile::{Hostile, reply};
use common::*;
use fc_layer_action::package::{check_zip, zip_directory};
use proptest::collection::btree_map;
use proptest::prelude::*;
use proptest::test_runner::Config;

/// An entry of a hostile layer: a file, or a link to a target.
#[derive(Clone, Debug)]
enum Item {
    File,
    Link(&'static str),
}

/// The tree `entries` (with `python/ok.py` beside them) written under `root`.
fn write_tree(root: &Path, entries: &[(&str, Item)]) {
    fs::create_dir_all(root.join("python")).expect("mkdir");
    fs::write(root.join("python/ok.py"), "X = 1\n").expect("writes");
    for (name, item) in entries {
        let path = root.join(name);
        fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        match item {
            Item::File => fs::write(&path, "x = 1\n").expect("writes"),
            Item::Link(target) => symlink(target, &path).expect("links"),
        }
    }
}

/// The same entries as a zip, as another tool would make it.
fn zip_of(entries: &[(&str, Item)]) -> Vec<u8> {
    let options = zip::write::SimpleFileOptions::default();
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    writer.start_file("python/ok.py", options).expect("starts");
    writer.write_all(b"X = 1\n").expect("writes");
    for (name, item) in entries {
        match item {
            Item::File => {
                writer.start_file(*name, options).expect("starts");
                writer.write_all(b"x = 1\n").expect("writes");
            }
            Item::Link(target) => writer.add_symlink(*name, *target, options).expect("links"),
        }
    }
    writer.finish().expect("finishes").into_inner()
}

/// Runs the action on `code` in `work` against `server`; returns its exit code and its
/// first error line.
fn refusal_of(work: &Path, server: &Hostile, code: &str) -> (Option<i32>, String) {
    let outputs = work.join("github_output");
    let output = run_action_with_sts(work, &server.url, &outputs, &[("INPUT_CODE", code)]);
    let error = stdout(&output)
        .lines()
        .find(|line| line.starts_with("::error::"))
        .unwrap_or_default()
        .to_owned();
    (output.status.code(), error)
}

const LEAVES: &str = "; FC unpacks a layer under /opt and the link would lead out of it";

#[test]
fn a_tree_with_links_out_or_backslash_names_is_refused_as_the_same_zip_is() {
    let server = Hostile::start(true, |_, stream| {
        let _ = stream.write_all(&reply("500 Internal Server Error", &[], b""));
    });
    let cases: Vec<(Vec<(&str, Item)>, String)> = vec![
        (
            vec![("lib", Item::Link("/etc"))],
            format!("symlink entry \"lib\" points to \"/etc\", outside the layer{LEAVES}"),
        ),
        (
            vec![("python/pw", Item::Link("../../../../etc/passwd"))],
            format!(
                "symlink entry \"python/pw\" points to \"../../../../etc/passwd\", outside the layer{LEAVES}"
            ),
        ),
        (
            vec![(
                "python/x.cpython-310-x86_64-linux-gnu.so",
                Item::Link("/dev/zero"),
            )],
            format!(
                "symlink entry \"python/x.cpython-310-x86_64-linux-gnu.so\" points to \"/dev/zero\", outside the layer{LEAVES}"
            ),
        ),
        (
            vec![("python/..\\..\\..\\etc\\evil.py", Item::File)],
            "entry \"python/..\\\\..\\\\..\\\\etc\\\\evil.py\" holds a backslash, a path separator on Windows; FC unpacks a layer under /opt, and such a name could land outside it".to_owned(),
        ),
        (
            // `deep/up` leads to /opt, inside; `x` then climbs from /opt to /.
            vec![("deep/up", Item::Link("/opt")), ("x", Item::Link("deep/up/.."))],
            format!(
                "symlink entry \"x\" points to \"deep/up/..\", a `..` after a name, which may climb out of the layer through another link{LEAVES}"
            ),
        ),
    ];
    for (index, (entries, refusal)) in cases.iter().enumerate() {
        let work = tempfile::tempdir().expect("tempdir");
        write_tree(&work.path().join("layer"), entries);
        fs::write(work.path().join("layer.zip"), zip_of(entries)).expect("writes");
        for code in ["layer", "layer.zip"] {
            let (status, error) = refusal_of(work.path(), &server, code);
            assert_eq!(status, Some(1), "case {index}, {code}: {error}");
            assert!(
                error.starts_with("::error::input `code`: ")
                    && error.ends_with(&format!("{code}: {refusal}")),
                "case {index}, {code}: {error}\nwanted: {refusal}"
            );
        }
    }
    assert!(server.requests().is_empty(), "{:?}", server.requests());
}

#[test]
fn nothing_below_a_link_goes_in_and_a_zip_with_entries_below_one_is_refused() {
    let work = tempfile::tempdir().expect("tempdir");
    // A link inside the layer is kept as a link; the walk never goes below it.
    let root = work.path().join("layer");
    write_tree(&root, &[("lib", Item::Link("python"))]);
    let (bytes, _) = zip_directory(&root).expect("zips");
    let archive = zip::ZipArchive::new(Cursor::new(&bytes)).expect("reads");
    let names: Vec<String> = archive
        .file_names()
        .map(|name| name.expect("a UTF-8 name").into_owned())
        .collect();
    assert_eq!(names, ["lib", "python/", "python/ok.py"]);
    let packaged = work.path().join("packaged.zip");
    fs::write(&packaged, &bytes).expect("writes");
    assert_eq!(check_zip(&packaged).expect("the check accepts it"), 3);

    let below = work.path().join("below.zip");
    let entries = [("lib", Item::Link("python")), ("lib/cron.d/x", Item::File)];
    fs::write(&below, zip_of(&entries)).expect("writes");
    let error = check_zip(&below).expect_err("refused").to_string();
    assert!(
        error.ends_with(
            "entry \"lib/cron.d/x\" is below the symlink entry \"lib\"; unpacking it would write through the link"
        ),
        "{error}"
    );
}

/// A name part: plain, dotted, or with a backslash.
fn part() -> impl Strategy<Value = String> {
    prop_oneof![
        12 => "[a-z]{1,3}",
        1 => Just("a..b".to_owned()),
        1 => Just("..\\x".to_owned()),
        1 => Just("c:d".to_owned()),
    ]
}

/// A link target: parts joined by `/`, relative or absolute, in or out of `/opt`.
fn target() -> impl Strategy<Value = String> {
    let parts = proptest::collection::vec(
        prop_oneof![4 => "[a-z]{1,2}", 2 => Just("..".to_owned()), 1 => Just(".".to_owned())],
        1..5,
    );
    let start = prop_oneof![
        6 => Just(""),
        2 => Just("/opt/"),
        1 => Just("/etc/"),
        1 => Just("/"),
    ];
    (start, parts).prop_map(|(start, parts)| format!("{start}{}", parts.join("/")))
}

/// A tree of files and links, up to three levels deep; a path that clashes with another
/// (one a folder of the other) is dropped.
fn layers() -> impl Strategy<Value = BTreeMap<String, Option<String>>> {
    let path = proptest::collection::vec(part(), 1..4).prop_map(|parts| parts.join("/"));
    let item = prop_oneof![2 => Just(None), 1 => target().prop_map(Some)];
    btree_map(path, item, 1..8).prop_map(|tree| {
        let mut kept: BTreeMap<String, Option<String>> = BTreeMap::new();
        for (path, link) in tree {
            let clashes = kept.keys().any(|other| {
                other.starts_with(&format!("{path}/")) || path.starts_with(&format!("{other}/"))
            });
            if !clashes {
                kept.insert(path, link);
            }
        }
        kept
    })
}

proptest! {
    #![proptest_config(Config { cases: 128, failure_persistence: None, ..Config::default() })]

    /// Any tree the packager accepts gives a zip that the prebuilt-zip check accepts.
    #[test]
    fn any_tree_the_packager_accepts_gives_a_zip_the_check_accepts(tree in layers()) {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().join("layer");
        for (path, link) in &tree {
            let at = root.join(path);
            fs::create_dir_all(at.parent().expect("parent")).expect("folders");
            match link {
                Some(target) => symlink(target, &at).expect("links"),
                None => fs::write(&at, path).expect("writes"),
            }
        }
        if let Ok((bytes, _)) = zip_directory(&root) {
            let zip = dir.path().join("layer.zip");
            fs::write(&zip, &bytes).expect("writes");
            let checked = check_zip(&zip);
            prop_assert!(checked.is_ok(), "{tree:?}: {:?}", checked.err().map(|e| e.to_string()));
        }
    }
}
