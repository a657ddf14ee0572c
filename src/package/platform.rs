//! The runtimes a layer is for, as the checks see them: the known ones among the names given,
//! with their facts from the one runtime table, [`crate::fc::runtimes`].

use crate::fc::runtimes::{self, Language, Runtime, System};

/// What a layer for the named runtimes must fit: the known ones among them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Target {
    runtimes: Vec<&'static Runtime>,
}

impl Target {
    pub(crate) fn new(names: &[String]) -> Self {
        Self {
            runtimes: names
                .iter()
                .filter_map(|name| runtimes::named(name))
                .collect(),
        }
    }

    /// [`Target::new`] from literal names, for the checks' unit tests.
    #[cfg(test)]
    pub(crate) fn named(names: &[&str]) -> Self {
        let names: Vec<String> = names.iter().map(|name| name.to_string()).collect();
        Self::new(&names)
    }

    /// The runtime with the oldest glibc, which native code must load on, and its system,
    /// among the runtimes that load a file for CPython 3.`python`: the Python runtimes of
    /// that version when one is named (no other Python imports it), else all of them.
    /// `custom-container` has none known, so it holds native code to nothing.
    pub(crate) fn oldest_glibc_for(
        &self,
        python: Option<u32>,
    ) -> Option<(&'static Runtime, System)> {
        let of_version =
            |runtime: &&&Runtime| python.is_some_and(|minor| runtime.python() == Some((3, minor)));
        let loading: Vec<&'static Runtime> = if self.runtimes.iter().any(|r| of_version(&r)) {
            self.runtimes.iter().filter(of_version).copied().collect()
        } else {
            self.runtimes.clone()
        };
        loading
            .into_iter()
            .filter_map(|runtime| Some((runtime, runtime.system?)))
            .min_by_key(|(_, system)| system.glibc)
    }

    pub(crate) fn pythons(&self) -> impl Iterator<Item = &'static Runtime> + '_ {
        self.runtimes
            .iter()
            .copied()
            .filter(|runtime| runtime.python().is_some())
    }

    pub(crate) fn nodejs(&self) -> Option<&'static Runtime> {
        self.runtimes
            .iter()
            .copied()
            .find(|runtime| runtime.language == Language::Nodejs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The checks read every runtime from the table, so a name the table knows is one the
    /// checks know, with a system unless it is the user's own image; a Python runtime has
    /// its version, a Node.js one its paths.
    #[test]
    fn every_runtime_the_table_knows_the_checks_know() {
        let names: Vec<String> = runtimes::RUNTIMES
            .iter()
            .map(|runtime| runtime.name.to_owned())
            .collect();
        let target = Target::new(&names);
        assert_eq!(target.runtimes.len(), names.len());
        for runtime in runtimes::RUNTIMES {
            let alone = Target::new(&[runtime.name.to_owned()]);
            assert_eq!(alone.runtimes, [runtime], "{}", runtime.name);
            assert_eq!(
                alone.oldest_glibc_for(None).is_some(),
                runtime.name != "custom-container",
                "{}",
                runtime.name
            );
            let python = runtime.name.starts_with("python");
            assert_eq!(alone.pythons().next().is_some(), python, "{}", runtime.name);
            let nodejs = runtime.name.starts_with("nodejs");
            assert_eq!(alone.nodejs().is_some(), nodejs, "{}", runtime.name);
        }
        let oldest = target.oldest_glibc_for(None).map(|(_, system)| system);
        assert_eq!(
            oldest,
            Some(System {
                debian: 9,
                glibc: (2, 24)
            })
        );
    }

    #[test]
    fn a_module_for_one_python_is_held_to_that_runtimes_glibc() {
        let names = ["python3.10".to_owned(), "python3.9".to_owned()];
        let both = Target::new(&names);
        let glibc = |python| {
            both.oldest_glibc_for(python)
                .map(|(_, system)| system.glibc)
        };
        assert_eq!(glibc(Some(10)), Some((2, 28)));
        assert_eq!(glibc(Some(9)), Some((2, 24)));
        assert_eq!(glibc(None), Some((2, 24)));
        assert_eq!(glibc(Some(12)), Some((2, 24)));
    }

    #[test]
    fn unknown_names_are_left_out() {
        let target = Target::new(&["nodejs22".to_owned(), "python3.10".to_owned()]);
        let names: Vec<&str> = target.runtimes.iter().map(|runtime| runtime.name).collect();
        assert_eq!(names, ["python3.10"]);
    }
}
