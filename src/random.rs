//! Random tokens from the operating system: request nonces and output delimiters.

/// 32 random lower-case hex digits, the nonce form the official SDKs send.
pub fn hex_token() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)?;
    Ok(crate::encode::hex(&bytes))
}

/// Where a client draws the nonce of each ACS3 request, handed to it so that tests can pin
/// the nonce and production draws it from the OS.
pub trait Nonces: Send + Sync {
    fn nonce(&self) -> Result<String, getrandom::Error>;
}

/// A fresh [`hex_token`] for every request: what the action signs with.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct OsNonces;

impl Nonces for OsNonces {
    fn nonce(&self) -> Result<String, getrandom::Error> {
        hex_token()
    }
}

/// A function that returns a nonce is a source that cannot fail: `move || nonce.clone()`
/// pins one.
impl<F: Fn() -> String + Send + Sync> Nonces for F {
    fn nonce(&self) -> Result<String, getrandom::Error> {
        Ok(self())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn os_nonces_are_fresh_hex_tokens() {
        let first = OsNonces.nonce().expect("the OS has randomness");
        let second = OsNonces.nonce().expect("the OS has randomness");
        assert_eq!(first.len(), 32);
        assert!(first.bytes().all(|byte| byte.is_ascii_hexdigit()));
        assert_ne!(first, second);
    }
}
