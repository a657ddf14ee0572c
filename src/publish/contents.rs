//! What is inside the zip, said before anything is written: the tally in the log, each
//! check's finding as an annotation titled with its file and saying its fix, and under
//! `check: error` a stop when one is an error.

use super::source::Source;
use crate::github::Level;
use crate::inputs::Settings;
use crate::interface::Input;
use crate::outcome::Failure;
use crate::package::contents::{Contents, human_bytes};
use crate::package::inspect::Severity;
use crate::package::{CheckLevel, Origin};
use crate::report::Reporter;

/// Logs what `source` holds and its findings; fails when `check: error` finds an error.
/// Returns the contents for the summary (`None` for an OSS object, which is not read).
pub(crate) fn review(
    settings: &Settings,
    source: &Source,
    reporter: &mut impl Reporter,
) -> Result<Option<Contents>, Failure> {
    let package = match source {
        Source::Package(package) => package,
        Source::Object { object, .. } => {
            if settings.packaging.check != CheckLevel::Off {
                reporter.info(&format!(
                    "{object} is not downloaded, so what is inside was not checked (input `{}`)",
                    Input::Check
                ));
            }
            return Ok(None);
        }
    };
    let contents = package.contents.clone();
    let mut line = format!(
        "The layer holds {} files, {} unpacked",
        contents.files,
        human_bytes(contents.unpacked_bytes)
    );
    for (reason, (files, bytes)) in &contents.left_out {
        line.push_str(&format!(
            "; left out by {}: {files} files, {}",
            reason.label(),
            human_bytes(*bytes)
        ));
    }
    reporter.info(&line);
    for warning in &contents.warnings {
        reporter.warning(warning);
    }
    for finding in &contents.findings {
        let mut text = format!("{}: {}", finding.path, finding.message);
        if let Some(fix) = &finding.fix {
            text.push_str(&format!(". Fix: {fix}"));
        }
        let level = match finding.severity {
            Severity::Error => Level::Error,
            Severity::Warning => Level::Warning,
        };
        reporter.annotate(level, &finding.path, &text);
    }
    let errors = contents.errors();
    if errors > 0 && settings.packaging.check == CheckLevel::Error {
        return Err(Failure::Contents {
            errors,
            contents: Box::new(contents),
        });
    }
    if contents.checked && contents.findings.is_empty() {
        let what = match package.origin {
            Origin::Directory => "the files",
            Origin::ZipFile => "the zip's entries",
        };
        reporter.info(&format!(
            "Checked {what}: native code, Python versions, glibc and layout fit the runtimes"
        ));
    }
    Ok(Some(contents))
}
