//! `fc-local`: the APIs the action calls, in memory, on loopback (see the crate docs); its
//! command line and process are [`fc_local::cli`].

use std::process::ExitCode;

fn main() -> ExitCode {
    fc_local::cli::main()
}
