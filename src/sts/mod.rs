//! Credentials and identity asked over the network: STS's GetCallerIdentity, AssumeRole and
//! AssumeRoleWithOIDC, and the job's OIDC token from GitHub that AssumeRoleWithOIDC trades.
//! Above the client, which signs and sends the ACS3 calls; below it is
//! [`crate::credentials`], the data these calls take and hand back (masked on arrival), which
//! thus never imports a network module.
//!
//! - [`caller_identity`]: GetCallerIdentity's reply, the account FC's temporary bucket needs.
//! - [`assume`]: a [`crate::credentials::role::RoleAssumption`] carried out: the token got (from
//!   GitHub or a file) or the caller's credentials used, then STS asked.
//! - [`assume_role`]: AssumeRole (ACS3-signed, role chaining) and the credentials of any STS
//!   reply.
//! - [`oidc`]: AssumeRoleWithOIDC, anonymous, its parameters in a form body.
//! - [`github_token`]: the job's OIDC token from GitHub.

pub(crate) mod assume;
pub mod assume_role;
mod caller_identity;
pub mod github_token;
pub mod oidc;

pub(crate) use caller_identity::account_id;
