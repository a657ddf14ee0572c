//! The action's interface as GitHub sees it: the inputs it reads and the outputs it writes.
//! `action.yml` and the README's tables declare the same names; `tests/interface.rs` checks
//! that the three agree, so none of them can drift.

use std::fmt;

/// Every input the action reads. Code can only name an input through this type, so an
/// error cannot blame an input that `action.yml` does not declare; the order is
/// `action.yml`'s, which is the order errors are reported in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Input {
    LayerName,
    Code,
    CompatibleRuntimes,
    Description,
    License,
    Region,
    Endpoint,
    AccessKeyId,
    AccessKeySecret,
    SecurityToken,
    SkipUnchanged,
    KeepVersions,
    Acl,
    Retries,
    DryRun,
    Upload,
    OssBucket,
    OssKeyPrefix,
    OssEndpoint,
    AccountId,
    StsEndpoint,
    RoleToAssume,
    OidcProviderArn,
    Audience,
    RoleSessionName,
    RoleDurationSeconds,
    RoleExternalId,
    Functions,
    FunctionUpdateTimeout,
    Alias,
    AliasWeight,
    Regions,
    Exclude,
    PythonBytecode,
    Check,
}

impl Input {
    pub const ALL: [Input; 35] = [
        Input::LayerName,
        Input::Code,
        Input::CompatibleRuntimes,
        Input::Description,
        Input::License,
        Input::Region,
        Input::Endpoint,
        Input::AccessKeyId,
        Input::AccessKeySecret,
        Input::SecurityToken,
        Input::SkipUnchanged,
        Input::KeepVersions,
        Input::Acl,
        Input::Retries,
        Input::DryRun,
        Input::Upload,
        Input::OssBucket,
        Input::OssKeyPrefix,
        Input::OssEndpoint,
        Input::AccountId,
        Input::StsEndpoint,
        Input::RoleToAssume,
        Input::OidcProviderArn,
        Input::Audience,
        Input::RoleSessionName,
        Input::RoleDurationSeconds,
        Input::RoleExternalId,
        Input::Functions,
        Input::FunctionUpdateTimeout,
        Input::Alias,
        Input::AliasWeight,
        Input::Regions,
        Input::Exclude,
        Input::PythonBytecode,
        Input::Check,
    ];

    /// The name a workflow writes under `with:`.
    pub fn name(self) -> &'static str {
        match self {
            Input::LayerName => "layer-name",
            Input::Code => "code",
            Input::CompatibleRuntimes => "compatible-runtimes",
            Input::Description => "description",
            Input::License => "license",
            Input::Region => "region",
            Input::Endpoint => "endpoint",
            Input::AccessKeyId => "access-key-id",
            Input::AccessKeySecret => "access-key-secret",
            Input::SecurityToken => "security-token",
            Input::SkipUnchanged => "skip-unchanged",
            Input::KeepVersions => "keep-versions",
            Input::Acl => "acl",
            Input::Retries => "retries",
            Input::DryRun => "dry-run",
            Input::Upload => "upload",
            Input::OssBucket => "oss-bucket",
            Input::OssKeyPrefix => "oss-key-prefix",
            Input::OssEndpoint => "oss-endpoint",
            Input::AccountId => "account-id",
            Input::StsEndpoint => "sts-endpoint",
            Input::RoleToAssume => "role-to-assume",
            Input::OidcProviderArn => "oidc-provider-arn",
            Input::Audience => "audience",
            Input::RoleSessionName => "role-session-name",
            Input::RoleDurationSeconds => "role-duration-seconds",
            Input::RoleExternalId => "role-external-id",
            Input::Functions => "functions",
            Input::FunctionUpdateTimeout => "function-update-timeout",
            Input::Alias => "alias",
            Input::AliasWeight => "alias-weight",
            Input::Regions => "regions",
            Input::Exclude => "exclude",
            Input::PythonBytecode => "python-bytecode",
            Input::Check => "check",
        }
    }

    /// The inputs whose values must never be shown: held as [`crate::credentials::Secret`]
    /// from the moment they are read.
    pub(crate) fn is_secret(self) -> bool {
        matches!(self, Input::AccessKeySecret | Input::SecurityToken)
    }
}

impl fmt::Display for Input {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

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
    UpdatedFunctions,
    Functions,
    LayerVersionArns,
    Versions,
}

impl Output {
    pub const ALL: [Output; 10] = [
        Output::LayerVersionArn,
        Output::Version,
        Output::CodeChecksum,
        Output::CodeSize,
        Output::Published,
        Output::DeletedVersions,
        Output::UpdatedFunctions,
        Output::Functions,
        Output::LayerVersionArns,
        Output::Versions,
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
            Output::UpdatedFunctions => "updatedFunctions",
            Output::Functions => "functions",
            Output::LayerVersionArns => "layerVersionArns",
            Output::Versions => "versions",
        }
    }
}
