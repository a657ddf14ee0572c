//! A zip being written, watched: each write that reaches the file is told to whoever uploads
//! it, so parts go up while the rest is still being packaged. The packager needs nothing
//! else: it writes to any writer, and this one passes the bytes on and counts them.

use std::io::{self, Write};

use tokio::sync::watch;

/// How far the zip is written, as the uploader sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Written {
    /// This many bytes are in the file, more to come.
    Bytes(u64),
    /// The zip is whole: its size and CRC-64/XZ.
    Done { size: u64, checksum: String },
    /// Packaging failed: what was written is not a zip and will not be one.
    Failed,
}

/// A writer that tells `sender` how many bytes went through it after each write.
pub struct Watched<W> {
    inner: W,
    written: u64,
    sender: watch::Sender<Written>,
}

impl<W: Write> Watched<W> {
    pub fn new(inner: W, sender: watch::Sender<Written>) -> Self {
        Self {
            inner,
            written: 0,
            sender,
        }
    }

    /// The writer, and the sender for the end (done or failed).
    pub fn into_parts(self) -> (W, watch::Sender<Written>) {
        (self.inner, self.sender)
    }
}

impl<W: Write> Write for Watched<W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let written = self.inner.write(bytes)?;
        self.written += written as u64;
        // Nobody listening only means the upload ended first; the zip is still wanted.
        self.sender.send_replace(Written::Bytes(self.written));
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}
