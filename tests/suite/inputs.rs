//! Every input's validation, through the same `RawInputs` → `Settings` path the binary uses.

use std::collections::HashMap;
use std::path::Path;

use crate::common::Masked;
use crate::common::in_process::{self, Unreachable};
use fc_layer_action::endpoint::Endpoint;
use fc_layer_action::fc::LayerName;
use fc_layer_action::inputs::{
    Access, Account, Code, Functions, Identity, InputError, Lender, RawInputs, RegionalOss,
    Settings, Staging, parse_runtimes,
};
use fc_layer_action::interface::Input;
use fc_layer_action::oss_names::BucketName;
use fc_layer_action::outcome::Failure;

const WORK: &str = "/github/workspace";

fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect()
}

/// A valid set of inputs, with `changes` applied (a blank value unsets an input).
fn inputs(changes: &[(&str, &str)]) -> RawInputs {
    let mut all: HashMap<&str, &str> = [
        ("INPUT_LAYER-NAME", "my-layer"),
        ("INPUT_CODE", "layer"),
        ("INPUT_REGION", "cn-hangzhou"),
        ("INPUT_ACCESS-KEY-ID", "LTAI-id"),
        ("INPUT_ACCESS-KEY-SECRET", "secret"),
    ]
    .into_iter()
    .collect();
    all.extend(changes.iter().copied());
    RawInputs::from_vars(all.into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())))
        .expect("readable")
}

fn parse_masked(
    raw: RawInputs,
    env: &[(&str, &str)],
) -> (Result<Settings, Vec<InputError>>, Vec<String>) {
    let env: HashMap<String, String> = vars(env).into_iter().collect();
    let mut masked = Masked::default();
    let settings = Settings::parse(
        raw,
        |name| env.get(name).cloned(),
        Path::new(WORK),
        &mut masked,
    );
    (settings, masked.0)
}

fn parse_with_env(raw: RawInputs, env: &[(&str, &str)]) -> Result<Settings, Vec<InputError>> {
    parse_masked(raw, env).0
}

fn parse(changes: &[(&str, &str)]) -> Result<Settings, Vec<InputError>> {
    parse_with_env(inputs(changes), &[])
}

/// The inputs named by the errors of an invalid set.
fn failing_inputs(changes: &[(&str, &str)]) -> Vec<Input> {
    parse(changes)
        .expect_err("invalid")
        .iter()
        .map(|error| error.input)
        .collect()
}

/// A run with `changes` fails on one input error alone, of `input` and holding `problem`,
/// before any request and with nothing written; that error.
fn the_one_input_error(changes: &[(&str, &str)], input: Input, problem: &str) -> InputError {
    let run = in_process::run(changes, Unreachable);
    run.assert_failed_and_wrote_nothing();
    assert_eq!(run.sent, Vec::<String>::new(), "{changes:?}");
    let Err(Failure::Inputs(errors)) = &run.result else {
        panic!("{changes:?}: {}", run.log)
    };
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].input, input, "{changes:?}");
    assert!(errors[0].problem.contains(problem), "{}", errors[0]);
    errors[0].clone()
}

#[test]
fn a_valid_set_becomes_settings() {
    let settings = parse(&[
        (
            "INPUT_COMPATIBLE-RUNTIMES",
            "python3.10, python3.9\nnodejs20",
        ),
        ("INPUT_DESCRIPTION", "d"),
        ("INPUT_LICENSE", "MIT"),
    ])
    .expect("valid");
    assert_eq!(settings.layer_name.as_str(), "my-layer");
    assert_eq!(
        settings.code,
        fc_layer_action::inputs::Code::Path("/github/workspace/layer".into())
    );
    assert_eq!(
        settings.compatible_runtimes,
        ["python3.10", "python3.9", "nodejs20"]
    );
    assert_eq!(settings.description.as_deref(), Some("d"));
    assert_eq!(settings.license.as_deref(), Some("MIT"));
    assert_eq!(
        api(&settings).endpoint.to_string(),
        "https://fcv3.cn-hangzhou.aliyuncs.com"
    );
    assert_eq!(api(&settings).credentials.access_key_id, "LTAI-id");
    assert_eq!(api(&settings).credentials.security_token, None);
}

#[test]
fn hyphen_and_underscore_names_are_both_read_and_blank_means_unset() {
    let raw = RawInputs::from_vars(vars(&[
        ("INPUT_LAYER_NAME", "a"),
        ("INPUT_COMPATIBLE-RUNTIMES", "go1"),
        ("INPUT_DESCRIPTION", "  "),
        ("OTHER", "x"),
    ]))
    .expect("readable");
    assert_eq!(raw.text(Input::LayerName), Some("a"));
    assert_eq!(raw.text(Input::CompatibleRuntimes), Some("go1"));
    assert_eq!(raw.text(Input::Description), None);

    let same = RawInputs::from_vars(vars(&[("INPUT_CODE", "x"), ("INPUT_code", "x")]))
        .expect("same value twice is fine");
    assert_eq!(same.text(Input::Code), Some("x"));
    let conflict = RawInputs::from_vars(vars(&[
        ("INPUT_LAYER-NAME", "a"),
        ("INPUT_LAYER_NAME", "b"),
    ]))
    .expect_err("conflict");
    assert_eq!(conflict.input, Input::LayerName);
    assert!(
        conflict
            .to_string()
            .starts_with("input `layer-name`: set twice"),
        "{conflict}"
    );
}

#[test]
fn required_inputs_are_named_when_missing() {
    let raw = RawInputs::from_vars(Vec::new()).expect("readable");
    let errors = parse_with_env(raw, &[]).expect_err("nothing given");
    let named: Vec<Input> = errors.iter().map(|error| error.input).collect();
    assert_eq!(
        named,
        [
            Input::LayerName,
            Input::Code,
            Input::Region,
            Input::AccessKeyId,
            Input::AccessKeySecret
        ]
    );
    assert_eq!(errors[0].to_string(), "input `layer-name`: is required");
}

#[test]
fn layer_name_rules() {
    for good in ["a", "My_Layer-2", &"a".repeat(128)] {
        assert!(LayerName::parse(good).is_ok(), "{good}");
    }
    for bad in [
        "",
        "1layer",
        "-layer",
        "my layer",
        "my.layer",
        "layer/1",
        "ü",
        &"a".repeat(129),
    ] {
        assert!(LayerName::parse(bad).is_err(), "{bad}");
    }
    assert_eq!(
        failing_inputs(&[("INPUT_LAYER-NAME", "bad name")]),
        [Input::LayerName]
    );
}

#[test]
fn compatible_runtimes_split_on_commas_spaces_and_newlines_with_at_most_20() {
    assert_eq!(
        parse_runtimes(" python3.10,python3.9 \n\tnodejs20,, python3.10 "),
        ["python3.10", "python3.9", "nodejs20"]
    );
    let twenty: Vec<String> = (0..20).map(|n| format!("custom{n}")).collect();
    assert_eq!(
        parse(&[("INPUT_COMPATIBLE-RUNTIMES", &twenty.join(","))])
            .expect("20 is fine")
            .compatible_runtimes
            .len(),
        20
    );
    let twenty_one = format!("{},custom20", twenty.join(" "));
    assert_eq!(
        failing_inputs(&[("INPUT_COMPATIBLE-RUNTIMES", &twenty_one)]),
        [Input::CompatibleRuntimes]
    );

    let settings = parse(&[("INPUT_COMPATIBLE-RUNTIMES", "python3.10 python4.0")])
        .expect("unknown is not refused");
    assert_eq!(settings.unknown_runtimes(), ["python4.0"]);
}

#[test]
fn description_is_at_most_256_characters_not_bytes() {
    assert!(parse(&[("INPUT_DESCRIPTION", &"é".repeat(256))]).is_ok());
    assert_eq!(
        failing_inputs(&[("INPUT_DESCRIPTION", &"d".repeat(257))]),
        [Input::Description]
    );
}

#[test]
fn region_falls_back_to_the_environment_and_is_checked() {
    let settings = parse_with_env(
        inputs(&[("INPUT_REGION", "")]),
        &[("ALIBABA_CLOUD_REGION_ID", "ap-southeast-1")],
    )
    .expect("valid");
    assert_eq!(
        api(&settings).endpoint.to_string(),
        "https://fcv3.ap-southeast-1.aliyuncs.com"
    );
    let from_input =
        parse_with_env(inputs(&[]), &[("ALIBABA_CLOUD_REGION_ID", "us-west-1")]).expect("valid");
    assert_eq!(
        api(&from_input).endpoint.host(),
        "fcv3.cn-hangzhou.aliyuncs.com",
        "the input wins"
    );
    assert_eq!(
        failing_inputs(&[("INPUT_REGION", "CN_Hangzhou")]),
        [Input::Region]
    );
    assert_eq!(
        failing_inputs(&[("INPUT_REGION", "evil.com/x")]),
        [Input::Region]
    );
    // Punycode would make every host of the region unparsable.
    assert_eq!(
        failing_inputs(&[("INPUT_REGION", "xn--zz")]),
        [Input::Region]
    );

    // The variable is checked like the input, and blamed on it.
    let errors = parse_with_env(
        inputs(&[("INPUT_REGION", "")]),
        &[("ALIBABA_CLOUD_REGION_ID", "CN_Hangzhou")],
    )
    .expect_err("a bad region");
    assert_eq!(
        errors
            .iter()
            .map(|error| error.to_string())
            .collect::<Vec<_>>(),
        [
            "input `region`: \"CN_Hangzhou\" is not a region id such as `cn-hangzhou` (lower-case letters, digits and `-`)"
        ]
    );
}

#[test]
fn endpoint_forms() {
    let host = Endpoint::parse("1234.cn-shanghai.fc.aliyuncs.com").expect("host");
    assert_eq!(host.url("/p"), "https://1234.cn-shanghai.fc.aliyuncs.com/p");
    let local = Endpoint::parse("http://127.0.0.1:8080").expect("url");
    assert_eq!(
        (local.host(), local.url("/x?y=1").as_str()),
        ("127.0.0.1:8080", "http://127.0.0.1:8080/x?y=1")
    );
    let default_port = Endpoint::parse("https://example.com:443/").expect("url");
    assert_eq!(
        default_port.host(),
        "example.com",
        "the signed host matches what is sent"
    );
    let with_port = Endpoint::parse("example.com:8443").expect("host and port");
    assert_eq!(with_port.to_string(), "https://example.com:8443");
    for bad in [
        "ftp://example.com",
        "https://example.com/path#fragment",
        "https://user:pw@example.com",
        "http://",
        "https://e.com?q=1",
        "exa mple.com",
    ] {
        assert!(Endpoint::parse(bad).is_err(), "{bad}");
    }
    // An endpoint makes the region optional.
    let settings = parse(&[
        ("INPUT_REGION", ""),
        ("INPUT_ENDPOINT", "http://127.0.0.1:9"),
    ])
    .expect("valid");
    assert_eq!(api(&settings).endpoint.host(), "127.0.0.1:9");
    assert_eq!(
        failing_inputs(&[("INPUT_ENDPOINT", "ftp://x")]),
        [Input::Endpoint]
    );
}

#[test]
fn credentials_come_from_inputs_or_the_environment_as_a_whole() {
    let env = [
        ("ALIBABA_CLOUD_ACCESS_KEY_ID", "LTAI-env"),
        ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "env-secret"),
        ("ALIBABA_CLOUD_SECURITY_TOKEN", "env-token"),
    ];
    let from_env = parse_with_env(
        inputs(&[("INPUT_ACCESS-KEY-ID", ""), ("INPUT_ACCESS-KEY-SECRET", "")]),
        &env,
    )
    .expect("valid");
    assert_eq!(api(&from_env).credentials.access_key_id, "LTAI-env");
    assert_eq!(
        api(&from_env).credentials.access_key_secret.expose(),
        "env-secret"
    );
    assert_eq!(
        api(&from_env)
            .credentials
            .security_token
            .as_ref()
            .map(|t| t.expose()),
        Some("env-token")
    );

    // Inputs win, and a token left in the environment does not ride along with them.
    let from_inputs = parse_with_env(inputs(&[]), &env).expect("valid");
    assert_eq!(api(&from_inputs).credentials.access_key_id, "LTAI-id");
    assert_eq!(api(&from_inputs).credentials.security_token, None);
    let with_token =
        parse_with_env(inputs(&[("INPUT_SECURITY-TOKEN", "in-token")]), &env).expect("valid");
    assert_eq!(
        api(&with_token)
            .credentials
            .security_token
            .as_ref()
            .map(|t| t.expose()),
        Some("in-token")
    );

    // Whichever source wins, its secret and token are masked as they are resolved.
    let (_, masked) = parse_masked(
        inputs(&[("INPUT_ACCESS-KEY-ID", ""), ("INPUT_ACCESS-KEY-SECRET", "")]),
        &env,
    );
    assert_eq!(masked, ["env-secret", "env-token"]);
    let (_, masked) = parse_masked(inputs(&[("INPUT_SECURITY-TOKEN", "in-token")]), &env);
    assert_eq!(masked, ["secret", "in-token"]);

    // Half a pair from the inputs is an error, not a silent mix with the environment.
    let errors =
        parse_with_env(inputs(&[("INPUT_ACCESS-KEY-SECRET", "")]), &env).expect_err("half a pair");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].input, Input::AccessKeySecret);
    assert!(errors[0].problem.contains("both"), "{}", errors[0]);
}

#[test]
fn debug_output_never_holds_secrets() {
    let raw = inputs(&[
        ("INPUT_SECURITY-TOKEN", "token-value-xyz"),
        ("INPUT_ACCESS-KEY-SECRET", "secret-value-xyz"),
    ]);
    let raw_debug = format!("{raw:?}");
    let settings = parse_with_env(raw, &[]).expect("valid");
    for debug in [raw_debug, format!("{settings:?}")] {
        assert!(
            !debug.contains("secret-value-xyz") && !debug.contains("token-value-xyz"),
            "{debug}"
        );
        assert!(debug.contains("LTAI-id"), "{debug}");
    }
}

#[test]
fn oss_and_sts_locations_are_resolved_with_the_inputs() {
    // FC's temporary bucket: lent by the region's FC 2.0 host, reached through OSS's
    // acceleration, for the account STS names.
    let settings = parse(&[]).expect("valid");
    let Staging::Temporary(route) = &api(&settings).staging else {
        panic!("{settings:?}")
    };
    assert_eq!(
        route.location.to_string(),
        "https://oss-accelerate.aliyuncs.com"
    );
    assert_eq!(
        route.lender,
        Lender::Region(fc_layer_action::cloud::Region::parse("cn-hangzhou").expect("region"))
    );
    assert_eq!(
        route.account,
        Account::FromSts(Endpoint::parse("sts.aliyuncs.com").expect("host"))
    );

    // With `endpoint`, the bucket is asked for there; the inputs say the rest.
    let settings = parse(&[
        ("INPUT_REGION", ""),
        ("INPUT_ENDPOINT", "http://127.0.0.1:9"),
        ("INPUT_OSS-ENDPOINT", "http://127.0.0.1:10"),
        ("INPUT_ACCOUNT-ID", "1234567890123456"),
    ])
    .expect("valid");
    let Staging::Temporary(route) = &api(&settings).staging else {
        panic!("{settings:?}")
    };
    assert_eq!(
        route.lender,
        Lender::Endpoint(api(&settings).endpoint.clone())
    );
    assert_eq!(route.location.to_string(), "http://127.0.0.1:10");
    assert!(matches!(&route.account, Account::Given(id) if id.as_str() == "1234567890123456"));

    // An own bucket, and an object, are in the region's OSS.
    let settings = parse(&[("INPUT_OSS-BUCKET", "my-bucket")]).expect("valid");
    let Staging::OwnBucket {
        oss,
        bucket,
        key_prefix,
    } = &api(&settings).staging
    else {
        panic!("{settings:?}")
    };
    assert_eq!(
        (bucket.as_str(), key_prefix.as_str()),
        ("my-bucket", "fc-layers/")
    );
    assert_eq!(
        oss.location
            .host(&BucketName::parse("bkt").expect("bucket")),
        "bkt.oss-cn-hangzhou.aliyuncs.com"
    );
    assert_eq!(oss.region.as_str(), "cn-hangzhou");
    let settings = parse(&[("INPUT_CODE", "oss://my-bucket/a.zip")]).expect("valid");
    let Code::Object {
        oss: Some(RegionalOss { location, .. }),
        ..
    } = &settings.code
    else {
        panic!("{settings:?}")
    };
    assert_eq!(
        location.host(&BucketName::parse("my-bucket").expect("bucket")),
        "my-bucket.oss-cn-hangzhou.aliyuncs.com"
    );
}

#[test]
fn location_problems_are_input_errors_before_any_request() {
    // The first two were found only once the run had begun: the region an object needs when
    // HeadObject was due, a Punycode region when a host was made of it, after the listing.
    for (changes, input, problem) in [
        (
            vec![
                ("INPUT_REGION", ""),
                ("INPUT_CODE", "oss://my-bucket/a.zip"),
            ],
            Input::Region,
            "is required for code: oss://… (or set ALIBABA_CLOUD_REGION_ID)",
        ),
        (
            vec![
                ("INPUT_REGION", "xn--zz"),
                ("INPUT_OSS-BUCKET", "my-bucket"),
                ("INPUT_UPLOAD", "oss"),
            ],
            Input::Region,
            "\"xn--zz\" is not a region id",
        ),
        (
            vec![("INPUT_OSS-ENDPOINT", "https://oss.example/path?x=1")],
            Input::OssEndpoint,
            "must be a host, or a URL with no query or fragment",
        ),
        (
            vec![("INPUT_STS-ENDPOINT", "ftp://sts.example")],
            Input::StsEndpoint,
            "must use http or https",
        ),
    ] {
        the_one_input_error(&changes, input, problem);
    }
}

#[test]
fn rollout_inputs_are_read_whole() {
    let settings = parse(&[
        ("INPUT_FUNCTIONS", "*"),
        ("INPUT_ALIAS", "prod"),
        ("INPUT_ALIAS-WEIGHT", "10"),
    ])
    .expect("valid");
    let rollout = &settings.rollout;
    assert_eq!(rollout.functions, Functions::AllUsingTheLayer);
    assert!(rollout.functions.named().is_empty() && !rollout.functions.is_empty());
    assert_eq!(
        rollout.alias.as_ref().map(|alias| alias.as_str()),
        Some("prod")
    );
    assert_eq!(rollout.alias_weight, 10);
    let settings = parse(&[
        ("INPUT_FUNCTIONS", "api worker"),
        ("INPUT_ALIAS-WEIGHT", "100"),
    ])
    .expect("valid");
    let names: Vec<String> = settings
        .rollout
        .functions
        .named()
        .iter()
        .map(|name| name.to_string())
        .collect();
    assert_eq!(names, ["api", "worker"]);
    assert_eq!(
        (settings.rollout.alias, settings.rollout.alias_weight),
        (None, 100)
    );
    assert_eq!(
        parse(&[]).expect("valid").rollout.functions,
        Functions::None
    );
}

#[test]
fn rollout_problems_are_input_errors_before_any_request() {
    let with_alias = |alias: &'static str, weight: &'static str| {
        vec![
            ("INPUT_FUNCTIONS", "api"),
            ("INPUT_ALIAS", alias),
            ("INPUT_ALIAS-WEIGHT", weight),
        ]
    };
    for (changes, input, problem) in [
        (
            with_alias("1prod", ""),
            Input::Alias,
            "must start with a letter or `_`",
        ),
        (with_alias("pr.od", ""), Input::Alias, "not '.'"),
        (
            with_alias("LATEST", ""),
            Input::Alias,
            "`LATEST` is FC's name",
        ),
        (
            vec![("INPUT_ALIAS", "prod")],
            Input::Alias,
            "needs `functions`",
        ),
        (
            with_alias("prod", "0"),
            Input::AliasWeight,
            "\"0\" is not a whole number",
        ),
        (
            with_alias("prod", "101"),
            Input::AliasWeight,
            "from 1 to 100",
        ),
        (with_alias("prod", "abc"), Input::AliasWeight, "\"abc\""),
        (
            vec![("INPUT_ALIAS-WEIGHT", "50")],
            Input::AliasWeight,
            "`alias` is not set",
        ),
        (
            vec![("INPUT_FUNCTIONS", "*\napi")],
            Input::Functions,
            "cannot be mixed with names (api)",
        ),
    ] {
        let error = the_one_input_error(&changes, input, problem);
        assert!(
            error
                .to_string()
                .starts_with(&format!("input `{}`", input.name())),
            "{error}"
        );
    }
}

/// Where and as whom a valid, non-dry-run set of inputs calls FC: the first region, and
/// the keys.
fn api(settings: &Settings) -> Api<'_> {
    let Access::Online {
        identity: Identity::Keys(credentials),
        regions,
    } = &settings.access
    else {
        panic!("keys and a region: {:?}", settings.access)
    };
    let target = regions.first();
    Api {
        endpoint: &target.endpoint,
        staging: &target.staging,
        credentials,
    }
}

struct Api<'a> {
    endpoint: &'a Endpoint,
    staging: &'a Staging,
    credentials: &'a fc_layer_action::credentials::Credentials,
}
