//! Python extension modules, taken together: each Python runtime named must find a build of
//! every module it may import. CPython 3.XY looks for `_foo.cpython-3XY-….so`, then
//! `_foo.abi3.so`, then `_foo.so`, so a module built only for 3.10 fails to import on 3.9.
//!
//! Pure, over the layer's entry names: the tag of each file, then one pass per module.

use std::collections::{BTreeMap, BTreeSet};

use super::finding::Finding;
use super::fix;
use super::platform::Target;
use crate::fc::runtimes::Runtime;

/// What an extension module's file name says about the Pythons that load it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tag {
    /// `.cpython-3XY-….so`: CPython 3.XY only.
    CPython(u32),
    /// `.abi3.so` or a bare `.so`: any CPython 3.
    Any,
    /// Another interpreter's (`.pypy39-pp73-….so`) or not a module's name.
    Other,
}

/// The module a `.so` file is a build of (its path up to the first `.` of the file name) and
/// its tag; `None` for a file that is not a `.so`.
pub(crate) fn module_of(path: &str) -> Option<(&str, Tag)> {
    let stem = path.strip_suffix(".so")?;
    let start = stem.rfind('/').map_or(0, |slash| slash + 1);
    let Some(dot) = stem[start..].find('.') else {
        return Some((stem, Tag::Any));
    };
    let (module, suffix) = (&stem[..start + dot], &stem[start + dot + 1..]);
    let tag = if suffix == "abi3" {
        Tag::Any
    } else if let Some(version) = suffix.strip_prefix("cpython-3") {
        let digits: String = version.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().map_or(Tag::Other, Tag::CPython)
    } else {
        Tag::Other
    };
    Some((module, tag))
}

/// The builds of one module seen in the layer.
#[derive(Default)]
struct Builds<'a> {
    /// The CPython-tagged files, in name order.
    files: BTreeSet<&'a str>,
    minors: BTreeSet<u32>,
    /// An `abi3` or bare build, which every CPython 3 finds.
    any: bool,
}

/// One error per module that a named Python runtime finds no build of, naming the module and
/// those runtimes; the fix installs the packages for them.
pub(crate) fn inspect_modules<'a>(
    names: impl IntoIterator<Item = &'a str>,
    target: &Target,
) -> Vec<Finding> {
    if target.pythons().next().is_none() {
        return Vec::new();
    }
    let mut modules: BTreeMap<&str, Builds> = BTreeMap::new();
    for name in names {
        let Some((module, tag)) = module_of(name) else {
            continue;
        };
        let builds = modules.entry(module).or_default();
        match tag {
            Tag::CPython(minor) => {
                builds.files.insert(name);
                builds.minors.insert(minor);
            }
            Tag::Any => builds.any = true,
            Tag::Other => {}
        }
    }
    modules
        .iter()
        .filter(|(_, builds)| !builds.any)
        .filter_map(|(module, builds)| missing(module, builds, target))
        .collect()
}

/// The error for a module some of `pythons` find no build of, if any.
fn missing(module: &str, builds: &Builds, target: &Target) -> Option<Finding> {
    let pythons: Vec<&'static Runtime> = target.pythons().collect();
    let first = builds.files.first()?;
    let finds = |runtime: &&Runtime| {
        runtime
            .python()
            .is_some_and(|(_, minor)| builds.minors.contains(&minor))
    };
    let without: Vec<&Runtime> = pythons.iter().copied().filter(|r| !finds(r)).collect();
    if without.is_empty() {
        return None;
    }
    let built: Vec<String> = builds
        .minors
        .iter()
        .map(|minor| format!("3.{minor}"))
        .collect();
    let named: Vec<String> = without
        .iter()
        .filter_map(|runtime| {
            let (major, minor) = runtime.python()?;
            Some(format!("{} (Python {major}.{minor})", runtime.name))
        })
        .collect();
    let message = format!(
        "is a build of module {module}, which the layer has for CPython {} only (no abi3 build): {} {} none, so importing it fails there",
        built.join(", "),
        named.join(" and "),
        if named.len() == 1 { "finds" } else { "find" },
    );
    // When none of the named runtimes finds a build, the layer was built for another Python.
    let missing = (without.len() < pythons.len()).then_some(without.as_slice());
    Some(Finding::error(first, message).with_fix(fix::python_wheels(target, missing)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_name_gives_its_module_and_the_pythons_that_load_it() {
        let cases = [
            (
                "python/np/_core.cpython-310-x86_64-linux-gnu.so",
                Some(("python/np/_core", Tag::CPython(10))),
            ),
            (
                "python/x.cpython-36m-x86_64-linux-gnu.so",
                Some(("python/x", Tag::CPython(6))),
            ),
            ("python/a.b/_c.abi3.so", Some(("python/a.b/_c", Tag::Any))),
            ("python/_c.so", Some(("python/_c", Tag::Any))),
            (
                "python/_c.pypy39-pp73-x86_64-linux-gnu.so",
                Some(("python/_c", Tag::Other)),
            ),
            ("python/_c.cpython-3x.so", Some(("python/_c", Tag::Other))),
            ("python/np/notes.cpython-312.txt", None),
            ("lib/libfoo.so.1", None),
        ];
        for (path, expected) in cases {
            assert_eq!(module_of(path), expected, "{path}");
        }
    }

    #[test]
    fn every_named_python_must_find_every_module() {
        let both = Target::named(&["python3.10", "python3.9"]);
        let one = ["python/x.cpython-310-x86_64-linux-gnu.so"];
        let found = inspect_modules(one, &both);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].path, one[0]);
        let message = &found[0].message;
        assert!(
            message.contains("module python/x, which the layer has for CPython 3.10 only"),
            "{message}"
        );
        assert!(
            message.contains("python3.9 (Python 3.9) finds none"),
            "{message}"
        );
        assert!(!message.contains("python3.10 ("), "{message}");
        let fix = found[0].fix.as_ref().and_then(|fix| fix.command.as_deref());
        assert!(
            fix.is_some_and(|fix| fix.contains("--python-version 3.9") && !fix.contains("3.10")),
            "{fix:?}"
        );

        let side_by_side = [one[0], "python/x.cpython-39-x86_64-linux-gnu.so"];
        assert!(inspect_modules(side_by_side, &both).is_empty());
        for fine in ["python/x.abi3.so", "python/x.so"] {
            assert!(inspect_modules([one[0], fine], &both).is_empty(), "{fine}");
        }
        assert!(inspect_modules(["python/x.py", "python/pkg/"], &both).is_empty());
        assert!(inspect_modules(one, &Target::named(&["python3.10"])).is_empty());
        assert!(inspect_modules(one, &Target::named(&["nodejs18"])).is_empty());
        let python36 = ["python/x.cpython-36m-x86_64-linux-gnu.so"];
        assert!(inspect_modules(python36, &Target::named(&["python3"])).is_empty());
    }

    #[test]
    fn a_module_for_none_of_the_pythons_names_them_all_once() {
        let both = Target::named(&["python3.10", "python3.9"]);
        let found = inspect_modules(
            [
                "python/np/_core.cpython-312-x86_64-linux-gnu.so",
                "python/np/_core.cpython-311-x86_64-linux-gnu.so",
                "python/np/_other.cpython-312-x86_64-linux-gnu.so",
            ],
            &both,
        );
        let paths: Vec<&str> = found.iter().map(|finding| finding.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "python/np/_core.cpython-311-x86_64-linux-gnu.so",
                "python/np/_other.cpython-312-x86_64-linux-gnu.so"
            ]
        );
        assert!(
            found[0].message.contains("for CPython 3.11, 3.12 only")
                && found[0]
                    .message
                    .contains("python3.10 (Python 3.10) and python3.9 (Python 3.9) find none"),
            "{}",
            found[0].message
        );
        // Both modules need the same fix: the layer built once per runtime.
        assert_eq!(found[0].fix, found[1].fix);
        let command = found[0].fix.as_ref().and_then(|fix| fix.command.clone());
        assert!(
            command.is_some_and(|command| command.contains("--python-version 3.10")
                && command.contains("--python-version 3.9")),
        );
    }
}
