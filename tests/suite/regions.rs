//! Several regions in one step (`regions`), in-process against one local service that keeps
//! a state per path prefix: every region's endpoint is `http://fc.test/{region}`.

use std::sync::Arc;
use std::time::Duration;

use fc_layer_action::http::{HttpReply, HttpRequest, Transport, TransportError};
use fc_layer_action::interface::Input;
use fc_layer_action::outcome::Failure;
use fc_local::config::{Fault, FaultKind};
use fc_local::in_process::InProcess;
use fc_local::service::Service;
use serde_json::Value;

use crate::common::in_process::{Unreachable, assert_no_secret, run, service};

const REGIONS: [&str; 3] = ["cn-hangzhou", "cn-beijing", "ap-southeast-1"];
const PER_REGION_ENDPOINT: &str = "http://fc.test/{region}";

fn versions_in(service: &Service, region: &str) -> Vec<Value> {
    let prefix = match region {
        "" => String::new(),
        region => format!("/{region}"),
    };
    service.state_of(&prefix)["layers"]["my-layer"]["versions"]
        .as_object()
        .map(|versions| versions.values().cloned().collect())
        .unwrap_or_default()
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|error| panic!("{text:?}: {error}"))
}

fn arn(region: &str, version: u32) -> String {
    format!("acs:fc:{region}:1234567890123456:layers/my-layer/versions/{version}")
}

#[test]
fn three_regions_publish_side_by_side_and_each_gets_its_own_version() {
    let latency = Duration::from_millis(300);
    let service = service(|config| config.delay = Some(latency));
    let run = run(
        &[
            ("INPUT_REGIONS", "cn-hangzhou, cn-beijing\nap-southeast-1"),
            ("INPUT_ENDPOINT", PER_REGION_ENDPOINT),
        ],
        InProcess(Arc::clone(&service)),
    );
    assert!(run.result.is_ok(), "{}", run.log);
    assert_no_secret(&run);
    assert_eq!(run.count("ListLayerVersions"), 3);
    assert_eq!(run.count("CreateLayerVersion"), 3);
    // Two calls a region, each held 300 ms (virtual time): side by side that is about two
    // latencies; one after another it would be six.
    assert!(
        run.took < latency * 3,
        "took {:?}: not side by side",
        run.took
    );

    for region in REGIONS {
        let versions = versions_in(&service, region);
        assert_eq!(versions.len(), 1, "{region}");
        assert_eq!(versions[0]["layerVersionArn"], arn(region, 1));
        assert!(
            run.log
                .contains(&format!("[{region}] Published {}", arn(region, 1))),
            "{}",
            run.log
        );
    }
    assert!(
        versions_in(&service, "").is_empty(),
        "nothing went to the unprefixed state"
    );
    assert_eq!(
        json(&run.output("layerVersionArns")),
        serde_json::json!({
            "cn-hangzhou": arn("cn-hangzhou", 1),
            "cn-beijing": arn("cn-beijing", 1),
            "ap-southeast-1": arn("ap-southeast-1", 1),
        })
    );
    assert_eq!(
        json(&run.output("versions")),
        serde_json::json!({"cn-hangzhou": 1, "cn-beijing": 1, "ap-southeast-1": 1})
    );
    assert_eq!(run.output("layerVersionArn"), arn("cn-hangzhou", 1));
    assert_eq!(run.output("version"), "1");
    assert_eq!(run.output("published"), "true");
    // The listing of each region is folded whole under its own title.
    for region in REGIONS {
        assert!(
            run.log.contains(&format!(
                "::group::[{region}] Layer my-layer has 0 version(s)\n::endgroup::\n"
            )),
            "{}",
            run.log
        );
    }
    for region in REGIONS {
        let row = format!(
            "| ` {region} ` | 1 | ` {} ` | published | inline, ",
            arn(region, 1)
        );
        assert!(run.summary.contains(&row), "{}", run.summary);
    }
    assert!(
        run.summary
            .contains("in 3 regions: 3 published, 0 reused, 0 failed"),
        "{}",
        run.summary
    );
}

#[test]
fn a_failing_region_fails_the_step_the_others_publish_and_a_rerun_repeats_only_it() {
    let service = service(|config| {
        config.faults.push(Fault {
            action: "cn-beijing/CreateLayerVersion".to_owned(),
            times: 2,
            kind: FaultKind::Fail(fc_layer_action::fc::ServiceError::new(
                503,
                "ServiceUnavailable",
                "injected",
            )),
        })
    });
    let inputs = [
        ("INPUT_REGIONS", "cn-hangzhou cn-beijing ap-southeast-1"),
        ("INPUT_ENDPOINT", PER_REGION_ENDPOINT),
        ("INPUT_RETRIES", "1"),
    ];
    let first = run(&inputs, InProcess(Arc::clone(&service)));
    let Err(Failure::Regions { failed, attempted }) = &first.result else {
        panic!("{}", first.log)
    };
    assert_eq!(*attempted, 3);
    let failed: Vec<&str> = failed.iter().map(|(region, _)| region.as_str()).collect();
    assert_eq!(failed, ["cn-beijing"]);
    assert_eq!(
        first.count("CreateLayerVersion"),
        4,
        "the failing region tried twice"
    );
    let errors = first.errors();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors[0].starts_with(
            "::error::[cn-beijing] CreateLayerVersion failed: HTTP 503 ServiceUnavailable"
        ),
        "{errors:?}"
    );
    assert!(
        errors[1].starts_with("::error::1 of 3 regions failed: cn-beijing;"),
        "{errors:?}"
    );
    assert!(versions_in(&service, "cn-beijing").is_empty());
    // The outputs hold the regions that succeeded, the first listed among them.
    assert_eq!(
        json(&first.output("layerVersionArns")),
        serde_json::json!({
            "cn-hangzhou": arn("cn-hangzhou", 1),
            "ap-southeast-1": arn("ap-southeast-1", 1),
        })
    );
    assert_eq!(first.output("layerVersionArn"), arn("cn-hangzhou", 1));
    assert!(
        first.summary.contains("| ` cn-beijing ` | | | failed | |"),
        "{}",
        first.summary
    );

    let rerun = run(&inputs, InProcess(Arc::clone(&service)));
    assert!(rerun.result.is_ok(), "{}", rerun.log);
    assert_eq!(rerun.count("ListLayerVersions"), 3);
    assert_eq!(
        rerun.count("CreateLayerVersion"),
        1,
        "only the region that failed publishes"
    );
    for region in REGIONS {
        assert_eq!(versions_in(&service, region).len(), 1, "{region}");
    }
    assert_eq!(rerun.output("published"), "false", "cn-hangzhou reused");
    assert_eq!(
        json(&rerun.output("versions")),
        serde_json::json!({"cn-hangzhou": 1, "cn-beijing": 1, "ap-southeast-1": 1})
    );
    assert!(
        rerun
            .summary
            .contains("in 3 regions: 1 published, 2 reused, 0 failed"),
        "{}",
        rerun.summary
    );
}

#[test]
fn the_first_region_failing_leaves_its_outputs_unset() {
    let service = service(|config| {
        config.faults.push(Fault {
            action: "cn-hangzhou/ListLayerVersions".to_owned(),
            times: u32::MAX,
            kind: FaultKind::Fail(fc_layer_action::fc::ServiceError::new(
                403,
                "AccessDenied",
                "injected",
            )),
        })
    });
    let run = run(
        &[
            ("INPUT_REGIONS", "cn-hangzhou cn-beijing"),
            ("INPUT_ENDPOINT", PER_REGION_ENDPOINT),
        ],
        InProcess(Arc::clone(&service)),
    );
    assert!(run.result.is_err(), "{}", run.log);
    let names: Vec<String> = run.outputs().into_iter().map(|(name, _)| name).collect();
    assert_eq!(
        names,
        ["codeChecksum", "codeSize", "layerVersionArns", "versions"]
    );
    assert_eq!(
        json(&run.output("versions")),
        serde_json::json!({"cn-beijing": 1})
    );
}

#[test]
fn region_in_oss_bucket_and_endpoints_is_replaced_per_region() {
    let service = service(|_| {});
    let run = run(
        &[
            ("INPUT_REGIONS", "cn-hangzhou,cn-beijing"),
            ("INPUT_ENDPOINT", PER_REGION_ENDPOINT),
            ("INPUT_OSS-ENDPOINT", PER_REGION_ENDPOINT),
            ("INPUT_OSS-BUCKET", "layers-{region}"),
            ("INPUT_UPLOAD", "oss"),
        ],
        InProcess(Arc::clone(&service)),
    );
    assert!(run.result.is_ok(), "{}", run.log);
    for region in ["cn-hangzhou", "cn-beijing"] {
        let state = service.state_of(&format!("/{region}"));
        let objects: Vec<&String> = state["ossObjects"]
            .as_object()
            .expect("objects")
            .keys()
            .collect();
        assert_eq!(objects.len(), 1, "{region}: {objects:?}");
        assert!(
            objects[0].starts_with(&format!("layers-{region}/fc-layers/my-layer/")),
            "{objects:?}"
        );
        assert_eq!(versions_in(&service, region).len(), 1, "{region}");
    }
    assert!(
        run.summary
            .contains("| OSS ` oss://layers-cn-beijing/fc-layers/my-layer/"),
        "{}",
        run.summary
    );
}

#[test]
fn region_and_regions_together_are_refused_before_any_request() {
    let run = run(
        &[
            ("INPUT_REGION", "cn-hangzhou"),
            ("INPUT_REGIONS", "cn-hangzhou, cn-beijing"),
        ],
        Unreachable,
    );
    run.assert_failed_and_wrote_nothing();
    assert_eq!(run.sent, Vec::<String>::new());
    let Err(Failure::Inputs(errors)) = &run.result else {
        panic!("{}", run.log)
    };
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].input, Input::Regions);
    assert!(
        errors[0]
            .to_string()
            .starts_with("input `regions`: cannot be used together with `region`"),
        "{}",
        errors[0]
    );
}

#[test]
fn a_repeated_region_and_a_placeholder_without_a_region_are_refused() {
    let repeated = run(
        &[("INPUT_REGIONS", "cn-hangzhou cn-beijing cn-hangzhou")],
        Unreachable,
    );
    repeated.assert_failed_and_wrote_nothing();
    assert_eq!(
        repeated.errors()[0],
        "::error::input `regions`: lists cn-hangzhou twice; list each region once"
    );
    let no_region = run(&[("INPUT_ENDPOINT", PER_REGION_ENDPOINT)], Unreachable);
    no_region.assert_failed_and_wrote_nothing();
    assert_eq!(no_region.sent, Vec::<String>::new());
    assert!(
        no_region.errors()[0]
            .starts_with("::error::input `endpoint`: holds `{region}`, but no region is given"),
        "{}",
        no_region.log
    );
}

/// Sends every request under `/cn-beijing`, whatever path it was signed for.
struct Prefixing<T>(T);

impl<T: Transport> Transport for Prefixing<T> {
    async fn send(&self, mut request: HttpRequest) -> Result<HttpReply, TransportError> {
        request.url = request
            .url
            .replacen("http://fc.test/", "http://fc.test/cn-beijing/", 1);
        self.0.send(request).await
    }
}

#[test]
fn the_local_service_checks_the_signature_over_the_prefixed_path() {
    let service = service(|_| {});
    // Signed for `/2023-03-30/…`, sent as `/cn-beijing/2023-03-30/…`: refused.
    let moved = run(
        &[("INPUT_ENDPOINT", "http://fc.test")],
        Prefixing(InProcess(Arc::clone(&service))),
    );
    moved.assert_failed_and_wrote_nothing();
    assert!(
        moved.errors()[0].contains("HTTP 403 SignatureNotMatch"),
        "{}",
        moved.log
    );
    // Signed and sent with the prefix: served, in that prefix's state only.
    let prefixed = run(
        &[("INPUT_ENDPOINT", "http://fc.test/cn-beijing")],
        InProcess(Arc::clone(&service)),
    );
    assert!(prefixed.result.is_ok(), "{}", prefixed.log);
    assert_eq!(versions_in(&service, "cn-beijing").len(), 1);
    assert_eq!(
        versions_in(&service, "cn-beijing")[0]["layerVersionArn"],
        arn("cn-beijing", 1)
    );
    assert!(versions_in(&service, "").is_empty());
    assert_eq!(
        prefixed.output("layerVersionArns"),
        format!(r#"{{"cn-beijing":"{}"}}"#, arn("cn-beijing", 1))
    );
}

#[test]
fn a_dry_run_lists_every_region_and_writes_nothing_to_any() {
    let service = service(|_| {});
    let run = run(
        &[
            ("INPUT_REGIONS", "cn-hangzhou cn-beijing"),
            ("INPUT_ENDPOINT", PER_REGION_ENDPOINT),
            ("INPUT_DRY-RUN", "true"),
        ],
        InProcess(Arc::clone(&service)),
    );
    assert!(run.result.is_ok(), "{}", run.log);
    assert_eq!(run.sent, ["GET ListLayerVersions"; 2]);
    assert_eq!(run.output("layerVersionArns"), "{}");
    assert_eq!(run.output("published"), "false");
    assert!(
        run.log
            .contains("[cn-beijing] Dry run: would publish a new version"),
        "{}",
        run.log
    );
    assert!(
        run.summary
            .contains("| ` cn-beijing ` |  |  | would publish |  | 0.0 s | |")
            && run.summary.contains(
                "Dry run: layer ` my-layer ` in 2 regions: 2 would publish, 0 would reuse, 0 failed"
            ),
        "{}",
        run.summary
    );
}

#[test]
fn an_oss_object_cannot_go_to_several_regions() {
    let run = run(
        &[
            ("INPUT_REGIONS", "cn-hangzhou cn-beijing"),
            ("INPUT_CODE", "oss://my-bucket/layer.zip"),
        ],
        Unreachable,
    );
    run.assert_failed_and_wrote_nothing();
    assert_eq!(run.sent, Vec::<String>::new());
    assert!(
        run.errors()[0].starts_with(
            "::error::input `code`: an oss:// object is in one region and FC takes objects from its own region only"
        ),
        "{}",
        run.log
    );
}

/// Counts the calls in flight through it, and the most at once.
struct InFlight<T> {
    inner: T,
    now: std::rc::Rc<std::cell::Cell<usize>>,
    most: std::rc::Rc<std::cell::Cell<usize>>,
}

impl<T: Transport> Transport for InFlight<T> {
    async fn send(&self, request: HttpRequest) -> Result<HttpReply, TransportError> {
        self.now.set(self.now.get() + 1);
        self.most.set(self.most.get().max(self.now.get()));
        let reply = self.inner.send(request).await;
        self.now.set(self.now.get() - 1);
        reply
    }
}

#[test]
fn five_regions_keep_four_calls_in_flight_and_fill_the_gaps() {
    let latency = Duration::from_millis(300);
    let service = service(|config| config.delay = Some(latency));
    let most = std::rc::Rc::new(std::cell::Cell::new(0));
    let run = run(
        &[
            (
                "INPUT_REGIONS",
                "cn-hangzhou cn-shanghai cn-beijing cn-shenzhen ap-southeast-1",
            ),
            ("INPUT_ENDPOINT", PER_REGION_ENDPOINT),
        ],
        InFlight {
            inner: InProcess(Arc::clone(&service)),
            now: Default::default(),
            most: std::rc::Rc::clone(&most),
        },
    );
    assert!(run.result.is_ok(), "{}", run.log);
    assert_eq!(run.count("CreateLayerVersion"), 5);
    assert_eq!(most.get(), 4, "at most four calls in flight, and four used");
    // Ten calls of 300 ms, four at a time: three rounds, where five regions of four at a
    // time would take four (the fifth region's two calls after a whole region).
    assert!(
        run.took >= latency * 3 && run.took < latency * 4,
        "took {:?}",
        run.took
    );
}

#[test]
fn versions_that_drift_apart_are_shown_and_said() {
    let service = service(|_| {});
    let only_hangzhou = run(
        &[
            ("INPUT_REGIONS", "cn-hangzhou"),
            ("INPUT_ENDPOINT", PER_REGION_ENDPOINT),
            ("INPUT_DESCRIPTION", "first"),
        ],
        InProcess(Arc::clone(&service)),
    );
    assert!(only_hangzhou.result.is_ok(), "{}", only_hangzhou.log);
    assert!(!only_hangzhou.log.contains("different version numbers"));
    let both = run(
        &[
            ("INPUT_REGIONS", "cn-hangzhou, cn-beijing"),
            ("INPUT_ENDPOINT", PER_REGION_ENDPOINT),
            ("INPUT_DESCRIPTION", "second"),
        ],
        InProcess(Arc::clone(&service)),
    );
    assert!(both.result.is_ok(), "{}", both.log);
    assert_eq!(
        json(&both.output("versions")),
        serde_json::json!({"cn-hangzhou": 2, "cn-beijing": 1})
    );
    let said = "The regions hold different version numbers (FC numbers each region's versions on its own): cn-hangzhou 2, cn-beijing 1";
    assert!(both.log.contains(&format!("\n{said}\n")), "{}", both.log);
    assert!(both.summary.contains(said), "{}", both.summary);
    assert!(
        both.summary.contains("| ` cn-hangzhou ` | 2 |")
            && both.summary.contains("| ` cn-beijing ` | 1 |"),
        "{}",
        both.summary
    );
}

#[test]
fn region_is_replaced_for_the_one_region_input_too() {
    let service = service(|_| {});
    let run = run(
        &[
            ("INPUT_REGION", "cn-beijing"),
            ("INPUT_ENDPOINT", PER_REGION_ENDPOINT),
        ],
        InProcess(Arc::clone(&service)),
    );
    assert!(run.result.is_ok(), "{}", run.log);
    assert_eq!(versions_in(&service, "cn-beijing").len(), 1);
    assert!(
        !run.log.contains("[cn-beijing]"),
        "one region logs as before: {}",
        run.log
    );
    assert_eq!(run.output("versions"), r#"{"cn-beijing":1}"#);
}

/// The most PUT calls (uploads to OSS) in flight at once through it.
struct PutsInFlight<T> {
    inner: T,
    now: std::rc::Rc<std::cell::Cell<usize>>,
    most: std::rc::Rc<std::cell::Cell<usize>>,
}

impl<T: Transport> Transport for PutsInFlight<T> {
    async fn send(&self, request: HttpRequest) -> Result<HttpReply, TransportError> {
        let put = request.method == "PUT";
        if put {
            self.now.set(self.now.get() + 1);
            self.most.set(self.most.get().max(self.now.get()));
        }
        let reply = self.inner.send(request).await;
        if put {
            self.now.set(self.now.get() - 1);
        }
        reply
    }
}

/// The most uploads to OSS in flight at once when three regions publish a layer of
/// `layer_bytes` through their own buckets.
fn puts_in_flight(layer_bytes: usize) -> usize {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("lib")).expect("mkdir");
    std::fs::write(
        dir.path().join("lib/blob.bin"),
        crate::common::noise(layer_bytes, 7),
    )
    .expect("writes");
    let service = service(|config| config.delay = Some(Duration::from_millis(300)));
    let most = std::rc::Rc::new(std::cell::Cell::new(0));
    let run = crate::common::in_process::run_in(
        dir.path(),
        &[
            ("INPUT_CODE", "."),
            ("INPUT_REGIONS", "cn-hangzhou cn-beijing ap-southeast-1"),
            ("INPUT_ENDPOINT", PER_REGION_ENDPOINT),
            ("INPUT_OSS-ENDPOINT", PER_REGION_ENDPOINT),
            ("INPUT_OSS-BUCKET", "layers-{region}"),
            ("INPUT_UPLOAD", "oss"),
        ],
        PutsInFlight {
            inner: InProcess(Arc::clone(&service)),
            now: Default::default(),
            most: std::rc::Rc::clone(&most),
        },
    );
    assert!(run.result.is_ok(), "{}", run.log);
    for region in REGIONS {
        assert_eq!(versions_in(&service, region).len(), 1, "{region}");
    }
    most.get()
}

#[test]
fn large_uploads_take_turns_and_small_ones_go_side_by_side() {
    assert_eq!(puts_in_flight(9 << 20), 1, "one region's upload at a time");
    assert!(puts_in_flight(1 << 10) > 1, "small uploads side by side");
}
