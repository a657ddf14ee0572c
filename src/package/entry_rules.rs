//! What a layer may hold, one set of rules for a directory packaged here and a prebuilt
//! zip: FC unpacks a layer under `/opt`, so no entry name may land outside it, no link may
//! lead out of it, and nothing may be unpacked through a link. Pure functions over names and
//! link targets; the packager's walk and the zip check both call them, so a tree the
//! packager accepts gives a zip the check accepts, refused with the same words.

use std::collections::HashSet;

/// The longest symlink target accepted, as Linux's `PATH_MAX`.
pub(crate) const MAX_LINK_TARGET_BYTES: u64 = 4096;

/// Why an entry cannot go in a layer; the caller puts the directory or zip before it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error(
        "entry {entry:?} {reason}; FC unpacks a layer under /opt, and such a name could land outside it"
    )]
    UnsafeName { entry: String, reason: &'static str },
    #[error(
        "symlink entry {entry:?} points to {target:?}, {reason}; FC unpacks a layer under /opt and the link would lead out of it"
    )]
    LinkLeavesLayer {
        entry: String,
        target: String,
        reason: &'static str,
    },
    #[error(
        "entry {entry:?} is below the symlink entry {link:?}; unpacking it would write through the link"
    )]
    BelowLink { entry: String, link: String },
}

/// Refuses an entry `name` that could escape the folder it is unpacked into.
pub(crate) fn check_name(name: &str) -> Result<(), Refusal> {
    match unsafe_name(name) {
        Some(reason) => Err(Refusal::UnsafeName {
            entry: name.to_owned(),
            reason,
        }),
        None => Ok(()),
    }
}

/// Refuses a symlink entry `name` whose `target` could lead out of the layer.
pub(crate) fn check_link(name: &str, target: &str) -> Result<(), Refusal> {
    let reason = if target.len() as u64 > MAX_LINK_TARGET_BYTES {
        Some("longer than a link target may be")
    } else {
        link_leaves_layer(name, target)
    };
    match reason {
        Some(reason) => Err(Refusal::LinkLeavesLayer {
            entry: name.to_owned(),
            target: crate::outside_text::capped(target).into_owned(),
            reason,
        }),
        None => Ok(()),
    }
}

/// Refuses the first of `names` that lies below one of the symlink entries `links`.
pub(crate) fn check_below_links<'a>(
    names: impl IntoIterator<Item = &'a str>,
    links: &HashSet<String>,
) -> Result<(), Refusal> {
    for name in names {
        if let Some(link) = link_above(name, links) {
            return Err(Refusal::BelowLink {
                entry: name.to_owned(),
                link: link.to_owned(),
            });
        }
    }
    Ok(())
}

/// The symlink entry that `name` lies below, if any.
fn link_above<'a>(name: &str, links: &'a HashSet<String>) -> Option<&'a str> {
    let trimmed = name.trim_end_matches('/');
    trimmed
        .match_indices('/')
        .map(|(at, _)| &trimmed[..at])
        .find_map(|ancestor| links.get(ancestor).map(String::as_str))
}

/// Why a link entry `name` pointing at `target` could resolve outside the layer's folder,
/// if it could. FC unpacks a layer under `/opt`, so an absolute target at or below `/opt`
/// stays inside it. A `..` is allowed only before the target's first name: after a name,
/// which may itself be a link (`up -> /opt`, then `x -> up/..`), it climbs from wherever
/// that link leads, which the names alone cannot tell.
fn link_leaves_layer(name: &str, target: &str) -> Option<&'static str> {
    const OUTSIDE: &str = "outside the layer";
    let bytes = target.as_bytes();
    let drive = bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':';
    // A backslash is a separator where the layer may be unpacked by other tools: refused.
    if target.contains('\\') || drive {
        return Some(OUTSIDE);
    }
    let (mut depth, rest) = match target.strip_prefix('/') {
        Some(absolute) => match absolute.strip_prefix("opt") {
            Some(inside) if inside.is_empty() || inside.starts_with('/') => (0i64, inside),
            _ => return Some(OUTSIDE),
        },
        // The link's folder, then the target's parts.
        None => (
            name.trim_end_matches('/').split('/').count() as i64 - 1,
            target,
        ),
    };
    let mut named = false;
    for part in rest.split('/') {
        match part {
            "" | "." => {}
            ".." if named => {
                return Some(
                    "a `..` after a name, which may climb out of the layer through another link",
                );
            }
            ".." => {
                depth -= 1;
                if depth < 0 {
                    return Some(OUTSIDE);
                }
            }
            _ => {
                depth += 1;
                named = true;
            }
        }
    }
    None
}

/// Why an entry name could escape the folder it is unpacked into, if it could.
fn unsafe_name(name: &str) -> Option<&'static str> {
    let bytes = name.as_bytes();
    let drive = bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':';
    if name.starts_with('/') || drive {
        Some("is an absolute path")
    } else if name.contains('\\') {
        Some("holds a backslash, a path separator on Windows")
    } else if name.split('/').any(|part| part == "..") {
        Some("has a `..` component")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_that_could_resolve_outside_the_layer_are_refused() {
        for (name, target) in [
            ("lib", "/etc"),
            ("lib", ".."),
            ("a/lib", "../../x"),
            ("a/lib", "b/../../../x"),
            ("lib", "C:/x"),
            ("lib", "a\\..\\.."),
            ("lib", "/opt/../etc"),
            ("lib", "/optx/a"),
            ("python/pw", "../../../../etc/passwd"),
            ("python/x.cpython-310-x86_64-linux-gnu.so", "/dev/zero"),
            // `up` may be a link to /opt: `up/..` is then `/`.
            ("x", "deep/up/.."),
            ("x", "/opt/a/../b"),
        ] {
            assert!(
                link_leaves_layer(name, target).is_some(),
                "{name} -> {target}"
            );
            assert!(check_link(name, target).is_err(), "{name} -> {target}");
        }
        for (name, target) in [
            ("lib", "python"),
            ("a/lib", "../b"),
            ("a/b/c", "../../d"),
            ("a/b/c", "./.././d/./e"),
            ("bin/python", "/opt/python/bin/python3"),
            ("lib", "/opt"),
            ("lib", "/opt/"),
        ] {
            assert_eq!(link_leaves_layer(name, target), None, "{name} -> {target}");
        }
        let long = "a/".repeat(3000);
        let error = check_link("lib", &long).expect_err("too long").to_string();
        assert!(
            error.contains("longer than a link target may be"),
            "{error}"
        );
    }

    #[test]
    fn entries_below_a_link_are_found() {
        let links: HashSet<String> = ["lib".to_owned(), "a/b".to_owned()].into();
        assert_eq!(link_above("lib/cron.d/x", &links), Some("lib"));
        assert_eq!(link_above("a/b/c/", &links), Some("a/b"));
        assert_eq!(link_above("lib", &links), None);
        assert_eq!(link_above("library/x", &links), None);
        let refused = check_below_links(["python/a.py", "lib/cron.d/x"], &links);
        assert_eq!(
            refused.expect_err("below a link").to_string(),
            "entry \"lib/cron.d/x\" is below the symlink entry \"lib\"; unpacking it would write through the link"
        );
    }

    #[test]
    fn names_that_leave_the_folder_are_unsafe() {
        for name in [
            "/etc/x",
            "C:/x",
            "a\\b",
            "../x",
            "a/../../x",
            "..",
            "python/..\\..\\etc\\evil.py",
        ] {
            assert!(check_name(name).is_err(), "{name}");
        }
        for name in ["a/b", "a..b/c", "./a", "bin/"] {
            assert_eq!(check_name(name), Ok(()), "{name}");
        }
    }
}
