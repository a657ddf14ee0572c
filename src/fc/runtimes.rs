//! The runtimes FC is known to have, in one table: whether a `compatible-runtimes` name is
//! known, and what each runtime is made of for the layer checks (its language, its Python,
//! the Debian and glibc under it). From Alibaba Cloud's runtime pages and Debian's release
//! data; every runtime is x86_64 only.
//!
//! Being known only decides between silence and a warning: FC adds runtimes over time, and a
//! user on a newer one must not be blocked by an old copy of this table.

/// A runtime and its facts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Runtime {
    pub(crate) name: &'static str,
    pub(crate) language: Language,
    /// The system under the runtime; `None` for `custom-container`, the user's own image,
    /// about which nothing can be said.
    pub system: Option<System>,
}

/// What a runtime runs, which decides where it looks in a layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Language {
    /// A custom runtime or container: the layer's paths are the user's business.
    Custom,
    /// CPython (3, minor).
    Python(u32, u32),
    Nodejs,
    Java,
    Php,
    Go,
    Dotnet,
}

/// The Debian release under a runtime and its glibc, which native code must load on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct System {
    pub debian: u8,
    /// (major, minor).
    pub glibc: (u32, u32),
}

impl Runtime {
    /// (3, minor) for a Python runtime.
    pub(crate) fn python(&self) -> Option<(u32, u32)> {
        match self.language {
            Language::Python(major, minor) => Some((major, minor)),
            _ => None,
        }
    }
}

const fn runtime(name: &'static str, language: Language, debian: u8) -> Runtime {
    let glibc = match debian {
        9 => (2, 24),
        10 => (2, 28),
        11 => (2, 31),
        _ => (2, 36),
    };
    Runtime {
        name,
        language,
        system: Some(System { debian, glibc }),
    }
}

/// Every runtime FC is known to accept. Java, PHP and Go publish no system version, so are
/// taken as the oldest, Debian 9.
pub(crate) const RUNTIMES: &[Runtime] = &[
    runtime("custom", Language::Custom, 9),
    runtime("custom.debian10", Language::Custom, 10),
    runtime("custom.debian11", Language::Custom, 11),
    runtime("custom.debian12", Language::Custom, 12),
    Runtime {
        name: "custom-container",
        language: Language::Custom,
        system: None,
    },
    runtime("python3", Language::Python(3, 6), 9),
    runtime("python3.9", Language::Python(3, 9), 9),
    runtime("python3.10", Language::Python(3, 10), 10),
    runtime("python3.12", Language::Python(3, 12), 11),
    runtime("nodejs8", Language::Nodejs, 9),
    runtime("nodejs10", Language::Nodejs, 9),
    runtime("nodejs12", Language::Nodejs, 9),
    runtime("nodejs14", Language::Nodejs, 9),
    runtime("nodejs16", Language::Nodejs, 9),
    runtime("nodejs18", Language::Nodejs, 10),
    runtime("nodejs20", Language::Nodejs, 10),
    runtime("dotnetcore3.1", Language::Dotnet, 9),
    runtime("java8", Language::Java, 9),
    runtime("java11", Language::Java, 9),
    runtime("php7.2", Language::Php, 9),
    runtime("go1", Language::Go, 9),
];

pub fn named(name: &str) -> Option<&'static Runtime> {
    RUNTIMES.iter().find(|runtime| runtime.name == name)
}

pub(crate) fn is_known(name: &str) -> bool {
    named(name).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_only_the_users_image_has_no_system() {
        for (index, runtime) in RUNTIMES.iter().enumerate() {
            assert!(
                !RUNTIMES[..index]
                    .iter()
                    .any(|seen| seen.name == runtime.name),
                "{} twice",
                runtime.name
            );
            assert_eq!(
                runtime.system.is_none(),
                runtime.name == "custom-container",
                "{}",
                runtime.name
            );
        }
    }

    #[test]
    fn a_runtime_is_known_by_its_exact_name() {
        for name in ["nodejs8", "nodejs10", "python3.12", "custom-container"] {
            assert!(is_known(name), "{name}");
        }
        for name in ["nodejs22", "Python3.10", "python3.10 ", ""] {
            assert!(!is_known(name), "{name:?}");
        }
        assert_eq!(named("python3").and_then(Runtime::python), Some((3, 6)));
    }
}
