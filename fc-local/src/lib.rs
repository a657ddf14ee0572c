//! `fc-local`: the Alibaba Cloud APIs the action calls, in memory, for tests and the README's
//! quick start. The `fc-local` binary serves them on loopback; [`in_process::InProcess`]
//! serves them to in-process tests as an [`fc_layer_action::http::Transport`], with no
//! socket at all.
//!
//! It is strict where the action could go wrong: every request's signature is checked by a
//! verifier of its scheme (403 `SignatureNotMatch` on a bad one), bodies are parsed without
//! tolerance for unknown fields, zips are decoded and opened, and checksums compared, as the
//! real services do. FC errors are answered with the action's own wire type,
//! [`fc_layer_action::fc::ServiceError`]. None of this ships in the action: it depends on the
//! action crate, never the other way round.
//!
//! # Layout
//! - [`cli`]: the binary's command line and process, which the suite's copy of the binary
//!   runs too.
//! - [`config`]: what the service starts with: credentials, region, account, capture, faults.
//! - [`service`]: one request in, one reply out; tells the protocols apart and holds their
//!   shared state, one per path prefix.
//! - [`prefix`]: a path prefix before the API's path (`/cn-beijing/2023-03-30/…`), which
//!   gives a region a state of its own on the one service.
//! - [`fc3`]: FC 3.0's layer API: routes, checked against their action and version headers.
//! - [`functions`]: FC 3.0's GetFunction and UpdateFunction over seeded functions: updates
//!   `InProgress` then `Successful` or `Failed`, and a strict mode for the update's body.
//! - [`store`]: the layers and their versions, and the API's semantics over them; pure.
//! - [`sts`]: STS `GetCallerIdentity`, `AssumeRole` and `AssumeRoleWithOIDC`; the
//!   credentials they hand out are accepted by the FC 3.0 and STS routes.
//! - [`github_oidc`]: GitHub's OIDC token endpoint for tests (a token for the audience
//!   asked for; faults: expired, another audience), and the token check STS runs.
//! - [`fc2`]: FC 2.0's `tempBucketToken`, which lends the temporary bucket.
//! - [`oss`]: OSS calls: who may write where, and faults; [`oss_store`] holds the objects
//!   and multipart uploads.
//! - [`verify`]: a verifier per signature scheme (ACS3, OSS V4, FC 2.0) with their shared
//!   opening and token check, and the date readers.
//! - [`request`]: a request as received; [`reply`]: the JSON replies; [`capture`]: the
//!   request log the SDK conformance tests read.
//! - [`server`]: the service behind an axum HTTP server; [`in_process`]: the same service as
//!   a transport.

pub mod capture;
pub mod cli;
pub mod config;
pub mod fc2;
pub mod fc3;
pub mod functions;
pub mod github_oidc;
pub mod in_process;
pub mod oss;
pub mod oss_store;
pub mod prefix;
pub mod reply;
pub mod request;
pub mod server;
pub mod service;
pub mod store;
pub mod sts;
pub mod verify;
