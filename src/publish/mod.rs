//! The publish pipeline: the step from the environment's text to the outputs, as a sequence
//! of steps over collaborators handed in (a [`Transport`] for the network, a [`Reporter`] for
//! what GitHub sees), so that tests run it whole in-process. This file is the plan and
//! nothing else: each step is a module of its own, and the steps share nothing but the
//! values passed from one to the next.
//!
//! ```text
//! run_step
//!   read_settings                  inputs: what regions share, each region overlaid
//!   publish
//!     assume::ready_credentials    the keys, or the role assumed (STS) once for all regions
//!     prepare                      once for every region:
//!       overlap::package_and_upload  upload: oss, one region, FC's bucket: both at once
//!       source::source               package (or look up the OSS object)
//!       source::choose_route         inline, through OSS when large, or by the link (auto)
//!       contents::review             what is inside (check: error stops here)
//!     fan_out::run_each            each region side by side, one region a list of one:
//!       publish_region
//!         listing::versions_before   list versions (its round trip, and OSS's beside it, timed)
//!         lifecycle::decide          skip if unchanged; a dry run ends here (dry_run::finish)
//!         publish_version            stage::settle (auto: the link model), stage::stage (upload
//!                                    to OSS; inline if FC refuses its bucket), versions::create_version
//!         after_version              versions::set_acl, rollout::roll_out (`functions`),
//!                                    versions::delete (not after a failed rollout)
//!   verdict::conclude              failures reported, outputs written, summary written
//! ```
//!
//! A new per-region step is a module here and a line in `publish_region` or
//! `after_version`; a call that is not idempotent goes through
//! [`crate::retry::Retries::create_once`].
//!
//! What each module is for is in the crate's `# Layout` (`src/lib.rs`), the one map.

mod assume;
mod calls;
mod contents;
mod dry_run;
mod environment;
mod fan_out;
mod function_scan;
mod function_versions;
mod in_use;
mod inline_body;
mod lend;
mod link;
mod listing;
mod measure;
mod outputs;
mod overlap;
mod prepare;
mod region;
mod region_log;
mod release;
mod rollout;
mod shared;
mod source;
mod stage;
mod verdict;
mod versions;

use std::cell::RefCell;
use std::path::Path;

use tokio::sync::Semaphore;

pub use self::environment::Environment;
use self::fan_out::Gated;
use self::inline_body::{InlineBody, UploadSlot};
use self::prepare::Prepared;
use self::shared::Shared;
use self::verdict::Ended;
use crate::clock::Signing;
use crate::http::Transport;
use crate::inputs::{Access, InputError, RawInputs, Settings};
use crate::outcome::{Failure, Outcome};
use crate::report::Reporter;

/// The whole step: reads the inputs from `env`, [`publish`]es through `transport`, and
/// concludes ([`verdict::conclude`]). A failure has been reported when this returns; the
/// caller only sets the exit code.
pub async fn run_step<T: Transport>(
    env: &Environment,
    transport: T,
    signing: &Signing,
    reporter: &mut impl Reporter,
) -> Result<Outcome, Failure> {
    let settings = match read_settings(env, reporter) {
        Ok(settings) => settings,
        Err(failure) => {
            let dry_run = dry_run_asked(env);
            return verdict::conclude(None, Ended::Early(failure), dry_run, reporter);
        }
    };
    let ended = publish(&settings, &transport, signing, &env.temp_dir(), reporter).await;
    let dry_run = settings.lifecycle.dry_run;
    verdict::conclude(Some(&settings.layer_name), ended, dry_run, reporter)
}

/// The `INPUT_*` variables as [`Settings`]; each invalid input reported on its own.
fn read_settings(env: &Environment, reporter: &mut impl Reporter) -> Result<Settings, Failure> {
    let invalid = |errors: Vec<InputError>, reporter: &mut dyn Reporter| {
        for error in &errors {
            reporter.error(&error.to_string());
        }
        Failure::Inputs(errors)
    };
    let raw = RawInputs::from_vars(env.vars.iter().cloned())
        .map_err(|error| invalid(vec![error], reporter))?;
    Settings::parse(raw, |name| env.var(name), &env.workspace(), reporter)
        .map_err(|errors| invalid(errors, reporter))
}

/// Whether `dry-run: true` was asked for, read from the text alone: for the verdict of a
/// run whose inputs did not all parse.
fn dry_run_asked(env: &Environment) -> bool {
    RawInputs::from_vars(env.vars.iter().cloned()).is_ok_and(|raw| raw.dry_run_asked())
}

/// The steps after the inputs: the credentials made ready, the zip prepared once, then
/// [`region::run`] in each region. What it came to, for the verdict.
async fn publish<T: Transport>(
    settings: &Settings,
    transport: &T,
    signing: &Signing,
    temp_dir: &Path,
    reporter: &mut impl Reporter,
) -> Ended {
    let online = match &settings.access {
        Access::Offline { .. } => None,
        Access::Online { identity, regions } => {
            let retries = settings.lifecycle.retries;
            match assume::ready_credentials(identity, retries, transport, signing, reporter).await {
                Ok(credentials) => Some((credentials, regions)),
                Err(failure) => return Ended::Early(failure),
            }
        }
    };
    let credentials = online.as_ref().map(|(credentials, _)| credentials);
    let prepared = prepare::prepare(
        settings,
        credentials,
        transport,
        signing,
        temp_dir,
        reporter,
    )
    .await;
    let Prepared {
        source,
        route,
        contents,
        uploaded,
    } = match prepared {
        Ok(prepared) => prepared,
        Err(failure) => return Ended::Early(failure),
    };
    let Some((credentials, regions)) = &online else {
        return Ended::Offline(Box::new(prepare::offline(
            settings, &source, contents, reporter,
        )));
    };
    let gate = Semaphore::new(fan_out::MAX_IN_FLIGHT);
    let shared = Shared {
        settings,
        credentials,
        route,
        source: &source,
        uploaded: uploaded.as_ref(),
        inline: &InlineBody::default(),
        slot: &UploadSlot::default(),
        transport: &Gated {
            inner: transport,
            gate: &gate,
        },
        signing,
    };
    let log = RefCell::new(reporter);
    let runs = fan_out::run_each(regions, &log, |target, mut log| {
        let shared = &shared;
        async move { region::run(shared, target, &mut log).await }
    })
    .await;
    Ended::Regions {
        listed: regions.listed(),
        runs,
        contents,
        zip_bytes: source.size(),
    }
}
