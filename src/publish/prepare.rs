//! What every region publishes, made once before the first region starts: the code
//! packaged (or the OSS object looked up), the route it takes, and what is inside it,
//! reviewed; and the end of a dry run given no credentials, which goes no further.

use std::path::Path;

use super::contents;
use super::lend::Lender;
use super::overlap::{self, Uploaded};
use super::source::{self, Route, Source};
use crate::clock::Signing;
use crate::credentials::Credentials;
use crate::fc::regions;
use crate::http::Transport;
use crate::inputs::Settings;
use crate::interface::Input;
use crate::outcome::{Failure, Outcome};
use crate::package::Contents;
use crate::report::Reporter;

/// The zip every region publishes, how it goes, and what is inside it.
pub(crate) struct Prepared {
    pub(crate) source: Source,
    pub(crate) route: Route,
    pub(crate) contents: Option<Contents>,
    /// The object the zip went up to as it was packaged, if it did.
    pub(crate) uploaded: Option<Uploaded>,
}

/// Packages the code (or looks the object up) and reviews it, as `credentials` (`None`
/// only offline); the runtimes FC does not know are warned of first.
pub(crate) async fn prepare<T: Transport>(
    settings: &Settings,
    credentials: Option<&Credentials>,
    transport: &T,
    signing: &Signing,
    temp_dir: &Path,
    reporter: &mut impl Reporter,
) -> Result<Prepared, Failure> {
    warn_unknown_runtimes(settings, reporter);
    warn_unknown_regions(settings, reporter);
    let overlapped = match credentials {
        Some(credentials) => {
            let lender = Lender {
                transport,
                signing,
                credentials,
                settings,
            };
            overlap::package_and_upload(settings, &lender, temp_dir, reporter).await
        }
        None => None,
    };
    let (source, uploaded) = match overlapped {
        Some(result) => {
            let (package, uploaded) = result?;
            (Source::Package(package), uploaded)
        }
        None => {
            let source = source::source(
                settings,
                credentials,
                transport,
                signing,
                temp_dir,
                reporter,
            );
            (source.await?, None)
        }
    };
    // Uploaded already (`upload: auto` said why): through OSS, whatever the size.
    let route = match uploaded {
        Some(_) => Route::Oss,
        None => source::choose_route(settings.upload, &source, reporter),
    };
    let contents = contents::review(settings, &source, reporter)?;
    Ok(Prepared {
        source,
        route,
        contents,
        uploaded,
    })
}

/// What is known of a run with nothing to call: a dry run given no credentials.
pub(crate) fn offline(
    settings: &Settings,
    source: &Source,
    contents: Option<Contents>,
    reporter: &mut impl Reporter,
) -> Outcome {
    reporter.info("Dry run without credentials: the package is valid; whether it would be published was not checked");
    if !settings.rollout.functions.is_empty() {
        reporter.info("Dry run without credentials: the functions were not read");
    }
    let region = settings.access.first_region().cloned();
    Outcome {
        contents,
        ..Outcome::of(settings, source.checksum(), source.size(), region)
    }
}

fn warn_unknown_regions(settings: &Settings, reporter: &mut impl Reporter) {
    let (from, unknown) = settings.unknown_regions();
    for region in unknown {
        let meant = regions::likely_meant(region)
            .map(|known| format!(" (did you mean {known}?)"))
            .unwrap_or_default();
        reporter.warning(&format!(
            "{from}: {:?} is not a region FC 3.0 is known to have{meant}; trying it anyway",
            region.as_str()
        ));
    }
}

fn warn_unknown_runtimes(settings: &Settings, reporter: &mut impl Reporter) {
    for runtime in settings.unknown_runtimes() {
        reporter.warning(&format!(
            "input `{}`: {runtime:?} is not a runtime FC is known to have; sending it anyway",
            Input::CompatibleRuntimes
        ));
    }
}
