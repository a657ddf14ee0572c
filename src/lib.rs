//! Publishes Alibaba Cloud Function Compute 3.0 layer versions from a GitHub Actions step.
//!
//! The binary (`src/main.rs`) is [`entry::main`], which wires the process to the rest: it
//! reads the environment, opens `GITHUB_OUTPUT`, builds the real transport and reporter, and
//! calls [`publish::run_step`]. The rest is mostly pure functions over values handed in, so
//! that tests and the local service (the workspace's `fc-local` crate, which depends on this
//! one and never ships in the action) use the very same code.
//!
//! # Layout
//! - [`entry`]: the process: environment, stdout, `GITHUB_OUTPUT`, network → `run_step`; the
//!   shipped binary and the suite's copy of it both call [`entry::main`].
//! - [`publish`]: the pipeline, inputs → package → list → skip? → upload → create → ACL →
//!   retention → outputs → summary, over a transport and a reporter handed in; a new feature
//!   is a new step.
//! - [`lifecycle`]: one version per change as pure decisions: unchanged?, adoptable?, which
//!   versions go.
//! - [`retry`]: which failures are tried again, and the waits.
//! - [`rollout`]: moving functions to the version, as pure values: the new layer list of a
//!   function, and what became of each.
//! - [`outcome`]: how a run ends, what it did or why it failed; read by the outputs and the
//!   summary.
//! - [`summary`]: the job summary's Markdown.
//! - [`regions_summary`]: the job summary of a step over several regions, a row per region,
//!   and the line that says their versions differ.
//! - [`summary`]: the job summary's Markdown; [`summary::contents`], its "What is inside"
//!   section (files, left out, largest folders, findings).
//! - [`inputs`]: `INPUT_*` text parsed into validated [`inputs::Settings`], every location
//!   resolved; the one place where workflow text becomes typed values.
//! - [`interface`]: the names of the inputs read and the outputs written, which `action.yml`
//!   and the README must declare.
//! - [`credentials`]: credentials with secrets redacted in `Debug`, resolved from a chain of
//!   providers and masked the moment they enter the run; a role to assume (`role`) and
//!   the STS calls that assume it (`assume_role`, `oidc`).
//! - [`fc`]: the FC domain and its layer API as data: layer names, limits, runtimes,
//!   requests, replies and the error wire type.
//! - [`cloud`]: Alibaba Cloud's region and account ids, parsed once.
//! - [`endpoint`]: a service's base URL from a host or a full URL.
//! - [`sign`]: request signatures, pure and of one shape over one request description: shared
//!   primitives, ACS3-HMAC-SHA256, OSS V4 and FC 2.0 (their verifiers are in `fc-local`).
//! - [`client`]: the FC client: signs an [`fc::ApiRequest`], sends it through a transport,
//!   parses the reply.
//! - [`clock`]: [`clock::Signing`], the clock and nonce source a run signs with, chosen once
//!   at the edge and handed to every client.
//! - [`http`]: the transport: request and reply values, reqwest behind a trait, with no
//!   redirects, bounded replies and an idle timeout.
//! - [`proxy`]: which proxy a URL goes through, from the conventional variables.
//! - [`package`]: the `code` input as a zip on disk, zipped reproducibly or read and checked;
//!   the files selected (`.fcignore`, `exclude`, bytecode) and inspected on the way.
//! - [`oss`]: large layers through OSS: names, locations, the signed calls, the upload.
//! - [`temp_bucket`]: FC 2.0's temporary bucket and the credentials it lends.
//! - [`sts`]: GetCallerIdentity, for the account id.
//! - [`checksum`]: CRC-64/XZ, FC's `codeChecksum`.
//! - [`encode`]: RFC 3986 percent-encoding for paths and queries.
//! - [`error_chain`]: an error printed with its causes, as `anyhow` does with `{:#}`.
//! - [`outside_text`]: one rule for text from servers: capped in length before it is shown.
//! - [`redact`]: the secrets masked so far, replaced in one value at a time.
//! - [`report`]: what GitHub sees (log, annotations, masks, outputs) behind one trait.
//! - [`github`]: the text formats of workflow commands and the outputs file.
//! - [`panic_report`]: a panic as one redacted `::error::` annotation.
//! - [`github_oidc`]: the job's OIDC token from GitHub, for keyless role assumption.
//! - [`random`]: nonces and delimiters from the OS's random source; the nonce source handed to
//!   the FC client.

pub mod checksum;
pub mod client;
pub mod clock;
pub mod cloud;
pub mod credentials;
pub mod encode;
pub mod endpoint;
pub mod entry;
pub mod error_chain;
pub mod fc;
pub mod github;
pub mod github_oidc;
pub mod http;
pub mod inputs;
pub mod interface;
pub mod lifecycle;
pub mod oss;
pub mod outcome;
pub mod outside_text;
pub mod package;
pub mod panic_report;
pub mod proxy;
pub mod publish;
pub mod random;
pub mod redact;
pub mod regions_summary;
pub mod report;
pub mod retry;
pub mod rollout;
pub mod sign;
pub mod sts;
pub mod summary;
pub mod temp_bucket;
