//! A `.fcignore` is read like any other file of the layer (issue 25): never through a link,
//! never a FIFO or a device, and bounded before its patterns are compiled. Before, 1,000,000
//! lines took 1.9 GB of memory, a link out of the tree was followed and its patterns applied,
//! a link to a FIFO or `/dev/zero` was silently ignored, and 10,000 glob lines failed with
//! "error building NFA".

use crate::common;

use std::fs;
use std::io::Write;
use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::{Command, Output};

use common::hostile::{Hostile, reply};
use common::*;

/// A layer of two files, `python/a.py` and `b.txt`, under `work/layer`.
fn layer(work: &Path) -> std::path::PathBuf {
    let root = work.join("layer");
    fs::create_dir_all(root.join("python")).expect("mkdir");
    fs::write(root.join("python/a.py"), "X = 1\n").expect("writes");
    fs::write(root.join("b.txt"), "notes\n").expect("writes");
    root
}

/// A dry run given no credentials on `work/layer`: it packages and checks, and calls nobody.
fn dry_run(work: &Path) -> Output {
    let outputs = work.join("github_output");
    run_action(
        work,
        &[
            ("INPUT_LAYER-NAME", "my-layer"),
            ("INPUT_CODE", "layer"),
            ("INPUT_REGION", "cn-hangzhou"),
            ("INPUT_DRY-RUN", "true"),
            ("GITHUB_OUTPUT", outputs.to_str().expect("utf-8 path")),
        ],
    )
}

/// A run with credentials on `work/layer` against a server that must see no request:
/// returns the first error line.
fn refused(work: &Path) -> String {
    let server = Hostile::start(true, |_, stream| {
        let _ = stream.write_all(&reply("500 Internal Server Error", &[], b""));
    });
    let outputs = work.join("github_output");
    let output = run_action_with_sts(work, &server.url, &outputs, &[("INPUT_CODE", "layer")]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(server.requests().is_empty(), "{:?}", server.requests());
    text.lines()
        .find(|line| line.starts_with("::error::"))
        .unwrap_or_default()
        .to_owned()
}

fn mkfifo(path: &Path) {
    let made = Command::new("mkfifo").arg(path).status();
    assert!(made.expect("mkfifo runs").success());
}

#[test]
fn an_fcignore_over_1_mib_is_refused_by_its_size_before_any_request() {
    let work = tempfile::tempdir().expect("tempdir");
    let root = layer(work.path());
    // 1,000,000 lines, 16 MB, as the issue's; then 100 MB (sparse: only the size is read).
    let lines: String = (0..1_000_000)
        .map(|n| format!("p/{n:07}/x.pyc\n"))
        .collect();
    fs::write(root.join(".fcignore"), &lines).expect("writes");
    let error = refused(work.path());
    assert!(
        error.ends_with(
            "layer/.fcignore: 16000000 bytes, over the 1048576 bytes a .fcignore may hold; nothing was read"
        ),
        "{error}"
    );
    let file = fs::File::create(root.join(".fcignore")).expect("creates");
    file.set_len(100_000_000).expect("sparse");
    let error = refused(work.path());
    assert!(
        error.ends_with("layer/.fcignore: 100000000 bytes, over the 1048576 bytes a .fcignore may hold; nothing was read"),
        "{error}"
    );
}

#[test]
fn a_linked_fcignore_is_not_followed_whatever_it_points_at() {
    let work = tempfile::tempdir().expect("tempdir");
    let outside = work.path().join("outside");
    fs::create_dir(&outside).expect("mkdir");
    fs::write(outside.join("rules"), "*.py\n*.txt\n").expect("writes");
    mkfifo(&outside.join("fifo"));
    fs::File::create(outside.join("sparse"))
        .expect("creates")
        .set_len(2 << 30)
        .expect("sparse 2 GB");
    let root = layer(work.path());
    for (at, target) in [
        (".fcignore", outside.join("rules")),
        ("python/.fcignore", outside.join("rules")),
        (".fcignore", "/dev/zero".into()),
        (".fcignore", outside.join("fifo")),
        (".fcignore", outside.join("sparse")),
    ] {
        let link = root.join(at);
        symlink(&target, &link).expect("links");
        let output = dry_run(work.path());
        let text = stdout(&output);
        assert_eq!(output.status.code(), Some(0), "{at} -> {target:?}: {text}");
        let warning = format!(
            "::warning::{}: is a symbolic link, so it was not followed and its patterns were not applied",
            link.display()
        );
        assert!(text.contains(&warning), "{at} -> {target:?}: {text}");
        // Its patterns would have left both files out.
        assert!(
            text.contains("The layer holds 2 files") && !text.contains("left out by .fcignore"),
            "{at} -> {target:?}: {text}"
        );
        fs::remove_file(&link).expect("removes");
    }
}

#[test]
fn a_fifo_fcignore_is_an_error_naming_it_at_any_level() {
    for at in [".fcignore", "python/.fcignore"] {
        let work = tempfile::tempdir().expect("tempdir");
        let root = layer(work.path());
        mkfifo(&root.join(at));
        let error = refused(work.path());
        assert!(
            error.ends_with(&format!(
                "{at}: is a FIFO, not a regular file, so it was not read"
            )),
            "{error}"
        );
    }
}

#[test]
fn fcignore_patterns_are_bounded_by_count_and_bytes_and_the_largest_allowed_applies() {
    let work = tempfile::tempdir().expect("tempdir");
    let root = layer(work.path());
    let globs: String = (0..10_000)
        .map(|n| format!("**/pkg{n}/*_{n}?.py\n"))
        .collect();
    fs::write(root.join(".fcignore"), globs).expect("writes");
    let error = refused(work.path());
    assert!(
        error.ends_with("layer/.fcignore: holds 10000 patterns, over the 1000 a .fcignore may hold; use fewer or broader patterns"),
        "{error}"
    );
    let long: String = (0..1_000)
        .map(|n| format!("{n:04}{}\n", "*a?".repeat(12)))
        .collect();
    fs::write(root.join(".fcignore"), long).expect("writes");
    let error = refused(work.path());
    assert!(
        error.ends_with("layer/.fcignore: its 1000 patterns take 40000 bytes, over the 32768 bytes a .fcignore's patterns may take (comments and blank lines aside); use fewer or broader patterns"),
        "{error}"
    );
    // The largest allowed: 1 MiB, 1,000 patterns of wildcards in 32,000 bytes, comments.
    let mut largest = String::from("*.txt\n");
    for n in 1..1_000 {
        largest.push_str(&format!("{n:04}{}\n", "*a?".repeat(9)));
    }
    while largest.len() < 1 << 20 {
        let room = ((1 << 20) - largest.len()).min(64);
        largest.push_str(&format!("{}\n", "#".repeat(room - 1)));
    }
    assert_eq!(largest.len(), 1 << 20);
    fs::write(root.join(".fcignore"), &largest).expect("writes");
    let output = dry_run(work.path());
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(
        text.contains("The layer holds 1 files") && text.contains("left out by .fcignore: 1 files"),
        "{text}"
    );
}
