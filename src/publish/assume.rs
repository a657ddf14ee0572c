//! The step before the pipeline when a role is to be assumed (`role-to-assume`, or the
//! environment's OIDC chain): STS's credentials for the role, which every call after uses.
//! Nothing is sent to FC until they are in hand.

use super::calls;
use crate::clock::Signing;
use crate::credentials::role::Via;
use crate::http::Transport;
use crate::inputs::{Settings, Targets};
use crate::outcome::Failure;
use crate::report::Reporter;
use crate::sts::assume::assume;

/// Turns `settings.assume` into `settings.api`; without a role to assume, does nothing.
pub async fn assume_role<T: Transport>(
    settings: &mut Settings,
    transport: &T,
    signing: &Signing,
    reporter: &mut impl Reporter,
) -> Result<(), Failure> {
    let Some(pending) = settings.assume.take() else {
        return Ok(());
    };
    let role = &pending.role;
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
    // Each attempt masks what arrives through the reporter, which the retry's log line
    // needs too: hence a loop here rather than `calls::retried`.
    let retries = settings.lifecycle.retries;
    let mut retry = 0;
    let credentials = loop {
        match assume(role, transport, signing, reporter).await {
            Ok(credentials) => break credentials,
            Err(error) if retry < retries && error.is_retryable() => {
                retry += 1;
                let wait = calls::said_pause(retries, retry, &error, reporter);
                tokio::time::sleep(wait).await;
            }
            Err(error) => {
                return Err(Failure::AssumeRole {
                    role: role.role_arn.as_str().to_owned(),
                    error: Box::new(error),
                });
            }
        }
    };
    reporter.info(&format!(
        "Acting as {} with temporary credentials {}",
        role.role_arn.as_str(),
        credentials.access_key_id
    ));
    settings.api = Some(pending.with_credentials(credentials));
    Ok(())
}

/// For every region the step publishes to: the role assumed once (a role is not regional)
/// through the first region's STS, its credentials set in each region's `api`.
pub async fn assume_roles<T: Transport>(
    targets: &mut Targets,
    transport: &T,
    signing: &Signing,
    reporter: &mut impl Reporter,
) -> Result<(), Failure> {
    let Some((first, others)) = targets.each.split_first_mut() else {
        return Ok(());
    };
    if first.settings.assume.is_none() {
        return Ok(());
    }
    assume_role(&mut first.settings, transport, signing, reporter).await?;
    let Some(credentials) = first
        .settings
        .api
        .as_ref()
        .map(|api| api.credentials.clone())
    else {
        return Ok(());
    };
    for target in others {
        if let Some(pending) = target.settings.assume.take() {
            target.settings.api = Some(pending.with_credentials(credentials.clone()));
        }
    }
    Ok(())
}
