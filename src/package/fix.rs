//! What fixes a check's finding, for the runtime the file is for: pip's flags for the
//! runtime's Python and glibc, npm's for Linux x86_64, or the system to build on.
//!
//! pip takes `--platform` literally: `manylinux_2_28_x86_64` alone does not accept a
//! `manylinux2014` wheel (checked with pip 23.2 and 26.3), so the command names the tags that
//! wheels are built for up to the runtime's glibc; pip widens `manylinux2014` to
//! `manylinux2010` and `manylinux1` itself. `--platform` needs `--only-binary=:all:`.

use std::fmt;

use crate::fc::runtimes::Runtime;

/// The layer's folder in the commands, as the README's Usage names it; the README says to
/// put the `code` folder in its place.
const LAYER: &str = "build/layer";

/// The manylinux levels wheels are built for (the manylinux images), below a runtime's own.
const MANYLINUX_LEVELS: [u32; 3] = [34, 28, 24];

/// What to do about a finding: in words, and the command that does it when there is one.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Fix {
    pub(crate) advice: String,
    pub(crate) command: Option<String>,
}

impl fmt::Display for Fix {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.command {
            Some(command) => write!(formatter, "{}: `{command}`", self.advice),
            None => formatter.write_str(&self.advice),
        }
    }
}

/// pip's `--platform` values for a system with `glibc`, newest first.
fn manylinux_platforms(glibc: (u32, u32)) -> Vec<String> {
    let (major, minor) = glibc;
    let mut platforms = vec![format!("manylinux_{major}_{minor}_x86_64")];
    for level in MANYLINUX_LEVELS.into_iter().filter(|level| *level < minor) {
        platforms.push(format!("manylinux_{major}_{level}_x86_64"));
    }
    platforms.push("manylinux2014_x86_64".to_owned());
    platforms
}

/// `pip install` of wheels for CPython `python` on x86_64 with `glibc`, into `target`.
fn pip_install(python: (u32, u32), glibc: (u32, u32), target: &str) -> String {
    let platforms: String = manylinux_platforms(glibc)
        .iter()
        .map(|platform| format!(" --platform {platform}"))
        .collect();
    format!(
        "pip install --only-binary=:all:{platforms} --python-version {}.{} --implementation cp --target {target} -r requirements.txt",
        python.0, python.1
    )
}

/// A runtime's Python and the glibc its wheels must fit (`glibc`, or the runtime's own).
fn python_and_glibc(
    runtime: &Runtime,
    glibc: Option<(u32, u32)>,
) -> Option<((u32, u32), (u32, u32))> {
    let glibc = glibc.or(runtime.system.map(|system| system.glibc))?;
    Some((runtime.python()?, glibc))
}

/// Wheels for one Python runtime, made for `glibc` (the oldest among the runtimes that load
/// the file) or the runtime's own, installed into the layer's `python/`.
pub(crate) fn python(runtime: &Runtime, glibc: Option<(u32, u32)>) -> Option<Fix> {
    let (version, glibc) = python_and_glibc(runtime, glibc)?;
    Some(Fix {
        advice: format!(
            "install the packages as wheels for {} (CPython {}.{}, Linux x86_64, glibc {}.{})",
            runtime.name, version.0, version.1, glibc.0, glibc.1
        ),
        command: Some(pip_install(version, glibc, &format!("{LAYER}/python"))),
    })
}

/// Wheels for each of `runtimes`, one install per runtime: the first into the layer's
/// `python/` unless `alongside` (the layer holds another runtime's already), the others into a
/// folder of their own copied over it. pip's `--target` skips a package folder that exists,
/// hence the copy; the versions must be the same for every runtime, or the copies mix them.
pub(crate) fn pythons(runtimes: &[&Runtime], alongside: bool) -> Option<Fix> {
    if let ([only], false) = (runtimes, alongside) {
        return python(only, None);
    }
    let mut steps = Vec::new();
    let mut names = Vec::new();
    for (index, runtime) in runtimes.iter().enumerate() {
        let (version, glibc) = python_and_glibc(runtime, None)?;
        names.push(runtime.name);
        if index == 0 && !alongside {
            steps.push(pip_install(version, glibc, &format!("{LAYER}/python")));
        } else {
            let own = format!("build/{}", runtime.name);
            steps.push(pip_install(version, glibc, &own));
            steps.push(format!("cp -r {own}/. {LAYER}/python/"));
        }
    }
    Some(Fix {
        advice: format!(
            "install the packages as wheels once per runtime ({}), with pinned versions that have wheels for every one, into the one python/ folder",
            names.join(", ")
        ),
        command: Some(steps.join(" && ")),
    })
}

/// A Node.js package's native addon for another machine or system.
pub(crate) fn nodejs() -> Fix {
    Fix {
        advice: format!(
            "install the packages for Linux x64 in {LAYER}/nodejs (beside package.json and package-lock.json); npm picks the prebuilt Linux x64 packages, and an addon compiled at install needs a Linux x86_64 runner"
        ),
        command: Some("npm ci --omit=dev --os=linux --cpu=x64".to_owned()),
    }
}

/// Native code that is not a Python or Node.js package's: built for the wrong machine.
pub(crate) fn build_for_x86_64() -> Fix {
    Fix {
        advice: "build it for Linux x86_64: on an x86_64 Linux runner (runs-on: ubuntu-latest), or cross-compiled for x86_64-unknown-linux-gnu".to_owned(),
        command: None,
    }
}

/// Native code that needs a newer glibc than the runtime's Debian has.
pub(crate) fn build_on(debian: u8, glibc: (u32, u32)) -> Fix {
    let image = match debian {
        9 => "debian:stretch",
        10 => "debian:buster",
        11 => "debian:bullseye",
        _ => "debian:bookworm",
    };
    Fix {
        advice: format!(
            "build it on Debian {debian} (glibc {}.{}) or older, in the {image} container image, or use a release of it built for an older glibc",
            glibc.0, glibc.1
        ),
        command: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fc::runtimes::named;

    fn runtime(name: &str) -> &'static Runtime {
        named(name).expect("a known runtime")
    }

    #[test]
    fn pip_names_every_manylinux_level_up_to_the_runtimes_glibc() {
        let fix = python(runtime("python3.10"), None).expect("a Python runtime");
        assert_eq!(
            fix.command.as_deref(),
            Some(
                "pip install --only-binary=:all: --platform manylinux_2_28_x86_64 --platform manylinux_2_24_x86_64 --platform manylinux2014_x86_64 --python-version 3.10 --implementation cp --target build/layer/python -r requirements.txt"
            )
        );
        assert!(
            fix.advice
                .contains("python3.10 (CPython 3.10, Linux x86_64, glibc 2.28)")
        );
        assert_eq!(
            manylinux_platforms((2, 24)),
            ["manylinux_2_24_x86_64", "manylinux2014_x86_64"]
        );
        assert_eq!(
            manylinux_platforms((2, 36)),
            [
                "manylinux_2_36_x86_64",
                "manylinux_2_34_x86_64",
                "manylinux_2_28_x86_64",
                "manylinux_2_24_x86_64",
                "manylinux2014_x86_64"
            ]
        );
        let older = python(runtime("python3.10"), Some((2, 24))).expect("a Python runtime");
        assert!(older.command.expect("a command").contains(
            "--platform manylinux_2_24_x86_64 --platform manylinux2014_x86_64 --python-version 3.10"
        ));
        assert_eq!(python(runtime("nodejs20"), None), None);
    }

    #[test]
    fn several_runtimes_install_once_each_and_copy_over_the_layer() {
        let both = [runtime("python3.10"), runtime("python3.9")];
        let command = pythons(&both, false)
            .and_then(|fix| fix.command)
            .expect("a command");
        let steps: Vec<&str> = command.split(" && ").collect();
        assert_eq!(steps.len(), 3, "{command}");
        assert!(steps[0].ends_with("--python-version 3.10 --implementation cp --target build/layer/python -r requirements.txt"));
        assert!(steps[1].contains(
            "--platform manylinux_2_24_x86_64 --platform manylinux2014_x86_64 --python-version 3.9"
        ));
        assert!(steps[1].contains("--target build/python3.9 "));
        assert_eq!(steps[2], "cp -r build/python3.9/. build/layer/python/");
        let alongside = pythons(&both[1..], true)
            .and_then(|fix| fix.command)
            .expect("a command");
        assert!(
            alongside.starts_with("pip install")
                && alongside.ends_with("cp -r build/python3.9/. build/layer/python/")
        );
        assert_eq!(pythons(&both[..1], false), python(both[0], None));
    }

    #[test]
    fn fixes_read_as_advice_then_command() {
        assert_eq!(
            nodejs().to_string().split(": `").nth(1),
            Some("npm ci --omit=dev --os=linux --cpu=x64`")
        );
        let glibc = build_on(10, (2, 28)).to_string();
        assert!(glibc.contains("Debian 10 (glibc 2.28)") && glibc.contains("debian:buster"));
    }
}
