//! A panic reported like any other failure: one `::error::` annotation saying where the bug
//! is, with every masked value redacted, instead of Rust's raw message on stderr (which
//! GitHub shows unannotated, and which could repeat a secret the panic message holds).
//!
//! The hook is process-wide, so the values to redact are too: [`remember_secret`] is called
//! by the reporter each time it masks one. A panic can happen on any thread (the packager
//! deflates on several), which is why this is not a field of the reporter.

use std::panic::{self, PanicHookInfo};
use std::sync::Mutex;

use crate::github;

static SECRETS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Adds `value` to what a panic's annotation redacts.
pub(crate) fn remember_secret(value: &str) {
    if value.is_empty() {
        return;
    }
    // A poisoned lock means a panic is being reported already; its list is still whole.
    let mut secrets = SECRETS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if !secrets.iter().any(|known| known == value) {
        secrets.push(value.to_owned());
    }
}

/// Replaces the default hook: prints the annotation on stdout, where the runner reads
/// workflow commands.
pub fn install() {
    panic::set_hook(Box::new(|info| {
        let secrets = SECRETS
            .lock()
            .map(|secrets| secrets.clone())
            .unwrap_or_else(|poisoned| poisoned.into_inner().clone());
        println!("{}", annotation(info, &secrets));
    }));
}

fn annotation(info: &PanicHookInfo<'_>, secrets: &[String]) -> String {
    let message = info
        .payload()
        .downcast_ref::<&str>()
        .map(|text| (*text).to_owned())
        .or_else(|| info.payload().downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".to_owned());
    let place = info.location().map_or_else(
        || "an unknown place".to_owned(),
        |location| format!("{}:{}", location.file(), location.line()),
    );
    error_line(&message, &place, secrets)
}

/// The annotation for a panic with `message` at `place`; pure, for the tests.
fn error_line(message: &str, place: &str, secrets: &[String]) -> String {
    let text = format!(
        "fc-layer-action stopped on a bug at {place}: {message}. Nothing after this point ran; please report it with this line"
    );
    // Longest first, so that a secret holding another is replaced whole.
    let mut secrets: Vec<&String> = secrets.iter().collect();
    secrets.sort_by_key(|secret| std::cmp::Reverse(secret.len()));
    let redacted = secrets
        .into_iter()
        .fold(text, |text, secret| text.replace(secret.as_str(), "***"));
    github::error(&redacted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_is_one_redacted_annotation() {
        let line = error_line(
            "token abc123 and abc1234\n::error::fake",
            "src/x.rs:3",
            &["abc123".to_owned(), "abc1234".to_owned()],
        );
        assert_eq!(
            line,
            "::error::fc-layer-action stopped on a bug at src/x.rs:3: token *** and ***%0A::error::fake. Nothing after this point ran; please report it with this line"
        );
    }
}
