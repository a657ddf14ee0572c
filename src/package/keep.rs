//! What the checks need of a file. A prebuilt zip's entry is passed through (to nowhere:
//! it is read for its checks), keeping a copy of a native file whole, since its version
//! needs may be anywhere in it and a deflate stream cannot be read by range, and only the
//! first bytes of any other. A directory's large file keeps its first bytes; its native
//! code is read back by range through its handle ([`super::open::AtCursor`]).

use std::io;

use super::inspect;

/// Native code larger than this is inspected by its first bytes only (its machine, not its
/// glibc), so that a huge library does not cost its size in memory.
const KEPT_NATIVE_BYTES: usize = 512 << 20;
/// What is kept of any other large file: enough for its first bytes.
const KEPT_HEAD_BYTES: usize = 64 << 10;

/// The first bytes of a large file, which say whether it is native code.
pub(crate) fn head_of(data: &[u8]) -> Vec<u8> {
    data[..data.len().min(KEPT_HEAD_BYTES)].to_vec()
}

/// Passes a file through, keeping a copy of what the inspection needs.
pub(crate) struct Keep<R> {
    inner: R,
    kept: Vec<u8>,
    /// Whether to keep a native file whole.
    whole: bool,
    /// Whether the file is native code and kept whole; decided on its first bytes.
    native: Option<bool>,
}

impl<R> Keep<R> {
    /// `whole`: whether a native file is kept whole, for the checks that read all of it.
    pub(crate) fn new(inner: R, whole: bool) -> Self {
        Self {
            inner,
            kept: Vec::new(),
            whole,
            native: None,
        }
    }

    /// What was kept: the whole file when it is native code (within the limit), else its
    /// first bytes.
    pub(crate) fn kept(&self) -> &[u8] {
        &self.kept
    }
}

impl<R: io::Read> io::Read for Keep<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let read = self.inner.read(buf)?;
        let data = &buf[..read];
        if self.native.is_none() {
            let mut head = self.kept.clone();
            head.extend_from_slice(&data[..read.min(inspect::MAGIC_BYTES)]);
            if head.len() >= inspect::MAGIC_BYTES || read == 0 {
                self.native = Some(self.whole && inspect::may_be_native(&head));
            }
        }
        let limit = match self.native {
            Some(true) => KEPT_NATIVE_BYTES,
            _ => KEPT_HEAD_BYTES,
        };
        if self.kept.len() + read <= limit {
            self.kept.extend_from_slice(data);
        } else if self.native == Some(true) {
            // Too large to hold: keep the head, where the machine is said.
            self.kept.truncate(KEPT_HEAD_BYTES);
            self.native = Some(false);
        } else {
            let room = limit.saturating_sub(self.kept.len());
            self.kept.extend_from_slice(&data[..room]);
        }
        Ok(read)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    /// Reads in small pieces, as a pipe would.
    struct Trickle<'a>(&'a [u8]);

    impl io::Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let take = self.0.len().min(buf.len()).min(3);
            buf[..take].copy_from_slice(&self.0[..take]);
            self.0 = &self.0[take..];
            Ok(take)
        }
    }

    #[test]
    fn native_files_are_kept_whole_and_others_by_their_head() {
        let mut elf = b"\x7fELF".to_vec();
        elf.extend(std::iter::repeat_n(7u8, KEPT_HEAD_BYTES * 2));
        let mut keep = Keep::new(Trickle(&elf), true);
        io::copy(&mut keep, &mut io::sink()).expect("reads");
        assert_eq!(keep.kept(), elf.as_slice());

        let text = vec![b'a'; KEPT_HEAD_BYTES * 2];
        let mut keep = Keep::new(text.as_slice(), true);
        let mut out = Vec::new();
        keep.read_to_end(&mut out).expect("reads");
        assert_eq!(out, text, "everything passes through");
        assert_eq!(keep.kept(), &text[..KEPT_HEAD_BYTES]);

        let mut keep = Keep::new(elf.as_slice(), false);
        io::copy(&mut keep, &mut io::sink()).expect("reads");
        assert_eq!(
            keep.kept(),
            &elf[..KEPT_HEAD_BYTES],
            "checks off: the head only"
        );
    }
}
