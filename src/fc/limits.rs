//! FC's documented limits, checked before a request is sent so that a user learns of a
//! problem from the action, not from a rejected call.

/// At most this many entries in `compatibleRuntime`.
pub const MAX_RUNTIMES: usize = 20;
/// At most this many characters (not bytes) in `description`.
pub const MAX_DESCRIPTION_CHARS: usize = 256;
/// At most this many characters in a layer name.
pub(crate) const MAX_LAYER_NAME_CHARS: usize = 128;
/// FC takes at most this much Base64 text in `code.zipFile`.
pub const MAX_INLINE_BASE64_BYTES: usize = 100 * 1024 * 1024;

/// The largest zip FC takes through OSS.
pub const MAX_OSS_ZIP_BYTES: u64 = 500 * 1024 * 1024;

/// The largest zip whose Base64 fits [`MAX_INLINE_BASE64_BYTES`].
pub(crate) const MAX_INLINE_ZIP_BYTES: u64 = (MAX_INLINE_BASE64_BYTES / 4 * 3) as u64;

/// The length of the Base64 text for `zip_len` bytes.
pub(crate) fn base64_len(zip_len: usize) -> usize {
    zip_len.div_ceil(3) * 4
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_len_rounds_up_to_whole_quads() {
        assert_eq!(base64_len(0), 0);
        assert_eq!(base64_len(1), 4);
        assert_eq!(base64_len(3), 4);
        assert_eq!(base64_len(4), 8);
        assert_eq!(
            base64_len(MAX_INLINE_ZIP_BYTES as usize),
            MAX_INLINE_BASE64_BYTES
        );
        assert!(base64_len(MAX_INLINE_ZIP_BYTES as usize + 1) > MAX_INLINE_BASE64_BYTES);
    }
}
