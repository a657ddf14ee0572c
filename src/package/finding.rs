//! One problem the checks found: how much it matters, where it is, what it is, and what fixes
//! it. [`super::inspect`] finds them in files and the layout, [`super::modules`] in the
//! extension modules taken together.

use super::fix::Fix;

/// How much a finding matters: an error stops `check: error`; a warning never does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Severity {
    Error,
    Warning,
}

/// One problem with one file (or the layout), in words a user can act on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Finding {
    pub(crate) severity: Severity,
    /// The path inside the layer; empty for the layout as a whole.
    pub(crate) path: String,
    pub(crate) message: String,
    /// What fixes it, the same for every file with the same problem, so that the summary can
    /// say it once.
    pub(crate) fix: Option<Fix>,
}

impl Finding {
    pub(crate) fn error(path: &str, message: String) -> Self {
        Self {
            severity: Severity::Error,
            path: path.to_owned(),
            message,
            fix: None,
        }
    }

    pub(crate) fn warning(path: &str, message: String) -> Self {
        Self {
            severity: Severity::Warning,
            path: path.to_owned(),
            message,
            fix: None,
        }
    }

    pub(crate) fn with_fix(mut self, fix: Option<Fix>) -> Self {
        self.fix = fix;
        self
    }
}
