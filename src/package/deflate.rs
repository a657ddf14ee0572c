//! Deflate for the packager, all with libdeflate (faster than zlib, and smaller): small
//! files whole at level 6, stored when deflate cannot shrink them; large ones in chunks at
//! level 5 on every core, each deflated on its own and ended with a sync flush
//! ([`super::sync_flush`]), so that the chunks join into one deflate stream. Both are
//! deterministic: chunks are cut by the file's size alone, never by the number of threads.
//!
//! Why chunks that do not look back into the chunk before them: at 4 MiB that costs about
//! 0.1% in size (OpenBLAS, bench/packaging's corpus 3), and libdeflate has no dictionary.
//! zlib-rs can prime each chunk with the 32 KiB before it (pigz's method), but at the level
//! where it is no larger than zlib's level 6 (its level 9) it took 3 to 5 times libdeflate's
//! time on the same files.

use std::cell::RefCell;
use std::io;

use libdeflater::{CompressionLvl, Compressor};

use super::sync_flush::to_sync_flush;
use super::writer::{Compressed, DEFLATED, STORED};

/// zlib's default level and libdeflate's equivalent: within a few percent of the strongest
/// levels on layers, at a fraction of their time.
const LEVEL: i32 = 6;
/// The level for the chunks of large files: a fifth faster than level 6 on native
/// libraries for 0.5 to 0.8% more bytes, and still no larger than zlib's level 6 there
/// (OpenBLAS and CPython's `libpython3.11.a`, bench/packaging). Large files are where
/// a scientific layer's packaging time goes.
const CHUNK_LEVEL: i32 = 5;
/// A large file is cut into chunks of at most this size, all of about the same size.
const CHUNK_BYTES: u64 = 4 << 20;

thread_local! {
    /// One compressor per thread and level: libdeflate's state is a few hundred KB, worth
    /// keeping.
    static COMPRESSORS: RefCell<Vec<(i32, Compressor)>> = const { RefCell::new(Vec::new()) };
}

/// `data` as one complete raw deflate stream at `level`; `None` only if libdeflate's bound
/// was wrong.
fn deflate(data: &[u8], level: i32) -> Option<Vec<u8>> {
    COMPRESSORS.with(|slot| {
        let mut compressors = slot.borrow_mut();
        let index = match compressors.iter().position(|(made, _)| *made == level) {
            Some(index) => index,
            None => {
                let compressor = Compressor::new(CompressionLvl::new(level).unwrap_or_default());
                compressors.push((level, compressor));
                compressors.len() - 1
            }
        };
        let (_, compressor) = &mut compressors[index];
        let mut out = vec![0u8; compressor.deflate_compress_bound(data.len())];
        compressor
            .deflate_compress(data, &mut out)
            .ok()
            .map(|length| {
                // The bound is about the input's size; many of these are held at once.
                out.truncate(length);
                out.shrink_to_fit();
                out
            })
    })
}

/// `data` deflated whole, or stored when deflate does not make it smaller.
pub(crate) fn compress_small(data: &[u8]) -> Compressed {
    let crc32 = crc32fast::hash(data);
    match deflate(data, LEVEL) {
        Some(out) if out.len() < data.len() => Compressed {
            method: DEFLATED,
            crc32,
            uncompressed: data.len() as u64,
            data: out,
        },
        _ => Compressed {
            method: STORED,
            crc32,
            uncompressed: data.len() as u64,
            data: data.to_vec(),
        },
    }
}

/// A chunk of a large file as raw deflate, which ends the stream for the `last` chunk and
/// ends with a sync flush for any other.
pub(crate) fn deflate_chunk(data: &[u8], last: bool) -> io::Result<Vec<u8>> {
    let mut deflated = deflate(data, CHUNK_LEVEL)
        .ok_or_else(|| io::Error::other("libdeflate's output passed its own bound"))?;
    if !last {
        to_sync_flush(&mut deflated).map_err(io::Error::other)?;
    }
    Ok(deflated)
}

/// A piece of a large file, deflated on its own.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Chunk {
    pub(crate) offset: u64,
    pub(crate) length: usize,
    /// The last chunk ends the stream; the others end with a sync flush.
    pub(crate) last: bool,
}

/// `size` bytes cut into as few chunks of at most [`CHUNK_BYTES`] as will do, of sizes
/// that differ by a byte at most (so none is left tiny); one empty chunk when `size` is 0.
pub(crate) fn chunks_of(size: u64) -> Vec<Chunk> {
    let count = size.div_ceil(CHUNK_BYTES).max(1);
    let (base, longer) = (size / count, size % count);
    let mut offset = 0;
    (0..count)
        .map(|index| {
            let length = base + u64::from(index < longer);
            let chunk = Chunk {
                offset,
                // At most CHUNK_BYTES.
                length: length as usize,
                last: index + 1 == count,
            };
            offset += length;
            chunk
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::read::DeflateDecoder;
    use std::io::Read;

    fn inflate(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        DeflateDecoder::new(data)
            .read_to_end(&mut out)
            .expect("valid deflate");
        out
    }

    fn mixed(len: usize) -> Vec<u8> {
        let mut state = 5u64;
        (0..len)
            .map(|index| {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1);
                if index % 4 == 0 {
                    (state >> 40) as u8
                } else {
                    b"layer"[index % 5]
                }
            })
            .collect()
    }

    /// `data` compressed chunk by chunk (one after another here; the packager runs them
    /// on every core), joined.
    fn large(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        for chunk in chunks_of(data.len() as u64) {
            let start = chunk.offset as usize;
            let bytes = &data[start..start + chunk.length];
            out.extend_from_slice(&deflate_chunk(bytes, chunk.last).expect("compresses"));
        }
        out
    }

    #[test]
    fn chunks_join_into_one_stream_whatever_the_size() {
        let chunk = CHUNK_BYTES as usize;
        for len in [0, 1, chunk, chunk + 1, 3 * chunk + 5 * 1024 + 17] {
            let data = mixed(len);
            let out = large(&data);
            assert_eq!(inflate(&out), data, "{len}");
            assert_eq!(large(&data), out, "deterministic");
        }
    }

    #[test]
    fn chunks_are_as_even_as_the_size_allows() {
        let sizes = |size| {
            chunks_of(size)
                .iter()
                .map(|chunk| chunk.length as u64)
                .collect::<Vec<_>>()
        };
        assert_eq!(sizes(0), [0]);
        assert_eq!(sizes(CHUNK_BYTES), [CHUNK_BYTES]);
        let just_over = sizes(CHUNK_BYTES + 1);
        assert_eq!(just_over, [CHUNK_BYTES / 2 + 1, CHUNK_BYTES / 2]);
        let chunks = chunks_of(10 * CHUNK_BYTES + 3);
        assert_eq!(chunks.len(), 11);
        assert!(
            chunks
                .iter()
                .all(|chunk| chunk.length as u64 <= CHUNK_BYTES)
        );
        assert!(
            chunks
                .windows(2)
                .all(|pair| pair[0].offset + pair[0].length as u64 == pair[1].offset)
        );
        assert_eq!(chunks.iter().filter(|chunk| chunk.last).count(), 1);
        assert!(chunks[10].last);
    }

    #[test]
    fn small_files_deflate_or_store_whichever_is_smaller() {
        let text = b"print('hello')\n".repeat(100);
        let deflated = compress_small(&text);
        assert_eq!(deflated.method, DEFLATED);
        assert_eq!(inflate(&deflated.data), text);
        let tiny = compress_small(b"X = 1\n");
        assert_eq!(
            (tiny.method, tiny.data.as_slice()),
            (STORED, &b"X = 1\n"[..])
        );
        assert_eq!(tiny.crc32, crc32fast::hash(b"X = 1\n"));
    }
}
