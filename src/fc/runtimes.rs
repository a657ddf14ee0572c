//! Runtime identifiers FC is known to accept in `compatibleRuntime`.
//!
//! The list only decides between silence and a warning: FC adds runtimes over time, and a
//! user on a newer one must not be blocked by an old copy of this list.

const KNOWN: &[&str] = &[
    "nodejs12",
    "nodejs14",
    "nodejs16",
    "nodejs18",
    "nodejs20",
    "go1",
    "python3",
    "python3.9",
    "python3.10",
    "python3.12",
    "java8",
    "java11",
    "php7.2",
    "dotnetcore3.1",
    "custom",
    "custom.debian10",
    "custom.debian11",
    "custom.debian12",
    "custom-container",
];

pub fn is_known(runtime: &str) -> bool {
    KNOWN.contains(&runtime)
}
