//! Request signatures, each a pure module: time and nonce come in as arguments, and what to
//! add to the request comes back as values.
//!
//! - [`primitives`]: hex, SHA-256, HMAC-SHA256 and the date formats every scheme shares.
//! - [`acs3`]: ACS3-HMAC-SHA256, the signature of FC 3.0 and the other V3 APIs.
//!
//! A new scheme (OSS V4, FC 2.0) is a sibling file built on [`primitives`].

pub mod acs3;
pub mod primitives;
