//! Publishes Alibaba Cloud Function Compute 3.0 layer versions from a GitHub Actions step.
//!
//! The binary (`src/main.rs`) reads the step's inputs, zips the code, signs a
//! CreateLayerVersion request with ACS3-HMAC-SHA256, sends it and writes the new version to
//! `GITHUB_OUTPUT`. This library holds everything but that wiring, mostly as pure functions,
//! so that tests and the local FC service (`fc-local`) use the very same code.
//!
//! # Layout
//! - [`inputs`]: `INPUT_*` variables parsed into validated [`inputs::Settings`]; the one
//!   place where workflow text becomes typed values, and where credentials are loaded.
//! - [`credentials`]: the AccessKey pair and STS token, secrets redacted in `Debug`.
//! - [`package`]: the `code` input as zip bytes, zipped reproducibly or read and checked.
//! - [`checksum`]: CRC-64/XZ, FC's `codeChecksum`.
//! - [`fc`]: the layer API as data: requests built, replies and errors parsed.
//! - [`sign`]: ACS3-HMAC-SHA256, pure; the canonical request prints its own bytes.
//! - [`encode`]: RFC 3986 percent-encoding for paths and queries.
//! - [`client`]: the HTTP edge that signs and sends an [`fc::ApiRequest`].
//! - [`github`]: workflow commands (annotations, masks) and the outputs file format.
//! - [`random`]: nonces and delimiters from the OS's random source.
//! - [`runtimes`]: the runtime identifiers FC is known to accept.
//! - `local` (feature `local-service`): an in-memory FC layer API on loopback for tests and
//!   the quick start.

pub mod checksum;
pub mod client;
pub mod credentials;
pub mod encode;
pub mod fc;
pub mod github;
pub mod inputs;
#[cfg(feature = "local-service")]
pub mod local;
pub mod package;
pub mod random;
pub mod runtimes;
pub mod sign;
