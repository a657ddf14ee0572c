//! The AccessKey inputs (`access-key-id`, `access-key-secret`, `security-token`), then the
//! `ALIBABA_CLOUD_*` environment, as a credential chain; and a chain's failure as errors
//! that name the inputs at fault.

use super::error::InputError;
use super::raw::RawInputs;
use crate::credentials::chain::{Chain, FromEnvironment, FromInputs};
use crate::credentials::{CredentialsError, Secret};
use crate::interface::Input;

/// The step's inputs first, then the `ALIBABA_CLOUD_*` environment.
pub(super) fn credential_chain<'a>(
    raw: &RawInputs,
    env: &'a dyn Fn(&str) -> Option<String>,
) -> Chain<'a> {
    let secret = |input| {
        raw.secret(input)
            .map(|secret: &Secret| Secret::new(secret.expose().trim()))
    };
    let security_token = secret(Input::SecurityToken);
    Chain::new()
        .with(FromInputs {
            access_key_id: raw.text(Input::AccessKeyId).map(|id| id.trim().to_owned()),
            access_key_secret: secret(Input::AccessKeySecret),
            security_token: security_token.clone(),
        })
        .with(FromEnvironment {
            env,
            security_token_input: security_token,
        })
}

/// What the chain could not resolve, against each input a user would fix.
pub(super) fn credential_errors(error: &CredentialsError) -> Vec<InputError> {
    error
        .inputs()
        .into_iter()
        .map(|input| InputError::new(input, error.to_string()))
        .collect()
}
