//! The publish pipeline: the step from the environment's text to the outputs, as a sequence
//! of steps over collaborators handed in (a [`Transport`] for the network, a [`Reporter`] for
//! what GitHub sees), so that tests run it whole in-process.
//!
//! ```text
//! run_step
//!   read_settings                read inputs
//!   assume::assume_role          assume a role (STS), when one is given
//!   publish
//!     source::source             package (or look up the OSS object)
//!     source::choose_route       inline, or through OSS when large
//!     listing::versions_before   list versions
//!     lifecycle::decide          skip if unchanged; a dry run ends here (dry_run::finish)
//!     stage::stage               upload to OSS
//!     versions::create_version   create (never twice)
//!     versions::set_acl          ACL
//!     versions::delete           delete old versions (lifecycle::doomed)
//!     outputs::write             outputs
//!   summary                      job summary
//! ```
//! A new feature is a new step here and a module of its own; the steps share nothing but
//! the values passed from one to the next.
//!
//! - [`assume`]: the role's credentials from STS, before any FC request.
//! - [`calls`]: FC calls with retries, and the paged listing.
//! - [`source`]: the `code` input packaged on disk, or an OSS object looked up; the route.
//! - [`listing`]: the layer's versions before anything is written, shown in the log.
//! - [`dry_run`]: the end of a dry run: what a real run would do, said.
//! - [`stage`]: the zip put where the create takes it: inline, an own bucket, FC's bucket.
//! - [`versions`]: the steps that change the layer: create, ACL, delete.
//! - [`outputs`]: the step's outputs, from the [`Outcome`].

pub mod assume;
pub mod calls;
pub mod dry_run;
pub mod listing;
pub mod outputs;
pub mod source;
pub mod stage;
pub mod versions;

use std::path::{Path, PathBuf};

use self::calls::Calls;
use self::stage::Staged;
use crate::client::FcClient;
use crate::clock::Signing;
use crate::error_chain::with_causes;
use crate::http::Transport;
use crate::inputs::{InputError, RawInputs, Settings};
use crate::interface::Input;
use crate::lifecycle::{Decision, Wanted, decide, doomed, highest};
use crate::outcome::{Failure, Outcome};
use crate::report::Reporter;
use crate::summary;

/// What the step reads from its process: the variables and the working directory.
#[derive(Clone, Debug, Default)]
pub struct Environment {
    pub vars: Vec<(String, String)>,
    pub working_dir: PathBuf,
}

impl Environment {
    fn var(&self, name: &str) -> Option<String> {
        self.vars
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
            .filter(|value| !value.is_empty())
    }

    /// Where the zip is written: the runner's own temporary folder, which it cleans, when
    /// it is there; a container action may be handed a path that is not mounted.
    pub fn temp_dir(&self) -> PathBuf {
        [self.var("RUNNER_TEMP"), self.var("TMPDIR")]
            .into_iter()
            .flatten()
            .map(PathBuf::from)
            .find(|dir| dir.is_dir())
            .unwrap_or_else(|| PathBuf::from("/tmp"))
    }
}

/// The whole step: reads the inputs from `env`, then [`publish`]es through `transport`.
/// A failure has been reported when this returns; the caller only sets the exit code.
pub async fn run_step<T: Transport>(
    env: &Environment,
    transport: T,
    signing: &Signing,
    reporter: &mut impl Reporter,
) -> Result<Outcome, Failure> {
    let (layer_name, result) = match read_settings(env, reporter) {
        Ok(mut settings) => {
            let result = match assume::assume_role(&mut settings, &transport, signing, reporter)
                .await
            {
                Ok(()) => publish(&settings, &transport, signing, &env.temp_dir(), reporter).await,
                Err(failure) => Err(failure),
            };
            (Some(settings.layer_name), result)
        }
        Err(failure) => (None, Err(failure)),
    };
    match &result {
        Ok(outcome) => reporter.summary(&summary::success(outcome, &reporter.redactor())),
        Err(failure) => {
            reporter.error(&with_causes(failure));
            let markdown = summary::failure(layer_name.as_ref(), failure, &reporter.redactor());
            reporter.summary(&markdown);
        }
    }
    result
}

/// Step 1: the `INPUT_*` variables as [`Settings`]; each invalid input reported on its own.
pub fn read_settings(env: &Environment, reporter: &mut impl Reporter) -> Result<Settings, Failure> {
    let invalid = |errors: Vec<InputError>, reporter: &mut dyn Reporter| {
        for error in &errors {
            reporter.error(&error.to_string());
        }
        Failure::Inputs(errors)
    };
    let raw = RawInputs::from_vars(env.vars.iter().cloned())
        .map_err(|error| invalid(vec![error], reporter))?;
    Settings::parse(raw, |name| env.var(name), &env.working_dir, reporter)
        .map_err(|errors| invalid(errors, reporter))
}

/// The steps after the inputs, through `transport`, every request signed with `signing`.
pub async fn publish<T: Transport>(
    settings: &Settings,
    transport: &T,
    signing: &Signing,
    temp_dir: &Path,
    reporter: &mut impl Reporter,
) -> Result<Outcome, Failure> {
    warn_unknown_runtimes(settings, reporter);
    let source = source::source(settings, transport, signing, temp_dir, reporter).await?;
    let route = source::choose_route(settings.upload, &source, reporter);
    let lifecycle = settings.lifecycle;
    let mut outcome = Outcome {
        layer_name: settings.layer_name.clone(),
        checksum: source.checksum().map(str::to_owned),
        zip_bytes: source.size(),
        runtimes: settings.compatible_runtimes.clone(),
        dry_run: lifecycle.dry_run,
        decision: None,
        layer: None,
        deleted: Vec::new(),
        acl: lifecycle.acl,
        staged: None,
    };
    let Some(api) = &settings.api else {
        reporter.info("Dry run without credentials: the package is valid; whether it would be published was not checked");
        outputs::write(&outcome, reporter)?;
        return Ok(outcome);
    };
    let client = FcClient::new(
        transport,
        api.endpoint.clone(),
        api.credentials.clone(),
        signing.clone(),
    );
    let calls = Calls {
        client: &client,
        retries: lifecycle.retries,
    };

    let before = listing::versions_before(settings, &calls, reporter).await?;
    let wanted = source.checksum().map(|checksum| Wanted {
        checksum,
        runtimes: &settings.compatible_runtimes,
        description: settings.description.as_deref(),
        license: settings.license.as_deref(),
    });
    let decision = decide(wanted.as_ref(), before.as_deref(), lifecycle.skip_unchanged);
    outcome.decision = Some(decision.clone());
    if lifecycle.dry_run {
        return dry_run::finish(
            outcome,
            &decision,
            before.as_deref(),
            lifecycle.keep_versions,
            reporter,
        );
    }

    let layer = match decision {
        Decision::Reuse(layer) => {
            reporter.info(&format!(
                "Unchanged since version {}: reusing {}",
                layer.version, layer.layer_version_arn
            ));
            layer
        }
        Decision::Publish { reason } => {
            reporter.info(&format!("Publishing: {reason}"));
            let staged =
                stage::stage(settings, api, transport, signing, &source, route, reporter).await?;
            if let Staged::Oss { bucket, key, .. } = &staged {
                outcome.staged = Some(format!("oss://{bucket}/{key}"));
            }
            let highest_before = highest(before.as_deref());
            versions::create_version(settings, &calls, &staged, highest_before, reporter).await?
        }
    };
    drop(source);
    outcome.layer = Some(layer.clone());

    if let Some(acl) = lifecycle.acl {
        versions::set_acl(&calls, &settings.layer_name, acl, reporter)
            .await
            .map_err(|error| Failure::Acl {
                version: layer.version,
                error,
            })?;
    }
    let doomed = doomed(before.as_deref(), layer.version, lifecycle.keep_versions);
    outcome.deleted = versions::delete(&calls, &settings.layer_name, &doomed, reporter).await;
    outputs::write(&outcome, reporter)?;
    Ok(outcome)
}

fn warn_unknown_runtimes(settings: &Settings, reporter: &mut impl Reporter) {
    for runtime in settings.unknown_runtimes() {
        reporter.warning(&format!(
            "input `{}`: {runtime:?} is not a runtime FC is known to have; sending it anyway",
            Input::CompatibleRuntimes
        ));
    }
}
