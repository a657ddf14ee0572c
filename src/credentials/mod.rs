//! Alibaba Cloud credentials: an AccessKey pair, optionally with an STS security token.
//!
//! The secret parts are wrapped in [`Secret`], whose `Debug` and `Display` print a placeholder,
//! so a credential can be logged or put in an error without leaking. Where credentials come
//! from is [`chain`]'s business. Every credential that enters a run has its secrets
//! registered with a [`Masker`] before anything else sees them, through one of two doors:
//! [`adopt`] for credentials resolved whole (the inputs, the environment, an assumed role's),
//! and [`lent::from_json`] for those a service lends in a reply, which masks each secret field
//! before it checks any (so even a refused one is masked). A role to assume is described in
//! [`role`], as data. Asking STS for them is [`crate::sts`]'s, signing them onto requests is
//! [`crate::sign`]'s: this module is a leaf, imported by both and importing neither.

pub(crate) mod chain;
pub(crate) mod lent;
pub mod role;

use std::fmt;

pub(crate) use chain::CredentialsError;

/// A string that must never be printed. Read it with [`Secret::expose`], only where the
/// value itself is needed (the HMAC key, the token header).
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(**redacted**)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("**redacted**")
    }
}

/// What signs a request. The AccessKey id is not secret (it appears in every `Authorization`
/// header), so it is a plain string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    pub access_key_id: String,
    pub access_key_secret: Secret,
    /// Present for temporary (STS) credentials; sent as `x-acs-security-token`.
    pub security_token: Option<Secret>,
}

impl Credentials {
    pub fn new(access_key_id: impl Into<String>, access_key_secret: impl Into<String>) -> Self {
        Self {
            access_key_id: access_key_id.into(),
            access_key_secret: Secret::new(access_key_secret),
            security_token: None,
        }
    }

    pub fn with_security_token(mut self, token: impl Into<String>) -> Self {
        self.security_token = Some(Secret::new(token));
        self
    }
}

/// Hides secret values from everything shown to people: in the action, GitHub's
/// `::add-mask::` plus redaction in the action's own log.
pub trait Masker {
    fn mask(&mut self, secret: &Secret);
}

/// The one path by which credentials enter a run, whether resolved at the start from the
/// inputs or the environment or obtained later (an assumed role, temporary upload keys): the
/// secret and the token are masked before the credentials are handed back.
fn adopt(credentials: Credentials, masker: &mut dyn Masker) -> Credentials {
    masker.mask(&credentials.access_key_secret);
    if let Some(token) = &credentials.security_token {
        masker.mask(token);
    }
    credentials
}

/// What the credential tests share: a masker that records what it was asked to mask.
#[cfg(test)]
pub(crate) mod test_support {
    use super::{Masker, Secret};

    /// The secrets masked, in order.
    #[derive(Default)]
    pub(crate) struct Recorded(pub Vec<String>);

    impl Masker for Recorded {
        fn mask(&mut self, secret: &Secret) {
            self.0.push(secret.expose().to_owned());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::Recorded;
    use super::*;

    #[test]
    fn adopting_masks_the_secret_and_the_token() {
        let mut masked = Recorded::default();
        let credentials = adopt(
            Credentials::new("LTAI-id", "the-secret").with_security_token("the-token"),
            &mut masked,
        );
        assert_eq!(masked.0, ["the-secret", "the-token"]);
        assert_eq!(credentials.access_key_id, "LTAI-id");
    }

    #[test]
    fn debug_and_display_never_show_secrets() {
        let credentials =
            Credentials::new("LTAI-id", "the-secret").with_security_token("the-token");
        let debug = format!("{credentials:?}");
        assert!(debug.contains("LTAI-id"));
        assert!(!debug.contains("the-secret"), "{debug}");
        assert!(!debug.contains("the-token"), "{debug}");
        assert_eq!(credentials.access_key_secret.to_string(), "**redacted**");
    }
}
