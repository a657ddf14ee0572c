//! A file the walk listed, opened once and checked on the open handle: between the walk and
//! the read the tree may change, so the path is not trusted a second time. The file is opened
//! without following a link (`O_NOFOLLOW`) and without waiting for a writer (`O_NONBLOCK`,
//! so a FIFO swapped in cannot hang the step); `fstat` on the handle must still show a
//! regular file of the size the walk saw; and only that many bytes are read.

use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::Path;

use super::PackageError;

/// A listed file, open, of the size the walk saw; reads stop at that size.
pub(crate) struct Listed {
    reader: io::Take<File>,
    size: u64,
    read: u64,
}

impl Listed {
    /// The whole content, which must be exactly the listed size.
    #[cfg(test)]
    fn read_all(self, path: &Path) -> Result<Vec<u8>, PackageError> {
        let capacity = usize::try_from(self.size).unwrap_or(0);
        self.read_rest(path, Vec::with_capacity(capacity))
    }

    /// `start`, the bytes read from this file so far, and then the rest of it.
    pub(crate) fn read_rest(
        mut self,
        path: &Path,
        mut data: Vec<u8>,
    ) -> Result<Vec<u8>, PackageError> {
        // The size is known: room for exactly the rest, or `read_to_end` doubles its way up
        // and a 40 MB file held for compression takes 64 MB.
        let rest = usize::try_from(self.size.saturating_sub(self.read)).unwrap_or(0);
        data.reserve_exact(rest);
        self.read_to_end(&mut data)
            .map_err(|source| PackageError::Io {
                path: path.into(),
                source,
            })?;
        Ok(data)
    }
}

impl Listed {
    /// The file read at any offset, by any thread: `head`, the bytes read from this handle
    /// so far, and then the rest from the file, never past the listed size.
    pub(crate) fn at(self, head: Vec<u8>) -> ListedAt {
        ListedAt {
            file: self.reader.into_inner(),
            size: self.size,
            head,
        }
    }
}

/// A listed file read by range; see [`Listed::at`].
pub(crate) struct ListedAt {
    file: File,
    size: u64,
    head: Vec<u8>,
}

impl ListedAt {
    /// The file as `object`'s parser reads it: see [`AtCursor`].
    pub(crate) fn cursor(&self) -> AtCursor<'_> {
        AtCursor {
            file: self,
            position: 0,
        }
    }

    /// Fills `buffer` with the file's bytes from `offset` on.
    pub(crate) fn read_exact_at(&self, buffer: &mut [u8], offset: u64) -> io::Result<()> {
        let shrank = || {
            io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!(
                    "the file shrank while it was read ({} bytes listed)",
                    self.size
                ),
            )
        };
        if offset.saturating_add(buffer.len() as u64) > self.size {
            return Err(shrank());
        }
        let from_head = usize::try_from(offset)
            .ok()
            .and_then(|start| self.head.get(start..))
            .unwrap_or_default();
        let copied = from_head.len().min(buffer.len());
        buffer[..copied].copy_from_slice(&from_head[..copied]);
        self.file
            .read_exact_at(&mut buffer[copied..], offset + copied as u64)
            .map_err(|error| match error.kind() {
                io::ErrorKind::UnexpectedEof => shrank(),
                _ => error,
            })
    }
}

/// A listed file read from a position, as `object`'s parser reads a large native file
/// through a [`ReadCache`](object::ReadCache): only the ranges it asks for, through the
/// handle the file was zipped from.
pub(crate) struct AtCursor<'a> {
    file: &'a ListedAt,
    position: u64,
}

impl object::read::ReadCacheOps for AtCursor<'_> {
    fn len(&mut self) -> Result<u64, ()> {
        Ok(self.file.size)
    }

    fn seek(&mut self, position: u64) -> Result<u64, ()> {
        self.position = position;
        Ok(position)
    }

    fn read(&mut self, buffer: &mut [u8]) -> Result<usize, ()> {
        let left = self.file.size.saturating_sub(self.position);
        let length = buffer
            .len()
            .min(usize::try_from(left).unwrap_or(usize::MAX));
        self.read_exact(&mut buffer[..length])?;
        Ok(length)
    }

    fn read_exact(&mut self, buffer: &mut [u8]) -> Result<(), ()> {
        self.file
            .read_exact_at(buffer, self.position)
            .map_err(|_| ())?;
        self.position += buffer.len() as u64;
        Ok(())
    }
}

impl Read for Listed {
    /// Reads up to the listed size; a file that ends before it fails with `UnexpectedEof`,
    /// since it shrank after it was opened.
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        let read = self.reader.read(buffer)?;
        self.read += read as u64;
        if read == 0 && !buffer.is_empty() && self.read < self.size {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!(
                    "the file shrank while it was read ({} bytes listed, {} read)",
                    self.size, self.read
                ),
            ));
        }
        Ok(read)
    }
}

/// Opens the file at `path`, which the walk listed as a regular file of `size` bytes.
pub(crate) fn open_listed(path: &Path, size: u64) -> Result<Listed, PackageError> {
    let changed = |now: String| PackageError::Changed {
        path: path.into(),
        now,
    };
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .map_err(|source| match source.raw_os_error() {
            // What O_NOFOLLOW answers for a link in the last component.
            Some(libc::ELOOP) => changed("a symbolic link".to_owned()),
            _ => PackageError::Io {
                path: path.into(),
                source,
            },
        })?;
    let metadata = file.metadata().map_err(|source| PackageError::Io {
        path: path.into(),
        source,
    })?;
    if !metadata.is_file() {
        return Err(changed(describe(&metadata.file_type())));
    }
    if metadata.len() != size {
        return Err(changed(format!(
            "a file of {} bytes, not the {size} listed",
            metadata.len()
        )));
    }
    Ok(Listed {
        reader: file.take(size),
        size,
        read: 0,
    })
}

pub(crate) fn describe(file_type: &std::fs::FileType) -> String {
    use std::os::unix::fs::FileTypeExt;
    let kind = if file_type.is_dir() {
        "a directory"
    } else if file_type.is_fifo() {
        "a FIFO"
    } else if file_type.is_char_device() || file_type.is_block_device() {
        "a device"
    } else if file_type.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    };
    kind.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn a_listed_file_reads_back_whole() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("a");
        fs::write(&path, b"hello").expect("write");
        let data = open_listed(&path, 5).expect("opens").read_all(&path);
        assert_eq!(data.expect("reads"), b"hello");
    }

    #[test]
    fn the_rest_is_read_into_exactly_its_room() {
        // Held whole while compressed: a doubling Vec would hold up to twice the file.
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("lib.so");
        let size = (3 << 20) + 17;
        fs::write(&path, vec![7u8; size]).expect("write");
        let mut file = open_listed(&path, size as u64).expect("opens");
        let mut start = vec![0u8; 16];
        file.read_exact(&mut start).expect("a header");
        let data = file.read_rest(&path, start).expect("reads");
        assert_eq!(data.len(), size);
        assert_eq!(data.capacity(), size, "no room beyond the file");
    }

    #[test]
    fn read_by_range_the_head_comes_first_and_a_shrunk_file_fails() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("lib.so");
        let content: Vec<u8> = (0..100u8).collect();
        fs::write(&path, &content).expect("write");
        let mut file = open_listed(&path, 100).expect("opens");
        let mut head = vec![0u8; 10];
        file.read_exact(&mut head).expect("a header");
        // What was judged is what is zipped: the head as read, even if the file changes.
        head[0] = 0xff;
        let at = file.at(head);
        let mut buffer = vec![0u8; 20];
        at.read_exact_at(&mut buffer, 0).expect("reads");
        assert_eq!(buffer[0], 0xff);
        assert_eq!(buffer[1..], content[1..20]);
        at.read_exact_at(&mut buffer, 80).expect("reads");
        assert_eq!(buffer, content[80..]);
        let error = at
            .read_exact_at(&mut buffer, 81)
            .expect_err("past the listed size");
        assert!(error.to_string().contains("shrank"), "{error}");
        fs::write(&path, &content[..50]).expect("truncate");
        let error = at.read_exact_at(&mut buffer, 40).expect_err("shrank");
        assert!(error.to_string().contains("shrank"), "{error}");
    }

    #[test]
    fn links_fifos_devices_and_resized_files_are_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let outside = dir.path().join("outside");
        fs::write(&outside, b"secret").expect("write");
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&outside, &link).expect("symlink");
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.expect("mkfifo runs").success());
        let zero = Path::new("/dev/zero");
        for (path, size, wanted) in [
            (&link, 6, "a symbolic link"),
            (&fifo, 0, "a FIFO"),
            (&zero.to_path_buf(), 0, "a device"),
            (&outside, 3, "a file of 6 bytes, not the 3 listed"),
        ] {
            let error = open_listed(path, size).err().expect("refused").to_string();
            assert!(error.contains(wanted), "{error}");
        }
    }
}
