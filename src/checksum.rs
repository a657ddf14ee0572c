//! CRC-64/XZ, the checksum Function Compute reports as `codeChecksum` and compares against
//! `code.checksum`.

use crc::{CRC_64_XZ, Crc, Digest, Table};

/// Slice-by-16 tables: several times faster than the byte-wise table on large packages, for
/// 32 KiB of tables built at compile time.
static CRC64_XZ: Crc<u64, Table<16>> = Crc::<u64, Table<16>>::new(&CRC_64_XZ);

/// The checksum of `bytes` as FC writes it: an unsigned decimal string.
pub fn crc64_xz(bytes: &[u8]) -> String {
    CRC64_XZ.checksum(bytes).to_string()
}

/// CRC-64/XZ over data that arrives in pieces (a file read, parts uploaded).
pub(crate) struct Crc64(Digest<'static, u64, Table<16>>);

impl Crc64 {
    pub(crate) fn new() -> Self {
        Self(CRC64_XZ.digest())
    }

    pub(crate) fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    /// The checksum as FC and OSS write it: an unsigned decimal string.
    pub(crate) fn finish(self) -> String {
        self.0.finalize().to_string()
    }
}

impl Default for Crc64 {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_check_value() {
        // The CRC catalogue's check input; 0x995DC9BBDF1939FA in decimal.
        assert_eq!(crc64_xz(b"123456789"), "11051210869376104954");
    }

    #[test]
    fn pieces_give_the_checksum_of_the_whole() {
        let mut crc = Crc64::new();
        crc.update(b"1234");
        crc.update(b"56789");
        assert_eq!(crc.finish(), crc64_xz(b"123456789"));
    }

    #[test]
    fn empty_input_is_zero() {
        assert_eq!(crc64_xz(b""), "0");
    }
}
