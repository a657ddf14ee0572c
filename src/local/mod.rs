//! A local, in-memory implementation of the FC 3.0 layer API. The `fc-local` binary serves
//! it on loopback for the end-to-end tests and the README's quick start; [`in_process`]
//! serves it to the pipeline's in-process tests with no socket at all.
//!
//! It is strict where the action could go wrong: every request's ACS3 signature is checked
//! (403 `SignatureNotMatch` on a bad one), bodies are parsed without tolerance for unknown
//! fields, zips are decoded and opened, and checksums compared, as the real service does.
//! Errors are answered with the client's own wire type, [`crate::fc::ServiceError`].
//!
//! - [`auth`]: verifies a received request's signature, token, date and body hash; pure.
//! - [`store`]: the layers and their versions, and the API's semantics over them; pure.
//! - [`service`]: routing, request capture for the SDK conformance test, and the unsigned
//!   `GET /_local/state` view that tests read back; a request in, a reply out.
//! - [`server`]: the service behind an axum HTTP server.
//! - [`in_process`]: the service as an [`crate::http::Transport`].

pub mod auth;
pub mod in_process;
pub mod oss;
pub mod server;
pub mod service;
pub mod store;
