//! Zips made from directories, read back by Python's `zipfile`, an independent reader.

use crate::common;

use std::fs::{self, File, FileTimes};
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;
use std::time::{Duration, SystemTime};

use common::inspect_zip_with_python;
use fc_layer_action::package::{self, Origin, PackageError};
use serde_json::Value;

/// A tree with what layers hold: nested packages, an executable, an empty directory, a
/// non-ASCII name and symlinks (one relative, one absolute under `/opt`, where FC unpacks
/// the layer; one out of the layer is refused, see `layer_rules.rs`).
fn make_tree(root: &Path) {
    fs::create_dir_all(root.join("python/pkg")).expect("mkdir");
    fs::create_dir_all(root.join("bin")).expect("mkdir");
    fs::create_dir_all(root.join("lib/empty")).expect("mkdir");
    fs::write(root.join("python/pkg/__init__.py"), "X = 1\n").expect("write");
    fs::write(root.join("python/pkg/données.txt"), "é\n").expect("write");
    fs::write(root.join("bin/tool"), "#!/bin/sh\necho tool\n").expect("write");
    fs::set_permissions(root.join("bin/tool"), fs::Permissions::from_mode(0o700)).expect("chmod");
    fs::write(root.join("python/pkg/private.cfg"), "k=v\n").expect("write");
    fs::set_permissions(
        root.join("python/pkg/private.cfg"),
        fs::Permissions::from_mode(0o600),
    )
    .expect("chmod");
    symlink("../python/pkg/__init__.py", root.join("lib/link.py")).expect("symlink");
    symlink("/opt/python/pkg/__init__.py", root.join("lib/absolute")).expect("symlink");
}

fn zip_to_file(root: &Path, out: &Path) -> Vec<u8> {
    let (bytes, _) = package::zip_directory(root).expect("zips");
    fs::write(out, &bytes).expect("writes zip");
    bytes
}

fn entry<'a>(entries: &'a [Value], name: &str) -> &'a Value {
    entries
        .iter()
        .find(|entry| entry["name"] == name)
        .unwrap_or_else(|| panic!("no entry {name}"))
}

#[test]
fn another_reader_sees_names_contents_modes_and_links() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("layer");
    make_tree(&root);
    let zip = dir.path().join("layer.zip");
    zip_to_file(&root, &zip);

    let seen = inspect_zip_with_python(&zip);
    assert_eq!(seen["bad_entry"], Value::Null, "every CRC-32 checks out");
    let entries = seen["entries"].as_array().expect("entries").clone();
    let names: Vec<&str> = entries
        .iter()
        .map(|entry| entry["name"].as_str().expect("name"))
        .collect();
    assert_eq!(
        names,
        [
            "bin/",
            "bin/tool",
            "lib/",
            "lib/absolute",
            "lib/empty/",
            "lib/link.py",
            "python/",
            "python/pkg/",
            "python/pkg/__init__.py",
            "python/pkg/données.txt",
            "python/pkg/private.cfg",
        ],
        "sorted, depth first, empty directories kept"
    );

    for entry in &entries {
        assert_eq!(entry["create_system"], 3, "made by Unix: {}", entry["name"]);
        assert_eq!(
            entry["date_time"],
            serde_json::json!([1980, 1, 1, 0, 0, 0]),
            "{}",
            entry["name"]
        );
    }
    assert_eq!(
        entry(&entries, "bin/tool")["mode"],
        0o755,
        "run bit kept, widened to 0755"
    );
    assert_eq!(
        entry(&entries, "python/pkg/private.cfg")["mode"],
        0o644,
        "normalised to 0644"
    );
    assert_eq!(entry(&entries, "python/pkg/__init__.py")["mode"], 0o644);
    assert_eq!(entry(&entries, "lib/empty/")["is_dir"], true);
    assert_eq!(entry(&entries, "lib/empty/")["mode"], 0o755);
    assert_eq!(entry(&entries, "python/pkg/__init__.py")["text"], "X = 1\n");
    assert_eq!(
        entry(&entries, "python/pkg/__init__.py")["compress_type"],
        0,
        "six bytes that deflate cannot shrink: stored"
    );

    let unicode = entry(&entries, "python/pkg/données.txt");
    assert_eq!(unicode["utf8_flag"], true);
    assert_eq!(unicode["text"], "é\n");
    assert_eq!(
        entry(&entries, "bin/tool")["utf8_flag"],
        false,
        "ASCII names need no flag"
    );

    let link = entry(&entries, "lib/link.py");
    assert_eq!(link["is_symlink"], true);
    assert_eq!(
        link["text"], "../python/pkg/__init__.py",
        "stored as a link, not the file"
    );
    let absolute = entry(&entries, "lib/absolute");
    assert_eq!(absolute["is_symlink"], true);
    assert_eq!(
        absolute["text"], "/opt/python/pkg/__init__.py",
        "stored as a link, never followed"
    );
}

#[test]
fn the_same_tree_gives_the_same_bytes_whatever_the_mtimes_and_creation_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let first = dir.path().join("first");
    make_tree(&first);

    // The same content, created in another order with other timestamps.
    let second = dir.path().join("second");
    fs::create_dir_all(second.join("lib/empty")).expect("mkdir");
    symlink("/opt/python/pkg/__init__.py", second.join("lib/absolute")).expect("symlink");
    fs::create_dir_all(second.join("python/pkg")).expect("mkdir");
    fs::write(second.join("python/pkg/private.cfg"), "k=v\n").expect("write");
    fs::set_permissions(
        second.join("python/pkg/private.cfg"),
        fs::Permissions::from_mode(0o640),
    )
    .expect("chmod");
    fs::write(second.join("python/pkg/données.txt"), "é\n").expect("write");
    fs::write(second.join("python/pkg/__init__.py"), "X = 1\n").expect("write");
    symlink("../python/pkg/__init__.py", second.join("lib/link.py")).expect("symlink");
    fs::create_dir_all(second.join("bin")).expect("mkdir");
    fs::write(second.join("bin/tool"), "#!/bin/sh\necho tool\n").expect("write");
    fs::set_permissions(second.join("bin/tool"), fs::Permissions::from_mode(0o755)).expect("chmod");
    let old = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    for file in [
        "python/pkg/__init__.py",
        "bin/tool",
        "python/pkg/données.txt",
    ] {
        File::options()
            .write(true)
            .open(second.join(file))
            .and_then(|handle| {
                handle.set_times(FileTimes::new().set_modified(old).set_accessed(old))
            })
            .expect("sets mtime");
    }

    let a = zip_to_file(&first, &dir.path().join("a.zip"));
    let b = zip_to_file(&second, &dir.path().join("b.zip"));
    assert_eq!(a, b, "byte-identical zips");
    // And once more from the same tree, to rule out any state carried between runs.
    assert_eq!(package::zip_directory(&first).expect("zips").0, a);
}

#[test]
fn a_content_change_changes_the_zip() {
    let dir = tempfile::tempdir().expect("tempdir");
    make_tree(dir.path());
    let before = package::zip_directory(dir.path()).expect("zips").0;
    fs::write(dir.path().join("python/pkg/__init__.py"), "X = 2\n").expect("write");
    assert_ne!(package::zip_directory(dir.path()).expect("zips").0, before);
}

#[test]
fn load_reads_a_zip_file_unchanged_and_refuses_what_is_not_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let tree = dir.path().join("tree");
    make_tree(&tree);
    let zip_path = dir.path().join("Layer.ZIP");
    let bytes = zip_to_file(&tree, &zip_path);
    let loaded = package::load(&zip_path, u64::MAX, dir.path()).expect("loads");
    assert_eq!(loaded.origin, Origin::ZipFile);
    assert_eq!(loaded.read_all().expect("reads"), bytes);
    assert_ne!(
        loaded.path(),
        zip_path,
        "a prebuilt zip is read once, into a copy of the run's own"
    );
    fs::write(&zip_path, b"replaced").expect("replaces");
    assert_eq!(loaded.read_all().expect("reads"), bytes, "the copy is kept");
    assert_eq!(loaded.checksum, fc_layer_action::checksum::crc64_xz(&bytes));
    assert_eq!(loaded.size, bytes.len() as u64);
    assert_eq!(loaded.entries, 11);
    assert_eq!(
        package::load(&tree, u64::MAX, dir.path())
            .expect("zips")
            .origin,
        Origin::Directory
    );

    let fake = dir.path().join("fake.zip");
    fs::write(&fake, "not a zip").expect("write");
    assert!(matches!(
        package::load(&fake, u64::MAX, dir.path()),
        Err(PackageError::InvalidZip { .. })
    ));

    let text = dir.path().join("layer.tar");
    fs::write(&text, "x").expect("write");
    assert!(matches!(
        package::load(&text, u64::MAX, dir.path()),
        Err(PackageError::NotDirectoryOrZip { .. })
    ));

    let missing = dir.path().join("missing");
    let error = package::load(&missing, u64::MAX, dir.path()).expect_err("missing");
    assert!(matches!(error, PackageError::NotFound { .. }));
    assert_eq!(
        error.to_string(),
        format!("{}: does not exist", missing.display())
    );

    let empty = dir.path().join("empty");
    fs::create_dir_all(empty.join("only/dirs")).expect("mkdir");
    assert!(matches!(
        package::load(&empty, u64::MAX, dir.path()),
        Err(PackageError::Empty { .. })
    ));
}

#[test]
fn errors_carry_the_path_at_fault() {
    let dir = tempfile::tempdir().expect("tempdir");
    fs::write(dir.path().join("file"), "x").expect("write");
    std::process::Command::new("mkfifo")
        .arg(dir.path().join("pipe"))
        .status()
        .expect("mkfifo runs");
    let error = package::zip_directory(dir.path()).expect_err("a fifo cannot be zipped");
    assert!(
        matches!(error, PackageError::UnsupportedType { ref path } if path.ends_with("pipe")),
        "{error}"
    );
}

#[test]
fn a_directory_zipped_to_a_temporary_file_matches_the_zip_in_memory_and_is_removed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let tree = dir.path().join("tree");
    make_tree(&tree);
    // Large enough to end a batch on its own (files over 64 MiB, streamed in chunks, are
    // covered by `deflate`'s own tests, which a suite test would take minutes to repeat).
    let mut state = 7u64;
    let large: Vec<u8> = (0..(9 << 20))
        .map(|index| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            if index % 3 == 0 {
                (state >> 33) as u8
            } else {
                b'a'
            }
        })
        .collect();
    fs::write(tree.join("large.bin"), &large).expect("writes");
    let temp = dir.path().join("temp");
    fs::create_dir(&temp).expect("mkdir");
    let (in_memory, _) = package::zip_directory(&tree).expect("zips");
    let loaded = package::load(&tree, u64::MAX, &temp).expect("zips");
    assert_eq!(loaded.read_all().expect("reads"), in_memory);
    assert_eq!(
        loaded.checksum,
        fc_layer_action::checksum::crc64_xz(&in_memory)
    );
    assert!(loaded.path().starts_with(&temp));
    let again = package::load(&tree, u64::MAX, &temp).expect("zips");
    assert_eq!(again.read_all().expect("reads"), in_memory, "reproducible");
    let read_back = inspect_zip_with_python(loaded.path());
    let entry = read_back["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .find(|entry| entry["name"] == "large.bin")
        .expect("the large file");
    assert_eq!(entry["size"], large.len());
    drop((loaded, again));
    assert_eq!(
        fs::read_dir(&temp).expect("lists").count(),
        0,
        "temporary zips removed"
    );
}

#[test]
fn content_that_deflate_cannot_shrink_is_stored() {
    let dir = tempfile::tempdir().expect("tempdir");
    let tree = dir.path().join("tree");
    fs::create_dir_all(&tree).expect("mkdir");
    let mut state = 11u64;
    let noise: Vec<u8> = (0..200_000)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            (state >> 33) as u8
        })
        .collect();
    fs::write(tree.join("already.whl"), &noise).expect("writes");
    fs::write(tree.join("text.py"), "print('hello')\n".repeat(1000)).expect("writes");
    let zip = dir.path().join("out.zip");
    zip_to_file(&tree, &zip);
    let entries = inspect_zip_with_python(&zip);
    let method = |name: &str| {
        entry(entries["entries"].as_array().expect("entries"), name)["compress_type"].clone()
    };
    assert_eq!(method("already.whl"), 0, "stored");
    assert_eq!(method("text.py"), 8, "deflated");
}

#[test]
fn more_than_65535_entries_get_zip64_end_records_that_readers_follow() {
    let dir = tempfile::tempdir().expect("tempdir");
    let tree = dir.path().join("tree");
    for group in 0..66 {
        let folder = tree.join(format!("g{group:02}"));
        fs::create_dir_all(&folder).expect("mkdir");
        for index in 0..1000 {
            fs::write(folder.join(format!("{index:03}")), b"").expect("writes");
        }
    }
    let zip = dir.path().join("many.zip");
    zip_to_file(&tree, &zip);
    let output = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); print(len(z.infolist())); print(z.testzip())",
        ])
        .arg(&zip)
        .output()
        .expect("python3 runs");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "66066\nNone\n",
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
