//! The test suite: one binary, so the workspace links its crates once. Each module is one
//! area; `common` holds the harness (the binaries as processes, a hostile server, the
//! pipeline in-process against the local service).

mod chaos;
mod common;

mod bytecode_header;
mod changelog;
mod contents;
mod end_to_end;
mod fcignore_bounds;
mod gating;
mod hardening;
mod inputs;
mod interface;
mod keyless;
mod layer_rules;
mod layout;
mod lifecycle;
mod local_functions;
mod local_service;
mod local_sts;
mod oss;
mod oss_signature_vectors;
mod outputs_bounded;
mod overlap;
mod package_zip;
mod pipeline;
mod properties;
mod read_once;
mod regions;
mod release;
mod release_keep;
mod release_race;
mod release_support;
mod repository;
mod rollout;
mod rollout_status;
mod signature_vectors;
mod small_findings;
mod sts_signature_vector;
mod unanswered;
mod untrusted;
mod upload_route;
