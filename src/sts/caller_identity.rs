//! STS GetCallerIdentity: the account the credentials belong to, which FC's temporary
//! bucket needs when the `account-id` input is not given.

use serde::Deserialize;

use crate::client::{self, ClientError};
use crate::cloud::AccountId;

#[derive(Deserialize)]
struct Identity {
    #[serde(rename = "AccountId")]
    account_id: String,
}

/// The account id in a GetCallerIdentity reply ([`crate::fc::ApiRequest::get_caller_identity`], sent
/// by the caller with its retries).
pub(crate) fn account_id(body: &[u8]) -> Result<AccountId, ClientError> {
    let identity: Identity = client::parse("GetCallerIdentity", body)?;
    AccountId::parse(&identity.account_id).map_err(|_| ClientError::InvalidReply {
        action: "GetCallerIdentity",
        problem: "AccountId is not a number".to_owned(),
    })
}
