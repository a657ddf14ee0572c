//! Where the binaries under test are. They belong to other packages of the workspace, so
//! cargo does not hand their paths to this crate (`CARGO_BIN_EXE_*` is per package): they
//! are found beside this test binary in the target directory, built by `cargo build`
//! (`tests/run` builds before it tests). A binary older than a source file it is built from
//! is refused, so a forgotten build cannot test yesterday's code.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::SystemTime;

/// The action; `FC_ACTION_BIN` names another build, e.g. an older release to show that a
/// test fails on it (then no freshness check).
pub fn action() -> PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| locate("FC_ACTION_BIN", "fc-layer-action", &["src"]))
        .clone()
}

/// The local service; `FC_LOCAL_BIN` names another build.
pub fn fc_local() -> PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| locate("FC_LOCAL_BIN", "fc-local", &["src", "fc-local/src"]))
        .clone()
}

fn locate(variable: &str, name: &str, sources: &[&str]) -> PathBuf {
    if let Some(path) = std::env::var_os(variable) {
        return path.into();
    }
    // target/debug/deps/suite-HASH → target/debug
    let exe = std::env::current_exe().expect("the test binary's path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("the test binary is in target/PROFILE/deps");
    let binary = profile_dir.join(name);
    let built = fs::metadata(&binary)
        .and_then(|meta| meta.modified())
        .unwrap_or_else(|_| {
            panic!(
                "{} is missing: run `cargo build` first (tests/run does)",
                binary.display()
            )
        });
    let workspace = super::workspace();
    for source in sources {
        if let Some((newer, _)) = newest(&workspace.join(source)).filter(|(_, time)| *time > built)
        {
            panic!(
                "{} is older than {}: run `cargo build` first (tests/run does)",
                binary.display(),
                newer.display()
            );
        }
    }
    binary
}

/// The most recently modified file below `dir`.
fn newest(dir: &Path) -> Option<(PathBuf, SystemTime)> {
    let mut found: Option<(PathBuf, SystemTime)> = None;
    for entry in fs::read_dir(dir).ok()?.flatten() {
        let path = entry.path();
        let candidate = if path.is_dir() {
            newest(&path)
        } else {
            let modified = entry.metadata().and_then(|meta| meta.modified());
            modified.ok().map(|time| (path, time))
        };
        if let Some(candidate) = candidate
            && found.as_ref().is_none_or(|(_, time)| candidate.1 > *time)
        {
            found = Some(candidate);
        }
    }
    found
}
