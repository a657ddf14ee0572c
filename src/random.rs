//! Random tokens from the operating system: request nonces and output delimiters.

/// 32 random lower-case hex digits, the nonce form the official SDKs send.
pub fn hex_token() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)?;
    Ok(crate::sign::primitives::hex(&bytes))
}
