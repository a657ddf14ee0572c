use std::io::Read;

use flate2::read::DeflateDecoder;
use flate2::{Decompress, FlushDecompress, Status};
use libdeflater::{CompressionLvl, Compressor};

use super::*;

/// A small deterministic generator (an LCG's high bits).
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound.max(1) as u64) as usize
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }

    /// Words from a small vocabulary with a skewed choice, some rare bytes among them: many
    /// matches, and literal codes long enough to need the slow decode.
    fn text(&mut self, len: usize) -> Vec<u8> {
        let words: Vec<&str> =
            "layer ,the ,function ,compute ,of ,zip\n,deflate ,a ,version ,region ,alias ,\t"
                .split(',')
                .collect();
        let mut out = Vec::with_capacity(len + 16);
        while out.len() < len {
            let pick = self.below(64);
            if pick < 48 {
                out.extend_from_slice(words[pick % 6].as_bytes());
            } else if pick < 60 {
                out.extend_from_slice(words[pick % 12].as_bytes());
            } else {
                out.push(self.next() as u8);
            }
        }
        out.truncate(len);
        out
    }

    fn runs(&mut self, len: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(len);
        while out.len() < len {
            let byte = if self.below(3) == 0 {
                0
            } else {
                self.next() as u8
            };
            let run = 1 + self.below(3000);
            out.extend(std::iter::repeat_n(byte, run.min(len - out.len())));
        }
        out
    }

    fn mixed(&mut self, len: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(len);
        while out.len() < len {
            let part = (1 + self.below(40_000)).min(len - out.len());
            let piece = match self.below(3) {
                0 => self.bytes(part),
                1 => self.text(part),
                _ => self.runs(part),
            };
            out.extend_from_slice(&piece);
        }
        out
    }
}

fn deflate(data: &[u8], level: i32) -> Vec<u8> {
    let level = CompressionLvl::new(level).expect("a valid level");
    let mut compressor = Compressor::new(level);
    let mut out = vec![0u8; compressor.deflate_compress_bound(data.len())];
    let length = compressor
        .deflate_compress(data, &mut out)
        .expect("compresses");
    out.truncate(length);
    out
}

/// `data` split at random points, each piece deflated alone, all but the last rewritten.
fn joined(data: &[u8], level: i32, random: &mut Random) -> Vec<u8> {
    let mut cuts: Vec<usize> = (0..random.below(4))
        .map(|_| random.below(data.len() + 1))
        .collect();
    cuts.push(0);
    cuts.push(data.len());
    cuts.sort_unstable();
    let mut out = Vec::new();
    for (index, pair) in cuts.windows(2).enumerate() {
        let mut piece = deflate(&data[pair[0]..pair[1]], level);
        if index + 2 < cuts.len() {
            to_sync_flush(&mut piece).expect("libdeflate's output rewrites");
        }
        out.extend_from_slice(&piece);
    }
    out
}

fn inflate(stream: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    DeflateDecoder::new(stream)
        .read_to_end(&mut out)
        .expect("decodes");
    out
}

/// Decodes `stream` with zlib, all of it given at once: how many bytes it consumed, what
/// it produced and whether it saw the end of the stream.
fn zlib(stream: &[u8], room: usize) -> (usize, Vec<u8>, Status) {
    let mut decompress = Decompress::new(false);
    let mut out = Vec::with_capacity(room + 1024);
    let status = decompress
        .decompress_vec(stream, &mut out, FlushDecompress::None)
        .expect("zlib decodes it");
    (decompress.total_in() as usize, out, status)
}

#[test]
fn joined_chunks_decode_as_one_stream_to_the_input() {
    let mut random = Random(7);
    let sizes = [0, 1, 2, 100, 65_535, 65_536, 131_071, 200_000];
    for kind in 0..4 {
        for &size in &sizes {
            let data = match kind {
                0 => random.bytes(size),
                1 => random.text(size),
                2 => random.runs(size),
                _ => random.mixed(size),
            };
            for level in [1, 6, 12] {
                let stream = joined(&data, level, &mut random);
                assert_eq!(
                    inflate(&stream),
                    data,
                    "kind {kind}, {size} bytes, level {level}"
                );
                let (consumed, out, status) = zlib(&stream, data.len());
                assert_eq!(status, Status::StreamEnd, "kind {kind}, {size} bytes");
                assert_eq!(consumed, stream.len(), "kind {kind}, {size} bytes");
                assert_eq!(out, data);
            }
        }
    }
}

#[test]
fn the_marker_follows_a_final_block_ending_at_any_bit() {
    let mut random = Random(13);
    let mut ends = [false; 8];
    for size in 0..64 {
        let data = random.text(size * 7);
        let mut stream = deflate(&data, 6);
        let end = final_block(&stream).expect("a final block").end;
        ends[(end % 8) as usize] = true;
        to_sync_flush(&mut stream).expect("rewrites");
        stream.extend_from_slice(&deflate(b"next", 6));
        assert_eq!(inflate(&stream), [&data[..], b"next"].concat(), "{size}");
    }
    assert_eq!(ends, [true; 8]);
}

#[test]
fn a_rewritten_stream_decodes_to_its_chunk_and_does_not_end() {
    let mut random = Random(11);
    for data in [
        Vec::new(),
        vec![9],
        random.text(50_000),
        random.bytes(70_000),
    ] {
        let mut stream = deflate(&data, 6);
        to_sync_flush(&mut stream).expect("rewrites");
        assert!(stream.ends_with(&[0, 0, 0xFF, 0xFF]));
        let mut decompress = Decompress::new(false);
        let mut out = Vec::with_capacity(data.len() + 1024);
        let status = decompress.decompress_vec(&stream, &mut out, FlushDecompress::None);
        assert!(matches!(status, Ok(Status::Ok)), "{status:?}");
        assert_eq!(decompress.total_in() as usize, stream.len());
        assert_eq!(out, data);
        // Told that is all the input, zlib says it needs more: the stream did not end.
        let end = decompress.decompress_vec(&[], &mut out, FlushDecompress::Finish);
        assert!(matches!(end, Ok(Status::BufError)), "{end:?}");
        // Not a complete stream any more, so it cannot be rewritten twice.
        let before = stream.clone();
        assert_eq!(to_sync_flush(&mut stream), Err(NotDeflate::NoFinalBlock));
        assert_eq!(stream, before, "left alone when refused");
    }
}

/// Whatever the rewrite accepts, zlib decodes whole, and what it refuses stays unchanged.
fn agrees_with_zlib(input: &[u8]) -> Result<(), NotDeflate> {
    let mut stream = input.to_vec();
    let result = to_sync_flush(&mut stream);
    match result {
        Ok(()) => {
            let mut decompress = Decompress::new(false);
            let mut out = Vec::with_capacity(1 << 20);
            let status = decompress.decompress_vec(input, &mut out, FlushDecompress::Finish);
            assert!(matches!(status, Ok(Status::StreamEnd)), "{input:?}");
            assert_eq!(decompress.total_in() as usize, input.len());
        }
        Err(_) => assert_eq!(stream, input),
    }
    result
}

#[test]
fn random_bytes_are_refused_without_a_panic() {
    let mut random = Random(3);
    let mut refused = 0;
    for round in 0..3000 {
        let input = random.bytes(round % 300);
        refused += usize::from(agrees_with_zlib(&input).is_err());
    }
    assert!(refused > 2900, "{refused}");
}

#[test]
fn every_truncation_of_a_valid_stream_is_refused() {
    let mut random = Random(5);
    // Stored, fixed and dynamic blocks, one after another in one stream.
    let data = [random.bytes(300), random.text(6000), b"ab".to_vec()].concat();
    let mut stream = deflate(&random.bytes(200), 1);
    to_sync_flush(&mut stream).expect("rewrites");
    for (index, level) in [12, 6, 1].into_iter().enumerate() {
        let mut piece = deflate(&data[index * 100..], level);
        if index < 2 {
            to_sync_flush(&mut piece).expect("rewrites");
        }
        stream.extend_from_slice(&piece);
    }
    assert_eq!(agrees_with_zlib(&stream), Ok(()));
    for length in 0..stream.len() {
        assert!(agrees_with_zlib(&stream[..length]).is_err(), "{length}");
    }
    stream.push(0);
    assert_eq!(agrees_with_zlib(&stream), Err(NotDeflate::TrailingData));
}

/// Bits written the way deflate packs them: fields from their low bit, Huffman codes from
/// their high bit.
#[derive(Default)]
struct Writer {
    bytes: Vec<u8>,
    bits: usize,
}

impl Writer {
    fn field(mut self, value: u32, count: usize) -> Self {
        for at in 0..count {
            if self.bits.is_multiple_of(8) {
                self.bytes.push(0);
            }
            let bit = (value.checked_shr(at as u32).unwrap_or(0) & 1) as u8;
            if let Some(last) = self.bytes.last_mut() {
                *last |= bit << (self.bits % 8);
            }
            self.bits += 1;
        }
        self
    }

    fn code(self, code: u32, count: usize) -> Self {
        let reversed = code.reverse_bits() >> (32 - count);
        self.field(reversed, count)
    }
}

#[test]
fn malformed_blocks_are_refused_with_their_reason() {
    assert_eq!(agrees_with_zlib(&[]), Err(NotDeflate::NoFinalBlock));
    let reserved = [0x07, 0, 0]; // BFINAL=1, BTYPE=11
    assert_eq!(
        agrees_with_zlib(&reserved),
        Err(NotDeflate::ReservedBlockType)
    );
    // A final stored block of 5 bytes whose complement is wrong.
    let stored = [0x01, 0x05, 0x00, 0xFA, 0xFE, 1, 2, 3, 4, 5];
    assert_eq!(agrees_with_zlib(&stored), Err(NotDeflate::StoredLength));
    let fixed = || Writer::default().field(1, 1).field(1, 2);
    // Literal/length 286 (fixed code 11000110), then enough bits for an end of block.
    let symbol = fixed().code(0b1100_0110, 8).field(0, 16);
    assert_eq!(
        agrees_with_zlib(&symbol.bytes),
        Err(NotDeflate::InvalidSymbol)
    );
    // Length 3 (symbol 257, code 0000001), then distance 30 (code 11110).
    let distance = fixed().code(1, 7).code(30, 5).field(0, 16);
    assert_eq!(
        agrees_with_zlib(&distance.bytes),
        Err(NotDeflate::InvalidSymbol)
    );
}

/// A final dynamic block's header up to its code lengths, with the code-length code's
/// lengths given by symbol.
fn dynamic(litlens: u32, distances: u32, precode: &[(usize, u32)]) -> Writer {
    let mut writer = Writer::default()
        .field(1, 1)
        .field(2, 2)
        .field(litlens - 257, 5)
        .field(distances - 1, 5)
        .field(19 - 4, 4);
    for symbol in PRECODE_ORDER {
        let length = precode.iter().find(|(at, _)| *at == symbol);
        writer = writer.field(length.map_or(0, |(_, length)| *length), 3);
    }
    writer
}

/// `count` times the one-bit code `code`.
fn repeated(mut writer: Writer, code: u32, count: usize) -> Writer {
    for _ in 0..count {
        writer = writer.code(code, 1);
    }
    writer
}

/// Code lengths 0 and 1, one bit each: codes 0 and 1.
const ZERO_ONE: &[(usize, u32)] = &[(0, 1), (1, 1)];
/// Code lengths 0, 1 and 2: codes 0, 10 and 11.
const ZERO_ONE_TWO: &[(usize, u32)] = &[(0, 1), (1, 2), (2, 2)];

#[test]
fn over_subscribed_and_missing_codes_are_refused() {
    let over = dynamic(257, 1, &[(0, 1), (1, 1), (2, 1)]).field(0, 600);
    assert_eq!(agrees_with_zlib(&over.bytes), Err(NotDeflate::BadCode));
    let incomplete = dynamic(257, 1, &[(0, 2)]).field(0, 600);
    assert_eq!(
        agrees_with_zlib(&incomplete.bytes),
        Err(NotDeflate::BadCode)
    );
    // 257 literal/length codes of one bit.
    let litlen = repeated(dynamic(257, 1, ZERO_ONE), 1, 258).field(0, 64);
    assert_eq!(agrees_with_zlib(&litlen.bytes), Err(NotDeflate::BadCode));
    // Every length zero: no end-of-block code.
    let no_end = repeated(dynamic(257, 1, ZERO_ONE), 0, 258).field(0, 64);
    assert_eq!(
        agrees_with_zlib(&no_end.bytes),
        Err(NotDeflate::NoEndOfBlock)
    );
    let too_many = dynamic(287, 1, ZERO_ONE).field(0, 600);
    assert_eq!(
        agrees_with_zlib(&too_many.bytes),
        Err(NotDeflate::TooManyCodes)
    );
    let too_many = dynamic(257, 31, ZERO_ONE).field(0, 600);
    assert_eq!(
        agrees_with_zlib(&too_many.bytes),
        Err(NotDeflate::TooManyCodes)
    );
}

#[test]
fn bad_repeats_are_refused() {
    // Code 16 (repeat the previous length) first.
    let first = dynamic(257, 1, &[(0, 1), (16, 1)]).code(1, 1).field(0, 600);
    assert_eq!(agrees_with_zlib(&first.bytes), Err(NotDeflate::BadRepeat));
    // Three runs of 138 zeros for 258 lengths.
    let mut past = dynamic(257, 1, &[(0, 1), (18, 1)]);
    for _ in 0..3 {
        past = past.code(1, 1).field(127, 7);
    }
    let past = past.field(0, 64);
    assert_eq!(agrees_with_zlib(&past.bytes), Err(NotDeflate::BadRepeat));
}

#[test]
fn an_incomplete_code_is_refused_unless_a_single_one_bit_code() {
    // The end of block alone, one bit (code 0); distances: none, or one of one bit.
    for distance in [0, 1] {
        let stream = repeated(dynamic(257, 1, ZERO_ONE), 0, 256)
            .code(1, 1)
            .code(distance, 1)
            .code(0, 1);
        assert_eq!(agrees_with_zlib(&stream.bytes), Ok(()), "{distance}");
    }
    // The end of block alone with two bits (code 11), or a distance code alone with two.
    let litlen = repeated(dynamic(257, 1, ZERO_ONE_TWO), 0, 256)
        .code(0b11, 2)
        .code(0b10, 2)
        .field(0, 64);
    assert_eq!(agrees_with_zlib(&litlen.bytes), Err(NotDeflate::BadCode));
    let distance = repeated(dynamic(257, 1, ZERO_ONE_TWO), 0, 256)
        .code(0b10, 2)
        .code(0b11, 2)
        .field(0, 64);
    assert_eq!(agrees_with_zlib(&distance.bytes), Err(NotDeflate::BadCode));
}
