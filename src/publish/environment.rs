//! What the step reads from its process: the variables and the working directory, handed
//! in by the binary so that tests run the step with any environment.

use std::path::PathBuf;

/// The process's variables and working directory.
#[derive(Clone, Debug, Default)]
pub struct Environment {
    pub vars: Vec<(String, String)>,
    pub working_dir: PathBuf,
}

impl Environment {
    /// The variable `name`, unless unset or empty.
    pub(crate) fn var(&self, name: &str) -> Option<String> {
        self.vars
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
            .filter(|value| !value.is_empty())
    }

    /// What relative paths in the inputs (`code`) resolve against: `GITHUB_WORKSPACE` when
    /// set, as in a workflow, where a container action's working directory is not always the
    /// workspace; else the working directory. A relative `GITHUB_WORKSPACE` is taken from the
    /// working directory.
    pub(crate) fn workspace(&self) -> PathBuf {
        match self.var("GITHUB_WORKSPACE") {
            Some(workspace) => self.working_dir.join(workspace),
            None => self.working_dir.clone(),
        }
    }

    /// Where the zip is written: the runner's own temporary folder, which it cleans, when
    /// it is there; a container action may be handed a path that is not mounted.
    pub(crate) fn temp_dir(&self) -> PathBuf {
        [self.var("RUNNER_TEMP"), self.var("TMPDIR")]
            .into_iter()
            .flatten()
            .map(PathBuf::from)
            .find(|dir| dir.is_dir())
            .unwrap_or_else(|| PathBuf::from("/tmp"))
    }
}
