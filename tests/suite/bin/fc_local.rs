//! `fc-local`, built in this package so that cargo builds it for the suite and names it in
//! `CARGO_BIN_EXE_*` (it does so only for a package's own binaries). The same entry point as
//! `fc-local/src/main.rs`, so it is that binary under another name.

use std::process::ExitCode;

fn main() -> ExitCode {
    fc_local::cli::main()
}
