//! The action's process: wires the environment, stdout, `GITHUB_OUTPUT` and the network to
//! [`crate::publish::run_step`] and turns its result into an exit code. It is here, not in
//! `src/main.rs`, so that the suite's copy of the binary (`tests/suite/bin`) runs this very
//! function: cargo builds a package's own binaries for its tests, never another package's.

use std::env;
use std::fs::File;
use std::io;
use std::path::Path;
use std::process::ExitCode;

use crate::clock::Signing;
use crate::http::{ReqwestTransport, Timeouts};
use crate::panic_report;
use crate::proxy::ProxySettings;
use crate::publish::{self, Environment};
use crate::report::{Reporter, Workflow, open_outputs_file};
use anyhow::Context;

/// Runs the step as this process and says how it ended. Installs the process-wide panic
/// hook, so it is for a binary's `main` only.
pub fn main() -> ExitCode {
    panic_report::install();
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        // The pipeline has reported why.
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            Workflow::<_, File>::new(io::stdout(), None).error(&format!("{error:#}"));
            ExitCode::FAILURE
        }
    }
}

/// Sets up the edges, then runs the step; `Ok(false)` when the step failed.
fn run() -> anyhow::Result<bool> {
    // Opened before anything is sent: a step that cannot write its outputs must fail before
    // it creates a version, or a rerun would create a second one.
    let outputs = match env::var_os("GITHUB_OUTPUT").filter(|path| !path.is_empty()) {
        Some(path) => Some(open_outputs_file(Path::new(&path)).with_context(|| {
            format!("cannot open GITHUB_OUTPUT ({})", Path::new(&path).display())
        })?),
        None => None,
    };
    let working_dir = env::current_dir().context("cannot read the working directory")?;
    // `vars_os`: a stray non-UTF-8 variable elsewhere in the environment must not abort us.
    let vars = env::vars_os()
        .filter_map(|(name, value)| Some((name.into_string().ok()?, value.into_string().ok()?)))
        .collect();
    let variable = |name: &str| env::var(name).ok();
    let transport = ReqwestTransport::new(
        ProxySettings::from_env(variable)?,
        Timeouts::from_env(variable),
    )?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let mut reporter = Workflow::new(io::stdout(), outputs);
    // A summary is a courtesy: one that cannot be opened is worth a warning, not a failure.
    if let Some(path) = env::var_os("GITHUB_STEP_SUMMARY").filter(|path| !path.is_empty()) {
        match open_outputs_file(Path::new(&path)) {
            Ok(file) => reporter = reporter.with_summary(Some(file)),
            Err(error) => reporter.warning(&format!("cannot open GITHUB_STEP_SUMMARY: {error}")),
        }
    }
    let environment = Environment { vars, working_dir };
    let result = runtime.block_on(publish::run_step(
        &environment,
        transport,
        &Signing::system(),
        &mut reporter,
    ));
    Ok(result.is_ok())
}
