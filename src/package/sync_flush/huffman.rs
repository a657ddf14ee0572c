//! The canonical Huffman codes a deflate stream's blocks use, as lookup tables: each
//! symbol's entry says how many bits it takes (its code and extra bits) and what follows,
//! which is all a walk that skips symbols needs.

/// A code deflate forbids: over-subscribed, or incomplete where zlib does not allow it.
#[derive(Debug)]
pub(super) struct BadCode;

/// The order of the code-length code's lengths in a dynamic block's header.
pub(super) const PRECODE_ORDER: [usize; 19] = [
    16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
];

/// A table entry: the bits the symbol takes, code and extra bits (low five bits), and what
/// it is (high three). The code-length code's entries are its code's bits and symbol << 3.
pub(super) const BITS: u8 = 0b1_1111;
pub(super) const KIND: u8 = 0b111 << 5;
/// A literal, or a distance: skipped, nothing follows.
pub(super) const PLAIN: u8 = 0;
/// A length: a distance follows.
pub(super) const LENGTH: u8 = 1 << 5;
pub(super) const END: u8 = 2 << 5;
/// A symbol deflate does not allow, or bits no code starts with (an incomplete code).
const INVALID: u8 = 3 << 5;
/// The start of a code longer than the table's bits: decoded the slow way.
pub(super) const LONG: u8 = 4 << 5;

pub(super) fn litlen_entry(symbol: usize, code_bits: u8) -> u8 {
    match symbol {
        0..=255 => PLAIN | code_bits,
        256 => END | code_bits,
        257..=285 => {
            let index = symbol - 257;
            let extra = if index < 8 || index == 28 {
                0
            } else {
                (index - 4) / 4
            };
            LENGTH | (code_bits + extra as u8)
        }
        _ => INVALID,
    }
}

pub(super) fn distance_entry(symbol: usize, code_bits: u8) -> u8 {
    match symbol {
        0..=3 => PLAIN | code_bits,
        4..=29 => PLAIN | (code_bits + ((symbol - 2) / 2) as u8),
        _ => INVALID,
    }
}

pub(super) fn precode_entry(symbol: usize, code_bits: u8) -> u8 {
    ((symbol as u8) << 3) | code_bits
}

/// The tables of the block being walked; the fixed code's are kept while blocks use them.
pub(super) struct Codes {
    pub(super) precode: Code,
    pub(super) litlen: Code,
    pub(super) distance: Code,
    pub(super) fixed_loaded: bool,
}

impl Codes {
    pub(super) fn new() -> Self {
        Codes {
            precode: Code::new(),
            litlen: Code::new(),
            distance: Code::new(),
            fixed_loaded: false,
        }
    }

    pub(super) fn load_fixed(&mut self) -> Result<(), BadCode> {
        if !self.fixed_loaded {
            let mut litlen = [8u8; 288];
            litlen[144..256].fill(9);
            litlen[256..280].fill(7);
            self.litlen.build(&litlen, litlen_entry, false)?;
            self.distance.build(&[5; 32], distance_entry, false)?;
            self.fixed_loaded = true;
        }
        Ok(())
    }
}

/// Codes up to this many bits are decoded by one lookup.
const TABLE_BITS: u32 = 10;
const TABLE_SIZE: usize = 1 << TABLE_BITS;
const MAX_CODE_BITS: usize = 15;

/// A canonical Huffman code as a lookup table by the next `TABLE_BITS` bits, and, for the
/// rare longer codes, the counts and entries a bit-by-bit decode needs.
pub(super) struct Code {
    table: [u8; TABLE_SIZE],
    counts: [u16; MAX_CODE_BITS + 1],
    /// Entries in canonical order: by code length, then symbol.
    sorted: [u8; 288],
}

impl Code {
    pub(super) fn new() -> Self {
        Code {
            table: [INVALID; TABLE_SIZE],
            counts: [0; MAX_CODE_BITS + 1],
            sorted: [INVALID; 288],
        }
    }

    #[inline(always)]
    pub(super) fn lookup(&self, buffer: u64) -> u8 {
        self.table[(buffer as usize) & (TABLE_SIZE - 1)]
    }

    /// Builds the code of `lengths` (each at most 15), refusing an over-subscribed one and an
    /// incomplete one unless zlib allows it: for literal/length and distance codes, a single
    /// code of one bit, or none.
    pub(super) fn build(
        &mut self,
        lengths: &[u8],
        entry_of: fn(usize, u8) -> u8,
        complete: bool,
    ) -> Result<(), BadCode> {
        let mut counts = [0u16; MAX_CODE_BITS + 1];
        for &length in lengths {
            *counts.get_mut(usize::from(length)).ok_or(BadCode)? += 1;
        }
        counts[0] = 0;
        let mut left = 1i32;
        for &count in &counts[1..] {
            left = (left << 1) - i32::from(count);
            if left < 0 {
                return Err(BadCode);
            }
        }
        let longest = counts.iter().rposition(|&count| count > 0).unwrap_or(0);
        if left > 0 && (complete || longest > 1) {
            return Err(BadCode);
        }
        self.counts = counts;
        self.fill(lengths, entry_of);
        Ok(())
    }

    fn fill(&mut self, lengths: &[u8], entry_of: fn(usize, u8) -> u8) {
        let (mut next_code, mut next_sorted) = ([0u16; MAX_CODE_BITS + 1], [0usize; 17]);
        for bits in 1..=MAX_CODE_BITS {
            next_code[bits] = (next_code[bits - 1] + self.counts[bits - 1]) << 1;
            next_sorted[bits + 1] = next_sorted[bits] + usize::from(self.counts[bits]);
        }
        self.table.fill(INVALID);
        for (symbol, &length) in lengths.iter().enumerate() {
            let Some(code) = next_code
                .get_mut(usize::from(length))
                .filter(|_| length > 0)
            else {
                continue;
            };
            let reversed = usize::from(code.reverse_bits() >> (16 - length));
            *code += 1;
            let entry = entry_of(symbol, length);
            if let Some(at) = next_sorted.get_mut(usize::from(length)) {
                if let Some(slot) = self.sorted.get_mut(*at) {
                    *slot = entry;
                }
                *at += 1;
            }
            if u32::from(length) <= TABLE_BITS {
                for slot in self.table.iter_mut().skip(reversed).step_by(1 << length) {
                    *slot = entry;
                }
            } else if let Some(slot) = self.table.get_mut(reversed & (TABLE_SIZE - 1)) {
                *slot = LONG;
            }
        }
    }

    /// Decodes a code longer than the table's bits from `buffer`, one bit at a time.
    #[cold]
    pub(super) fn decode_long(&self, buffer: u64) -> u8 {
        let (mut code, mut first, mut index) = (0i32, 0i32, 0i32);
        for bits in 1..=MAX_CODE_BITS {
            code |= ((buffer >> (bits - 1)) & 1) as i32;
            let count = i32::from(self.counts[bits]);
            if code - first < count {
                let at = usize::try_from(index + code - first).unwrap_or(usize::MAX);
                return self.sorted.get(at).copied().unwrap_or(INVALID);
            }
            (index, first, code) = (index + count, (first + count) << 1, code << 1);
        }
        INVALID
    }
}
