//! What goes into a layer and what is checked in it: `.fcignore` files and `exclude`,
//! `python-bytecode`, and `check` with native code made by the `object` crate. Zips are read
//! back by Python's `zipfile`; publishes go to the local service in-process.

use crate::common;

use std::fs;
use std::path::Path;
use std::sync::Arc;

use common::in_process::*;
use common::inspect_zip_with_python;
use common::native::{elf_for, elf_needing, macho, pe};
use fc_layer_action::outcome::Failure;
use fc_layer_action::package::platform::Target;
use fc_layer_action::package::select::{Bytecode, Exclude, LeftOut, Selection};
use fc_layer_action::package::{self, CheckLevel, Options, Package};
use fc_local::in_process::InProcess;
use object::Architecture;

fn write(root: &Path, name: &str, content: &[u8]) {
    let path = root.join(name);
    fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
    fs::write(path, content).expect("write");
}

fn load(root: &Path, options: &Options) -> Package {
    package::load_with(root, u64::MAX, root.parent().expect("a parent"), options).expect("loads")
}

/// The entry names as Python's `zipfile` reads them.
fn names(package: &Package) -> Vec<String> {
    let seen = inspect_zip_with_python(package.path());
    assert_eq!(seen["bad_entry"], serde_json::Value::Null);
    seen["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|entry| entry["name"].as_str().expect("a name").to_owned())
        .collect()
}

fn files(names: &[String]) -> Vec<&str> {
    names
        .iter()
        .map(String::as_str)
        .filter(|name| !name.ends_with('/'))
        .collect()
}

#[test]
fn fcignore_files_at_two_levels_then_exclude_decide_what_goes_in() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("layer");
    write(
        &root,
        ".fcignore",
        b"# docs stay home\n*.md\n!KEEP.md\n/top-only.txt\ntests/\n",
    );
    write(&root, "README.md", b"readme");
    write(&root, "KEEP.md", b"kept by negation");
    write(&root, "top-only.txt", b"anchored to the top: out");
    write(&root, "python/top-only.txt", b"not at the top: in");
    write(&root, "python/tests/test_a.py", b"out with its directory");
    write(&root, "python/pkg/.fcignore", b"*.txt\n!/keep.txt\n");
    write(&root, "python/pkg/keep.txt", b"anchored negation: in");
    write(&root, "python/pkg/sub/keep.txt", b"not at pkg's top: out");
    write(
        &root,
        "python/pkg/a.txt",
        b"out by pkg's file, back by exclude",
    );
    write(&root, "python/pkg/notes.md", b"out by the top file");
    write(&root, "python/pkg/mod.py", b"out by exclude");
    write(&root, "python/pkg/__init__.py", b"X = 1\n");
    let options = Options {
        selection: Selection {
            exclude: Exclude::parse("python/pkg/mod.py\n!python/pkg/a.txt\n").expect("valid"),
            bytecode: Bytecode::Portable,
        },
        check: CheckLevel::Off,
        target: Target::default(),
    };
    let package = load(&root, &options);
    let names = names(&package);
    assert_eq!(
        files(&names),
        [
            "KEEP.md",
            "python/pkg/__init__.py",
            "python/pkg/a.txt",
            "python/pkg/keep.txt",
            "python/top-only.txt",
        ],
        "{names:?}"
    );
    assert!(
        !names.iter().any(|name| name.contains("tests")),
        "{names:?}"
    );
    let left_out = &package.contents.left_out;
    assert_eq!(left_out[&LeftOut::FcIgnore].0, 5, "{left_out:?}");
    assert_eq!(left_out[&LeftOut::Exclude], (1, 14));
    assert_eq!(package.contents.files, 5);

    // The same tree zips to the same bytes.
    assert_eq!(load(&root, &options).checksum, package.checksum);
}

/// A `.pyc` file: the header of `magic` and `flags` (PEP 552), then a body.
fn pyc(magic: u16, flags: u32, body: &[u8]) -> Vec<u8> {
    let mut bytes = magic.to_le_bytes().to_vec();
    bytes.extend_from_slice(b"\r\n");
    bytes.extend_from_slice(&flags.to_le_bytes());
    bytes.extend_from_slice(&[7; 8]);
    bytes.extend_from_slice(body);
    bytes
}

const PYTHON_310: u16 = 3439;
const PYTHON_36: u16 = 3379;

fn bytecode_tree(root: &Path) {
    write(root, "python/pkg/__init__.py", b"X = 1\n");
    let cache = "python/pkg/__pycache__";
    write(
        root,
        &format!("{cache}/stamp.cpython-310.pyc"),
        &pyc(PYTHON_310, 0, b"t"),
    );
    write(
        root,
        &format!("{cache}/checked.cpython-310.pyc"),
        &pyc(PYTHON_310, 0b11, b"c"),
    );
    write(
        root,
        &format!("{cache}/unchecked.cpython-310.pyc"),
        &pyc(PYTHON_310, 0b01, b"u"),
    );
    write(
        root,
        "python/old/__pycache__/m.cpython-36.pyc",
        &pyc(PYTHON_36, 0b01, b"o"),
    );
    write(root, "python/sourceless/mod.pyc", &pyc(PYTHON_310, 0, b"s"));
}

#[test]
fn python_bytecode_keeps_what_each_policy_says_and_drops_emptied_pycache() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("layer");
    bytecode_tree(&root);
    let with = |bytecode| Options {
        selection: Selection {
            bytecode,
            ..Selection::default()
        },
        check: CheckLevel::Off,
        target: Target::default(),
    };
    let portable = load(&root, &with(Bytecode::Portable));
    let names_portable = names(&portable);
    assert_eq!(
        files(&names_portable),
        [
            "python/pkg/__init__.py",
            "python/pkg/__pycache__/unchecked.cpython-310.pyc",
            "python/sourceless/mod.pyc",
        ]
    );
    assert!(
        !names_portable.contains(&"python/old/__pycache__/".to_owned()),
        "a __pycache__ left empty is not stored: {names_portable:?}"
    );
    assert!(names_portable.contains(&"python/old/".to_owned()));
    assert_eq!(portable.contents.left_out[&LeftOut::Bytecode].0, 3);

    let none = names(&load(&root, &with(Bytecode::None)));
    assert_eq!(
        files(&none),
        ["python/pkg/__init__.py", "python/sourceless/mod.pyc"]
    );
    assert!(
        !none.iter().any(|name| name.contains("__pycache__")),
        "{none:?}"
    );

    let all = names(&load(&root, &with(Bytecode::All)));
    assert_eq!(files(&all).len(), 6, "{all:?}");
}

/// What `pip install --target` leaves: the same sources, and timestamp-checked bytecode
/// that holds the install's time and pip's temporary folder.
fn install(root: &Path, install_time: u32, temp_folder: &str) {
    for module in ["api", "models", "utils"] {
        write(
            root,
            &format!("python/requests/{module}.py"),
            format!("# {module}\n").as_bytes(),
        );
        let mut body = format!("/tmp/{temp_folder}/requests/{module}.py").into_bytes();
        body.extend_from_slice(&install_time.to_le_bytes());
        let mut bytes = pyc(PYTHON_310, 0, &body);
        bytes[8..12].copy_from_slice(&install_time.to_le_bytes());
        write(
            root,
            &format!("python/requests/__pycache__/{module}.cpython-310.pyc"),
            &bytes,
        );
    }
    write(
        root,
        "python/requests-2.32.3.dist-info/RECORD",
        b"requests/api.py,,\n",
    );
}

#[test]
fn a_tree_installed_twice_publishes_once_and_then_reuses_its_version() {
    let dir = tempfile::tempdir().expect("tempdir");
    install(
        &dir.path().join("first"),
        1_764_000_000,
        "pip-target-a1b2c3",
    );
    install(
        &dir.path().join("second"),
        1_764_000_777,
        "pip-target-x9y8z7",
    );
    let service = service(|_| {});
    let publish = |tree: &str, bytecode: &str| {
        run_in(
            dir.path(),
            &[("INPUT_CODE", tree), ("INPUT_PYTHON-BYTECODE", bytecode)],
            InProcess(Arc::clone(&service)),
        )
    };

    let first = publish("first", "");
    assert!(first.result.is_ok(), "{}", first.log);
    assert_eq!(first.output("published"), "true");
    assert!(
        first.log.contains("left out by python-bytecode: 3 files"),
        "{}",
        first.log
    );
    let second = publish("second", "");
    assert!(second.result.is_ok(), "{}", second.log);
    assert_eq!(second.output("published"), "false", "{}", second.log);
    assert_eq!(second.output("version"), "1");
    assert_eq!(second.output("codeChecksum"), first.output("codeChecksum"));
    assert_eq!(second.count("CreateLayerVersion"), 0);

    // Kept, pip's bytecode makes every install a new version: what `portable` prevents.
    let kept = publish("second", "all");
    assert_eq!(kept.output("published"), "true", "{}", kept.log);
    assert_ne!(kept.output("codeChecksum"), first.output("codeChecksum"));
    assert_eq!(versions(&service, "my-layer").len(), 2);
}

/// A layer with one file of each kind the checks refuse, one they warn about, and files
/// that are fine, for `python3.10, python3.9` (glibc 2.24 on python3.9's Debian 9).
fn layer_with_problems(root: &Path) {
    write(root, "python/ok.py", b"X = 1\n");
    write(root, "python/fine.abi3.so", &elf_for(Architecture::X86_64));
    write(
        root,
        "python/np/_core.cpython-310-x86_64-linux-gnu.so",
        &elf_for(Architecture::X86_64),
    );
    write(
        root,
        "python/np/_core.cpython-39-x86_64-linux-gnu.so",
        &elf_for(Architecture::X86_64),
    );
    write(
        root,
        "python/np/_new.cpython-312-x86_64-linux-gnu.so",
        &elf_for(Architecture::X86_64),
    );
    write(
        root,
        "python/arm/_speedups.so",
        &elf_for(Architecture::Aarch64),
    );
    write(root, "python/mac/_speedups.so", &macho());
    write(root, "python/win/_speedups.pyd", &pe());
    write(
        root,
        "lib/libnew.so",
        &elf_needing(&["GLIBC_2.17", "GLIBC_2.34", "GLIBC_2.2.5"]),
    );
    write(
        root,
        "lib/libold.so",
        &elf_needing(&["GLIBC_2.17", "GLIBC_2.2.5"]),
    );
    write(root, "lib/not-elf.so", b"\x7fELF but truncated");
    write(root, "stray-1.0.dist-info/RECORD", b"stray/__init__.py,,\n");
}

const ERRORS: [&str; 5] = [
    "lib/libnew.so",
    "python/arm/_speedups.so",
    "python/mac/_speedups.so",
    "python/np/_new.cpython-312-x86_64-linux-gnu.so",
    "python/win/_speedups.pyd",
];

/// The findings annotated as `kind`: titled with their file, unlike the failure's own line.
fn annotated<'a>(log: &'a str, kind: &str) -> Vec<&'a str> {
    log.lines()
        .filter(|line| line.starts_with(&format!("::{kind} title=")))
        .collect()
}

#[test]
fn check_error_refuses_native_code_that_cannot_load_before_any_request() {
    let dir = tempfile::tempdir().expect("tempdir");
    layer_with_problems(&dir.path().join("layer"));
    let service = service(|_| {});
    let run = run_in(
        dir.path(),
        &[("INPUT_CODE", "layer")],
        InProcess(Arc::clone(&service)),
    );
    run.assert_failed_and_wrote_nothing();
    assert!(run.sent.is_empty(), "nothing sent: {:?}", run.sent);
    assert!(
        matches!(run.result, Err(Failure::Contents { errors: 5, .. })),
        "{}",
        run.log
    );

    let errors = annotated(&run.log, "error");
    for (line, path) in errors.iter().zip(ERRORS) {
        assert!(
            line.starts_with(&format!("::error title={path}::{path}: ")),
            "{line} should name {path} in its title and message"
        );
    }
    assert_eq!(errors.len(), 5, "{errors:#?}");
    let glibc = errors[0];
    for words in [
        "GLIBC_2.34",
        "runtime python3.9",
        "glibc 2.24",
        "Debian 9",
        ". Fix: build it on Debian 9 (glibc 2.24) or older, in the debian:stretch container image",
    ] {
        assert!(glibc.contains(words), "{glibc}");
    }
    // Native code in python/, a module for another Python: the packages installed again as
    // wheels, once per runtime, for python3.9's older glibc.
    let wheels = "pip install --only-binary=:all: --platform manylinux_2_24_x86_64 --platform manylinux2014_x86_64 --python-version 3.10 --implementation cp --target build/layer/python -r requirements.txt && pip install --only-binary=:all: --platform manylinux_2_24_x86_64 --platform manylinux2014_x86_64 --python-version 3.9 --implementation cp --target build/python3.9 -r requirements.txt && cp -r build/python3.9/. build/layer/python/";
    for (index, words) in [
        (1, "Aarch64"),
        (2, "macOS"),
        (3, "CPython 3.12"),
        (4, "Windows"),
    ] {
        let line = errors[index];
        assert!(line.contains(words), "{line}");
        assert!(
            line.ends_with(&format!(". Fix: install the packages as wheels once per runtime (python3.10, python3.9; Linux x86_64, glibc 2.24), with pinned versions that have wheels for each, into the one python/ folder: `{wheels}`")),
            "{line}"
        );
    }
    assert!(errors[1].contains("x86_64 only"), "{}", errors[1]);
    let module = errors[3];
    for words in [
        "module python/np/_new, which the layer has for CPython 3.12 only",
        "python3.10 (Python 3.10) and python3.9 (Python 3.9) find none",
    ] {
        assert!(module.contains(words), "{words}: {module}");
    }
    let warnings = annotated(&run.log, "warning");
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert!(
        warnings[0].contains("stray-1.0.dist-info: "),
        "{}",
        warnings[0]
    );
    assert!(
        run.summary.contains("#### What is inside"),
        "{}",
        run.summary
    );
    assert!(
        run.summary.contains("5 error(s), 1 warning(s)"),
        "{}",
        run.summary
    );
    assert!(run.summary.contains("` lib/libnew.so `"), "{}", run.summary);
    // Each fix once in the summary: the four errors in python/ and the stray metadata
    // share theirs.
    assert_eq!(run.summary.matches("To fix:").count(), 1, "{}", run.summary);
    assert!(
        run.summary.contains("glibc 2.24), with pinned versions that have wheels for each, into the one python/ folder (5 findings):"),
        "{}",
        run.summary
    );
    assert_eq!(run.summary.matches(wheels).count(), 1, "{}", run.summary);
    assert!(
        run.summary.contains("- build it on Debian 9 (glibc 2.24) or older, in the debian:stretch container image, or use a release of it built for an older glibc (1 finding)\n"),
        "{}",
        run.summary
    );
    assert!(versions(&service, "my-layer").is_empty());
}

#[test]
fn check_warn_publishes_with_every_finding_a_warning() {
    let dir = tempfile::tempdir().expect("tempdir");
    layer_with_problems(&dir.path().join("layer"));
    let service = service(|_| {});
    let run = run_in(
        dir.path(),
        &[("INPUT_CODE", "layer"), ("INPUT_CHECK", "warn")],
        InProcess(Arc::clone(&service)),
    );
    assert!(run.result.is_ok(), "{}", run.log);
    assert!(annotated(&run.log, "error").is_empty(), "{}", run.log);
    assert_eq!(annotated(&run.log, "warning").len(), 6, "{}", run.log);
    assert_eq!(run.output("published"), "true");
    assert!(
        run.summary.contains("0 error(s), 6 warning(s)"),
        "{}",
        run.summary
    );
}

#[test]
fn check_off_looks_at_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    layer_with_problems(&dir.path().join("layer"));
    let run = run_in(
        dir.path(),
        &[("INPUT_CODE", "layer"), ("INPUT_CHECK", "off")],
        InProcess(service(|_| {})),
    );
    assert!(run.result.is_ok(), "{}", run.log);
    assert!(!run.log.contains(" title="), "{}", run.log);
    assert!(
        run.summary.contains("| Checks | not run |"),
        "{}",
        run.summary
    );
}

#[test]
fn a_layer_that_fits_its_runtimes_passes_the_checks() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("layer");
    write(
        &root,
        "python/np/_core.cpython-39-x86_64-linux-gnu.so",
        &elf_needing(&["GLIBC_2.17"]),
    );
    // Only python3.10 (Debian 10) imports a module for CPython 3.10: glibc 2.28 is fine.
    write(
        &root,
        "python/np/_core.cpython-310-x86_64-linux-gnu.so",
        &elf_needing(&["GLIBC_2.28"]),
    );
    write(
        &root,
        "python/np/_any.abi3.so",
        &elf_for(Architecture::X86_64),
    );
    write(&root, "lib/libstatic.so", &elf_for(Architecture::X86_64));
    let run = run_in(
        dir.path(),
        &[("INPUT_CODE", "layer")],
        InProcess(service(|_| {})),
    );
    assert!(run.result.is_ok(), "{}", run.log);
    assert!(
        run.log.contains("Checked the files: native code"),
        "{}",
        run.log
    );
    assert!(
        run.summary
            .contains("| Checks | 0 error(s), 0 warning(s) |"),
        "{}",
        run.summary
    );
}

/// `python3.10, python3.9` with a module built for 3.10 alone: 3.9 cannot import it, and the
/// error says which module, which runtime and the install that adds its build; with the 3.9
/// build beside it, or one abi3 build, the layer passes.
#[test]
fn every_python_runtime_named_must_find_every_extension_module() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("layer");
    write(
        &root,
        "python/fast/__init__.py",
        b"from ._speedups import *\n",
    );
    let cp310 = "python/fast/_speedups.cpython-310-x86_64-linux-gnu.so";
    write(&root, cp310, &elf_needing(&["GLIBC_2.17"]));
    let run = || {
        run_in(
            dir.path(),
            &[("INPUT_CODE", "layer")],
            InProcess(service(|_| {})),
        )
    };

    let one_build = run();
    one_build.assert_failed_and_wrote_nothing();
    assert!(
        matches!(one_build.result, Err(Failure::Contents { errors: 1, .. })),
        "{}",
        one_build.log
    );
    let errors = annotated(&one_build.log, "error");
    assert_eq!(errors.len(), 1, "{}", one_build.log);
    for words in [
        &format!("::error title={cp310}::{cp310}: is a build of module python/fast/_speedups,"),
        "for CPython 3.10 only (no abi3 build): python3.9 (Python 3.9) finds none",
        ". Fix: install the packages as wheels once per runtime (python3.9; Linux x86_64, glibc 2.24)",
        ": `pip install --only-binary=:all: --platform manylinux_2_24_x86_64 --platform manylinux2014_x86_64 --python-version 3.9 --implementation cp --target build/python3.9 -r requirements.txt && cp -r build/python3.9/. build/layer/python/`",
    ] {
        assert!(errors[0].contains(words), "{words}: {}", errors[0]);
    }
    assert!(
        !one_build.log.contains("fit the runtimes"),
        "{}",
        one_build.log
    );
    assert!(
        one_build.summary.contains("--target build/python3.9"),
        "{}",
        one_build.summary
    );

    write(
        &root,
        "python/fast/_speedups.cpython-39-x86_64-linux-gnu.so",
        &elf_needing(&["GLIBC_2.17"]),
    );
    let side_by_side = run();
    assert!(side_by_side.result.is_ok(), "{}", side_by_side.log);
    assert!(
        side_by_side.log.contains("fit the runtimes"),
        "{}",
        side_by_side.log
    );

    fs::remove_dir_all(root.join("python/fast")).expect("removes");
    write(
        &root,
        "python/fast/__init__.py",
        b"from ._speedups import *\n",
    );
    write(
        &root,
        "python/fast/_speedups.abi3.so",
        &elf_needing(&["GLIBC_2.17"]),
    );
    let abi3 = run();
    assert!(abi3.result.is_ok(), "{}", abi3.log);
    assert!(annotated(&abi3.log, "error").is_empty(), "{}", abi3.log);
}

#[test]
fn a_prebuilt_zip_is_checked_from_its_entries() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    writer.start_file("python/arm.so", options).expect("starts");
    std::io::Write::write_all(&mut writer, &elf_for(Architecture::Aarch64)).expect("writes");
    writer.start_file("python/ok.py", options).expect("starts");
    std::io::Write::write_all(&mut writer, b"X = 1\n").expect("writes");
    let bytes = writer.finish().expect("finishes").into_inner();
    fs::write(dir.path().join("layer.zip"), bytes).expect("writes");

    let run = run_in(
        dir.path(),
        &[("INPUT_CODE", "layer.zip")],
        InProcess(service(|_| {})),
    );
    run.assert_failed_and_wrote_nothing();
    assert!(run.sent.is_empty(), "{:?}", run.sent);
    let errors = annotated(&run.log, "error");
    assert_eq!(errors.len(), 1, "{}", run.log);
    assert!(
        errors[0]
            .starts_with("::error title=python/arm.so::python/arm.so: is native code for Aarch64"),
        "{}",
        errors[0]
    );
}

/// Files over 4 MiB are zipped in chunks, and native code among them is read back through
/// its handle by range rather than held whole: the checks find the same faults in them.
#[test]
fn large_native_files_are_checked_as_small_ones_are() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("layer");
    let large = |mut elf: Vec<u8>| {
        elf.resize(5 << 20, 0x5a);
        elf
    };
    let needs_new = large(elf_needing(&["GLIBC_2.17", "GLIBC_2.34"]));
    write(&root, "lib/libnew.so", &needs_new);
    write(&root, "lib/libold.so", &large(elf_needing(&["GLIBC_2.17"])));
    write(
        &root,
        "python/arm/_speedups.so",
        &large(elf_for(Architecture::Aarch64)),
    );
    write(&root, "python/ok.py", b"X = 1\n");

    let run = run_in(
        dir.path(),
        &[("INPUT_CODE", "layer")],
        InProcess(service(|_| {})),
    );
    run.assert_failed_and_wrote_nothing();
    assert!(run.sent.is_empty(), "{:?}", run.sent);
    let errors = annotated(&run.log, "error");
    assert_eq!(errors.len(), 2, "{}", run.log);
    assert!(
        errors[0].starts_with("::error title=lib/libnew.so::lib/libnew.so: needs GLIBC_2.34"),
        "{}",
        errors[0]
    );
    assert!(
        errors[1].starts_with(
            "::error title=python/arm/_speedups.so::python/arm/_speedups.so: is native code for Aarch64"
        ),
        "{}",
        errors[1]
    );

    // With `check: warn` the same layer is zipped: the large files come back whole.
    let options = Options {
        check: CheckLevel::Warn,
        ..Options::default()
    };
    let package = load(&root, &options);
    let mut archive =
        zip::ZipArchive::new(fs::File::open(package.path()).expect("opens")).expect("a zip");
    let mut unzipped = Vec::new();
    std::io::Read::read_to_end(
        &mut archive.by_name("lib/libnew.so").expect("there"),
        &mut unzipped,
    )
    .expect("inflates");
    assert_eq!(unzipped, needs_new);
}

#[test]
fn exclude_that_cannot_apply_is_an_input_error_before_any_request() {
    let dir = tempfile::tempdir().expect("tempdir");
    for (changes, words) in [
        (
            vec![("INPUT_EXCLUDE", "python/{a,b")],
            "\"python/{a,b\" is not a valid pattern",
        ),
        (
            vec![("INPUT_EXCLUDE", "*.md"), ("INPUT_CODE", "layer.zip")],
            "is a zip already",
        ),
        (
            vec![
                ("INPUT_EXCLUDE", "*.md"),
                ("INPUT_CODE", "oss://bucket/layer.zip"),
                ("INPUT_REGION", "cn-hangzhou"),
            ],
            "is in OSS",
        ),
        (
            vec![("INPUT_PYTHON-BYTECODE", "some")],
            "\"some\" is not `portable`, `all` or `none`",
        ),
        (
            vec![("INPUT_CHECK", "strict")],
            "\"strict\" is not `error`, `warn` or `off`",
        ),
    ] {
        let run = run_in(dir.path(), &changes, InProcess(service(|_| {})));
        run.assert_failed_and_wrote_nothing();
        assert!(run.sent.is_empty(), "{:?}", run.sent);
        let errors = run.errors();
        assert!(
            errors
                .iter()
                .any(|line| line.contains(words) && line.contains("input `")),
            "{words}: {errors:?}"
        );
    }
}

#[test]
fn a_dry_run_shows_what_is_inside() {
    let dir = tempfile::tempdir().expect("tempdir");
    bytecode_tree(&dir.path().join("layer"));
    let run = run_in(
        dir.path(),
        &[("INPUT_CODE", "layer"), ("INPUT_DRY-RUN", "true")],
        InProcess(service(|_| {})),
    );
    assert!(run.result.is_ok(), "{}", run.log);
    for words in [
        "#### What is inside",
        "| Files | 3, ",
        "` python-bytecode ` 3 files",
        "| ` python/pkg ` |",
    ] {
        assert!(run.summary.contains(words), "{words}: {}", run.summary);
    }
}

#[test]
fn an_oss_object_is_not_downloaded_and_the_log_says_it_was_not_checked() {
    let dir = tempfile::tempdir().expect("tempdir");
    let run = run_in(
        dir.path(),
        &[
            ("INPUT_CODE", "oss://bucket/layer.zip"),
            ("INPUT_DRY-RUN", "true"),
            ("INPUT_ACCESS-KEY-ID", ""),
            ("INPUT_ACCESS-KEY-SECRET", ""),
        ],
        InProcess(service(|_| {})),
    );
    assert!(run.result.is_ok(), "{}", run.log);
    assert!(run.sent.is_empty(), "{:?}", run.sent);
    assert!(
        run.log.contains(
            "oss://bucket/layer.zip is not downloaded, so what is inside was not checked"
        ),
        "{}",
        run.log
    );
    assert!(!run.summary.contains("What is inside"), "{}", run.summary);
}
