//! Where credentials come from: a [`Chain`] of [`Provider`]s tried in order, the first that
//! has credentials winning. The action's chain is the step's inputs, then the
//! `ALIBABA_CLOUD_*` variables that Alibaba's own credentials action exports.

use super::{Credentials, Masker, Secret, adopt};
use crate::interface::Input;

const ENV_ACCESS_KEY_ID: &str = "ALIBABA_CLOUD_ACCESS_KEY_ID";
const ENV_ACCESS_KEY_SECRET: &str = "ALIBABA_CLOUD_ACCESS_KEY_SECRET";
const ENV_SECURITY_TOKEN: &str = "ALIBABA_CLOUD_SECURITY_TOKEN";

/// Why no credentials could be resolved, naming the input a user should set.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum CredentialsError {
    /// One half of the AccessKey pair was given as an input, the other not.
    #[error(
        "both `{}` and `{}` must be given when either is",
        Input::AccessKeyId,
        Input::AccessKeySecret
    )]
    HalfPairInInputs { missing: Input },
    /// No source has the pair, or the environment has only half of it.
    #[error(
        "is required (or set {ENV_ACCESS_KEY_ID} and {ENV_ACCESS_KEY_SECRET}, as aliyun/configure-aliyun-credentials-action does)"
    )]
    NotFound { missing: Vec<Input> },
}

impl CredentialsError {
    /// The inputs a user should set to fix this.
    pub(crate) fn inputs(&self) -> Vec<Input> {
        match self {
            Self::HalfPairInInputs { missing } => vec![*missing],
            Self::NotFound { missing } => missing.clone(),
        }
    }
}

/// One place credentials may come from. `Ok(None)` means "not here, ask the next".
pub(crate) trait Provider {
    fn load(&self) -> Result<Option<Credentials>, CredentialsError>;
}

/// Providers tried in order; see [`Chain::resolve`].
#[derive(Default)]
pub(crate) struct Chain<'a> {
    providers: Vec<Box<dyn Provider + 'a>>,
}

impl<'a> Chain<'a> {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    pub(crate) fn with(mut self, provider: impl Provider + 'a) -> Self {
        self.providers.push(Box::new(provider));
        self
    }

    /// The first provider's credentials, masked through [`adopt`] as they are returned.
    pub(crate) fn resolve(&self, masker: &mut dyn Masker) -> Result<Credentials, CredentialsError> {
        for provider in &self.providers {
            if let Some(credentials) = provider.load()? {
                return Ok(adopt(credentials, masker));
            }
        }
        Err(CredentialsError::NotFound {
            missing: vec![Input::AccessKeyId, Input::AccessKeySecret],
        })
    }
}

/// The step's `access-key-id`, `access-key-secret` and `security-token` inputs. They win as a
/// whole: a key id from one place and a secret from another would sign with a mismatched
/// pair, and a token left in the environment must not ride along with long-term keys.
pub(crate) struct FromInputs {
    pub(crate) access_key_id: Option<String>,
    pub(crate) access_key_secret: Option<Secret>,
    pub(crate) security_token: Option<Secret>,
}

impl Provider for FromInputs {
    fn load(&self) -> Result<Option<Credentials>, CredentialsError> {
        match (&self.access_key_id, &self.access_key_secret) {
            (None, None) => Ok(None),
            (Some(id), Some(secret)) => Ok(Some(Credentials {
                access_key_id: id.clone(),
                access_key_secret: secret.clone(),
                security_token: self.security_token.clone(),
            })),
            (None, Some(_)) => Err(CredentialsError::HalfPairInInputs {
                missing: Input::AccessKeyId,
            }),
            (Some(_), None) => Err(CredentialsError::HalfPairInInputs {
                missing: Input::AccessKeySecret,
            }),
        }
    }
}

/// The `ALIBABA_CLOUD_*` variables, read through `env` (the process environment at the
/// edge). A `security-token` input, when given, goes with them.
pub(crate) struct FromEnvironment<F> {
    pub(crate) env: F,
    pub(crate) security_token_input: Option<Secret>,
}

impl<F: Fn(&str) -> Option<String>> Provider for FromEnvironment<F> {
    fn load(&self) -> Result<Option<Credentials>, CredentialsError> {
        let read = |name: &str| {
            (self.env)(name)
                .map(|value| value.trim().to_owned())
                .filter(|value| !value.is_empty())
        };
        match (read(ENV_ACCESS_KEY_ID), read(ENV_ACCESS_KEY_SECRET)) {
            (Some(id), Some(secret)) => {
                let token = self
                    .security_token_input
                    .clone()
                    .or_else(|| read(ENV_SECURITY_TOKEN).map(Secret::new));
                Ok(Some(Credentials {
                    access_key_id: id,
                    access_key_secret: Secret::new(secret),
                    security_token: token,
                }))
            }
            (None, None) => Ok(None),
            (id, _) => Err(CredentialsError::NotFound {
                missing: vec![if id.is_none() {
                    Input::AccessKeyId
                } else {
                    Input::AccessKeySecret
                }],
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::test_support::Recorded;

    fn environment(pairs: &'static [(&'static str, &'static str)]) -> impl Provider {
        FromEnvironment {
            env: move |name: &str| {
                pairs
                    .iter()
                    .find(|(key, _)| *key == name)
                    .map(|(_, value)| value.to_string())
            },
            security_token_input: None,
        }
    }

    #[test]
    fn the_first_provider_with_credentials_wins_and_is_masked() {
        let chain = Chain::new()
            .with(FromInputs {
                access_key_id: None,
                access_key_secret: None,
                security_token: None,
            })
            .with(environment(&[
                (ENV_ACCESS_KEY_ID, "LTAI-env"),
                (ENV_ACCESS_KEY_SECRET, " env-secret "),
                (ENV_SECURITY_TOKEN, "env-token"),
            ]));
        let mut masked = Recorded::default();
        let credentials = chain.resolve(&mut masked).expect("resolves");
        assert_eq!(credentials.access_key_id, "LTAI-env");
        assert_eq!(masked.0, ["env-secret", "env-token"]);
    }

    #[test]
    fn half_a_pair_stops_the_chain_and_masks_nothing() {
        let chain = Chain::new()
            .with(FromInputs {
                access_key_id: Some("LTAI-in".into()),
                access_key_secret: None,
                security_token: None,
            })
            .with(environment(&[
                (ENV_ACCESS_KEY_ID, "LTAI-env"),
                (ENV_ACCESS_KEY_SECRET, "env-secret"),
            ]));
        let mut masked = Recorded::default();
        let error = chain.resolve(&mut masked).expect_err("half a pair");
        assert_eq!(error.inputs(), [Input::AccessKeySecret]);
        assert!(masked.0.is_empty());
    }

    #[test]
    fn nothing_anywhere_names_both_inputs() {
        let error = Chain::new()
            .with(environment(&[]))
            .resolve(&mut Recorded::default())
            .expect_err("nothing");
        assert_eq!(error.inputs(), [Input::AccessKeyId, Input::AccessKeySecret]);
        let half = Chain::new()
            .with(environment(&[(ENV_ACCESS_KEY_SECRET, "s")]))
            .resolve(&mut Recorded::default())
            .expect_err("half in the environment");
        assert_eq!(half.inputs(), [Input::AccessKeyId]);
    }
}
