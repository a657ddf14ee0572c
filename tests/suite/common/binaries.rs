//! Where the binaries under test are: this package's copies of the action and the local
//! service (`tests/suite/bin`, each the same entry point as its package's binary), which
//! cargo builds before it runs the suite, so a fresh `cargo test` needs no `cargo build`.

use std::path::PathBuf;

/// The action; `FC_ACTION_BIN` names another build, e.g. an older release to show that a
/// test fails on it.
pub fn action() -> PathBuf {
    chosen("FC_ACTION_BIN", env!("CARGO_BIN_EXE_suite-fc-layer-action"))
}

/// The local service; `FC_LOCAL_BIN` names another build.
pub fn fc_local() -> PathBuf {
    chosen("FC_LOCAL_BIN", env!("CARGO_BIN_EXE_suite-fc-local"))
}

fn chosen(variable: &str, built: &str) -> PathBuf {
    std::env::var_os(variable)
        .filter(|path| !path.is_empty())
        .map_or_else(|| built.into(), PathBuf::from)
}
