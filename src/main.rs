//! The action's binary: the process's entry point, [`fc_layer_action::entry::main`].

use std::process::ExitCode;

fn main() -> ExitCode {
    fc_layer_action::entry::main()
}
