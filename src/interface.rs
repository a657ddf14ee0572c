//! The action's interface as GitHub sees it: the inputs it reads and the outputs it writes.
//! `action.yml` and the README's tables declare the same names; `tests/interface.rs` checks
//! that the three agree, so none of them can drift.

/// Every input the action reads, as a workflow writes it under `with:`.
pub const INPUTS: [&str; 21] = [
    "layer-name",
    "code",
    "compatible-runtimes",
    "description",
    "license",
    "region",
    "endpoint",
    "access-key-id",
    "access-key-secret",
    "security-token",
    "skip-unchanged",
    "keep-versions",
    "acl",
    "retries",
    "dry-run",
    "upload",
    "oss-bucket",
    "oss-key-prefix",
    "oss-endpoint",
    "account-id",
    "sts-endpoint",
];

/// Every output the action writes. Code can only name an output through this type, so an
/// output that `action.yml` does not declare cannot be written by accident.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    LayerVersionArn,
    Version,
    CodeChecksum,
    CodeSize,
    Published,
    DeletedVersions,
}

impl Output {
    pub const ALL: [Output; 6] = [
        Output::LayerVersionArn,
        Output::Version,
        Output::CodeChecksum,
        Output::CodeSize,
        Output::Published,
        Output::DeletedVersions,
    ];

    /// The name later steps read as `steps.<id>.outputs.<name>`.
    pub fn name(self) -> &'static str {
        match self {
            Output::LayerVersionArn => "layerVersionArn",
            Output::Version => "version",
            Output::CodeChecksum => "codeChecksum",
            Output::CodeSize => "codeSize",
            Output::Published => "published",
            Output::DeletedVersions => "deletedVersions",
        }
    }
}
