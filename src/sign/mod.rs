//! Request signatures, each a pure module: time and nonce come in as arguments, and what to
//! add to the request comes back as values.
//!
//! - [`primitives`]: hex, SHA-256, HMAC-SHA256 and the date formats every scheme shares.
//! - [`acs3`]: ACS3-HMAC-SHA256, the signature of FC 3.0 and the other V3 APIs.
//! - [`oss_v4`]: OSS4-HMAC-SHA256, the signature of the OSS calls that upload a large layer.
//! - [`fc2`]: the FC 2.0 `FC keyId:signature` scheme, needed only for `tempBucketToken`.
//!
//! Nothing here verifies: the local service (the `fc-local` crate) checks what the action
//! sends by rebuilding these canonical forms from what arrived.

pub mod acs3;
pub mod fc2;
pub mod oss_v4;
pub mod primitives;

use std::fmt;

/// Headers a signer adds to a request, `authorization` last.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningOutput {
    pub headers: Vec<(String, String)>,
}

/// Prints every header but a security token's value. Every scheme names its token header
/// `…-security-token` (`x-acs-`, `x-oss-`, `x-fc-`), so one suffix rule covers them all and
/// any scheme added later.
impl fmt::Debug for SigningOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = self.headers.iter().map(|(name, value)| {
            let value = if is_security_token_header(name) {
                "**redacted**"
            } else {
                value
            };
            (name, value)
        });
        f.debug_list().entries(shown).finish()
    }
}

impl SigningOutput {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

fn is_security_token_header(name: &str) -> bool {
    const SUFFIX: &str = "security-token";
    name.len() >= SUFFIX.len()
        && name.as_bytes()[name.len() - SUFFIX.len()..].eq_ignore_ascii_case(SUFFIX.as_bytes())
}

/// What the signers' tests share: one time and one STS identity.
#[cfg(test)]
pub(crate) mod test_support {
    use time::OffsetDateTime;
    use time::macros::datetime;

    use crate::credentials::Credentials;

    pub const TIME: OffsetDateTime = datetime!(2024-05-20 08:30:00 UTC);

    pub fn credentials() -> Credentials {
        Credentials::new("key-id", "SECRET-VALUE").with_security_token("TOKEN-VALUE")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_every_scheme_s_security_token() {
        let output = SigningOutput {
            headers: vec![
                ("x-acs-security-token".into(), "ACS-TOKEN".into()),
                ("x-oss-security-token".into(), "OSS-TOKEN".into()),
                ("X-Fc-Security-Token".into(), "FC-TOKEN".into()),
                ("x-oss-date".into(), "20240520T083000Z".into()),
            ],
        };
        let debug = format!("{output:?}");
        for token in ["ACS-TOKEN", "OSS-TOKEN", "FC-TOKEN"] {
            assert!(!debug.contains(token), "{debug}");
        }
        assert!(debug.contains("20240520T083000Z"), "{debug}");
        assert_eq!(output.header("x-oss-security-token"), Some("OSS-TOKEN"));
    }
}
