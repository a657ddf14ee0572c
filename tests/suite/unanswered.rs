//! Unknown regions and hosts that do not answer (issue 26, item 5): a region FC 3.0 does not
//! have is a warning naming its input; a host that does not resolve or takes no connection
//! is named with the input it came from (`region`, `regions`, `endpoint`); only a listing
//! refused with a 403 suggests `skip-unchanged: false`.

use crate::common;

use std::net::TcpListener;
use std::sync::Arc;

use common::in_process::*;
use fc_layer_action::fc::ServiceError;
use fc_layer_action::http::{HttpReply, HttpRequest, Transport, TransportError};
use fc_local::config::{Fault, FaultKind};
use fc_local::in_process::InProcess;

/// The local service, but the name of `unresolved` does not resolve.
struct DnsFails {
    inner: InProcess,
    unresolved: &'static str,
}

impl Transport for DnsFails {
    async fn send(&self, request: HttpRequest) -> Result<HttpReply, TransportError> {
        let origin = format!("https://{}", self.unresolved);
        if request.url.starts_with(&origin) {
            return Err(TransportError::Unresolved {
                origin,
                detail: "dns error: failed to lookup address information".to_owned(),
            });
        }
        self.inner.send(request).await
    }
}

#[test]
fn a_region_typo_in_regions_is_warned_of_and_its_host_named() {
    let service = service(|_| {});
    let run = run(
        &[
            ("INPUT_ENDPOINT", ""),
            ("INPUT_REGIONS", "cn-hangzhou, cn-hangzou"),
            ("INPUT_RETRIES", "0"),
        ],
        DnsFails {
            inner: InProcess(Arc::clone(&service)),
            unresolved: "fcv3.cn-hangzou.aliyuncs.com",
        },
    );
    assert!(
        run.log.contains(
            "::warning::input `regions`: \"cn-hangzou\" is not a region FC 3.0 is known to have (did you mean cn-hangzhou?); trying it anyway"
        ),
        "{}",
        run.log
    );
    assert!(!run.log.contains("\"cn-hangzhou\" is not"), "{}", run.log);
    let errors = run.errors().join("\n");
    assert!(
        errors.contains(
            "[cn-hangzou] cannot list the layer's versions: fcv3.cn-hangzou.aliyuncs.com (from input `regions`) does not resolve (is the region right?)"
        ),
        "{errors}"
    );
    assert!(!errors.contains("skip-unchanged: false"), "{errors}");
    assert_eq!(
        versions(&service, "my-layer").len(),
        1,
        "cn-hangzhou published"
    );
}

#[test]
fn only_a_refused_listing_suggests_publishing_without_it() {
    for (status, code, advised) in [(403, "Forbidden", true), (503, "ServiceUnavailable", false)] {
        let service = service(|config| {
            config.faults.push(Fault {
                action: "ListLayerVersions".to_owned(),
                times: u32::MAX,
                kind: FaultKind::Fail(ServiceError::new(status, code, "injected")),
            });
        });
        let run = run_on(&service, &[("INPUT_RETRIES", "0")]);
        let error = run.errors().join("\n");
        assert!(error.contains(code), "{error}");
        assert_eq!(
            error.contains("set `skip-unchanged: false` to publish without the check"),
            advised,
            "{error}"
        );
    }
}

#[test]
fn an_endpoint_that_does_not_resolve_is_named_without_the_skip_unchanged_advice() {
    let (output, summary) =
        common::run_action_with_summary("http://fc-layer-action-test.invalid", &[]);
    assert_eq!(output.status.code(), Some(1));
    let stdout = common::stdout(&output);
    assert!(
        stdout.contains(
            "::error::cannot list the layer's versions: fc-layer-action-test.invalid (from input `endpoint`) does not resolve (is the host right?): ListLayerVersions: could not reach http://fc-layer-action-test.invalid: "
        ),
        "{stdout}"
    );
    assert!(!stdout.contains("skip-unchanged"), "{stdout}");
    assert!(summary.contains("does not resolve"), "{summary}");
}

#[test]
fn a_region_typo_in_an_endpoint_template_asks_about_the_region() {
    let (output, _) = common::run_action_with_summary(
        "http://fc.{region}.invalid",
        &[("INPUT_REGION", "cn-hangzou")],
    );
    assert_eq!(output.status.code(), Some(1));
    let stdout = common::stdout(&output);
    assert!(
        stdout.contains(
            "::warning::input `region`: \"cn-hangzou\" is not a region FC 3.0 is known to have (did you mean cn-hangzhou?)"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "fc.cn-hangzou.invalid (from input `endpoint`) does not resolve (is the region right?)"
        ),
        "{stdout}"
    );
}

#[test]
fn a_refused_connection_is_named_without_the_skip_unchanged_advice() {
    let closed = TcpListener::bind("127.0.0.1:0").expect("binds");
    let port = closed.local_addr().expect("address").port();
    drop(closed);
    let (output, _) = common::run_action_with_summary(&format!("http://127.0.0.1:{port}"), &[]);
    assert_eq!(output.status.code(), Some(1));
    let stdout = common::stdout(&output);
    assert!(
        stdout.contains(&format!(
            "::error::cannot list the layer's versions: no connection to 127.0.0.1:{port} (from input `endpoint`): ListLayerVersions: could not reach"
        )),
        "{stdout}"
    );
    assert!(!stdout.contains("skip-unchanged"), "{stdout}");
}
