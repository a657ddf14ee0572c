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

/// The checksum of `bytes` as a number, for [`crc64_combine`].
pub(crate) fn crc64_value(bytes: &[u8]) -> u64 {
    CRC64_XZ.checksum(bytes)
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

/// The CRC-64/XZ polynomial, bit-reversed as the reflected algorithm uses it.
const REFLECTED_POLY: u64 = 0xC96C_5795_D787_0F42;
/// The polynomial 1 in the reflected representation (x^0 is the top bit).
const ONE: u64 = 1 << 63;

/// The CRC-64/XZ of `a` followed by `b`, from the CRC of each and the length of `b`, as
/// zlib's `crc32_combine`: the parts of an upload are checked one by one and the whole is
/// known without reading it again. The initial value and the final XOR (both all ones)
/// cancel out, so `crc(a ‖ b) = crc(a) · x^(8·len_b) mod P  ⊕  crc(b)`.
pub fn crc64_combine(crc_a: u64, crc_b: u64, len_b: u64) -> u64 {
    multiply_mod_p(x_to_8n_mod_p(len_b), crc_a) ^ crc_b
}

/// `a · b` modulo the polynomial, both in the reflected representation.
fn multiply_mod_p(a: u64, mut b: u64) -> u64 {
    let mut product = 0;
    let mut bit = ONE;
    while bit != 0 {
        if a & bit != 0 {
            product ^= b;
        }
        bit >>= 1;
        b = if b & 1 != 0 {
            (b >> 1) ^ REFLECTED_POLY
        } else {
            b >> 1
        };
    }
    product
}

/// `x^(8·n)` modulo the polynomial: the shift that `n` zero bytes apply to a CRC, by
/// repeated squaring.
fn x_to_8n_mod_p(mut n: u64) -> u64 {
    // x^8: x is the bit below the top one.
    let mut square = ONE >> 1;
    for _ in 0..3 {
        square = multiply_mod_p(square, square);
    }
    let mut result = ONE;
    while n != 0 {
        if n & 1 != 0 {
            result = multiply_mod_p(square, result);
        }
        square = multiply_mod_p(square, square);
        n >>= 1;
    }
    result
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

    fn raw(bytes: &[u8]) -> u64 {
        CRC64_XZ.checksum(bytes)
    }

    #[test]
    fn combined_checksum_is_the_whole_one_at_every_split() {
        let data: Vec<u8> = (0..3000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        for split in [0, 1, 7, 8, 9, 255, 1024, 2999, 3000] {
            let (a, b) = data.split_at(split);
            assert_eq!(
                crc64_combine(raw(a), raw(b), b.len() as u64),
                raw(&data),
                "split at {split}"
            );
        }
    }

    #[test]
    fn combining_with_nothing_changes_nothing() {
        assert_eq!(crc64_combine(raw(b"123456789"), 0, 0), raw(b"123456789"));
        assert_eq!(crc64_combine(0, raw(b"123456789"), 9), raw(b"123456789"));
    }

    #[test]
    fn empty_input_is_zero() {
        assert_eq!(crc64_xz(b""), "0");
    }
}
