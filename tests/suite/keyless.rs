//! Keyless publishing: the job's GitHub OIDC token exchanged at STS (AssumeRoleWithOIDC) for
//! a role's credentials, role chaining with AssumeRole, and the SDKs' environment chain with a
//! token file; each run in-process against the local service, which issues the token,
//! checks it as STS does and takes only the credentials it handed out on the FC routes.
//! Every refusal comes before any FC request, and no secret shows anywhere but its mask.

use crate::common;

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use common::in_process::*;
use common::{ACCESS_KEY_ID, ACCESS_KEY_SECRET};
use fc_layer_action::http::{HttpReply, HttpRequest, Transport, TransportError};
use fc_layer_action::inputs::{ENV_OIDC_PROVIDER_ARN, ENV_OIDC_TOKEN_FILE, ENV_ROLE_ARN};
use fc_local::github_oidc::{Claims, ISSUER, OidcConfig, TokenFault};
use fc_local::in_process::InProcess;
use fc_local::service::Service;
use serde_json::Value;

const ROLE: &str = "acs:ram::1234567890123456:role/fc-publisher";
const PROVIDER: &str = "acs:ram::1234567890123456:oidc-provider/GitHub";
const TOKEN_URL: &str = "http://github.test/_github/oidc/token?api-version=2.0";
const STS: &str = "http://sts.test";

/// Every exchange through the service, with its reply, so a test can read the token and the
/// credentials that came back and look for them in the log.
#[derive(Clone)]
struct Tap {
    inner: InProcess,
    exchanges: Rc<RefCell<Vec<(HttpRequest, HttpReply)>>>,
}

impl Tap {
    fn new(service: &Arc<Service>) -> Self {
        Self {
            inner: InProcess(Arc::clone(service)),
            exchanges: Rc::default(),
        }
    }

    /// The JSON replies of requests whose URL contains `url_part`, in order.
    fn replies(&self, url_part: &str) -> Vec<Value> {
        self.exchanges
            .borrow()
            .iter()
            .filter(|(request, _)| request.url.contains(url_part))
            .map(|(_, reply)| serde_json::from_slice(&reply.body).expect("JSON reply"))
            .collect()
    }

    /// The key id each FC 3.0 request was signed with, and its security token.
    fn fc_signers(&self) -> Vec<(String, Option<String>)> {
        self.exchanges
            .borrow()
            .iter()
            .filter(|(request, _)| request.url.contains("/2023-03-30/"))
            .map(|(request, _)| {
                let header = |name: &str| {
                    request
                        .headers
                        .iter()
                        .find(|(key, _)| key == name)
                        .map(|(_, value)| value.clone())
                };
                let authorization = header("Authorization").or_else(|| header("authorization"));
                let key_id = authorization
                    .and_then(|value| {
                        let rest = value.split("Credential=").nth(1)?;
                        Some(rest.split(',').next()?.to_owned())
                    })
                    .unwrap_or_default();
                (key_id, header("x-acs-security-token"))
            })
            .collect()
    }
}

impl Transport for Tap {
    async fn send(&self, request: HttpRequest) -> Result<HttpReply, TransportError> {
        let reply = self.inner.send(request.clone()).await?;
        self.exchanges.borrow_mut().push((request, reply.clone()));
        Ok(reply)
    }
}

/// The inputs of a keyless publish: no keys, the role and provider, GitHub's two variables.
fn keyless(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    let mut changes = vec![
        ("INPUT_ACCESS-KEY-ID", ""),
        ("INPUT_ACCESS-KEY-SECRET", ""),
        ("INPUT_ROLE-TO-ASSUME", ROLE),
        ("INPUT_OIDC-PROVIDER-ARN", PROVIDER),
        ("INPUT_AUDIENCE", "sts.aliyuncs.com"),
        ("INPUT_ROLE-DURATION-SECONDS", "3600"),
        ("INPUT_STS-ENDPOINT", STS),
        ("ACTIONS_ID_TOKEN_REQUEST_URL", TOKEN_URL),
        (
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
            "fc-local-id-token-request",
        ),
        ("GITHUB_RUN_ID", "4242"),
    ];
    changes.extend_from_slice(extra);
    changes
}

/// `secret` shows in the log only in its `::add-mask::` line, which comes before any line
/// that could have used it, and never in the outputs or the summary.
fn assert_masked_only(run: &Run, secret: &str) {
    assert!(secret.len() > 8, "a real secret: {secret:?}");
    let mask = format!("::add-mask::{secret}");
    let lines: Vec<&str> = run.log.lines().collect();
    assert!(lines.contains(&mask.as_str()), "not masked: {}", run.log);
    let leaks: Vec<&&str> = lines
        .iter()
        .filter(|line| line.contains(secret) && **line != mask)
        .collect();
    assert!(leaks.is_empty(), "{secret} shown: {leaks:?}");
    assert!(!run.outputs_file.contains(secret));
    assert!(!run.summary.contains(secret));
}

#[test]
fn the_job_token_becomes_sts_credentials_that_publish_with_every_secret_masked() {
    let service = service(|_| {});
    let tap = Tap::new(&service);
    let run = run(&keyless(&[]), tap.clone());
    assert!(run.result.is_ok(), "{}", run.log);
    assert_eq!(
        run.sent,
        [
            "GET ",
            "POST ",
            "GET ListLayerVersions",
            "POST CreateLayerVersion"
        ],
        "the token, the exchange, then FC"
    );
    assert_eq!(versions(&service, "my-layer").len(), 1);
    assert_eq!(
        run.output("layerVersionArn"),
        "acs:fc:cn-hangzhou:1234567890123456:layers/my-layer/versions/1"
    );

    let token = tap.replies("/_github/oidc/token")[0]["value"]
        .as_str()
        .expect("a token")
        .to_owned();
    let sts = &tap.replies(STS)[0]["Credentials"];
    let key_id = sts["AccessKeyId"].as_str().expect("key id");
    let secret = sts["AccessKeySecret"].as_str().expect("secret");
    let security_token = sts["SecurityToken"].as_str().expect("token");
    for value in [
        token.as_str(),
        secret,
        security_token,
        "fc-local-id-token-request",
    ] {
        assert_masked_only(&run, value);
    }
    // The token, secret and security token are masked the moment they arrive: before the
    // next request is even built, so the first FC line comes after all masks.
    let first_fc_line = run
        .log
        .find("Acting as")
        .expect("says whose credentials it uses");
    assert!(run.log[..first_fc_line].contains(&format!("::add-mask::{security_token}")));
    assert!(
        run.log.contains(&format!(
            "Assuming {ROLE} as session fc-layer-action-4242 (AssumeRoleWithOIDC at sts.test)"
        )),
        "{}",
        run.log
    );
    assert_eq!(
        tap.fc_signers(),
        vec![(key_id.to_owned(), Some(security_token.to_owned())); 2],
        "FC is called as the role, with its token"
    );
    assert!(!run.log.contains(ACCESS_KEY_SECRET));
}

#[test]
fn a_token_for_another_audience_is_refused_by_sts_before_any_fc_request() {
    for (audience, fault) in [
        ("api://my-audience", None),
        ("sts.aliyuncs.com", Some(TokenFault::WrongAudience)),
    ] {
        let service = service(|config| config.oidc.fault = fault);
        let run = run(
            &keyless(&[("INPUT_AUDIENCE", audience)]),
            InProcess(Arc::clone(&service)),
        );
        run.assert_failed_and_wrote_nothing();
        assert_eq!(run.sent, ["GET ", "POST "], "{audience} {fault:?}");
        let errors = run.errors();
        assert_eq!(errors.len(), 1, "{}", run.log);
        assert!(
            errors[0].contains("HTTP 401 AuthenticationFail.OIDCToken.AudienceNotMatch")
                && errors[0].contains("(RequestId fc-local-000002)")
                && errors[0].contains("(`audience` must be one of the OIDC provider's client ids)")
                && errors[0].contains(&format!("cannot assume role {ROLE}")),
            "{}",
            errors[0]
        );
        assert!(versions(&service, "my-layer").is_empty());
    }
}

#[test]
fn an_expired_token_is_named_by_its_sts_code() {
    let service = service(|config| config.oidc.fault = Some(TokenFault::Expired));
    let run = run(&keyless(&[]), InProcess(Arc::clone(&service)));
    run.assert_failed_and_wrote_nothing();
    assert_eq!(run.sent, ["GET ", "POST "]);
    assert!(
        run.errors()[0].contains("AuthenticationFail.OIDCToken.Expired"),
        "{}",
        run.log
    );
}

#[test]
fn a_subject_the_trust_policy_refuses_is_no_permission() {
    let service = service(|config| {
        config.oidc.trusted_subject = Some("repo:octo-org/octo-repo:environment:prod".into())
    });
    let run = run(&keyless(&[]), InProcess(Arc::clone(&service)));
    run.assert_failed_and_wrote_nothing();
    assert!(
        run.errors()[0].contains("HTTP 403 AuthenticationFail.NoPermission"),
        "{}",
        run.log
    );
}

#[test]
fn without_the_id_token_permission_nothing_is_sent_and_the_fix_is_named() {
    let service = service(|_| {});
    let run = run(
        &keyless(&[
            ("ACTIONS_ID_TOKEN_REQUEST_URL", ""),
            ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", ""),
        ]),
        InProcess(Arc::clone(&service)),
    );
    run.assert_failed_and_wrote_nothing();
    assert!(run.sent.is_empty(), "{:?}", run.sent);
    assert_eq!(
        input_errors(&run),
        [
            "::error::input `oidc-provider-arn`: needs the job's OIDC token, but ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN are not set: the job needs `permissions: id-token: write`"
        ]
    );
}

#[test]
fn a_wrong_request_token_is_refused_by_github_and_stays_masked() {
    let service = service(|_| {});
    let run = run(
        &keyless(&[("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "stale-request-token-123")]),
        InProcess(Arc::clone(&service)),
    );
    run.assert_failed_and_wrote_nothing();
    assert_eq!(run.sent, ["GET "], "STS is not asked without a token");
    assert!(
        run.errors()[0].contains("GitHub refused the job's OIDC token request (HTTP 401)"),
        "{}",
        run.log
    );
    assert_masked_only(&run, "stale-request-token-123");
}

#[test]
fn role_chaining_assumes_the_role_with_the_given_keys() {
    let service = service(|config| config.oidc.external_id = Some("ext-7".into()));
    let tap = Tap::new(&service);
    let run = run(
        &[
            ("INPUT_ROLE-TO-ASSUME", ROLE),
            ("INPUT_ROLE-EXTERNAL-ID", "ext-7"),
            ("INPUT_ROLE-SESSION-NAME", "release@ci"),
            ("INPUT_STS-ENDPOINT", STS),
        ],
        tap.clone(),
    );
    assert!(run.result.is_ok(), "{}", run.log);
    assert_eq!(
        run.sent,
        [
            "POST AssumeRole",
            "GET ListLayerVersions",
            "POST CreateLayerVersion"
        ]
    );
    let sts = &tap.replies(STS)[0];
    assert_eq!(
        sts["AssumedRoleUser"]["Arn"],
        "acs:ram::1234567890123456:assumed-role/fc-publisher/release@ci"
    );
    let credentials = &sts["Credentials"];
    for secret in ["AccessKeySecret", "SecurityToken"] {
        assert_masked_only(&run, credentials[secret].as_str().expect("secret"));
    }
    let key_id = credentials["AccessKeyId"].as_str().expect("key id");
    assert!(
        tap.fc_signers()
            .iter()
            .all(|(signer, token)| signer == key_id && token.is_some()),
        "{:?}",
        tap.fc_signers()
    );
    assert!(
        tap.fc_signers()
            .iter()
            .all(|(signer, _)| signer != ACCESS_KEY_ID)
    );

    // The trust policy's ExternalId is checked: a wrong one is refused by its code.
    let refused = run_with(
        &service,
        &[
            ("INPUT_ROLE-TO-ASSUME", ROLE),
            ("INPUT_ROLE-EXTERNAL-ID", "ext-8"),
            ("INPUT_STS-ENDPOINT", STS),
        ],
    );
    refused.assert_failed_and_wrote_nothing();
    assert_eq!(refused.sent, ["POST AssumeRole"]);
    assert!(
        refused.errors()[0].contains("HTTP 403 NoPermission"),
        "{}",
        refused.log
    );
}

/// Variables changed from a keyless publish's.
type Changes = &'static [(&'static str, &'static str)];

/// The errors that name an input, without the closing count.
fn input_errors(run: &Run) -> Vec<&str> {
    run.errors()
        .into_iter()
        .filter(|error| error.starts_with("::error::input `"))
        .collect()
}

fn run_with(service: &Arc<Service>, changes: &[(&str, &str)]) -> Run {
    run(changes, InProcess(Arc::clone(service)))
}

#[test]
fn the_environment_chain_reads_the_token_file_and_assumes_the_role() {
    let service = service(|_| {});
    let dir = tempfile::tempdir().expect("tempdir");
    let token_file = dir.path().join("token");
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let token = fc_local::github_oidc::token(
        &OidcConfig::default(),
        &Claims {
            iss: ISSUER.to_owned(),
            sub: "system:serviceaccount:ci:publisher".to_owned(),
            aud: "sts.aliyuncs.com".to_owned(),
            iat: now,
            exp: now + 600,
        },
    );
    std::fs::write(&token_file, format!("{token}\n")).expect("writes");
    let path = token_file.to_str().expect("utf-8");
    let changes = [
        ("INPUT_ACCESS-KEY-ID", ""),
        ("INPUT_ACCESS-KEY-SECRET", ""),
        ("INPUT_STS-ENDPOINT", STS),
        (ENV_ROLE_ARN, ROLE),
        (ENV_OIDC_PROVIDER_ARN, PROVIDER),
        (ENV_OIDC_TOKEN_FILE, path),
        ("ALIBABA_CLOUD_ROLE_SESSION_NAME", "k8s-runner"),
    ];
    let run = run_with(&service, &changes);
    assert!(run.result.is_ok(), "{}", run.log);
    assert_eq!(
        run.sent,
        ["POST ", "GET ListLayerVersions", "POST CreateLayerVersion"]
    );
    assert_masked_only(&run, &token);
    assert!(run.log.contains("as session k8s-runner"), "{}", run.log);

    // Keys in the environment come first, as in the SDKs' chain: no STS call then.
    let mut with_keys = changes.to_vec();
    with_keys.push(("ALIBABA_CLOUD_ACCESS_KEY_ID", ACCESS_KEY_ID));
    with_keys.push(("ALIBABA_CLOUD_ACCESS_KEY_SECRET", ACCESS_KEY_SECRET));
    let keys = run_with(&service, &with_keys);
    assert!(keys.result.is_ok(), "{}", keys.log);
    assert!(!keys.sent.contains(&"POST ".to_owned()), "{:?}", keys.sent);

    // A token file that is not there fails before any request.
    let mut missing = changes.to_vec();
    missing.retain(|(name, _)| *name != ENV_OIDC_TOKEN_FILE);
    missing.push((ENV_OIDC_TOKEN_FILE, "/nonexistent/token"));
    let failed = run_with(&service, &missing);
    failed.assert_failed_and_wrote_nothing();
    assert!(failed.sent.is_empty(), "{:?}", failed.sent);
    assert!(
        failed.errors()[0].contains("cannot read the OIDC token file /nonexistent/token"),
        "{}",
        failed.log
    );
}

#[test]
fn bad_role_values_are_refused_before_any_request() {
    let service = service(|_| {});
    let run = run_with(
        &service,
        &keyless(&[
            ("INPUT_ROLE-TO-ASSUME", "fc-publisher"),
            (
                "INPUT_OIDC-PROVIDER-ARN",
                "acs:ram::1234567890123456:role/x",
            ),
            ("INPUT_ROLE-SESSION-NAME", "has space"),
            ("INPUT_ROLE-DURATION-SECONDS", "60"),
        ]),
    );
    run.assert_failed_and_wrote_nothing();
    assert!(run.sent.is_empty(), "{:?}", run.sent);
    let errors = input_errors(&run);
    let inputs: Vec<&str> = errors
        .iter()
        .map(|error| error.split('`').nth(1).expect("each error names its input"))
        .collect();
    assert_eq!(
        inputs,
        [
            "role-to-assume",
            "oidc-provider-arn",
            "role-session-name",
            "role-duration-seconds"
        ],
        "{}",
        run.log
    );
    assert!(
        errors[0]
            .contains("\"fc-publisher\" is not a RAM role ARN, `acs:ram::{accountId}:role/{name}`"),
        "{}",
        errors[0]
    );
}

#[test]
fn the_default_session_name_is_made_valid_from_the_run_id() {
    let service = service(|_| {});
    let run = run_with(&service, &keyless(&[("GITHUB_RUN_ID", "12/34 56")]));
    assert!(run.result.is_ok(), "{}", run.log);
    assert!(
        run.log.contains("as session fc-layer-action-12-34-56 "),
        "{}",
        run.log
    );
}

#[test]
fn conflicting_inputs_are_refused_before_any_request() {
    let service = service(|_| {});
    let cases: [(Changes, &[&str]); 4] = [
        (
            &[
                ("INPUT_ACCESS-KEY-ID", ACCESS_KEY_ID),
                ("INPUT_ACCESS-KEY-SECRET", ACCESS_KEY_SECRET),
            ],
            &["access-key-id", "access-key-secret"],
        ),
        (
            &[("INPUT_SECURITY-TOKEN", "token-with-oidc")],
            &["security-token"],
        ),
        (&[("INPUT_ROLE-TO-ASSUME", "")], &["role-to-assume"]),
        (
            &[("INPUT_ROLE-EXTERNAL-ID", "ext-1")],
            &["role-external-id"],
        ),
    ];
    for (extra, named) in cases {
        let run = run_with(&service, &keyless(extra));
        run.assert_failed_and_wrote_nothing();
        assert!(run.sent.is_empty(), "{extra:?}: {:?}", run.sent);
        let errors = input_errors(&run);
        assert_eq!(errors.len(), named.len(), "{}", run.log);
        for (error, input) in errors.iter().zip(named) {
            assert!(
                error.starts_with(&format!("::error::input `{input}`:")),
                "{error}"
            );
        }
    }
    // An external id with keys but no role has nothing to go with.
    let stray = run_with(&service, &[("INPUT_ROLE-EXTERNAL-ID", "ext-1")]);
    assert!(stray.sent.is_empty());
    assert!(
        stray.errors()[0].starts_with("::error::input `role-external-id`:"),
        "{}",
        stray.log
    );
    assert!(versions(&service, "my-layer").is_empty());
}

/// The binary over HTTP: GitHub's variables as the runner sets them, fc-local as GitHub's
/// token endpoint, STS and FC; every value it masks stays out of every other line.
#[test]
fn the_binary_publishes_keyless_over_http() {
    let server = common::FcLocal::start(&[]);
    let work = tempfile::tempdir().expect("tempdir");
    let outputs = work.path().join("github_output");
    let example = common::example_layer();
    let token_url = format!("{}/_github/oidc/token?api-version=2.0", server.url);
    let output = common::run_action(
        work.path(),
        &[
            ("INPUT_LAYER-NAME", "keyless-layer"),
            ("INPUT_CODE", example.to_str().expect("utf-8")),
            ("INPUT_ENDPOINT", &server.url),
            ("INPUT_STS-ENDPOINT", &server.url),
            ("INPUT_ROLE-TO-ASSUME", ROLE),
            ("INPUT_OIDC-PROVIDER-ARN", PROVIDER),
            ("INPUT_AUDIENCE", "sts.aliyuncs.com"),
            ("INPUT_ROLE-DURATION-SECONDS", "3600"),
            ("ACTIONS_ID_TOKEN_REQUEST_URL", &token_url),
            (
                "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
                "fc-local-id-token-request",
            ),
            ("GITHUB_RUN_ID", "777"),
            ("GITHUB_OUTPUT", outputs.to_str().expect("utf-8")),
        ],
    );
    let stdout = common::stdout(&output);
    assert!(
        output.status.success(),
        "{stdout}{}",
        common::stderr(&output)
    );
    let masked: Vec<&str> = stdout
        .lines()
        .filter_map(|line| line.strip_prefix("::add-mask::"))
        .collect();
    assert_eq!(
        masked.len(),
        4,
        "request token, OIDC token, secret, security token: {stdout}"
    );
    for value in &masked {
        let shown: Vec<&str> = stdout
            .lines()
            .filter(|line| line.contains(value) && !line.starts_with("::add-mask::"))
            .collect();
        assert!(shown.is_empty(), "{value} shown: {shown:?}");
    }
    let written = std::fs::read_to_string(&outputs).expect("outputs");
    assert!(
        common::parse_github_output(&written).contains(&(
            "layerVersionArn".to_owned(),
            "acs:fc:cn-hangzhou:1234567890123456:layers/keyless-layer/versions/1".to_owned()
        )),
        "{written}"
    );
    assert!(masked.iter().all(|value| !written.contains(value)));
    assert_eq!(server.versions("keyless-layer").len(), 1);
}

/// The role's credentials go every way a zip goes: FC's temporary bucket (the account from
/// GetCallerIdentity, the bucket lent to the role) and a bucket of one's own.
#[test]
fn the_role_uploads_through_oss_both_ways() {
    for (extra, extra_call) in [
        (
            &[
                ("INPUT_UPLOAD", "oss"),
                ("INPUT_OSS-ENDPOINT", "http://oss.test"),
            ][..],
            "GetCallerIdentity",
        ),
        (
            &[
                ("INPUT_UPLOAD", "oss"),
                ("INPUT_REGION", "cn-hangzhou"),
                ("INPUT_OSS-BUCKET", "my-artifacts"),
                ("INPUT_OSS-ENDPOINT", "http://oss.test"),
            ][..],
            "CreateLayerVersion",
        ),
    ] {
        let service = service(|_| {});
        let mut changes = keyless(&[]);
        changes.extend_from_slice(extra);
        let run = run_with(&service, &changes);
        assert!(run.result.is_ok(), "{}", run.log);
        assert!(run.count(extra_call) == 1, "{:?}", run.sent);
        assert!(
            run.sent.iter().any(|sent| sent.starts_with("PUT ")),
            "{:?}",
            run.sent
        );
        assert_eq!(versions(&service, "my-layer").len(), 1, "{extra:?}");
    }
}

/// Where STS is asked, and what the role's settings hold, as `Settings::parse` resolves them.
mod settings {
    use std::path::Path;

    use fc_layer_action::credentials::role::{OidcToken, RoleAssumption, Via};
    use fc_layer_action::credentials::{Masker, Secret};
    use fc_layer_action::inputs::{Access, Identity, RawInputs, Settings};

    struct Ignored;

    impl Masker for Ignored {
        fn mask(&mut self, _: &Secret) {}
    }

    fn role(inputs: &[(&str, &str)], env: &[(&str, &str)]) -> RoleAssumption {
        let mut vars = vec![
            ("INPUT_LAYER-NAME", "my-layer"),
            ("INPUT_CODE", "layer"),
            ("INPUT_ROLE-TO-ASSUME", super::ROLE),
        ];
        vars.extend_from_slice(inputs);
        let raw = RawInputs::from_vars(
            vars.iter()
                .map(|(name, value)| (name.to_string(), value.to_string())),
        )
        .expect("readable");
        let lookup = |name: &str| {
            env.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.to_string())
        };
        let settings = Settings::parse(raw, lookup, Path::new("/w"), &mut Ignored)
            .unwrap_or_else(|errors| panic!("{errors:?}"));
        let Access::Online {
            identity: Identity::Role(role),
            ..
        } = settings.access
        else {
            panic!("a role to assume: {:?}", settings.access)
        };
        *role
    }

    #[test]
    fn sts_is_the_regions_own_unless_sts_endpoint_says_otherwise() {
        let keys = [
            ("INPUT_ACCESS-KEY-ID", "LTAI-id"),
            ("INPUT_ACCESS-KEY-SECRET", "secret"),
        ];
        let regional = role(&[keys[0], keys[1], ("INPUT_REGION", "cn-shanghai")], &[]);
        assert_eq!(regional.sts.host(), "sts.cn-shanghai.aliyuncs.com");
        assert_eq!(regional.duration_seconds, 3600);
        assert!(matches!(regional.via, Via::Credentials { .. }));
        let given = role(
            &[
                keys[0],
                keys[1],
                ("INPUT_REGION", "cn-shanghai"),
                ("INPUT_STS-ENDPOINT", "sts-vpc.cn-shanghai.aliyuncs.com"),
            ],
            &[],
        );
        assert_eq!(given.sts.host(), "sts-vpc.cn-shanghai.aliyuncs.com");
        let global = role(
            &[keys[0], keys[1], ("INPUT_ENDPOINT", "http://127.0.0.1:9")],
            &[],
        );
        assert_eq!(global.sts.host(), "sts.aliyuncs.com");
    }

    #[test]
    fn the_oidc_role_carries_the_audience_and_the_request_and_hides_the_bearer() {
        let oidc = role(
            &[
                ("INPUT_REGION", "cn-hangzhou"),
                ("INPUT_OIDC-PROVIDER-ARN", super::PROVIDER),
                ("INPUT_AUDIENCE", "api://custom"),
                ("INPUT_ROLE-DURATION-SECONDS", "7200"),
            ],
            &[
                ("ACTIONS_ID_TOKEN_REQUEST_URL", super::TOKEN_URL),
                ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "bearer-value-123"),
            ],
        );
        assert_eq!(oidc.duration_seconds, 7200);
        assert_eq!(oidc.session_name.as_str(), "fc-layer-action");
        let Via::Oidc {
            token: OidcToken::GitHub(request),
            ..
        } = &oidc.via
        else {
            panic!("{oidc:?}")
        };
        assert_eq!(request.audience, "api://custom");
        assert_eq!(request.url, super::TOKEN_URL);
        assert!(!format!("{oidc:?}").contains("bearer-value-123"));
    }
}

/// Keyless over several regions: the role is assumed once (a role is not regional) and
/// every region's calls are signed with its credentials.
#[test]
fn the_role_is_assumed_once_for_every_region() {
    let service = service(|_| {});
    let tap = Tap::new(&service);
    let run = run(
        &keyless(&[
            ("INPUT_REGION", ""),
            ("INPUT_REGIONS", "cn-hangzhou, cn-beijing"),
            ("INPUT_ENDPOINT", "http://fc.test/{region}"),
        ]),
        tap.clone(),
    );
    assert!(run.result.is_ok(), "{}", run.log);
    assert_eq!(tap.replies("/_github/oidc/token").len(), 1, "one token");
    assert_eq!(
        tap.replies(STS).len(),
        1,
        "one AssumeRoleWithOIDC for both regions"
    );
    let key_id = tap.replies(STS)[0]["Credentials"]["AccessKeyId"]
        .as_str()
        .expect("key id")
        .to_owned();
    let signers = tap.fc_signers();
    assert_eq!(signers.len(), 4, "list and create in each region");
    assert!(
        signers
            .iter()
            .all(|(id, token)| *id == key_id && token.is_some())
    );
    let arns: Value = serde_json::from_str(&run.output("layerVersionArns")).expect("JSON");
    assert_eq!(
        arns,
        serde_json::json!({
            "cn-hangzhou": "acs:fc:cn-hangzhou:1234567890123456:layers/my-layer/versions/1",
            "cn-beijing": "acs:fc:cn-beijing:1234567890123456:layers/my-layer/versions/1",
        })
    );
}
