//! The secrets masked so far, and their replacement by `***` in one value at a time.
//! Redaction works on values before they are escaped and set in text, never on a finished
//! document: replacing inside Markdown could reopen what escaping closed (a secret of one
//! backtick would end every code span), and a short secret would garble the action's own
//! words.

/// What replaces a secret.
const REDACTED: &str = "***";

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Redactor {
    secrets: Vec<String>,
}

impl Redactor {
    /// Adds `secret`; `false` when it is empty or known already.
    pub(crate) fn add(&mut self, secret: &str) -> bool {
        if secret.is_empty() || self.secrets.iter().any(|known| known == secret) {
            return false;
        }
        self.secrets.push(secret.to_owned());
        // Longest first, so that a secret that holds another is replaced whole.
        self.secrets
            .sort_by_key(|known| std::cmp::Reverse(known.len()));
        true
    }

    /// `text` with every known secret replaced by [`REDACTED`].
    pub(crate) fn redact(&self, text: &str) -> String {
        self.secrets.iter().fold(text.to_owned(), |text, secret| {
            text.replace(secret, REDACTED)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longer_secrets_are_replaced_before_those_they_hold() {
        let mut redactor = Redactor::default();
        assert!(redactor.add("ab"));
        assert!(redactor.add("abcd"));
        assert!(!redactor.add("ab"));
        assert!(!redactor.add(""));
        assert_eq!(redactor.redact("x abcd ab"), "x *** ***");
    }
}
