//! A zip written front to back, for reproducible layers. Every entry's sizes and CRC-32 are
//! known before its header (or follow it in a data descriptor, for large files compressed as
//! they stream), so nothing is patched afterwards: the bytes can be hashed as they go out,
//! and the CRC-64/XZ of the whole zip costs no second pass.
//!
//! What it writes is fixed: one date (1980-01-01, the earliest a zip holds), Unix as the
//! "made by" system with the mode in the external attributes, the UTF-8 flag on non-ASCII
//! names, no extra fields, and Zip64 end records only when there are more than 65,535
//! entries.

use std::io::{self, Write};

use crate::checksum::Crc64;

const LOCAL_HEADER: u32 = 0x0403_4b50;
const CENTRAL_HEADER: u32 = 0x0201_4b50;
const DATA_DESCRIPTOR: u32 = 0x0807_4b50;
const END_OF_CENTRAL: u32 = 0x0605_4b50;
const ZIP64_END_OF_CENTRAL: u32 = 0x0606_4b50;
const ZIP64_LOCATOR: u32 = 0x0706_4b50;
/// 1980-01-01 00:00:00 in DOS form: day 1, month 1, year 0.
const DOS_DATE: u16 = (1 << 5) | 1;
const DOS_TIME: u16 = 0;
/// Version 2.0 (deflate, directories) made on Unix (3).
const MADE_BY: u16 = (3 << 8) | 20;
const FLAG_UTF8: u16 = 1 << 11;
const FLAG_DATA_DESCRIPTOR: u16 = 1 << 3;
const MS_DOS_DIRECTORY: u32 = 0x10;

pub(crate) const STORED: u16 = 0;
pub(crate) const DEFLATED: u16 = 8;

/// A file's content as it goes in the zip.
#[derive(Debug)]
pub(crate) struct Compressed {
    pub(crate) method: u16,
    pub(crate) crc32: u32,
    pub(crate) uncompressed: u64,
    pub(crate) data: Vec<u8>,
}

/// Unix file types, for the external attributes.
const REGULAR: u32 = 0o100_000;
const DIRECTORY: u32 = 0o040_000;
const SYMLINK: u32 = 0o120_000;

/// The error a write fails with once the zip would pass its limit.
#[derive(Debug, thiserror::Error)]
#[error("the zip passed its size limit")]
pub(crate) struct OverLimit;

/// A streamed entry begun by [`ZipOut::start_streamed`].
pub(crate) struct Streamed {
    name: String,
    mode: u32,
    offset: u64,
}

pub(crate) struct ZipOut<W> {
    out: W,
    position: u64,
    limit: u64,
    crc64: Crc64,
    central: Vec<u8>,
    entries: u64,
}

impl<W: Write> ZipOut<W> {
    /// Writes to `out`, failing with [`OverLimit`] once more than `limit` bytes would be.
    pub(crate) fn new(out: W, limit: u64) -> Self {
        Self {
            out,
            position: 0,
            limit,
            crc64: Crc64::new(),
            central: Vec::new(),
            entries: 0,
        }
    }

    /// Raw bytes of entry data; for streamed entries between start and finish.
    pub(crate) fn write_data(&mut self, bytes: &[u8]) -> io::Result<()> {
        if self.position + bytes.len() as u64 > self.limit {
            return Err(io::Error::other(OverLimit));
        }
        self.out.write_all(bytes)?;
        self.crc64.update(bytes);
        self.position += bytes.len() as u64;
        Ok(())
    }

    pub(crate) fn directory(&mut self, name: &str, mode: u32) -> io::Result<()> {
        let name = format!("{name}/");
        let entry = Entry {
            name: &name,
            mode: DIRECTORY | mode,
            method: STORED,
            offset: self.position,
            ..Entry::default()
        };
        self.write_local(&entry)?;
        self.record(&entry, MS_DOS_DIRECTORY);
        Ok(())
    }

    pub(crate) fn symlink(&mut self, name: &str, target: &str, mode: u32) -> io::Result<()> {
        let data = target.as_bytes();
        let crc32 = crc32fast::hash(data);
        let length = data.len() as u64;
        let entry = Entry {
            name,
            mode: SYMLINK | mode,
            method: STORED,
            crc32,
            compressed: length,
            uncompressed: length,
            offset: self.position,
            ..Entry::default()
        };
        self.write_local(&entry)?;
        self.write_data(data)?;
        self.record(&entry, 0);
        Ok(())
    }

    pub(crate) fn file(&mut self, name: &str, mode: u32, content: &Compressed) -> io::Result<()> {
        let entry = Entry {
            name,
            mode: REGULAR | mode,
            method: content.method,
            crc32: content.crc32,
            compressed: content.data.len() as u64,
            uncompressed: content.uncompressed,
            offset: self.position,
            ..Entry::default()
        };
        self.write_local(&entry)?;
        self.write_data(&content.data)?;
        self.record(&entry, 0);
        Ok(())
    }

    /// Begins a deflated file whose sizes and CRC-32 follow its data, in a data descriptor.
    pub(crate) fn start_streamed(&mut self, name: &str, mode: u32) -> io::Result<Streamed> {
        let offset = self.position;
        let entry = Entry {
            name,
            mode: REGULAR | mode,
            method: DEFLATED,
            flags: FLAG_DATA_DESCRIPTOR,
            offset,
            ..Entry::default()
        };
        self.write_local(&entry)?;
        Ok(Streamed {
            name: name.to_owned(),
            mode,
            offset,
        })
    }

    /// Ends a streamed file whose data was written with [`ZipOut::write_data`].
    pub(crate) fn finish_streamed(
        &mut self,
        streamed: Streamed,
        crc32: u32,
        compressed: u64,
        uncompressed: u64,
    ) -> io::Result<()> {
        let (compressed32, uncompressed32) = (small(compressed)?, small(uncompressed)?);
        let mut descriptor = Vec::with_capacity(16);
        put32(&mut descriptor, DATA_DESCRIPTOR);
        put32(&mut descriptor, crc32);
        put32(&mut descriptor, compressed32);
        put32(&mut descriptor, uncompressed32);
        self.write_data(&descriptor)?;
        let entry = Entry {
            name: &streamed.name,
            mode: REGULAR | streamed.mode,
            method: DEFLATED,
            flags: FLAG_DATA_DESCRIPTOR,
            crc32,
            compressed,
            uncompressed,
            offset: streamed.offset,
        };
        self.record(&entry, 0);
        Ok(())
    }

    /// Writes the central directory and the end records; returns the writer, the zip's size
    /// and its CRC-64/XZ.
    pub(crate) fn finish(mut self) -> io::Result<(W, u64, String)> {
        let central_offset = self.position;
        let central = std::mem::take(&mut self.central);
        self.write_data(&central)?;
        let central_size = central.len() as u64;
        let mut end = Vec::new();
        let many = self.entries > u64::from(u16::MAX);
        if many {
            let zip64_offset = self.position;
            put32(&mut end, ZIP64_END_OF_CENTRAL);
            put64(&mut end, 44);
            put16(&mut end, (3 << 8) | 45);
            put16(&mut end, 45);
            put32(&mut end, 0);
            put32(&mut end, 0);
            put64(&mut end, self.entries);
            put64(&mut end, self.entries);
            put64(&mut end, central_size);
            put64(&mut end, central_offset);
            put32(&mut end, ZIP64_LOCATOR);
            put32(&mut end, 0);
            put64(&mut end, zip64_offset);
            put32(&mut end, 1);
        }
        let count = if many { u16::MAX } else { self.entries as u16 };
        put32(&mut end, END_OF_CENTRAL);
        put16(&mut end, 0);
        put16(&mut end, 0);
        put16(&mut end, count);
        put16(&mut end, count);
        put32(&mut end, small(central_size)?);
        put32(&mut end, small(central_offset)?);
        put16(&mut end, 0);
        self.write_data(&end)?;
        self.out.flush()?;
        Ok((self.out, self.position, self.crc64.finish()))
    }

    fn write_local(&mut self, entry: &Entry<'_>) -> io::Result<()> {
        let mut header = Vec::with_capacity(30 + entry.name.len());
        put32(&mut header, LOCAL_HEADER);
        put16(&mut header, entry.version_needed());
        put16(&mut header, entry.general_purpose_flags());
        put16(&mut header, entry.method);
        put16(&mut header, DOS_TIME);
        put16(&mut header, DOS_DATE);
        let streamed = entry.flags & FLAG_DATA_DESCRIPTOR != 0;
        put32(&mut header, if streamed { 0 } else { entry.crc32 });
        put32(
            &mut header,
            if streamed {
                0
            } else {
                small(entry.compressed)?
            },
        );
        put32(
            &mut header,
            if streamed {
                0
            } else {
                small(entry.uncompressed)?
            },
        );
        put16(&mut header, name_length(entry.name)?);
        put16(&mut header, 0);
        header.extend_from_slice(entry.name.as_bytes());
        self.write_data(&header)
    }

    fn record(&mut self, entry: &Entry<'_>, dos_attributes: u32) {
        let central = &mut self.central;
        put32(central, CENTRAL_HEADER);
        put16(central, MADE_BY);
        put16(central, entry.version_needed());
        put16(central, entry.general_purpose_flags());
        put16(central, entry.method);
        put16(central, DOS_TIME);
        put16(central, DOS_DATE);
        put32(central, entry.crc32);
        // Sizes and offsets fit: the writer refuses anything over 4 GiB before this point.
        put32(central, entry.compressed as u32);
        put32(central, entry.uncompressed as u32);
        put16(central, entry.name.len() as u16);
        put16(central, 0);
        put16(central, 0);
        put16(central, 0);
        put16(central, 0);
        put32(central, (entry.mode << 16) | dos_attributes);
        put32(central, entry.offset as u32);
        central.extend_from_slice(entry.name.as_bytes());
        self.entries += 1;
    }
}

/// The fields an entry's local header and its central record share.
#[derive(Default)]
struct Entry<'a> {
    name: &'a str,
    mode: u32,
    method: u16,
    /// Besides UTF-8, which the name decides.
    flags: u16,
    crc32: u32,
    compressed: u64,
    uncompressed: u64,
    offset: u64,
}

impl Entry<'_> {
    fn general_purpose_flags(&self) -> u16 {
        let utf8 = if self.name.is_ascii() { 0 } else { FLAG_UTF8 };
        self.flags | utf8
    }

    fn version_needed(&self) -> u16 {
        if self.method == DEFLATED || self.name.ends_with('/') {
            20
        } else {
            10
        }
    }
}

/// A size or offset as the 32-bit field it must fit; layers are far below 4 GiB.
fn small(value: u64) -> io::Result<u32> {
    u32::try_from(value)
        .map_err(|_| io::Error::other("entries and zips over 4 GiB are not supported"))
}

fn name_length(name: &str) -> io::Result<u16> {
    u16::try_from(name.len()).map_err(|_| io::Error::other("an entry name is over 65,535 bytes"))
}

fn put16(out: &mut Vec<u8>, value: u16) {
    out.extend_from_slice(&value.to_le_bytes());
}

fn put32(out: &mut Vec<u8>, value: u32) {
    out.extend_from_slice(&value.to_le_bytes());
}

fn put64(out: &mut Vec<u8>, value: u64) {
    out.extend_from_slice(&value.to_le_bytes());
}
