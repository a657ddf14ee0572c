//! `python-bytecode: portable` judges a cached `.pyc` by the header of the very bytes it
//! zips, read on the file's one open (no link followed, no FIFO waited on): a file rewritten
//! or swapped after the walk cannot be judged on one content and zipped with another, and a
//! `.pyc` that is a link is never read through the link.

use std::fs;
use std::io::{Cursor, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::symlink;
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use fc_layer_action::package::platform::Target;
use fc_layer_action::package::select::{Bytecode, LeftOut, Selection};
use fc_layer_action::package::zip_dir::{Zipped, zip_directory_between, zip_directory_with};
use fc_layer_action::package::{CheckLevel, Options, PackageError};

const PYTHON_310: u16 = 3439;
const TIMESTAMP: u32 = 0;
const UNCHECKED_HASH: u32 = 0b01;
const CACHE: &str = "python/pkg/__pycache__";

/// The 8 bytes that decide a `.pyc`'s kind: magic, `\r\n`, flags (PEP 552).
fn header(flags: u32) -> Vec<u8> {
    let mut bytes = PYTHON_310.to_le_bytes().to_vec();
    bytes.extend_from_slice(b"\r\n");
    bytes.extend_from_slice(&flags.to_le_bytes());
    bytes
}

fn write_pyc(path: &Path, flags: u32, size: u64) {
    let mut file = fs::File::create(path).expect("creates");
    file.write_all(&header(flags)).expect("writes");
    // Sparse past the header: a large file costs no disk.
    file.set_len(size).expect("sized");
}

/// Rewrites the header in place: the same file, the same size, another kind.
fn rewrite_header(path: &Path, flags: u32) {
    let mut file = fs::OpenOptions::new()
        .write(true)
        .open(path)
        .expect("opens");
    file.seek(SeekFrom::Start(0)).expect("seeks");
    file.write_all(&header(flags)).expect("writes");
}

fn layer(root: &Path) {
    fs::create_dir_all(root.join(CACHE)).expect("mkdir");
    fs::write(root.join("python/pkg/__init__.py"), "X = 1\n").expect("writes");
}

/// Every file in the zip, with its content.
fn files(zipped: &Zipped<Vec<u8>>) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(Cursor::new(&zipped.writer)).expect("a zip");
    let mut files = Vec::new();
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).expect("an entry");
        if !entry.is_dir() {
            let mut content = Vec::new();
            entry.read_to_end(&mut content).expect("reads");
            files.push((entry.name().expect("a name").into_owned(), content));
        }
    }
    files
}

#[test]
fn a_pyc_rewritten_after_the_walk_is_judged_on_the_bytes_zipped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    layer(root);
    let kept_then_stamped = root.join(CACHE).join("a.cpython-310.pyc");
    let stamped_then_kept = root.join(CACHE).join("b.cpython-310.pyc");
    write_pyc(&kept_then_stamped, UNCHECKED_HASH, 100);
    // Past the size read whole, so it goes the streamed way.
    let large = 65 << 20;
    write_pyc(&stamped_then_kept, TIMESTAMP, large);

    let zipped = zip_directory_between(root, Vec::new(), u64::MAX, || {
        rewrite_header(&kept_then_stamped, TIMESTAMP);
        rewrite_header(&stamped_then_kept, UNCHECKED_HASH);
    })
    .expect("zips");

    let files = files(&zipped);
    let names: Vec<&str> = files.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(
        names,
        [
            "python/pkg/__init__.py",
            "python/pkg/__pycache__/b.cpython-310.pyc"
        ]
    );
    let (_, content) = &files[1];
    assert_eq!(content.len() as u64, large);
    assert_eq!(content[..8], header(UNCHECKED_HASH));
    assert_eq!(zipped.contents.left_out[&LeftOut::Bytecode], (1, 100));
    assert_eq!(zipped.contents.files, 2);
}

#[test]
fn a_pyc_swapped_for_a_link_or_a_fifo_after_the_walk_is_refused_unread() {
    let dir = tempfile::tempdir().expect("tempdir");
    let outside = dir.path().join("outside.pyc");
    write_pyc(&outside, UNCHECKED_HASH, 100);
    for swap in ["link", "fifo"] {
        let root = dir.path().join(swap);
        layer(&root);
        let pyc = root.join(CACHE).join("a.cpython-310.pyc");
        write_pyc(&pyc, TIMESTAMP, 100);
        let result = zip_directory_between(&root, Vec::new(), u64::MAX, || {
            fs::remove_file(&pyc).expect("removes");
            if swap == "link" {
                symlink(&outside, &pyc).expect("links");
            } else {
                let made = std::process::Command::new("mkfifo").arg(&pyc).status();
                assert!(made.expect("mkfifo runs").success());
            }
        });
        let error = result.err().expect("refused").to_string();
        let wanted = if swap == "link" {
            "a symbolic link"
        } else {
            "a FIFO"
        };
        assert!(
            error.contains("a.cpython-310.pyc: changed while the layer was packaged")
                && error.contains(wanted),
            "{swap}: {error}"
        );
    }
}

/// Zips `root` under `bytecode` on a thread of its own, so that a read that blocks on a FIFO
/// fails the test instead of hanging it.
fn zip_within_seconds(root: &Path, bytecode: Bytecode) -> Result<Zipped<Vec<u8>>, PackageError> {
    let options = Options {
        selection: Selection {
            bytecode,
            ..Selection::default()
        },
        check: CheckLevel::Off,
        target: Target::default(),
    };
    let root = root.to_owned();
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = send.send(zip_directory_with(&root, Vec::new(), u64::MAX, &options));
    });
    receive
        .recv_timeout(Duration::from_secs(30))
        .expect("the packager does not block")
}

#[test]
fn a_pyc_that_is_a_link_is_not_read_through_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let portable = dir.path().join("portable.pyc");
    write_pyc(&portable, UNCHECKED_HASH, 100);
    let fifo = dir.path().join("fifo");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.expect("mkfifo runs").success());
    let root = dir.path().join("layer");
    layer(&root);
    symlink(&portable, root.join(CACHE).join("a.cpython-310.pyc")).expect("links");
    symlink(&fifo, root.join(CACHE).join("b.cpython-310.pyc")).expect("links");

    // Its kind could only be told through the link: not known to be portable.
    let zipped = zip_within_seconds(&root, Bytecode::Portable).expect("zips");
    let names: Vec<String> = files(&zipped).into_iter().map(|(name, _)| name).collect();
    assert_eq!(names, ["python/pkg/__init__.py"]);
    assert_eq!(zipped.contents.left_out[&LeftOut::Bytecode].0, 2);

    // When all bytecode is kept, they are links as any other: these lead out of the layer,
    // so the tree is refused, as a zip holding them is.
    let error = zip_within_seconds(&root, Bytecode::All)
        .err()
        .expect("refused")
        .to_string();
    assert!(
        error.contains("symlink entry \"python/pkg/__pycache__/a.cpython-310.pyc\" points to")
            && error.contains("outside the layer"),
        "{error}"
    );
}
