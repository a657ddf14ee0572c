//! The layer's versions, listed once before anything is written and shown in the log. The
//! region's first call: when nothing answers it, the failure names the host and the input
//! it came from.

use super::calls::Calls;
use crate::client::ClientError;
use crate::fc::Layer;
use crate::http::{Transport, Unanswered};
use crate::inputs::{EndpointFrom, RegionTarget, Settings};
use crate::outcome::Failure;
use crate::report::Reporter;

/// The layer's versions before anything is written: what the unchanged check compares,
/// what keep-versions counts, and the baseline that tells this run's version from others'
/// after a lost reply. `None` when they could not be listed and nothing needs them; a
/// region where nothing answered fails whatever needs them, since no other call would go.
pub(crate) async fn versions_before<T: Transport>(
    settings: &Settings,
    target: &RegionTarget,
    calls: &Calls<'_, T>,
    reporter: &mut impl Reporter,
) -> Result<Option<Vec<Layer>>, Failure> {
    let lifecycle = settings.lifecycle;
    let needed = lifecycle.skip_unchanged || lifecycle.keep_versions > 0 || lifecycle.dry_run;
    let versions = match calls.list_versions(&settings.layer_name, reporter).await {
        Ok(versions) => versions,
        Err(error) => match unanswered(&error) {
            Some(how) => {
                let note = note(&how, target.endpoint.host(), target.endpoint_from);
                let error = Box::new(error);
                return Err(Failure::Unanswered { note, error });
            }
            None if needed => return Err(Failure::Listing(error)),
            None => {
                reporter.warning(&format!(
                    "cannot list the layer's versions ({error}); publishing without them, so a lost reply cannot be told from a failed create and is not retried"
                ));
                return Ok(None);
            }
        },
    };
    reporter.group(&format!(
        "Layer {} has {} version(s)",
        settings.layer_name,
        versions.len()
    ));
    let mut sorted: Vec<&Layer> = versions.iter().collect();
    sorted.sort_by_key(|layer| layer.version);
    for layer in sorted {
        reporter.info(&format!(
            "version {}: codeChecksum {}, {} bytes, runtimes {}, description {:?}",
            layer.version,
            layer.code_checksum.as_deref().unwrap_or("?"),
            layer
                .code_size
                .map_or("?".to_owned(), |size| size.to_string()),
            layer
                .compatible_runtime
                .as_deref()
                .unwrap_or_default()
                .join(", "),
            layer.description.as_deref().unwrap_or_default(),
        ));
    }
    reporter.end_group();
    Ok(Some(versions))
}

/// How nothing answered `error`'s request, if nothing did.
fn unanswered(error: &ClientError) -> Option<Unanswered> {
    match error {
        ClientError::Transport { source, .. } => source.unanswered(),
        _ => None,
    }
}

/// What went wrong where, for the user to fix: the host, the input it came from, and for a
/// name that does not resolve, whether the region is the likely typo.
fn note(how: &Unanswered, host: &str, from: EndpointFrom) -> String {
    match how {
        Unanswered::NotResolved if from.has_region() => {
            format!("{host} (from {from}) does not resolve (is the region right?)")
        }
        Unanswered::NotResolved => {
            format!("{host} (from {from}) does not resolve (is the host right?)")
        }
        Unanswered::NoConnection { proxy: Some(proxy) } => {
            format!("no connection to the proxy {proxy}, for {host} (from {from})")
        }
        Unanswered::NoConnection { proxy: None } => {
            format!("no connection to {host} (from {from})")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inputs::RegionFrom;

    #[test]
    fn a_note_names_the_host_and_its_input_and_asks_about_the_region_only_when_in_it() {
        let host = "fcv3.cn-hangzou.aliyuncs.com";
        let from = EndpointFrom::Region(RegionFrom::Region);
        assert_eq!(
            note(&Unanswered::NotResolved, host, from),
            "fcv3.cn-hangzou.aliyuncs.com (from input `region`) does not resolve (is the region right?)"
        );
        let listed = EndpointFrom::Region(RegionFrom::Regions);
        assert!(note(&Unanswered::NotResolved, host, listed).contains("(from input `regions`)"));
        let templated = EndpointFrom::Endpoint { templated: true };
        assert!(
            note(&Unanswered::NotResolved, "fc.cn-x.example", templated)
                .ends_with("(from input `endpoint`) does not resolve (is the region right?)")
        );
        let plain = EndpointFrom::Endpoint { templated: false };
        assert_eq!(
            note(&Unanswered::NotResolved, "fc.invalid", plain),
            "fc.invalid (from input `endpoint`) does not resolve (is the host right?)"
        );
        let refused = Unanswered::NoConnection { proxy: None };
        assert_eq!(
            note(&refused, "127.0.0.1", plain),
            "no connection to 127.0.0.1 (from input `endpoint`)"
        );
    }
}
