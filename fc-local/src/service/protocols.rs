//! Each protocol's answer to a request [`Service::handle`] has taken in: GitHub's OIDC token,
//! STS, OSS, FC 2.0's temporary bucket and the ACS3-signed calls, each with the credentials
//! it may be signed with and the faults due for it.

use std::time::Duration;

use fc_layer_action::credentials::Credentials;
use fc_layer_action::fc::ServiceError;
use fc_layer_action::http::HttpReply;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::{Incoming, Inner, Service, Site};
use crate::config::{Fault, FaultKind, take_fault};
use crate::reply::{empty_reply, error_reply, json_reply};
use crate::request::ReceivedRequest;
use crate::{fc2, fc3, functions, github_oidc, oss, sts, verify};

impl Service {
    /// The reply to `incoming`, and whether the connection is to drop it instead.
    pub(super) fn answer(
        &self,
        inner: &mut Inner,
        incoming: &Incoming<'_>,
        request_id: &str,
    ) -> (HttpReply, bool) {
        let (request, routed, now) = (&incoming.request, &incoming.routed, incoming.now);
        if github_oidc::is_token_request(routed) {
            let reply = match github_oidc::issue(&self.oidc, routed, now) {
                Ok(value) => json_reply(200, &value, request_id),
                Err(error) => error_reply(error, request_id),
            };
            (reply, false)
        } else if sts::is_assume_role_with_oidc(routed) {
            let reply = match self.assume_role(inner, routed, now, sts::assume_role_with_oidc) {
                Ok(mut value) => {
                    value["RequestId"] = json!(request_id);
                    json_reply(200, &value, request_id)
                }
                Err(error) => error_reply(error, request_id),
            };
            (reply, false)
        } else if oss::is_oss(request) {
            let reply = self
                .answer_oss(inner, incoming)
                .unwrap_or_else(|fault| fault.reply(request_id));
            (reply, false)
        } else if fc2::is_fc2(request) {
            let reply = match self.lend_bucket(inner, incoming) {
                Ok(value) => json_reply(200, &value, request_id),
                Err(error) => error_reply(error, request_id),
            };
            (reply, false)
        } else {
            let mut drop_reply = false;
            let reply = match self.answer_v3(inner, incoming, &mut drop_reply) {
                Ok((status, Some(value))) => json_reply(status, &value, request_id),
                Ok((status, None)) => empty_reply(status, request_id),
                Err(error) => error_reply(error, request_id),
            };
            (reply, drop_reply)
        }
    }

    /// An OSS call; OSS signs `/bucket/key`, not the path sent, so `routed` is all it needs.
    fn answer_oss(
        &self,
        inner: &mut Inner,
        incoming: &Incoming<'_>,
    ) -> Result<HttpReply, crate::oss_store::OssFault> {
        let (prefix, routed, now) = (incoming.prefix, &incoming.routed, incoming.now);
        let signer = routed
            .header("authorization")
            .and_then(verify::oss_v4::parse_authorization)
            .map(|authorization| authorization.access_key_id);
        let owner = self.owner(inner, signer.as_deref());
        let Inner { sites, faults, .. } = inner;
        let Some(site) = sites.get_mut(prefix) else {
            return Err(crate::oss_store::OssFault::new(
                500,
                "InternalError",
                "no state",
            ));
        };
        oss::answer(
            routed,
            prefix,
            &owner,
            &site.lent_credentials,
            faults,
            &mut site.oss,
            now,
        )
    }

    fn lend_bucket(
        &self,
        inner: &mut Inner,
        incoming: &Incoming<'_>,
    ) -> Result<Value, ServiceError> {
        let (prefix, request, routed, now) = (
            incoming.prefix,
            &incoming.request,
            &incoming.routed,
            incoming.now,
        );
        let signer = request
            .header("authorization")
            .and_then(|value| value.strip_prefix("FC "))
            .and_then(|value| value.split_once(':'))
            .map(|(key_id, _)| key_id);
        let owner = self.owner(inner, signer);
        // `--fail TempBucketToken:…`: FC refusing to lend its bucket (a 403 for a RAM user
        // without the permission).
        inject(&mut inner.faults, prefix, "TempBucketToken", &mut false)?;
        let site = site(inner, prefix)?;
        remember_issued(&mut site.lent_credentials, |number| {
            let lender = fc2::Lender {
                credentials: &owner,
                account_id: site.store.account_id(),
                region: site.store.region(),
                number,
            };
            fc2::lend_bucket(&lender, request.path, routed, now)
        })
    }

    /// The account owner's credentials that signed a request: an assumed role's when its key
    /// id is one STS handed out (the role acts for the account), else the service's own.
    fn owner(&self, inner: &Inner, signer: Option<&str>) -> Credentials {
        signer
            .and_then(|id| issued_role(inner, id))
            .unwrap_or(&self.credentials)
            .clone()
    }

    /// An STS call that hands out a role's credentials, remembered so that FC takes them.
    fn assume_role(
        &self,
        inner: &mut Inner,
        request: &ReceivedRequest<'_>,
        now: OffsetDateTime,
        call: impl Fn(
            &sts::Issuer<'_>,
            &ReceivedRequest<'_>,
            OffsetDateTime,
        ) -> Result<(Value, Credentials), ServiceError>,
    ) -> Result<Value, ServiceError> {
        remember_issued(&mut inner.role_credentials, |number| {
            let issuer = sts::Issuer {
                account_id: &self.account_id,
                oidc: &self.oidc,
                number,
            };
            call(&issuer, request, now)
        })
    }

    /// An ACS3-signed call: STS's GetCallerIdentity or FC 3.0's layer API.
    fn answer_v3(
        &self,
        inner: &mut Inner,
        incoming: &Incoming<'_>,
        drop_reply: &mut bool,
    ) -> Result<(u16, Option<Value>), ServiceError> {
        let (prefix, request, routed, now) = (
            incoming.prefix,
            &incoming.request,
            &incoming.routed,
            incoming.now,
        );
        let known = |id: &str| {
            if id == self.credentials.access_key_id {
                return Some(self.credentials.clone());
            }
            issued_role(inner, id).cloned()
        };
        let query = request.query_pairs();
        verify::acs3::verify(&request.signable(request.path, &query), known, now)?;
        if let Some(nonce) = request.header("x-acs-signature-nonce")
            && !inner.nonces.insert(nonce.to_owned())
        {
            return Err(ServiceError::new(
                403,
                "SignatureNonceUsed",
                format!("nonce {nonce} was already used"),
            ));
        }
        if request.header("x-acs-action") == Some("AssumeRole") {
            let reply = self.assume_role(inner, routed, now, sts::assume_role)?;
            return Ok((200, Some(reply)));
        }
        if sts::is_sts(request) {
            inject(&mut inner.faults, prefix, "GetCallerIdentity", drop_reply)?;
            let identity = sts::get_caller_identity(routed, &self.account_id)?;
            return Ok((200, Some(identity)));
        }
        let segments = fc3::segments(routed.path);
        if let Some(route) = functions::route(routed, &segments)? {
            inject(&mut inner.faults, prefix, route.action(), drop_reply)?;
            let site = site(inner, prefix)?;
            return site.functions.answer(route, routed.body, &site.store, now);
        }
        let route = fc3::route(routed, &segments)?;
        inject(&mut inner.faults, prefix, route.action(), drop_reply)?;
        let site = site(inner, prefix)?;
        fc3::answer(route, routed, &mut site.store, &site.oss, now)
    }
}

/// Runs `issue` with the number the next credentials get (their key id is made from it), and
/// keeps the credentials it hands out: later requests may be signed with them.
fn remember_issued(
    issued: &mut Vec<Credentials>,
    issue: impl FnOnce(u64) -> Result<(Value, Credentials), ServiceError>,
) -> Result<Value, ServiceError> {
    let (reply, credentials) = issue(issued.len() as u64 + 1)?;
    issued.push(credentials);
    Ok(reply)
}

/// The fault due for `action` under `prefix`, if any: an error to answer, or the reply to
/// drop.
fn inject(
    faults: &mut [Fault],
    prefix: &str,
    action: &str,
    drop_reply: &mut bool,
) -> Result<(), ServiceError> {
    match take_fault(faults, prefix, action) {
        None => Ok(()),
        Some(FaultKind::Fail(error)) => Err(error),
        Some(FaultKind::Throttle { retry_after_millis }) => {
            let mut error = ServiceError::new(429, "ResourceExhausted", "injected by fc-local");
            error.retry_after = Some(Duration::from_millis(retry_after_millis));
            Err(error)
        }
        Some(FaultKind::DropReply) => {
            *drop_reply = true;
            Ok(())
        }
    }
}

/// The credentials STS handed out for an assumed role whose key id is `id`, if any.
fn issued_role<'i>(inner: &'i Inner, id: &str) -> Option<&'i Credentials> {
    inner
        .role_credentials
        .iter()
        .find(|issued| issued.access_key_id == id)
}

/// The state of `prefix`, made by [`Service::handle`] before any protocol runs.
fn site<'i>(inner: &'i mut Inner, prefix: &str) -> Result<&'i mut Site, ServiceError> {
    inner
        .sites
        .get_mut(prefix)
        .ok_or_else(|| ServiceError::new(500, "InternalError", "no state for the prefix"))
}
