//! The steps that change the layer: create a version from the staged zip (never twice for
//! one run), set the ACL, delete old versions.

use super::calls::Calls;
use super::inline_body::InlineBody;
use super::stage::Staged;
use crate::backoff::Transient;
use crate::client::ClientError;
use crate::fc::{
    Acl, ApiRequest, Code, CreateLayerVersionInput, InlineCode, Layer, LayerName, OssCode,
};
use crate::http::Transport;
use crate::inputs::Settings;
use crate::lifecycle;
use crate::outcome::Failure;
use crate::package::PackageError;
use crate::report::Reporter;
use crate::retry::Settled;

/// The CreateLayerVersion request for the staged zip, inline or named in OSS, sent through
/// [`create`]; the reply is checked against the layer and the zip sent.
pub(crate) async fn create_version<T: Transport>(
    settings: &Settings,
    calls: &Calls<'_, T>,
    staged: &Staged<'_>,
    highest_before: Option<i64>,
    inline: &InlineBody,
    reporter: &mut impl Reporter,
) -> Result<Layer, Failure> {
    let checksum = match staged {
        Staged::Inline(package) => Some(package.checksum.clone()),
        Staged::Oss { checksum, .. } => checksum.clone(),
    };
    let request = request(settings, staged, inline)?;
    reporter.info(&format!(
        "Publishing layer {} to {}",
        settings.layer_name,
        calls.client.endpoint()
    ));
    // A run whose checksum is unknown cannot tell its version from another run's.
    let baseline = checksum.as_ref().and(highest_before);
    let layer = create(
        calls,
        &settings.layer_name,
        &request,
        checksum.as_deref().unwrap_or_default(),
        baseline,
        reporter,
    )
    .await?;
    drop(request);
    check_created(&layer, &settings.layer_name, checksum.as_deref(), reporter)?;
    reporter.info(&format!("Published {}", layer.layer_version_arn));
    Ok(layer)
}

/// The CreateLayerVersion request for `staged`: an inline body is made once for every
/// region (through `inline`), a request naming the OSS object each time.
fn request(
    settings: &Settings,
    staged: &Staged<'_>,
    inline: &InlineBody,
) -> Result<ApiRequest, Failure> {
    let input = |code| CreateLayerVersionInput {
        code,
        compatible_runtime: &settings.compatible_runtimes,
        description: settings.description.as_deref(),
        license: settings.license.as_deref(),
    };
    Ok(match staged {
        Staged::Inline(package) => inline.get_or_make(|| {
            let code = Code::Inline(InlineCode {
                zip_file: &[],
                checksum: package.checksum.clone(),
            });
            let zip = package.open().map_err(Failure::Package)?;
            ApiRequest::create_layer_version_from(
                &settings.layer_name,
                &input(code),
                zip,
                package.size,
            )
            .map_err(|source| {
                Failure::Package(PackageError::Io {
                    path: package.path().into(),
                    source,
                })
            })
        })?,
        Staged::Oss {
            bucket,
            key,
            checksum,
        } => {
            let code = Code::Oss(OssCode {
                oss_bucket_name: bucket,
                oss_object_name: key,
                checksum: checksum.clone(),
            });
            ApiRequest::create_layer_version_from_oss(&settings.layer_name, &input(code))?
        }
    })
}

/// The created version must be of this layer; a checksum other than the zip's is only warned
/// of, since FC has taken the version already.
fn check_created(
    layer: &Layer,
    layer_name: &LayerName,
    checksum: Option<&str>,
    reporter: &mut impl Reporter,
) -> Result<(), ClientError> {
    layer
        .check(layer_name)
        .map_err(|problem| ClientError::InvalidReply {
            action: "CreateLayerVersion",
            problem: problem.to_string(),
        })?;
    if let (Some(reported), Some(ours)) = (&layer.code_checksum, checksum)
        && reported != ours
    {
        reporter.warning(&format!(
            "FC reports codeChecksum {reported:?} but the zip sent has {ours}"
        ));
    }
    Ok(())
}

/// CreateLayerVersion, which is not idempotent: a failure that may have been applied (the
/// request went out, then the connection dropped, timed out or a 5xx came back) is followed
/// by a listing, and a version that this run created is adopted instead of creating a
/// second. Without `highest_before` (no listing was possible) such a failure is final.
async fn create<T: Transport, R: Reporter + ?Sized>(
    calls: &Calls<'_, T>,
    layer_name: &LayerName,
    request: &ApiRequest,
    checksum: &str,
    highest_before: Option<i64>,
    reporter: &mut R,
) -> Result<Layer, ClientError> {
    let settle = async |error: &ClientError, reporter: &mut R| {
        let Some(highest_before) = highest_before else {
            return Settled::Unknowable;
        };
        reporter.info(&format!(
            "{error}; the version may have been created all the same, so the layer's versions are listed before anything else"
        ));
        match calls.list_versions(layer_name, reporter).await {
            Ok(after) => adopt(&after, checksum, highest_before, reporter),
            Err(list_error) => {
                reporter.warning(&format!(
                    "cannot tell whether the version was created ({list_error}), so it is not created again"
                ));
                Settled::Unknowable
            }
        }
    };
    // A reply that cannot be read is an unknown outcome too: the version may exist.
    let attempt = async |_: &mut R| calls.client.call(request.clone()).await;
    calls.retries.create_once(reporter, attempt, settle).await
}

/// The version this run created, found in the listing `after` a create whose reply was lost.
fn adopt(
    after: &[Layer],
    checksum: &str,
    highest_before: i64,
    reporter: &mut (impl Reporter + ?Sized),
) -> Settled<Layer> {
    let candidates = lifecycle::adoptable(after, checksum, highest_before);
    let [layer, others @ ..] = candidates.as_slice() else {
        return Settled::NotDone;
    };
    if others.is_empty() {
        reporter.info(&format!(
            "Version {} holds this run's zip and is newer than every version before it: this run created it (or another run publishing the same zip at the same moment did, which cannot be told apart), so it is taken instead of creating another",
            layer.version
        ));
    } else {
        let versions: Vec<String> = candidates.iter().map(|l| l.version.to_string()).collect();
        reporter.info(&format!(
            "Versions {} all hold this run's zip and appeared since the listing: another run published the same code meanwhile, and which one is this run's cannot be told; taking the newest, {}",
            versions.join(", "),
            layer.version
        ));
    }
    Settled::Done((*layer).clone())
}

/// PutLayerACL for every version of the layer.
pub(crate) async fn set_acl<T: Transport>(
    calls: &Calls<'_, T>,
    layer_name: &LayerName,
    acl: Acl,
    reporter: &mut impl Reporter,
) -> Result<(), ClientError> {
    calls
        .send(&ApiRequest::put_layer_acl(layer_name, acl), reporter)
        .await?;
    reporter.info(&format!("Layer {layer_name} is now {}", acl.name()));
    Ok(())
}

/// Deletes `doomed`, each failure a warning: the publish itself has succeeded. Returns the
/// versions deleted.
pub(crate) async fn delete<T: Transport>(
    calls: &Calls<'_, T>,
    layer_name: &LayerName,
    doomed: &[i64],
    reporter: &mut impl Reporter,
) -> Vec<i64> {
    let mut deleted = Vec::new();
    for version in doomed {
        if delete_one(calls, layer_name, *version, reporter).await {
            deleted.push(*version);
        }
    }
    deleted
}

/// Deletes `version`; whether this run removed it. A reply lost on the way leaves that
/// open, so the version is looked up before the run says it was not deleted.
async fn delete_one<T: Transport>(
    calls: &Calls<'_, T>,
    layer_name: &LayerName,
    version: i64,
    reporter: &mut impl Reporter,
) -> bool {
    let request = ApiRequest::delete_layer_version(layer_name, version);
    let (result, lost_before) = calls.send_noting_unknown(&request, reporter).await;
    let error = match result {
        Ok(_) => {
            reporter.info(&format!("Deleted version {version}"));
            return true;
        }
        // An earlier attempt reached FC and its reply was lost: gone because of this run.
        Err(ClientError::Service { error, .. }) if error.status == 404 && lost_before => {
            reporter.info(&format!(
                "Deleted version {version} (an earlier attempt's reply was lost; the retry found it gone)"
            ));
            return true;
        }
        // Gone already (another run's retention, say): what keep-versions wanted, but not
        // this run's doing.
        Err(ClientError::Service { error, .. }) if error.status == 404 => {
            reporter.info(&format!("Version {version} is gone already"));
            return false;
        }
        Err(error) => error,
    };
    if !(lost_before || error.outcome_unknown()) {
        reporter.warning(&format!(
            "keep-versions: version {version} was not deleted: {error}"
        ));
        return false;
    }
    let lookup = ApiRequest::get_layer_version(layer_name, version);
    match calls.send(&lookup, reporter).await {
        Err(ClientError::Service { error: missing, .. }) if missing.status == 404 => {
            reporter.info(&format!(
                "Deleted version {version} (the delete's reply was lost: {error}; the version is gone)"
            ));
            true
        }
        Ok(_) => {
            reporter.warning(&format!(
                "keep-versions: version {version} was not deleted: {error}"
            ));
            false
        }
        Err(lookup_error) => {
            reporter.warning(&format!(
                "keep-versions: version {version} may or may not have been deleted (the delete's reply was lost: {error}; looking it up failed: {lookup_error})"
            ));
            false
        }
    }
}
