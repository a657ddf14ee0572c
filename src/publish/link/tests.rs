use super::*;

const MB: u64 = 1_000_000;
/// The calls the temporary bucket makes besides the upload: the loan, from FC.
const TEMPORARY: OssCalls = OssCalls { fc: 1, oss: 0 };
/// One's own bucket: the content check on OSS.
const OWN: OssCalls = OssCalls { fc: 0, oss: 1 };

fn link(fc_ms: u64, oss_ms: Option<u64>) -> LinkMeasure {
    LinkMeasure {
        fc: Duration::from_millis(fc_ms),
        oss: oss_ms.map(Duration::from_millis),
    }
}

/// bench/longhaul's `far`: FC 200 ms away, OSS's accelerate endpoint 30 ms.
fn far() -> LinkMeasure {
    link(200, Some(30))
}

#[test]
fn far_with_accelerate_goes_through_oss_from_one_megabyte() {
    for size in [MB, 5 * MB, 16 << 20, 20 * MB, 60 * MB] {
        let estimate = choose(&far(), size, TEMPORARY);
        assert_eq!(estimate.way, Way::Oss, "{size}: {estimate:?}");
        assert!(estimate.oss < estimate.inline, "{estimate:?}");
    }
}

#[test]
fn far_without_accelerate_sends_one_megabyte_inline_and_more_through_oss() {
    let far_no_accelerate = link(200, Some(200));
    let small = choose(&far_no_accelerate, MB, TEMPORARY);
    assert_eq!(small.way, Way::Inline, "{small:?}");
    for size in [5 * MB, 20 * MB, 60 * MB] {
        let estimate = choose(&far_no_accelerate, size, TEMPORARY);
        assert_eq!(estimate.way, Way::Oss, "{size}: {estimate:?}");
    }
}

#[test]
fn an_unmeasured_oss_link_is_taken_to_be_as_far_as_fc() {
    for size in [MB, 5 * MB, 60 * MB] {
        assert_eq!(
            choose(&link(200, None), size, TEMPORARY),
            choose(&link(200, Some(200)), size, TEMPORARY)
        );
    }
}

#[test]
fn near_sends_a_megabyte_inline() {
    let near = link(5, Some(5));
    assert_eq!(choose(&near, MB, TEMPORARY).way, Way::Inline);
    assert_eq!(choose(&near, MB, OWN).way, Way::Inline);
}

#[test]
fn on_loopback_a_small_zip_goes_inline() {
    let loopback = link(0, Some(0));
    let estimate = choose(&loopback, 100_000, TEMPORARY);
    assert_eq!(estimate.way, Way::Inline, "{estimate:?}");
    assert_eq!(estimate.fc_rate, MAX_RATE, "the rate is capped");
}

#[test]
fn inline_costs_the_base64_over_one_connection() {
    // 200 ms: 256 KiB a round trip, 1.31 MB/s; 20 MB is 26.7 MB of Base64.
    let estimate = choose(&link(200, Some(200)), 20 * MB, TEMPORARY);
    let expected = 0.2 + base64_len(20_000_000) as f64 / (WINDOW_BYTES as f64 / 0.2);
    assert!(
        (estimate.inline.as_secs_f64() - expected).abs() < 1e-3,
        "{estimate:?}"
    );
    // Through OSS: the loan, one PutObject of 20 MB, the create.
    let oss = 0.2 + (0.2 + 20e6 / (WINDOW_BYTES as f64 / 0.2)) + 0.2;
    assert!(
        (estimate.oss.as_secs_f64() - oss).abs() < 1e-3,
        "{estimate:?}"
    );
}

#[test]
fn parts_go_three_at_a_time() {
    // 60 MB: 8 parts of 8 MiB, in 3 waves of at most 3, between initiate and complete.
    let trip = 0.2;
    let rate = WINDOW_BYTES as f64 / trip;
    let expected = 2.0 * trip + 3.0 * trip + 60e6 / (3.0 * rate);
    assert!((upload_time(60 * MB, trip, rate) - expected).abs() < 1e-9);
    // Up to 32 MiB, one PutObject.
    assert!((upload_time(32 << 20, trip, rate) - (trip + (32 << 20) as f64 / rate)).abs() < 1e-9);
}

#[test]
fn the_calls_before_the_upload_count() {
    let far_no_accelerate = link(200, Some(200));
    let temporary = choose(&far_no_accelerate, 5 * MB, TEMPORARY);
    let with_sts = choose(&far_no_accelerate, 5 * MB, OssCalls { fc: 2, oss: 0 });
    let difference = with_sts.oss.as_secs_f64() - temporary.oss.as_secs_f64();
    assert!((difference - 0.2).abs() < 1e-6, "one more FC round trip");
}

#[test]
fn the_log_gives_the_figures() {
    let why = choose(&far(), 16 << 20, TEMPORARY).why(&far());
    assert!(why.contains("FC round trip 200 ms"), "{why}");
    assert!(why.contains("OSS round trip 30 ms"), "{why}");
    assert!(
        why.contains("s inline") && why.contains("s through OSS"),
        "{why}"
    );
    let unmeasured = link(200, None);
    let why = choose(&unmeasured, MB, TEMPORARY).why(&unmeasured);
    assert!(why.contains("not measured"), "{why}");
}

#[test]
fn only_zips_beyond_one_window_are_worth_measuring() {
    assert!(!worth_measuring(1000));
    assert!(!worth_measuring(WINDOW_BYTES / 4 * 3));
    assert!(worth_measuring(MB));
}
