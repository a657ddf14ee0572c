//! `fc-local` as GitHub's token service and STS, through the action's own clients and as raw
//! requests: the token is for the audience asked, STS refuses what real STS refuses with its
//! codes, and the credentials it hands out (and only those) sign FC and further AssumeRoles.

use std::sync::Arc;

use crate::common::block_on;
use crate::common::in_process::service;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use fc_layer_action::client::{ClientError, FcClient};
use fc_layer_action::clock::Signing;
use fc_layer_action::credentials::role::{
    GitHubTokenRequest, OidcProviderArn, RoleArn, SessionName,
};
use fc_layer_action::credentials::{Credentials, Masker, Secret};
use fc_layer_action::encode;
use fc_layer_action::endpoint::Endpoint;
use fc_layer_action::fc::{ApiRequest, LayerName, LayerVersionsPage};
use fc_layer_action::http::{HttpRequest, Transport};
use fc_layer_action::sts::assume_role::{AssumeRoleParams, StsError, assume_role};
use fc_layer_action::sts::github_token::{GitHubTokenError, fetch_token};
use fc_layer_action::sts::oidc::{OidcParams, assume_role_with_oidc};
use fc_local::in_process::InProcess;
use fc_local::service::Service;
use serde_json::Value;

const ROLE: &str = "acs:ram::1234567890123456:role/fc-publisher";
const PROVIDER: &str = "acs:ram::1234567890123456:oidc-provider/GitHub";

struct Ignored;

impl Masker for Ignored {
    fn mask(&mut self, _: &Secret) {}
}

fn sts() -> Endpoint {
    Endpoint::parse("http://sts.test").expect("endpoint")
}

fn token(service: &Arc<Service>, audience: &str) -> Secret {
    let request = GitHubTokenRequest {
        url: "http://github.test/_github/oidc/token?api-version=2.0".to_owned(),
        bearer: Secret::new("fc-local-id-token-request"),
        audience: audience.to_owned(),
    };
    block_on(fetch_token(
        &InProcess(Arc::clone(service)),
        &request,
        &mut Ignored,
    ))
    .expect("a token")
}

fn claims(token: &Secret) -> Value {
    let payload = token.expose().split('.').nth(1).expect("a JWT");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("base64url")).expect("JSON")
}

fn exchange(service: &Arc<Service>, token: &Secret) -> Result<Credentials, StsError> {
    let provider = OidcProviderArn::parse(PROVIDER).expect("valid");
    let role = RoleArn::parse(ROLE).expect("valid");
    let session = SessionName::parse("local-sts").expect("valid");
    block_on(assume_role_with_oidc(
        &InProcess(Arc::clone(service)),
        &sts(),
        &Signing::system(),
        &OidcParams {
            provider: &provider,
            role_arn: &role,
            session_name: &session,
            duration_seconds: 900,
            token,
        },
        &mut Ignored,
    ))
    .map(|assumed| assumed.credentials)
}

/// A raw AssumeRoleWithOIDC form with `changes` to the parameters of a valid one.
fn raw_exchange(service: &Arc<Service>, changes: &[(&str, &str)]) -> (u16, Value) {
    let token = token(service, "sts.aliyuncs.com");
    let mut params = vec![
        ("Action", "AssumeRoleWithOIDC".to_owned()),
        ("Version", "2015-04-01".to_owned()),
        ("OIDCProviderArn", PROVIDER.to_owned()),
        ("RoleArn", ROLE.to_owned()),
        ("OIDCToken", token.expose().to_owned()),
        ("RoleSessionName", "raw".to_owned()),
    ];
    for (name, value) in changes {
        params.retain(|(key, _)| key != name);
        params.push((name, value.to_string()));
    }
    let body: Vec<String> = params
        .iter()
        .map(|(key, value)| format!("{key}={}", encode::encode(value)))
        .collect();
    let reply = block_on(InProcess(Arc::clone(service)).send(HttpRequest {
        method: "POST",
        url: "http://sts.test/".to_owned(),
        headers: vec![(
            "content-type".to_owned(),
            "application/x-www-form-urlencoded".to_owned(),
        )],
        body: body.join("&").into_bytes().into(),
        progress: None,
    }))
    .expect("a reply");
    (
        reply.status,
        serde_json::from_slice(&reply.body).expect("JSON"),
    )
}

#[test]
fn the_token_is_for_the_audience_asked_and_a_wrong_bearer_gets_none() {
    let service = service(|_| {});
    let token = token(&service, "api://asked-for");
    let claims = claims(&token);
    assert_eq!(claims["aud"], "api://asked-for");
    assert_eq!(claims["iss"], "https://token.actions.githubusercontent.com");
    assert!(claims["exp"].as_i64() > claims["iat"].as_i64());

    let wrong = GitHubTokenRequest {
        url: "http://github.test/_github/oidc/token".to_owned(),
        bearer: Secret::new("not-the-request-token"),
        audience: "sts.aliyuncs.com".to_owned(),
    };
    let refused = block_on(fetch_token(
        &InProcess(Arc::clone(&service)),
        &wrong,
        &mut Ignored,
    ));
    assert!(
        matches!(refused, Err(GitHubTokenError::Refused { status: 401 })),
        "{refused:?}"
    );
}

#[test]
fn sts_refuses_with_its_own_codes() {
    let service = service(|_| {});
    let forged = {
        let token = token(&service, "sts.aliyuncs.com");
        let mut parts: Vec<String> = token.expose().split('.').map(str::to_owned).collect();
        parts[1] = URL_SAFE_NO_PAD
            .encode(br#"{"iss":"https://token.actions.githubusercontent.com","sub":"repo:evil/x:ref:refs/heads/main","aud":"sts.aliyuncs.com","iat":0,"exp":9999999999}"#);
        parts.join(".")
    };
    for (changes, status, code) in [
        (
            vec![("RoleSessionName", "a b")],
            400,
            "InvalidParameter.RoleSessionName",
        ),
        (vec![("RoleArn", "role/x")], 400, "InvalidParameter.RoleArn"),
        (
            vec![("DurationSeconds", "60")],
            400,
            "InvalidParameter.DurationSeconds",
        ),
        (
            vec![("RoleArn", "acs:ram::999:role/fc-publisher")],
            404,
            "EntityNotExist.Role",
        ),
        (
            vec![("OIDCProviderArn", "acs:ram::999:oidc-provider/GitHub")],
            404,
            "EntityNotExist.OIDCProvider",
        ),
        (
            vec![("OIDCToken", forged.as_str())],
            401,
            "AuthenticationFail.OIDCToken.InvalidSignature",
        ),
        (
            vec![("OIDCToken", "not-a-jwt")],
            401,
            "AuthenticationFail.OIDCToken.Invalid",
        ),
    ] {
        let (got, body) = raw_exchange(&service, &changes);
        assert_eq!(
            (got, body["Code"].as_str()),
            (status, Some(code)),
            "{changes:?}"
        );
        assert!(body["RequestId"].as_str().is_some_and(|id| !id.is_empty()));
    }
    let (ok, body) = raw_exchange(&service, &[]);
    assert_eq!(ok, 200, "{body}");
    assert_eq!(
        body["AssumedRoleUser"]["Arn"],
        "acs:ram::1234567890123456:assumed-role/fc-publisher/raw"
    );
}

#[test]
fn issued_credentials_sign_fc_and_chain_and_no_others_do() {
    let service = service(|_| {});
    let token = token(&service, "sts.aliyuncs.com");
    let first = exchange(&service, &token).expect("credentials");
    assert!(first.security_token.is_some());

    let transport = InProcess(Arc::clone(&service));
    let list = |credentials: &Credentials| {
        let client = FcClient::new(
            &transport,
            Endpoint::parse("http://fc.test").expect("endpoint"),
            credentials.clone(),
            Signing::system(),
        );
        let layer = LayerName::parse("nothing-yet").expect("valid");
        block_on(
            client.call::<LayerVersionsPage>(ApiRequest::list_layer_versions(&layer, 20, None)),
        )
    };
    // No such layer yet: a 404 from FC's logic means the signature was taken.
    match list(&first) {
        Err(ClientError::Service { error, .. }) => assert_eq!(error.code, "LayerNotFound"),
        other => panic!("{other:?}"),
    }

    let role = RoleArn::parse("acs:ram::1234567890123456:role/second").expect("valid");
    let session = SessionName::parse("chained").expect("valid");
    let chained = block_on(assume_role(
        &FcClient::new(&transport, sts(), first.clone(), Signing::system()),
        &AssumeRoleParams {
            role_arn: &role,
            session_name: &session,
            duration_seconds: 900,
            external_id: None,
        },
        &mut Ignored,
    ))
    .expect("chained credentials")
    .credentials;
    assert_ne!(chained.access_key_id, first.access_key_id);
    assert!(matches!(
        list(&chained),
        Err(ClientError::Service { error, .. }) if error.code == "LayerNotFound"
    ));

    let made_up = Credentials::new("STS.fc-local-role-99", "guess").with_security_token("guess");
    assert!(matches!(
        list(&made_up),
        Err(ClientError::Service { error, .. }) if error.code == "InvalidAccessKeyID"
    ));
    let mut wrong_token = first.clone();
    wrong_token.security_token = Some(Secret::new("another-token"));
    assert!(matches!(
        list(&wrong_token),
        Err(ClientError::Service { error, .. }) if error.code == "InvalidSecurityToken"
    ));
}
