//! The layer's versions, listed once before anything is written and shown in the log.

use super::calls::Calls;
use crate::fc::Layer;
use crate::http::Transport;
use crate::inputs::Settings;
use crate::outcome::Failure;
use crate::report::Reporter;

/// The layer's versions before anything is written: what the unchanged check compares,
/// what keep-versions counts, and the baseline that tells this run's version from others'
/// after a lost reply. `None` when they could not be listed and nothing needs them.
pub(crate) async fn versions_before<T: Transport>(
    settings: &Settings,
    calls: &Calls<'_, T>,
    reporter: &mut impl Reporter,
) -> Result<Option<Vec<Layer>>, Failure> {
    let lifecycle = settings.lifecycle;
    let needed = lifecycle.skip_unchanged || lifecycle.keep_versions > 0 || lifecycle.dry_run;
    let versions = match calls.list_versions(&settings.layer_name, reporter).await {
        Ok(versions) => versions,
        Err(error) if needed => return Err(Failure::Listing(error)),
        Err(error) => {
            reporter.warning(&format!(
                "cannot list the layer's versions ({error}); publishing without them, so a lost reply cannot be told from a failed create and is not retried"
            ));
            return Ok(None);
        }
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
