//! What the published repository carries besides the code: an image that builds on any
//! Linux runner (no fixed target in the Dockerfile; release.yml pushes amd64 and arm64,
//! attested, every action pinned by commit), the license Cargo.toml names, a security
//! policy, and Dependabot for the three things the project pins.

use std::collections::BTreeSet;

use yaml_rust2::{Yaml, YamlLoader};

fn yaml(name: &str, text: &str) -> Yaml {
    YamlLoader::load_from_str(text)
        .unwrap_or_else(|error| panic!("{name} is YAML: {error}"))
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("{name}: one document"))
}

fn release_yml() -> Yaml {
    yaml(
        "release.yml",
        include_str!("../../.github/workflows/release.yml"),
    )
}

/// The Dockerfile's lines (comments left out) that name an architecture or a target
/// triple, which would build for one kind of machine only.
fn fixed_targets(dockerfile: &str) -> Vec<&str> {
    const MARKERS: [&str; 8] = [
        "x86_64",
        "aarch64",
        "amd64",
        "arm64",
        "-unknown-linux-",
        "-linux-gnu",
        "-linux-musl",
        "--platform=linux/",
    ];
    dockerfile
        .lines()
        .filter(|line| !line.trim_start().starts_with('#'))
        .filter(|line| MARKERS.iter().any(|marker| line.contains(marker)))
        .collect()
}

#[test]
fn the_dockerfile_builds_a_static_binary_for_the_machine_it_runs_on() {
    let dockerfile = include_str!("../../Dockerfile");
    assert_eq!(fixed_targets(dockerfile), Vec::<&str>::new());
    // Still static on an empty base, for the builder's own host triple.
    assert!(dockerfile.contains("+crt-static"));
    assert!(dockerfile.contains("rustc -vV | sed -n 's/^host: //p'"));
    assert!(dockerfile.contains("--target \"$target\""));
    assert!(dockerfile.contains("\nFROM scratch\n"));
    // Offline-friendly as tests/act builds it: fetched from the manifests, built offline.
    assert!(dockerfile.contains("cargo fetch --locked --target"));
    assert!(dockerfile.contains("cargo build --release --locked --offline"));
}

#[test]
fn a_fixed_target_in_the_dockerfile_is_told() {
    let before = "RUN cargo fetch --locked --target x86_64-unknown-linux-gnu\n\
                  # for x86_64 or arm64 runners\n\
                  FROM --platform=linux/amd64 rust AS build\n";
    assert_eq!(
        fixed_targets(before),
        [
            "RUN cargo fetch --locked --target x86_64-unknown-linux-gnu",
            "FROM --platform=linux/amd64 rust AS build"
        ]
    );
}

/// Every `uses:` of a workflow's steps, in order.
fn uses(workflow: &Yaml) -> Vec<String> {
    let jobs = workflow["jobs"].as_hash().expect("jobs");
    jobs.values()
        .flat_map(|job| job["steps"].as_vec().expect("steps").iter())
        .filter_map(|step| step["uses"].as_str().map(str::to_owned))
        .collect()
}

fn pinned_by_commit(uses: &str) -> bool {
    uses.split_once('@').is_some_and(|(_, reference)| {
        reference.len() == 40 && reference.bytes().all(|byte| byte.is_ascii_hexdigit())
    })
}

/// The one step of release.yml that uses `action` (`owner/name`).
fn step_using(release: &Yaml, action: &str) -> Yaml {
    let steps = release["jobs"]["image"]["steps"].as_vec().expect("steps");
    let found: Vec<&Yaml> = steps
        .iter()
        .filter(|step| {
            step["uses"]
                .as_str()
                .is_some_and(|uses| uses.starts_with(&format!("{action}@")))
        })
        .collect();
    assert_eq!(found.len(), 1, "release.yml uses {action} once");
    found[0].clone()
}

#[test]
fn release_pushes_one_attested_image_for_amd64_and_arm64() {
    let release = release_yml();
    let build = step_using(&release, "docker/build-push-action");
    let platforms: BTreeSet<&str> = build["with"]["platforms"]
        .as_str()
        .expect("platforms")
        .split(',')
        .map(str::trim)
        .collect();
    assert_eq!(platforms, BTreeSet::from(["linux/amd64", "linux/arm64"]));
    assert_eq!(build["with"]["push"].as_bool(), Some(true));
    let build_id = build["id"].as_str().expect("the build step has an id");
    step_using(&release, "docker/setup-qemu-action");
    step_using(&release, "docker/setup-buildx-action");
    let attest = step_using(&release, "actions/attest-build-provenance");
    assert_eq!(
        attest["with"]["subject-digest"].as_str(),
        Some(format!("${{{{ steps.{build_id}.outputs.digest }}}}").as_str())
    );
    // The attestation's permissions on the job alone; the workflow grants nothing.
    assert_eq!(release["permissions"].as_hash().map(|h| h.len()), Some(0));
    let permissions = &release["jobs"]["image"]["permissions"];
    assert_eq!(permissions["id-token"].as_str(), Some("write"));
    assert_eq!(permissions["attestations"].as_str(), Some("write"));
}

#[test]
fn every_workflow_action_is_pinned_by_commit() {
    let workflows = [
        ("release.yml", release_yml()),
        (
            "ci.yml",
            yaml("ci.yml", include_str!("../../.github/workflows/ci.yml")),
        ),
    ];
    for (name, workflow) in &workflows {
        let all = uses(workflow);
        assert!(!all.is_empty(), "{name} uses actions");
        for action in all {
            assert!(pinned_by_commit(&action), "{name}: {action} is not pinned");
        }
    }
    assert!(!pinned_by_commit("actions/checkout@v4"));
}

#[test]
fn release_rewrites_the_image_line_action_yml_has() {
    // release.yml's sed replaces exactly this line with the image's digest; were it
    // spelt otherwise, the release commit would still build from the Dockerfile.
    let action = include_str!("../../action.yml");
    assert_eq!(
        action
            .lines()
            .filter(|line| *line == "  image: Dockerfile")
            .count(),
        1
    );
    let release = include_str!("../../.github/workflows/release.yml");
    assert!(release.contains(r#"sed -i "s|^  image: Dockerfile$|  image: ${pinned}|" action.yml"#));
    assert!(release.contains(r#"pinned="docker://${IMAGE}@${DIGEST}""#));
}

#[test]
fn the_license_is_the_one_cargo_toml_names() {
    let cargo = include_str!("../../Cargo.toml");
    assert!(cargo.contains("\nlicense = \"MIT\"\n"));
    let license = include_str!("../../LICENSE");
    assert!(license.starts_with("MIT License\n\nCopyright (c) "));
    assert!(license.contains("Permission is hereby granted, free of charge,"));
    assert!(license.contains("THE SOFTWARE IS PROVIDED \"AS IS\", WITHOUT WARRANTY OF ANY KIND"));
}

#[test]
fn the_security_policy_says_how_to_report() {
    let policy = include_str!("../../SECURITY.md");
    for needed in [
        "Report a vulnerability",
        "## Supported versions",
        "## Scope",
    ] {
        assert!(policy.contains(needed), "SECURITY.md says {needed}");
    }
}

#[test]
fn dependabot_keeps_actions_crates_and_the_base_image_current() {
    let dependabot = yaml(
        "dependabot.yml",
        include_str!("../../.github/dependabot.yml"),
    );
    assert_eq!(dependabot["version"].as_i64(), Some(2));
    let ecosystems: BTreeSet<&str> = dependabot["updates"]
        .as_vec()
        .expect("updates")
        .iter()
        .map(|update| update["package-ecosystem"].as_str().expect("an ecosystem"))
        .collect();
    assert_eq!(
        ecosystems,
        BTreeSet::from(["cargo", "docker", "github-actions"])
    );
}
