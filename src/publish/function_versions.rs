//! PublishFunctionVersion, which is not idempotent, published once: the newest version is
//! read first, and a publish whose outcome is unknown is followed by a look at the versions
//! newer than it before anything is sent again ([`Retries::create_once`]); a version there
//! with the new layers is this run's. When FC answers that nothing changed since the last
//! version, the newest version with the new layers is the one.
//!
//! [`Retries::create_once`]: crate::retry::Retries::create_once

use super::calls::Calls;
use super::function_scan::layers_of;
use crate::client::{self, ClientError};
use crate::fc::versions::{MAX_VERSIONS_PER_PAGE, Version, VersionsPage};
use crate::fc::{ApiRequest, FunctionName, FunctionVersion};
use crate::http::Transport;
use crate::release::adoptable;
use crate::report::Reporter;
use crate::retry::Settled;

/// A function has at most a few thousand versions; past this many pages FC is looping.
const MAX_PAGES: usize = 100;

/// Publishes a version of `name` holding `wanted` (its LATEST's layers, just set), never
/// two from one run.
pub(crate) async fn publish_once<T: Transport, R: Reporter>(
    calls: &Calls<'_, T>,
    name: &FunctionName,
    wanted: &[String],
    description: &str,
    log: &mut R,
) -> Result<FunctionVersion, String> {
    let highest_before = newest(calls, name, log).await.map_err(|error| {
        format!("cannot list the function's versions before publishing: {error}")
    })?;
    let request = ApiRequest::publish_function_version(name, description)
        .map_err(|error| format!("cannot encode PublishFunctionVersion: {error}"))?;
    let attempt = async |_: &mut R| {
        let body = calls.client.send(request.clone()).await?;
        client::parse::<Version>(request.action, &body).map(|version| version.version_id)
    };
    let settle = async |error: &ClientError, log: &mut R| {
        log.info(&format!(
            "function {name}: {error}; the version may have been published all the same, so the function's versions are listed before anything else"
        ));
        match newer_than(calls, name, highest_before, log).await {
            Ok(after) => match adoptable(&after, highest_before, wanted) {
                Some(version) => {
                    log.info(&format!(
                        "function {name}: version {version} is new since the listing and holds the new layers: this run published it, so it is taken instead of publishing another"
                    ));
                    Settled::Done(version)
                }
                None => Settled::NotDone,
            },
            Err(list_error) => {
                log.warning(&format!(
                    "function {name}: cannot tell whether the version was published ({list_error}), so it is not published again"
                ));
                Settled::Unknowable
            }
        }
    };
    match calls.retries.create_once(log, attempt, settle).await {
        Ok(version) => {
            log.info(&format!("function {name}: published version {version}"));
            Ok(version)
        }
        Err(ClientError::Service { error, .. }) if nothing_changed(&error.code, &error.message) => {
            log.info(&format!(
                "function {name}: FC says nothing changed since its last version; taking the newest version that holds the new layers"
            ));
            newest_with(calls, name, wanted, log).await
        }
        Err(error) => Err(error.to_string()),
    }
}

/// FC's answer to a publish with nothing changed since the last version.
fn nothing_changed(code: &str, message: &str) -> bool {
    code == "VersionPublishError" && message.contains("No changes")
}

/// The newest version of `name`, `None` when it has none.
async fn newest<T: Transport, R: Reporter + ?Sized>(
    calls: &Calls<'_, T>,
    name: &FunctionName,
    log: &mut R,
) -> Result<Option<FunctionVersion>, ClientError> {
    let page = page(calls, name, None, log).await?;
    Ok(page.versions.iter().map(|version| version.version_id).max())
}

/// The versions newer than `highest_before`, each with its layers.
async fn newer_than<T: Transport, R: Reporter + ?Sized>(
    calls: &Calls<'_, T>,
    name: &FunctionName,
    highest_before: Option<FunctionVersion>,
    log: &mut R,
) -> Result<Vec<(FunctionVersion, Vec<String>)>, String> {
    let mut found = Vec::new();
    let mut token = None;
    for _ in 0..MAX_PAGES {
        let page = page(calls, name, token.as_deref(), log)
            .await
            .map_err(|error| error.to_string())?;
        let mut reached_old = page.versions.is_empty();
        for version in &page.versions {
            if Some(version.version_id) <= highest_before {
                reached_old = true;
                continue;
            }
            let layers = layers_of(calls, name, Some(version.version_id), log)
                .await
                .map_err(|error| error.to_string())?;
            found.push((version.version_id, layers));
        }
        match page.next_token() {
            Some(next) if !reached_old => token = Some(next.to_owned()),
            _ => return Ok(found),
        }
    }
    Err(format!("more than {MAX_PAGES} pages of versions"))
}

/// The newest version of `name` whose layers are `wanted`: the pages come newest first, so
/// the first match ends the search.
async fn newest_with<T: Transport, R: Reporter + ?Sized>(
    calls: &Calls<'_, T>,
    name: &FunctionName,
    wanted: &[String],
    log: &mut R,
) -> Result<FunctionVersion, String> {
    let mut token = None;
    for _ in 0..MAX_PAGES {
        let page = page(calls, name, token.as_deref(), log)
            .await
            .map_err(|error| error.to_string())?;
        let mut versions: Vec<FunctionVersion> = page
            .versions
            .iter()
            .map(|version| version.version_id)
            .collect();
        versions.sort_unstable_by(|a, b| b.cmp(a));
        for version in versions {
            let layers = layers_of(calls, name, Some(version), log).await;
            if layers.map_err(|error| error.to_string())? == wanted {
                return Ok(version);
            }
        }
        match page.next_token() {
            Some(next) => token = Some(next.to_owned()),
            None => break,
        }
    }
    Err(
        "FC says nothing changed since the last version, but no version holds the new layers"
            .to_owned(),
    )
}

/// One page of ListFunctionVersions, newest first.
async fn page<T: Transport, R: Reporter + ?Sized>(
    calls: &Calls<'_, T>,
    name: &FunctionName,
    token: Option<&str>,
    log: &mut R,
) -> Result<VersionsPage, ClientError> {
    let request = ApiRequest::list_function_versions(name, MAX_VERSIONS_PER_PAGE, token);
    let body = calls.send(&request, log).await?;
    client::parse(request.action, &body)
}
