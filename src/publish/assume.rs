//! The credentials every call uses, made ready before the pipeline sends anything to FC:
//! the keys given, or STS's for the role to assume (`role-to-assume`, or the environment's
//! OIDC chain), assumed once for every region, since a role is not regional.

use crate::clock::Signing;
use crate::credentials::Credentials;
use crate::credentials::role::{RoleAssumption, Via};
use crate::http::Transport;
use crate::inputs::Identity;
use crate::outcome::Failure;
use crate::report::Reporter;
use crate::retry::Retries;
use crate::sts::assume::{assume, oidc_token};

/// The credentials of `identity`: the keys as they are, or the role's from STS, asked with
/// `retries`.
pub(crate) async fn ready_credentials<T: Transport>(
    identity: &Identity,
    retries: Retries,
    transport: &T,
    signing: &Signing,
    reporter: &mut impl Reporter,
) -> Result<Credentials, Failure> {
    match identity {
        Identity::Keys(credentials) => Ok(credentials.clone()),
        Identity::Role(role) => assume_role(role, retries, transport, signing, reporter).await,
    }
}

async fn assume_role<T: Transport>(
    role: &RoleAssumption,
    retries: Retries,
    transport: &T,
    signing: &Signing,
    reporter: &mut impl Reporter,
) -> Result<Credentials, Failure> {
    let how = match &role.via {
        Via::Oidc { .. } => "AssumeRoleWithOIDC",
        Via::Credentials { .. } => "AssumeRole",
    };
    reporter.info(&format!(
        "Assuming {} as session {} ({how} at {})",
        role.role_arn.as_str(),
        role.session_name,
        role.sts.host()
    ));
    // Two calls, each with `retries` of its own (the README promises every call that): the
    // token, then STS with it. Each attempt masks what arrives through the reporter it is
    // handed.
    let failure = |error| Failure::AssumeRole {
        role: role.role_arn.as_str().to_owned(),
        error: Box::new(error),
    };
    let token = retries
        .run(reporter, async |reporter| {
            oidc_token(role, transport, reporter).await
        })
        .await
        .map_err(failure)?;
    let assumed = retries
        .run(reporter, async |reporter| {
            assume(role, token.as_ref(), transport, signing, reporter).await
        })
        .await
        .map_err(failure)?;
    if let Some(warning) = assumed.warning() {
        reporter.warning(warning);
    }
    let credentials = assumed.credentials;
    reporter.info(&format!(
        "Acting as {} with temporary credentials {}",
        role.role_arn.as_str(),
        credentials.access_key_id
    ));
    Ok(credentials)
}
