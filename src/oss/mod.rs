//! Large layers through OSS: names, where requests go, the signed calls, and the upload.
//!
//! - [`names`]: bucket names, object keys and `oss://bucket/key` references.
//! - [`location`]: virtual-hosted URLs for a host, path-style for a full URL.
//! - [`client`]: HeadObject, PutObject and the multipart calls, OSS V4-signed.
//! - [`upload`]: a package into OSS, streamed from disk, checked by CRC-64.
//! - [`xml`]: the few elements OSS replies carry.

pub mod client;
pub mod location;
pub mod names;
pub mod upload;
pub mod xml;
