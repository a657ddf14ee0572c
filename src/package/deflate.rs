//! Deflate for the packager: files whole with libdeflate (faster than zlib at level 6 and
//! smaller), stored when deflate cannot shrink them; only very large files in chunks
//! compressed on every core, each primed with the 32 KiB before it and ended with a sync
//! flush, so the chunks join into one deflate stream (pigz's method). Both are
//! deterministic: the output depends on the bytes alone, never on the number of threads.
//!
//! Why libdeflate up to a large size: zlib-rs at level 6 (zlib-ng's medium strategy) makes
//! native libraries 1.6–2.9% larger than zlib's level 6 does (Info-ZIP `-6`), chunked or
//! not, where libdeflate's level 6 makes them 1.0–1.1% smaller (bench/packaging, corpus 3).
//! The chunked path, for files too large to hold, uses zlib-rs's level 9, which is smaller
//! than Info-ZIP `-6` on the same files.

use std::cell::RefCell;
use std::io::{self, Read};

use flate2::{Compress, Compression, FlushCompress, Status};
use libdeflater::{CompressionLvl, Compressor};
use rayon::prelude::*;

use super::writer::{Compressed, DEFLATED, STORED};

/// zlib's default level and libdeflate's equivalent: within a few percent of the strongest
/// levels on layers, at a fraction of their time.
const LEVEL: i32 = 6;
/// zlib-rs's level for the chunks of a very large file: its lazy-matching level, the first
/// that is not larger than zlib's level 6.
const CHUNK_LEVEL: u32 = 9;
/// A large file goes through in chunks of this size …
const CHUNK_BYTES: usize = 4 << 20;
/// … one per core at once (at least two), which bounds what a large file holds in memory.
fn chunks_in_flight() -> usize {
    rayon::current_num_threads().max(2)
}
/// Deflate looks back at most this far, so a chunk primed with it loses nothing.
const WINDOW_BYTES: usize = 32 << 10;

thread_local! {
    /// One compressor per thread: libdeflate's state is a few hundred KB, worth keeping.
    static COMPRESSOR: RefCell<Option<Compressor>> = const { RefCell::new(None) };
}

/// `data` deflated whole, or stored when deflate does not make it smaller.
pub(crate) fn compress_small(data: &[u8]) -> Compressed {
    let crc32 = crc32fast::hash(data);
    let deflated = COMPRESSOR.with(|slot| {
        let mut slot = slot.borrow_mut();
        let compressor = slot
            .get_or_insert_with(|| Compressor::new(CompressionLvl::new(LEVEL).unwrap_or_default()));
        let mut out = vec![0u8; compressor.deflate_compress_bound(data.len())];
        compressor
            .deflate_compress(data, &mut out)
            .ok()
            .map(|length| {
                // The bound is about the input's size; a batch holds many of these.
                out.truncate(length);
                out.shrink_to_fit();
                out
            })
    });
    match deflated {
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

/// Deflates everything `input` yields, handing the compressed stream to `sink` piece by
/// piece; returns the CRC-32 and the uncompressed and compressed sizes.
pub(crate) fn compress_large(
    mut input: impl Read,
    mut sink: impl FnMut(&[u8]) -> io::Result<()>,
) -> io::Result<(u32, u64, u64)> {
    let mut crc = crc32fast::Hasher::new();
    let (mut uncompressed, mut compressed) = (0u64, 0u64);
    let mut window: Vec<u8> = Vec::new();
    let mut pending = read_chunk(&mut input)?;
    loop {
        // Read ahead one chunk past the group, to know whether the group holds the last.
        let mut group = vec![pending];
        while group.len() < chunks_in_flight() {
            let next = read_chunk(&mut input)?;
            let done = next.is_empty();
            group.push(next);
            if done {
                break;
            }
        }
        let last_in_group = group.last().is_some_and(Vec::is_empty);
        pending = if last_in_group {
            Vec::new()
        } else {
            read_chunk(&mut input)?
        };
        let finished = last_in_group || pending.is_empty();
        if last_in_group {
            group.pop();
        }
        let count = group.len();
        let jobs: Vec<(&[u8], &[u8], bool)> = group
            .iter()
            .enumerate()
            .map(|(index, chunk)| {
                let dictionary: &[u8] = if index == 0 {
                    &window
                } else {
                    let previous = &group[index - 1];
                    &previous[previous.len().saturating_sub(WINDOW_BYTES)..]
                };
                (chunk.as_slice(), dictionary, finished && index + 1 == count)
            })
            .collect();
        let outputs: Vec<Vec<u8>> = jobs
            .par_iter()
            .map(|(chunk, dictionary, last)| deflate_chunk(chunk, dictionary, *last))
            .collect::<io::Result<_>>()?;
        for (chunk, output) in group.iter().zip(&outputs) {
            crc.update(chunk);
            uncompressed += chunk.len() as u64;
            compressed += output.len() as u64;
            sink(output)?;
        }
        if count == 0 && finished {
            // An input that was empty, or ended exactly on a group: close the stream.
            let end = deflate_chunk(&[], &window, true)?;
            compressed += end.len() as u64;
            sink(&end)?;
        }
        if finished {
            return Ok((crc.finalize(), uncompressed, compressed));
        }
        if let Some(last) = group.last() {
            window = last[last.len().saturating_sub(WINDOW_BYTES)..].to_vec();
        }
    }
}

fn read_chunk(input: &mut impl Read) -> io::Result<Vec<u8>> {
    let mut chunk = Vec::with_capacity(CHUNK_BYTES);
    input.take(CHUNK_BYTES as u64).read_to_end(&mut chunk)?;
    Ok(chunk)
}

/// One chunk as raw deflate, primed with `dictionary`; ended with a sync flush (byte
/// aligned, not final) or, for the last, the final block.
fn deflate_chunk(chunk: &[u8], dictionary: &[u8], last: bool) -> io::Result<Vec<u8>> {
    let mut compress = Compress::new(Compression::new(CHUNK_LEVEL), false);
    if !dictionary.is_empty() {
        compress
            .set_dictionary(dictionary)
            .map_err(io::Error::other)?;
    }
    let flush = if last {
        FlushCompress::Finish
    } else {
        FlushCompress::Sync
    };
    let mut out = Vec::with_capacity(chunk.len() + chunk.len() / 8 + 1024);
    loop {
        let consumed = compress.total_in() as usize;
        let status = compress
            .compress_vec(&chunk[consumed..], &mut out, flush)
            .map_err(io::Error::other)?;
        let all_in = compress.total_in() as usize == chunk.len();
        let room_left = out.len() < out.capacity();
        match status {
            Status::StreamEnd => return Ok(out),
            _ if !last && all_in && room_left => return Ok(out),
            _ => out.reserve(64 << 10),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::read::DeflateDecoder;

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

    fn large(data: &[u8]) -> (Vec<u8>, u32, u64, u64) {
        let mut out = Vec::new();
        let (crc, uncompressed, compressed) = compress_large(data, |piece| {
            out.extend_from_slice(piece);
            Ok(())
        })
        .expect("compresses");
        (out, crc, uncompressed, compressed)
    }

    #[test]
    fn chunks_join_into_one_stream_whatever_the_size() {
        for len in [
            0,
            1,
            CHUNK_BYTES,
            CHUNK_BYTES * chunks_in_flight(),
            CHUNK_BYTES * 5 + 17,
        ] {
            let data = mixed(len);
            let (out, crc, uncompressed, compressed) = large(&data);
            assert_eq!(inflate(&out), data, "{len}");
            assert_eq!(crc, crc32fast::hash(&data));
            assert_eq!(uncompressed, len as u64);
            assert_eq!(compressed, out.len() as u64);
            assert_eq!(large(&data).0, out, "deterministic");
        }
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
