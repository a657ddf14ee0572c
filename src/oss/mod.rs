//! Large layers through OSS: where requests go, the signed calls, and the upload. The names
//! they use (buckets, keys, `oss://` references) are [`crate::oss_names`], a leaf, since FC's
//! requests name a bucket too and FC's data must not lean on OSS's calls.
//!
//! - [`location`]: virtual-hosted URLs for a host, path-style for a full URL.
//! - [`client`]: HeadObject, PutObject and the multipart calls, OSS V4-signed.
//! - [`error`]: what goes wrong with a call, read from OSS's error document.
//! - [`upload`]: a package into OSS, streamed from disk, checked by CRC-64.
//! - [`pace`]: the part size and parts in flight, adapted to what the first parts measured.
//! - [`parts`]: a multipart upload of a zip on disk, whole or still being written.
//! - [`xml`]: the few elements OSS replies carry.

pub mod client;
pub(crate) mod error;
pub mod location;
pub(crate) mod pace;
pub(crate) mod parts;
pub mod upload;
pub mod xml;
