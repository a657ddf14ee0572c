//! A complete raw deflate stream made joinable, the way pigz joins its chunks without a
//! dictionary: its final block made non-final, and an empty stored block (a sync flush
//! marker: three zero bits, zeros to the byte boundary, `00 00 FF FF`) put where that block
//! ends. Another stream, byte-aligned and with no back-references before its start, can
//! then follow, and the two decode as one. libdeflate has no sync flush of its own: it
//! always ends with a final block and padding, and where that block ends is found only by
//! walking every block, which is all this does (symbols are skipped, nothing is output).
//!
//! It reads hostile bytes safely: every read is bounded and every symbol consumes bits. What
//! zlib refuses in a stream's blocks and codes is refused here too; distances are not
//! checked against the window, which libdeflate's own output never breaks.

mod huffman;

use huffman::{
    BITS, BadCode, Code, Codes, END, KIND, LENGTH, LONG, PLAIN, PRECODE_ORDER, distance_entry,
    litlen_entry, precode_entry,
};

/// Why a stream is not one complete raw deflate stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum NotDeflate {
    #[error("the deflate stream ends inside a block")]
    Truncated,
    #[error("the deflate stream ends without a final block")]
    NoFinalBlock,
    #[error("bytes follow the deflate stream's final block")]
    TrailingData,
    #[error("a deflate block of the reserved type 3")]
    ReservedBlockType,
    #[error("a stored block's length does not match its complement")]
    StoredLength,
    #[error("more than 286 literal/length or 30 distance codes")]
    TooManyCodes,
    #[error("a Huffman code that is over-subscribed or incomplete")]
    BadCode,
    #[error("a code-length repeat with nothing to repeat, or past the end")]
    BadRepeat,
    #[error("a literal/length code without the end-of-block symbol")]
    NoEndOfBlock,
    #[error("a symbol outside the code, a length of 286 or 287, or a distance of 30 or 31")]
    InvalidSymbol,
}

impl From<BadCode> for NotDeflate {
    fn from(_: BadCode) -> Self {
        NotDeflate::BadCode
    }
}

/// Rewrites `stream`, one complete raw deflate stream, so that it ends with a sync flush
/// marker instead of the end of the stream: what it decodes to is unchanged, and another
/// stream can be appended. Nothing is changed when it is not a deflate stream.
pub(crate) fn to_sync_flush(stream: &mut Vec<u8>) -> Result<(), NotDeflate> {
    let last = final_block(stream)?;
    if let Some(byte) = stream.get_mut(bit_byte(last.header)) {
        *byte &= !(1u8 << (last.header % 8));
    }
    // The marker's three header bits (BFINAL=0, BTYPE=00) and the padding after them are
    // zeros: the byte the final block ends in keeps only that block's bits.
    let end_byte = bit_byte(last.end);
    stream.resize(bit_byte(last.end + 3 + 7), 0);
    if let Some(byte) = stream.get_mut(end_byte) {
        *byte &= (1u8 << (last.end % 8)) - 1;
    }
    if let Some(bytes) = stream.get_mut(end_byte + 1..) {
        bytes.fill(0);
    }
    stream.extend_from_slice(&[0x00, 0x00, 0xFF, 0xFF]);
    Ok(())
}

fn bit_byte(bit: u64) -> usize {
    usize::try_from(bit / 8).unwrap_or(usize::MAX)
}

/// Where the final block starts (its BFINAL bit) and ends, in bits.
struct FinalBlock {
    header: u64,
    end: u64,
}

/// The smallest block: a fixed-Huffman block holding only its end-of-block code.
const SMALLEST_BLOCK_BITS: u64 = 3 + 7;

fn final_block(data: &[u8]) -> Result<FinalBlock, NotDeflate> {
    let mut bits = Bits::new(data);
    let mut codes = Codes::new();
    loop {
        let header = bits.position();
        if header > bits.real_bits() {
            return Err(NotDeflate::Truncated);
        }
        if header + SMALLEST_BLOCK_BITS > bits.real_bits() {
            return Err(NotDeflate::NoFinalBlock);
        }
        let fields = bits.take(3)?;
        match fields >> 1 {
            0 => bits.skip_stored()?,
            1 => {
                codes.load_fixed()?;
                bits.skip_symbols(&codes.litlen, &codes.distance)?;
            }
            2 => {
                bits.read_dynamic(&mut codes)?;
                bits.skip_symbols(&codes.litlen, &codes.distance)?;
            }
            _ => return Err(NotDeflate::ReservedBlockType),
        }
        if fields & 1 == 1 {
            let end = bits.position();
            if end > bits.real_bits() {
                return Err(NotDeflate::Truncated);
            }
            if bit_byte(end + 7) < data.len() {
                return Err(NotDeflate::TrailingData);
            }
            return Ok(FinalBlock { header, end });
        }
    }
}

/// A little-endian bit reader with a 64-bit buffer. Past the end of the data it loads
/// zeros, and refuses to go on once a bit past the end has been consumed, so a truncated
/// stream ends in an error within one symbol.
struct Bits<'a> {
    data: &'a [u8],
    /// The next byte to load; may pass the end of `data` by the zeros loaded there.
    next: usize,
    buffer: u64,
    /// How many of `buffer`'s low bits are loaded and not yet consumed (at most 63).
    count: u32,
}

/// Bits a length and its distance take at most: 15 + 5 extra, 15 + 13 extra.
const PAIR_BITS: u32 = 48;

impl<'a> Bits<'a> {
    fn new(data: &'a [u8]) -> Self {
        Bits {
            data,
            next: 0,
            buffer: 0,
            count: 0,
        }
    }

    /// Bits consumed so far.
    fn position(&self) -> u64 {
        (self.next as u64 * 8).saturating_sub(u64::from(self.count))
    }

    fn real_bits(&self) -> u64 {
        self.data.len() as u64 * 8
    }

    /// Loads bytes until at least 56 bits are buffered.
    #[inline(always)]
    fn refill(&mut self) -> Result<(), NotDeflate> {
        if let Some(word) = self
            .data
            .get(self.next..)
            .and_then(<[u8]>::first_chunk::<8>)
        {
            // Whole bytes that fit are taken; the bits loaded above `count` are those of
            // the next byte, which the next refill ORs in again, unchanged.
            self.buffer |= u64::from_le_bytes(*word) << self.count;
            self.next += ((63 - self.count) >> 3) as usize;
            self.count |= 56;
            return Ok(());
        }
        self.refill_at_end()
    }

    #[inline(always)]
    fn refill_at_end(&mut self) -> Result<(), NotDeflate> {
        if self.position() > self.real_bits() {
            return Err(NotDeflate::Truncated);
        }
        while self.count < 56 {
            let byte = self.data.get(self.next).copied().unwrap_or(0);
            self.buffer |= u64::from(byte) << self.count;
            self.next += 1;
            self.count += 8;
        }
        Ok(())
    }

    /// Drops `n` bits; the caller has made sure that many are buffered.
    #[inline(always)]
    fn consume(&mut self, n: u32) {
        self.buffer >>= n;
        self.count -= n;
    }

    /// The next `n` bits (at most 32), as a number.
    fn take(&mut self, n: u32) -> Result<usize, NotDeflate> {
        if self.count < n {
            self.refill()?;
        }
        let value = (self.buffer & ((1u64 << n) - 1)) as usize;
        self.consume(n);
        Ok(value)
    }

    /// Skips a stored block after its header: LEN, NLEN and LEN bytes from the next byte.
    fn skip_stored(&mut self) -> Result<(), NotDeflate> {
        self.consume(self.count % 8);
        let start = self.next.saturating_sub((self.count / 8) as usize);
        let lengths = self
            .data
            .get(start..)
            .and_then(<[u8]>::first_chunk::<4>)
            .ok_or(NotDeflate::Truncated)?;
        let length = u16::from_le_bytes([lengths[0], lengths[1]]);
        if length != !u16::from_le_bytes([lengths[2], lengths[3]]) {
            return Err(NotDeflate::StoredLength);
        }
        let end = start + 4 + usize::from(length);
        if end > self.data.len() {
            return Err(NotDeflate::Truncated);
        }
        (self.next, self.buffer, self.count) = (end, 0, 0);
        Ok(())
    }

    /// Skips a Huffman block's symbols up to and including its end-of-block code.
    fn skip_symbols(&mut self, litlen: &Code, distance: &Code) -> Result<(), NotDeflate> {
        // A copy the loop owns, so that its fields live in registers.
        let mut bits = Bits { ..*self };
        let result = bits.skip_symbols_here(litlen, distance);
        *self = bits;
        result
    }

    #[inline(always)]
    fn skip_symbols_here(&mut self, litlen: &Code, distance: &Code) -> Result<(), NotDeflate> {
        loop {
            if self.count < PAIR_BITS {
                self.refill()?;
            }
            let mut entry = litlen.lookup(self.buffer);
            if entry & KIND == LONG {
                entry = litlen.decode_long(self.buffer);
            }
            self.consume(u32::from(entry & BITS));
            match entry & KIND {
                PLAIN => {}
                LENGTH => {
                    let mut entry = distance.lookup(self.buffer);
                    if entry & KIND == LONG {
                        entry = distance.decode_long(self.buffer);
                    }
                    if entry & KIND != PLAIN {
                        return Err(NotDeflate::InvalidSymbol);
                    }
                    self.consume(u32::from(entry & BITS));
                }
                END => return Ok(()),
                _ => return Err(NotDeflate::InvalidSymbol),
            }
        }
    }

    /// Reads a dynamic block's header into `codes`' literal/length and distance codes.
    fn read_dynamic(&mut self, codes: &mut Codes) -> Result<(), NotDeflate> {
        let litlens = self.take(5)? + 257;
        let distances = self.take(5)? + 1;
        let precodes = self.take(4)? + 4;
        if litlens > 286 || distances > 30 {
            return Err(NotDeflate::TooManyCodes);
        }
        let mut precode_lengths = [0u8; 19];
        for &symbol in PRECODE_ORDER.iter().take(precodes) {
            if let Some(length) = precode_lengths.get_mut(symbol) {
                *length = self.take(3)? as u8;
            }
        }
        codes.precode.build(&precode_lengths, precode_entry, true)?;
        let mut lengths = [0u8; 286 + 30];
        let lengths = lengths
            .get_mut(..litlens + distances)
            .ok_or(NotDeflate::TooManyCodes)?;
        self.read_code_lengths(&codes.precode, lengths)?;
        let (litlen_lengths, distance_lengths) = lengths.split_at(litlens);
        if litlen_lengths.get(256).is_none_or(|&length| length == 0) {
            return Err(NotDeflate::NoEndOfBlock);
        }
        codes.fixed_loaded = false;
        codes.litlen.build(litlen_lengths, litlen_entry, false)?;
        codes
            .distance
            .build(distance_lengths, distance_entry, false)?;
        Ok(())
    }

    /// Fills `lengths` with code lengths decoded by the code-length code, repeats included.
    fn read_code_lengths(&mut self, precode: &Code, lengths: &mut [u8]) -> Result<(), NotDeflate> {
        let mut filled = 0;
        while filled < lengths.len() {
            if self.count < 7 + 7 {
                self.refill()?;
            }
            let entry = precode.lookup(self.buffer);
            let code_bits = u32::from(entry & 7);
            if code_bits == 0 {
                return Err(NotDeflate::BadCode);
            }
            self.consume(code_bits);
            let (value, repeat) = match entry >> 3 {
                16 => {
                    let previous = filled.checked_sub(1).and_then(|at| lengths.get(at));
                    (*previous.ok_or(NotDeflate::BadRepeat)?, 3 + self.take(2)?)
                }
                17 => (0, 3 + self.take(3)?),
                18 => (0, 11 + self.take(7)?),
                length => (length, 1),
            };
            lengths
                .get_mut(filled..filled + repeat)
                .ok_or(NotDeflate::BadRepeat)?
                .fill(value);
            filled += repeat;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
