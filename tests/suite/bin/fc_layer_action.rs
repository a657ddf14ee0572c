//! The action's binary, built in this package so that cargo builds it for the suite and
//! names it in `CARGO_BIN_EXE_*` (it does so only for a package's own binaries). The same
//! entry point as `src/main.rs`, so it is the shipped binary under another name.

use std::process::ExitCode;

fn main() -> ExitCode {
    fc_layer_action::entry::main()
}
