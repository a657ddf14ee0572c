//! A local, in-memory implementation of the FC 3.0 layer API, served on loopback by the
//! `fc-local` binary. Tests run the real action against it, and the README's quick start uses
//! it to publish a layer without a cloud account.
//!
//! It is strict where the action could go wrong: every request's ACS3 signature is checked
//! (403 `SignatureNotMatch` on a bad one), bodies are parsed without tolerance for unknown
//! fields, zips are decoded and opened, and checksums compared, as the real service does.
//!
//! - [`auth`]: verifies a received request's signature, token, date and body hash; pure.
//! - [`store`]: the layers and their versions, and the API's semantics over them; pure.
//! - [`server`]: HTTP routing, request capture for the SDK conformance test, and the
//!   unsigned `GET /_local/state` view that tests read back.

pub mod auth;
pub mod server;
pub mod store;

/// An error reply, as FC writes them: `{"Code", "Message", "RequestId"}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    pub status: u16,
    pub code: String,
    pub message: String,
}

impl ApiError {
    pub fn new(status: u16, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            code: code.to_owned(),
            message: message.into(),
        }
    }

    pub fn invalid_argument(message: impl Into<String>) -> Self {
        Self::new(400, "InvalidArgument", message)
    }
}
