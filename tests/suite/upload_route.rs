//! `upload: auto` routes by the link: the pipeline in-process against fc-local, behind a
//! transport that holds every request one round trip of its link (FC's or OSS's) in the
//! runtime's paused time. The link measure is injected, never timed: the listing and the
//! HEAD to OSS take exactly the round trips given.

use std::sync::Arc;
use std::time::Duration;

use crate::common::in_process::*;
use crate::common::noise;
use fc_layer_action::fc::ServiceError;
use fc_layer_action::http::{HttpReply, HttpRequest, Transport, TransportError};
use fc_local::config::{DEFAULT_ACCOUNT_ID, Fault, FaultKind};
use fc_local::in_process::InProcess;
use fc_local::service::Service;

const OSS_ENDPOINT: &str = "http://oss.test";

/// fc-local behind two links: requests to [`OSS_ENDPOINT`] wait `oss`, the others `fc`.
struct Link {
    service: Arc<Service>,
    fc: Duration,
    oss: Duration,
}

impl Transport for Link {
    async fn send(&self, request: HttpRequest) -> Result<HttpReply, TransportError> {
        let trip = if request.url.starts_with(OSS_ENDPOINT) {
            self.oss
        } else {
            self.fc
        };
        tokio::time::sleep(trip).await;
        InProcess(Arc::clone(&self.service)).send(request).await
    }
}

fn link(service: &Arc<Service>, fc_ms: u64, oss_ms: u64) -> Link {
    Link {
        service: Arc::clone(service),
        fc: Duration::from_millis(fc_ms),
        oss: Duration::from_millis(oss_ms),
    }
}

/// A layer whose zip is about 1 MB (incompressible), in `work`; `upload: auto` and the
/// temporary bucket through [`OSS_ENDPOINT`].
fn publish_megabyte(work: &tempfile::TempDir, transport: Link, upload: &str) -> Run {
    publish_blob(work, transport, upload, 1_000_000)
}

/// [`publish_megabyte`] of a zip of about `bytes`.
fn publish_blob(work: &tempfile::TempDir, transport: Link, upload: &str, bytes: usize) -> Run {
    let layer = work.path().join("layer");
    std::fs::create_dir_all(layer.join("lib")).expect("mkdir");
    std::fs::write(layer.join("lib/blob.bin"), noise(bytes, 7)).expect("writes");
    let changes = [
        ("INPUT_CODE", layer.to_str().expect("utf-8")),
        ("INPUT_UPLOAD", upload),
        ("INPUT_OSS-ENDPOINT", OSS_ENDPOINT),
        ("INPUT_ACCOUNT-ID", DEFAULT_ACCOUNT_ID),
        ("RUNNER_TEMP", work.path().to_str().expect("utf-8")),
    ];
    run_in(work.path(), &changes, transport)
}

fn sent(run: &Run, method: &str) -> usize {
    let prefix = format!("{method} ");
    run.sent
        .iter()
        .filter(|sent| sent.starts_with(&prefix))
        .count()
}

#[test]
fn far_from_fc_with_oss_near_a_megabyte_goes_through_the_temporary_bucket() {
    let service = service(|_| {});
    let work = tempfile::tempdir().expect("tempdir");
    let run = publish_megabyte(&work, link(&service, 200, 30), "auto");
    assert!(run.result.is_ok(), "{}", run.log);
    assert!(
        run.log
            .contains("goes through OSS, the faster by the link model: FC round trip 200 ms")
            && run.log.contains("OSS round trip 30 ms"),
        "{}",
        run.log
    );
    assert!(
        run.log.contains("FC lent its temporary bucket"),
        "{}",
        run.log
    );
    assert_eq!(sent(&run, "HEAD"), 1, "one measure of OSS: {:?}", run.sent);
    assert_eq!(sent(&run, "PUT"), 1, "one PutObject: {:?}", run.sent);
    assert_eq!(versions(&service, "my-layer").len(), 1);
}

#[test]
fn near_both_a_megabyte_goes_inline() {
    let service = service(|_| {});
    let work = tempfile::tempdir().expect("tempdir");
    let run = publish_megabyte(&work, link(&service, 5, 5), "auto");
    assert!(run.result.is_ok(), "{}", run.log);
    assert!(
        run.log
            .contains("goes inline, the faster by the link model: FC round trip 5 ms"),
        "{}",
        run.log
    );
    assert_eq!(sent(&run, "PUT"), 0, "{:?}", run.sent);
    assert_eq!(run.count("CreateLayerVersion"), 1);
}

#[test]
fn far_from_both_a_megabyte_goes_inline() {
    let service = service(|_| {});
    let work = tempfile::tempdir().expect("tempdir");
    let run = publish_megabyte(&work, link(&service, 200, 200), "auto");
    assert!(run.result.is_ok(), "{}", run.log);
    assert!(run.log.contains("goes inline, the faster"), "{}", run.log);
    assert_eq!(sent(&run, "PUT"), 0, "{:?}", run.sent);
}

#[test]
fn a_small_zip_goes_inline_without_measuring_oss() {
    let service = service(|_| {});
    let run = run(
        &[("INPUT_OSS-ENDPOINT", OSS_ENDPOINT)],
        link(&service, 200, 30),
    );
    assert!(run.result.is_ok(), "{}", run.log);
    assert_eq!(sent(&run, "HEAD"), 0, "{:?}", run.sent);
    assert!(!run.log.contains("link model"), "{}", run.log);
}

/// fc-local refusing FC's temporary bucket, as FC does a RAM user without the permission.
fn refusing_the_temporary_bucket() -> Arc<Service> {
    service(|config| {
        config.faults.push(Fault {
            action: "TempBucketToken".to_owned(),
            times: u32::MAX,
            kind: FaultKind::Fail(ServiceError::new(
                403,
                "AccessDenied",
                "no fc:GetTempBucketToken",
            )),
        });
    })
}

#[test]
fn auto_falls_back_to_inline_when_the_temporary_bucket_is_refused() {
    let service = refusing_the_temporary_bucket();
    let work = tempfile::tempdir().expect("tempdir");
    let run = publish_megabyte(&work, link(&service, 200, 30), "auto");
    assert!(run.result.is_ok(), "{}", run.log);
    assert!(
        run.log.contains("goes through OSS, the faster"),
        "{}",
        run.log
    );
    assert!(
        run.log
            .contains("::warning::FC refused its temporary bucket")
            && run.log.contains("AccessDenied")
            && run.log.contains("sends the zip inline instead"),
        "{}",
        run.log
    );
    assert_eq!(sent(&run, "PUT"), 0, "{:?}", run.sent);
    assert_eq!(run.count("CreateLayerVersion"), 1);
    assert_eq!(versions(&service, "my-layer").len(), 1);
    assert!(!run.outputs_file.contains("oss://"), "{}", run.outputs_file);
}

#[test]
fn auto_falls_back_to_inline_when_the_account_for_the_temporary_bucket_is_unknown() {
    let service = service(|config| {
        config.faults.push(Fault {
            action: "GetCallerIdentity".to_owned(),
            times: u32::MAX,
            kind: FaultKind::Fail(ServiceError::new(
                403,
                "NoPermission",
                "no sts:GetCallerIdentity",
            )),
        });
    });
    let work = tempfile::tempdir().expect("tempdir");
    let layer = work.path().join("layer");
    std::fs::create_dir_all(layer.join("lib")).expect("mkdir");
    std::fs::write(layer.join("lib/blob.bin"), noise(1_000_000, 7)).expect("writes");
    let changes = [
        ("INPUT_CODE", layer.to_str().expect("utf-8")),
        ("INPUT_OSS-ENDPOINT", OSS_ENDPOINT),
        ("RUNNER_TEMP", work.path().to_str().expect("utf-8")),
    ];
    let run = run_in(work.path(), &changes, link(&service, 200, 30));
    assert!(run.result.is_ok(), "{}", run.log);
    assert!(
        run.log
            .contains("::warning::FC's temporary bucket cannot be asked for")
            && run.log.contains("NoPermission")
            && run.log.contains("sends the zip inline instead"),
        "{}",
        run.log
    );
    assert_eq!(run.count("TempBucketToken"), 0, "{:?}", run.sent);
    assert_eq!(run.count("CreateLayerVersion"), 1);
    assert_eq!(versions(&service, "my-layer").len(), 1);
}

#[test]
fn upload_oss_fails_when_the_temporary_bucket_is_refused() {
    let service = refusing_the_temporary_bucket();
    let work = tempfile::tempdir().expect("tempdir");
    let run = publish_megabyte(&work, link(&service, 200, 30), "oss");
    run.assert_failed_and_wrote_nothing();
    assert!(run.log.contains("AccessDenied"), "{}", run.log);
    assert_eq!(run.count("CreateLayerVersion"), 0);
    assert!(versions(&service, "my-layer").is_empty());
}

/// 12 MB incompressible: a zip past the first part (8 MiB) that still fits inline.
const PAST_THE_FIRST_PART: usize = 12_000_000;

#[test]
fn auto_far_from_fc_uploads_a_directory_as_it_is_packaged_and_publishes_that_zip() {
    let service = service(|_| {});
    let work = tempfile::tempdir().expect("tempdir");
    let run = publish_blob(&work, link(&service, 200, 30), "auto", PAST_THE_FIRST_PART);
    assert!(run.result.is_ok(), "{}", run.log);
    assert!(
        run.log
            .contains("written so far) goes through OSS, uploaded as it is packaged")
            && run.log.contains("FC round trip 200 ms")
            && run.log.contains("OSS round trip 30 ms"),
        "{}",
        run.log
    );
    let upload = run.log.find("as the zip is packaged").expect(&run.log);
    let zipped = run.log.find("as it went up").expect(&run.log);
    assert!(
        upload < zipped,
        "the upload began before the zip was whole: {}",
        run.log
    );
    assert!(
        !run.log.contains(" bytes to oss://"),
        "not uploaded again: {}",
        run.log
    );
    assert_eq!(
        sent(&run, "HEAD"),
        2,
        "one HEAD to FC, one to OSS: {:?}",
        run.sent
    );
    let size: u64 = run.output("codeSize").parse().expect("size");
    let objects = &service.state()["ossObjects"];
    let object = objects
        .as_object()
        .and_then(|objects| {
            objects
                .iter()
                .find(|(key, _)| key.starts_with("fc-local-temp/"))
        })
        .map(|(_, size)| size.as_u64());
    assert_eq!(object, Some(Some(size)), "{objects}");
    let published = versions(&service, "my-layer");
    assert_eq!(published.len(), 1);
    assert_eq!(
        published[0]["codeChecksum"],
        run.output("codeChecksum").as_str()
    );
}

#[test]
fn auto_with_oss_far_beyond_fc_packages_alone_and_chooses_after_the_listing() {
    let service = service(|_| {});
    let work = tempfile::tempdir().expect("tempdir");
    let run = publish_blob(&work, link(&service, 20, 400), "auto", PAST_THE_FIRST_PART);
    assert!(run.result.is_ok(), "{}", run.log);
    assert!(
        !run.log.contains("written so far")
            && run.log.contains("would go inline by the link model"),
        "{}",
        run.log
    );
    assert!(!run.log.contains("as the zip is packaged"), "{}", run.log);
    assert!(run.log.contains("goes inline, the faster"), "{}", run.log);
    assert_eq!(sent(&run, "PUT"), 0, "{:?}", run.sent);
    assert_eq!(versions(&service, "my-layer").len(), 1);
}

#[test]
fn auto_near_with_a_small_zip_measures_nothing_early_and_goes_inline() {
    let service = service(|_| {});
    let work = tempfile::tempdir().expect("tempdir");
    let run = publish_megabyte(&work, link(&service, 5, 5), "auto");
    assert!(run.result.is_ok(), "{}", run.log);
    assert!(!run.log.contains("as the zip is packaged"), "{}", run.log);
    assert!(!run.log.contains("would go inline by"), "{}", run.log);
    assert!(run.log.contains("goes inline, the faster"), "{}", run.log);
    assert_eq!(
        sent(&run, "HEAD"),
        1,
        "only the region's measure: {:?}",
        run.sent
    );
    assert_eq!(sent(&run, "PUT"), 0, "{:?}", run.sent);
}
