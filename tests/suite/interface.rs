//! The action's interface in one place: the inputs the code reads and the outputs it writes
//! (`fc_layer_action::interface`) are exactly those `action.yml` declares and the README's
//! tables document.

use std::collections::BTreeSet;

use fc_layer_action::fc::runtimes;
use fc_layer_action::interface::{Input, Output};
use yaml_rust2::{Yaml, YamlLoader};

fn action_yml() -> Yaml {
    let text = include_str!("../../action.yml");
    YamlLoader::load_from_str(text)
        .expect("action.yml is YAML")
        .into_iter()
        .next()
        .expect("one document")
}

fn keys(section: &Yaml) -> BTreeSet<String> {
    section
        .as_hash()
        .expect("a mapping")
        .keys()
        .map(|key| key.as_str().expect("a string key").to_owned())
        .collect()
}

/// The first column of the table under `heading` in the README, without the backquotes.
fn readme_table(heading: &str) -> BTreeSet<String> {
    let readme = include_str!("../../README.md");
    let start = readme
        .find(&format!("\n{heading}\n"))
        .unwrap_or_else(|| panic!("README has {heading}"));
    readme[start..]
        .lines()
        .skip_while(|line| !line.starts_with('|'))
        .take_while(|line| line.starts_with('|'))
        .skip(2)
        .map(|row| {
            let cell = row.split('|').nth(1).expect("a first cell").trim();
            cell.trim_matches('`').to_owned()
        })
        .collect()
}

fn code_inputs() -> BTreeSet<String> {
    Input::ALL
        .iter()
        .map(|input| input.name().to_owned())
        .collect()
}

fn code_outputs() -> BTreeSet<String> {
    Output::ALL
        .iter()
        .map(|output| output.name().to_owned())
        .collect()
}

#[test]
fn action_yml_declares_exactly_the_inputs_the_code_reads() {
    assert_eq!(keys(&action_yml()["inputs"]), code_inputs());
}

#[test]
fn action_yml_declares_exactly_the_outputs_the_code_writes() {
    assert_eq!(keys(&action_yml()["outputs"]), code_outputs());
}

#[test]
fn every_input_and_output_has_a_description() {
    let action = action_yml();
    for section in ["inputs", "outputs"] {
        for (name, spec) in action[section].as_hash().expect("a mapping") {
            let description = spec["description"].as_str().unwrap_or_default();
            assert!(!description.trim().is_empty(), "{section}.{name:?}");
        }
    }
}

#[test]
fn only_the_required_inputs_are_marked_required() {
    let action = action_yml();
    let required: BTreeSet<&str> = action["inputs"]
        .as_hash()
        .expect("a mapping")
        .iter()
        .filter(|(_, spec)| spec["required"].as_bool() == Some(true))
        .map(|(name, _)| name.as_str().expect("a name"))
        .collect();
    assert_eq!(required, BTreeSet::from(["layer-name", "code"]));
}

#[test]
fn the_readme_tables_document_the_same_inputs_and_outputs() {
    assert_eq!(readme_table("### Inputs"), code_inputs());
    assert_eq!(readme_table("### Outputs"), code_outputs());
}

/// The check table's glibc row says which Debian, and so which glibc, each runtime has; the
/// code reads the same facts from `fc::runtimes`, so the two must agree name by name.
#[test]
fn the_readme_gives_each_runtime_the_glibc_the_checks_hold_it_to() {
    let readme = include_str!("../../README.md");
    let row = readme
        .lines()
        .find(|line| line.contains("than the oldest Debian among the runtimes:"))
        .expect("the glibc row");
    let facts = row.split_once("runtimes:").expect("a colon").1;
    let facts = facts.split('|').next().unwrap_or_default();
    let mut named = 0;
    for clause in facts.split(';') {
        let clause = clause.trim();
        let rest = clause.strip_prefix("Debian ").expect(clause);
        let (debian, rest) = rest.split_once(" (").expect(clause);
        let (glibc, names) = rest.split_once(") for ").expect(clause);
        for name in names.split('`').skip(1).step_by(2) {
            let runtime = runtimes::named(name).unwrap_or_else(|| panic!("{name} is not known"));
            let system = runtime.system.expect("a system");
            assert_eq!(system.debian.to_string(), debian, "{name}");
            let (major, minor) = system.glibc;
            assert_eq!(format!("{major}.{minor}"), glibc, "{name}");
            named += 1;
        }
    }
    assert!(named >= 10, "{row}");
}

/// The Python recipe's table (README, "Building a layer that loads") gives each runtime the
/// Python and glibc the checks hold it to, and no `--platform` tag newer than that glibc, so a
/// layer built by it is not refused by `check` for its glibc.
#[test]
fn the_python_recipe_names_platforms_each_runtime_can_load() {
    let readme = include_str!("../../README.md");
    let section = readme
        .split("\n### Building a layer that loads")
        .nth(1)
        .and_then(|rest| rest.split("\n### ").next())
        .expect("the recipes section");
    let mut named = Vec::new();
    for row in section.lines().filter(|line| line.starts_with("| `python")) {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        let name = cells[1].trim_matches('`');
        let system = runtimes::named(name)
            .unwrap_or_else(|| panic!("{name} is not known"))
            .system
            .expect("a system");
        let python = match name.strip_prefix("python") {
            Some("3") => "3.6",
            Some(version) => version,
            None => panic!("{name}"),
        };
        assert_eq!(cells[2], format!("`{python}`"), "{row}");
        let (major, minor) = system.glibc;
        assert_eq!(cells[3], format!("{major}.{minor}"), "{row}");
        let tags: Vec<&str> = cells[4].split('`').skip(1).step_by(2).collect();
        assert!(
            tags.iter().any(|tag| tag.contains("manylinux2014_x86_64")),
            "{row}"
        );
        for tag in tags.iter().flat_map(|flags| flags.split(' ')) {
            let needs = match tag.strip_prefix("manylinux_2_") {
                Some(rest) => rest.trim_end_matches("_x86_64").parse::<u32>().expect(tag),
                None if tag == "manylinux2014_x86_64" => 17,
                None => panic!("{tag} in {row}"),
            };
            assert!(
                (2, needs) <= system.glibc,
                "{tag} is newer than {name}'s glibc"
            );
        }
        named.push(name);
    }
    assert_eq!(named, ["python3.9", "python3.10", "python3.12", "python3"]);
}

/// The options of the first `pip install` in `text` (continued lines joined), without those
/// that only say where from: an offline run adds `--no-index` and `--find-links DIR`.
fn pip_options(text: &str) -> Vec<String> {
    let joined = text.replace("\\\n", " ");
    let line = joined
        .lines()
        .find(|line| line.contains("pip install"))
        .expect("a pip install");
    let words: Vec<&str> = line.split_whitespace().collect();
    let mut options = Vec::new();
    let mut skip_value = false;
    for word in words.iter().skip_while(|word| **word != "install").skip(1) {
        if std::mem::take(&mut skip_value) {
            continue;
        }
        match *word {
            "--no-index" => {}
            "--find-links" => skip_value = true,
            word => options.push(word.to_owned()),
        }
    }
    options
}

/// The README's Usage example is the Python recipe that `tests/act/workflows/recipe-python.yml`
/// runs end to end: the same pip options, word for word.
#[test]
fn the_usage_example_installs_as_the_recipe_workflow_does() {
    let readme = include_str!("../../README.md");
    let usage = readme
        .split("\n## Usage\n")
        .nth(1)
        .and_then(|rest| rest.split("\n### ").next())
        .expect("the Usage section");
    let workflow = include_str!("../../tests/act/workflows/recipe-python.yml");
    let mut ran = pip_options(workflow);
    // The workflow's requirements live with its fixtures; the README's are the user's.
    let requirements = ran.pop().expect("the requirements file");
    assert!(
        requirements.ends_with("/requirements.txt"),
        "{requirements}"
    );
    ran.push("requirements.txt".to_owned());
    assert_eq!(pip_options(usage), ran);
}
