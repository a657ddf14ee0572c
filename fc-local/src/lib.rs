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
//! One line per module; the README's copy of this block is checked against it
//! (`tests/suite/layout.rs`), as is every file under `fc-local/src/`.
//!
//! ```text
//! fc-local/src/
//!   main.rs                     the binary: `cli::main`, nothing else
//!   cli.rs                      the command line (clap): listen address, keys, region, account, capture, faults
//!   lib.rs                      crate docs and this map
//!   config.rs                   what the service starts with, and the faults it serves on cue
//!   service/mod.rs              one request in, one reply out: the shared state, one per path prefix
//!   service/protocols.rs        each protocol's answer: tells FC 3.0, FC 2.0, STS, OSS and GitHub apart
//!   prefix.rs                   a path prefix before the API's path (`/cn-beijing/2023-03-30/…`): a region of its own
//!   fc3.rs                      FC 3.0's layer API routes, checked against their action and version headers
//!   store.rs                    the layers and their versions, and the API's semantics over them; pure
//!   functions/mod.rs            the function calls over seeded functions: their wire, the state, the dispatch
//!   functions/route.rs          the function calls by method and path, checked against their action and version headers
//!   functions/wire.rs           what the function calls share: query, page size, version ids, bodies, not-found errors
//!   functions/seeds.rs          the functions, versions and aliases the command line seeds
//!   functions/record.rs         a function as held (versions, aliases), as GetFunction describes it: InProgress, Failed
//!   functions/update.rs         UpdateFunction: the layers checked, strict body, the update started
//!   functions/flaky.rs          updates that end Failed with the new layers left listed, the first times only
//!   functions/listing.rs        ListFunctions: name order, pages, prefix, fcVersion, the fault without layers
//!   functions/versions.rs       PublishFunctionVersion (no change refused), ListFunctionVersions, qualifiers
//!   functions/aliases.rs        GetAlias, CreateAlias, UpdateAlias and their rules
//!   functions/view.rs           the versions and aliases in the state view, read back typed for tests
//!   functions/test_support.rs   the function calls routed as the service routes them, for the unit tests
//!   functions/alias_tests.rs    the alias calls' rules and seeds, one test each
//!   sts.rs                      STS GetCallerIdentity, AssumeRole, AssumeRoleWithOIDC; their credentials accepted
//!   github_oidc.rs              GitHub's OIDC token endpoint for tests (faults: expired, wrong audience), the check
//!   fc2.rs                      FC 2.0's tempBucketToken, which lends the temporary bucket
//!   oss.rs                      OSS calls: who may write where, and faults
//!   oss_store.rs                the in-memory objects and multipart uploads
//!   verify/mod.rs               the opening every verifier shares: signer lookup, skew, security token
//!   verify/request.rs           a request as the verifiers see it, fc-local's own (token hidden in Debug)
//!   verify/canonical.rs         the header and query lines the schemes share
//!   verify/acs3.rs              ACS3-HMAC-SHA256 verified (FC 3.0, STS)
//!   verify/acs3_canonical.rs    ACS3's canonical request and string to sign, from the specification
//!   verify/oss_v4.rs            OSS4-HMAC-SHA256 verified
//!   verify/oss_v4_canonical.rs  OSS V4's canonical request and string to sign, from the specification
//!   verify/fc2.rs               the FC 2.0 signature verified
//!   verify/fc2_canonical.rs     FC 2.0's string to sign, from the specification
//!   verify/test_support.rs      signing with fc-local's own forms, for its tests
//!   verify/vectors/mod.rs       the published vectors, read from tests/data, for both sides
//!   verify/vectors/acs3.rs      ACS3's vectors against fc-local's verifier
//!   verify/vectors/oss_v4.rs    OSS V4's vectors against fc-local's verifier
//!   verify/vectors/fc2.rs       FC 2.0's vectors against fc-local's verifier
//!   digest.rs                   SHA-256, HMAC-SHA256 and hex, fc-local's own
//!   percent.rs                  percent-encoding and decoding, fc-local's own
//!   dates.rs                    the date formats the verifiers read and the replies write
//!   request.rs                  a request as received
//!   reply.rs                    the JSON replies
//!   capture.rs                  the request log the SDK conformance tests read
//!   server.rs                   the service behind axum
//!   in_process.rs               the service as a Transport, for in-process tests
//! ```

pub(crate) mod capture;
pub mod cli;
pub mod config;
pub mod dates;
pub(crate) mod digest;
pub(crate) mod fc2;
pub(crate) mod fc3;
pub mod functions;
pub mod github_oidc;
pub mod in_process;
pub(crate) mod oss;
pub(crate) mod oss_store;
pub(crate) mod percent;
pub(crate) mod prefix;
pub(crate) mod reply;
pub mod request;
pub mod server;
pub mod service;
pub(crate) mod store;
pub(crate) mod sts;
pub mod verify;
