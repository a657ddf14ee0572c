//! What fixes a check's finding, for the runtime the file is for: pip's flags for the
//! runtime's Python and glibc, npm's for Linux x86_64, or the system to build on.
//!
//! pip takes `--platform` literally: `manylinux_2_28_x86_64` alone does not accept a
//! `manylinux2014` wheel (checked with pip 23.2 and 26.3), so the command names the tags that
//! wheels are built for up to the runtime's glibc; pip widens `manylinux2014` to
//! `manylinux2010` and `manylinux1` itself. `--platform` needs `--only-binary=:all:`.

use std::fmt;

use super::platform::Target;
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

/// The layer's Python packages installed as wheels for every Python runtime in `target`,
/// or, given `missing`, for those runtimes beside the builds the layer holds. One install per
/// runtime: the first into the layer's `python/`, the others into a folder of their own
/// copied over it, since pip's `--target` skips a package folder that exists; the versions
/// must be the same for every runtime, or the copies mix them. The wheels fit the oldest
/// glibc among all the runtimes, which the checks hold a file any runtime loads to.
pub(crate) fn python_wheels(target: &Target, missing: Option<&[&Runtime]>) -> Option<Fix> {
    let all: Vec<&Runtime> = target.pythons().collect();
    let runtimes = missing.unwrap_or(&all);
    if runtimes.is_empty() {
        return None;
    }
    let (_, system) = target.oldest_glibc_for(None)?;
    let glibc = system.glibc;
    let mut steps = Vec::new();
    let mut names = Vec::new();
    for (index, runtime) in runtimes.iter().enumerate() {
        let version = runtime.python()?;
        names.push(runtime.name);
        if index == 0 && missing.is_none() {
            steps.push(pip_install(version, glibc, &format!("{LAYER}/python")));
        } else {
            let own = format!("build/{}", runtime.name);
            steps.push(pip_install(version, glibc, &own));
            steps.push(format!("cp -r {own}/. {LAYER}/python/"));
        }
    }
    let platform = format!("Linux x86_64, glibc {}.{}", glibc.0, glibc.1);
    let advice = match (runtimes, missing) {
        ([only], None) => {
            let (major, minor) = only.python()?;
            format!(
                "install the packages as wheels for {} (CPython {major}.{minor}, {platform})",
                only.name
            )
        }
        _ => format!(
            "install the packages as wheels once per runtime ({}; {platform}), with pinned versions that have wheels for each, into the one python/ folder",
            names.join(", ")
        ),
    };
    Some(Fix {
        advice,
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

    fn runtime(name: &str) -> &'static Runtime {
        crate::fc::runtimes::named(name).expect("a known runtime")
    }

    #[test]
    fn pip_names_every_manylinux_level_up_to_the_runtimes_glibc() {
        let fix = python_wheels(&Target::named(&["python3.10"]), None).expect("a Python runtime");
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
        // A custom runtime on Debian 9 beside: every wheel fits its glibc.
        let with_custom = python_wheels(&Target::named(&["python3.10", "custom"]), None)
            .and_then(|fix| fix.command)
            .expect("a command");
        assert!(with_custom.contains(
            "--only-binary=:all: --platform manylinux_2_24_x86_64 --platform manylinux2014_x86_64 --python-version 3.10"
        ), "{with_custom}");
        assert_eq!(python_wheels(&Target::named(&["nodejs20"]), None), None);
    }

    #[test]
    fn several_runtimes_install_once_each_and_copy_over_the_layer() {
        let both = Target::named(&["python3.10", "python3.9"]);
        let command = python_wheels(&both, None)
            .and_then(|fix| fix.command)
            .expect("a command");
        let steps: Vec<&str> = command.split(" && ").collect();
        assert_eq!(steps.len(), 3, "{command}");
        // python3.9's Debian 9 sets the glibc for both: a file that is not a module for
        // one CPython loads on either.
        let glibc = "--only-binary=:all: --platform manylinux_2_24_x86_64 --platform manylinux2014_x86_64 --python-version";
        assert!(
            steps[0].contains(&format!(
                "{glibc} 3.10 --implementation cp --target build/layer/python -r requirements.txt"
            )),
            "{command}"
        );
        assert!(
            steps[1].contains(&format!(
                "{glibc} 3.9 --implementation cp --target build/python3.9 -r"
            )),
            "{command}"
        );
        assert_eq!(steps[2], "cp -r build/python3.9/. build/layer/python/");
        let alongside = python_wheels(&both, Some(&[runtime("python3.9")]))
            .and_then(|fix| fix.command)
            .expect("a command");
        assert_eq!(alongside, steps[1..].join(" && "));
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
