//! What FC's runtimes are made of, for the layer checks: the glibc of each runtime's
//! Debian, its Python version, and where it looks in a layer. From Alibaba Cloud's runtime
//! pages and Debian's release data; every runtime is x86_64 only.

/// A runtime's facts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Runtime {
    pub name: &'static str,
    pub debian: u8,
    /// (major, minor) of the runtime's glibc.
    pub glibc: (u32, u32),
    /// (3, minor) for a Python runtime.
    pub python: Option<(u32, u32)>,
    pub nodejs: bool,
}

const fn runtime(
    name: &'static str,
    debian: u8,
    python: Option<(u32, u32)>,
    nodejs: bool,
) -> Runtime {
    let glibc = match debian {
        9 => (2, 24),
        10 => (2, 28),
        11 => (2, 31),
        _ => (2, 36),
    };
    Runtime {
        name,
        debian,
        glibc,
        python,
        nodejs,
    }
}

/// The runtimes whose system is known. `custom-container` is the user's own image and is
/// not here: nothing can be said about it. Java, PHP and Go publish no version, so are
/// taken as the oldest, Debian 9.
const RUNTIMES: &[Runtime] = &[
    runtime("custom", 9, None, false),
    runtime("custom.debian10", 10, None, false),
    runtime("custom.debian11", 11, None, false),
    runtime("custom.debian12", 12, None, false),
    runtime("python3", 9, Some((3, 6)), false),
    runtime("python3.9", 9, Some((3, 9)), false),
    runtime("python3.10", 10, Some((3, 10)), false),
    runtime("python3.12", 11, Some((3, 12)), false),
    runtime("nodejs8", 9, None, true),
    runtime("nodejs10", 9, None, true),
    runtime("nodejs12", 9, None, true),
    runtime("nodejs14", 9, None, true),
    runtime("nodejs16", 9, None, true),
    runtime("nodejs18", 10, None, true),
    runtime("nodejs20", 10, None, true),
    runtime("dotnetcore3.1", 9, None, false),
    runtime("java8", 9, None, false),
    runtime("java11", 9, None, false),
    runtime("php7.2", 9, None, false),
    runtime("go1", 9, None, false),
];

pub fn runtime_named(name: &str) -> Option<&'static Runtime> {
    RUNTIMES.iter().find(|runtime| runtime.name == name)
}

/// What a layer for the named runtimes must fit: the known ones among them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Target {
    pub runtimes: Vec<&'static Runtime>,
}

impl Target {
    pub fn new(names: &[String]) -> Self {
        Self {
            runtimes: names
                .iter()
                .filter_map(|name| runtime_named(name))
                .collect(),
        }
    }

    /// The runtime with the oldest glibc, which native code must load on.
    pub fn oldest_glibc(&self) -> Option<&'static Runtime> {
        self.runtimes
            .iter()
            .copied()
            .min_by_key(|runtime| runtime.glibc)
    }

    pub fn pythons(&self) -> impl Iterator<Item = &'static Runtime> + '_ {
        self.runtimes
            .iter()
            .copied()
            .filter(|runtime| runtime.python.is_some())
    }

    pub fn names_nodejs(&self) -> bool {
        self.runtimes.iter().any(|runtime| runtime.nodejs)
    }
}
