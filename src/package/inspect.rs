//! What is inside a layer, checked before it is published: native code for another machine
//! or system, Python extension modules for another Python, native code that needs a newer
//! glibc than the runtimes have, and packages outside the folders FC puts on the path.
//!
//! Pure functions over a file's name and bytes (or the entry names, for the layout); the
//! files are recognised by content, whatever their name, with the `object` crate.

use object::read::elf::{ElfFile32, ElfFile64, FileHeader};
use object::{Architecture, Endianness, FileKind, Object};

use super::platform::Target;
use crate::fc::runtimes::Runtime;

/// How much a finding matters: an error stops `check: error`; a warning never does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Severity {
    Error,
    Warning,
}

/// One problem with one file (or the layout), in words a user can act on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Finding {
    pub(crate) severity: Severity,
    /// The path inside the layer; empty for the layout as a whole.
    pub(crate) path: String,
    pub(crate) message: String,
}

impl Finding {
    fn error(path: &str, message: String) -> Self {
        Self {
            severity: Severity::Error,
            path: path.to_owned(),
            message,
        }
    }

    fn warning(path: &str, message: String) -> Self {
        Self {
            severity: Severity::Warning,
            path: path.to_owned(),
            message,
        }
    }
}

/// How many leading bytes tell whether a file may be native code, which is when its
/// whole content is worth keeping for [`inspect_file`].
pub(crate) const MAGIC_BYTES: usize = 4;

/// Whether a file starting with `head` may be native code: ELF, Mach-O or PE.
pub(crate) fn may_be_native(head: &[u8]) -> bool {
    matches!(
        head,
        [0x7f, b'E', b'L', b'F', ..]
            | [0xfe, 0xed, 0xfa, 0xce | 0xcf, ..]
            | [0xce | 0xcf, 0xfa, 0xed, 0xfe, ..]
            | [0xca, 0xfe, 0xba, 0xbe | 0xbf, ..]
            | [b'M', b'Z', ..]
    )
}

/// The findings about one file: its name (a CPython extension's tag) and its content
/// (`data` whole, or at least its first bytes when the file is not native code).
pub(crate) fn inspect_file(path: &str, data: &[u8], target: &Target) -> Vec<Finding> {
    let mut findings = Vec::new();
    findings.extend(python_tag(path, target));
    if may_be_native(data) {
        findings.extend(native(path, data, target));
    }
    findings
}

/// The CPython version in an extension module's name (`x.cpython-312-x86_64-linux-gnu.so`),
/// when the named Python runtimes have none of it. `abi3` modules carry no version.
fn python_tag(path: &str, target: &Target) -> Option<Finding> {
    let file = path.rsplit('/').next().unwrap_or(path);
    if !file.ends_with(".so") {
        return None;
    }
    let tag = file
        .split('.')
        .find_map(|part| part.strip_prefix("cpython-3"))?;
    let digits: String = tag.chars().take_while(char::is_ascii_digit).collect();
    let minor: u32 = digits.parse().ok()?;
    let pythons: Vec<&Runtime> = target.pythons().collect();
    if pythons.is_empty()
        || pythons
            .iter()
            .any(|runtime| runtime.python() == Some((3, minor)))
    {
        return None;
    }
    let named: Vec<String> = pythons
        .iter()
        .filter_map(|runtime| {
            runtime
                .python()
                .map(|(major, minor)| format!("{} (Python {major}.{minor})", runtime.name))
        })
        .collect();
    Some(Finding::error(
        path,
        format!(
            "is an extension module for CPython 3.{minor}, which none of the runtimes has: {}; install the packages with the runtime's Python (or `pip install --python-version`)",
            named.join(", ")
        ),
    ))
}

/// Native code for another machine or system, or one that needs a newer glibc.
fn native(path: &str, data: &[u8], target: &Target) -> Vec<Finding> {
    let kind = match FileKind::parse(data) {
        Ok(kind) => kind,
        // An `MZ` text file, a truncated header: not something FC would load either way.
        Err(_) => return Vec::new(),
    };
    let other_system = |system: &str| {
        vec![Finding::error(
            path,
            format!(
                "is {system} native code, which cannot load on FC (Linux x86_64); install the Linux x86_64 build (a `manylinux` wheel, `--platform manylinux2014_x86_64`)"
            ),
        )]
    };
    match kind {
        FileKind::MachO32 | FileKind::MachO64 => other_system("macOS (Mach-O)"),
        // Java's class files share the fat Mach-O magic; their version there is 45 or more,
        // where a fat file counts a handful of machines.
        FileKind::MachOFat32 | FileKind::MachOFat64 if fat_arch_count(data) < 20 => {
            other_system("macOS (Mach-O)")
        }
        FileKind::Pe32 | FileKind::Pe64 => other_system("Windows (PE)"),
        FileKind::Elf32 | FileKind::Elf64 => elf(path, data, kind, target),
        _ => Vec::new(),
    }
}

fn fat_arch_count(data: &[u8]) -> u32 {
    data.get(4..8).map_or(u32::MAX, |count| {
        u32::from_be_bytes([count[0], count[1], count[2], count[3]])
    })
}

fn elf(path: &str, data: &[u8], kind: FileKind, target: &Target) -> Vec<Finding> {
    let machine = match object::File::parse(data) {
        Ok(file) => file.architecture(),
        // Only the first bytes were handed in, or the file is damaged: the machine is in
        // the header all the same.
        Err(_) => elf_header_machine(data),
    };
    if machine != Architecture::X86_64 {
        let name = match machine {
            Architecture::Unknown => "an unknown machine".to_owned(),
            other => format!("{other:?}"),
        };
        return vec![Finding::error(
            path,
            format!(
                "is native code for {name}, but FC runs x86_64 only; install the x86_64 build (`--platform manylinux2014_x86_64`)"
            ),
        )];
    }
    let needed = match kind {
        FileKind::Elf64 => ElfFile64::<Endianness>::parse(data)
            .ok()
            .and_then(|file| newest_glibc(&file)),
        _ => ElfFile32::<Endianness>::parse(data)
            .ok()
            .and_then(|file| newest_glibc(&file)),
    };
    match (needed, target.oldest_glibc()) {
        (Some(needed), Some((runtime, system))) if needed > system.glibc => vec![Finding::error(
            path,
            format!(
                "needs GLIBC_{}.{}, but runtime {} has glibc {}.{} (Debian {}); build it on an older system or install a wheel for an older glibc (`manylinux_{}_{}` or below)",
                needed.0,
                needed.1,
                runtime.name,
                system.glibc.0,
                system.glibc.1,
                system.debian,
                system.glibc.0,
                system.glibc.1
            ),
        )],
        _ => Vec::new(),
    }
}

/// `e_machine` read from the first bytes, for a file too short for the full parse.
fn elf_header_machine(data: &[u8]) -> Architecture {
    let little = data.get(5) == Some(&1);
    match data.get(18..20) {
        Some(&[a, b])
            if u16::from(if little { a } else { b })
                | u16::from(if little { b } else { a }) << 8
                == 62 =>
        {
            Architecture::X86_64
        }
        _ => Architecture::Unknown,
    }
}

/// The highest `GLIBC_x.y` in the file's version needs (`.gnu.version_r`); `None` when it
/// needs none (static, musl, or no versioned symbols).
fn newest_glibc<'data, Elf: FileHeader<Endian = Endianness>>(
    file: &object::read::elf::ElfFile<'data, Elf, &'data [u8]>,
) -> Option<(u32, u32)> {
    let endian = file.endian();
    let sections = file.elf_section_table();
    let (mut needs, link) = sections.gnu_verneed(endian, file.data()).ok()??;
    let strings = sections.strings(endian, file.data(), link).ok()?;
    let mut newest = None;
    while let Ok(Some((_, mut auxes))) = needs.next() {
        while let Ok(Some(aux)) = auxes.next() {
            let version = aux
                .name(endian, strings)
                .ok()
                .and_then(|name| std::str::from_utf8(name).ok())
                .and_then(glibc_version);
            newest = newest.max(version);
        }
    }
    newest
}

/// `GLIBC_2.34` as (2, 34); `GLIBC_PRIVATE` and others as `None`.
fn glibc_version(name: &str) -> Option<(u32, u32)> {
    let (major, rest) = name.strip_prefix("GLIBC_")?.split_once('.')?;
    let minor = rest.split('.').next()?;
    Some((major.parse().ok()?, minor.parse().ok()?))
}

/// The findings about the layer's layout, from all its entry names: packages where FC
/// does not look, or nothing where it does.
pub(crate) fn inspect_layout<'a>(
    names: impl IntoIterator<Item = &'a str>,
    target: &Target,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    let (mut python, mut node_modules) = (false, false);
    let mut reported = std::collections::BTreeSet::new();
    for name in names {
        python |= name.starts_with("python/");
        node_modules |= name.starts_with("nodejs/node_modules/");
        let top = name.split('/').next().unwrap_or(name);
        let misplaced = if top.ends_with(".dist-info") {
            Some(
                "a Python package's metadata at the top of the layer, which is not on FC's paths; install into `python/` (`pip install --target build/layer/python`)",
            )
        } else if top == "node_modules" {
            Some(
                "`node_modules` at the top of the layer, which is not on FC's paths; put it under `nodejs/` (`nodejs/node_modules/`)",
            )
        } else {
            None
        };
        if let Some(message) = misplaced
            && reported.insert(top.to_owned())
        {
            findings.push(Finding::warning(top, message.to_owned()));
        }
    }
    if let Some(runtime) = target.pythons().next()
        && !python
    {
        findings.push(Finding::warning(
            "python/",
            format!(
                "holds nothing, but runtime {} finds packages only there (under /opt/python)",
                runtime.name
            ),
        ));
    }
    if let Some(runtime) = target.nodejs()
        && !node_modules
    {
        findings.push(Finding::warning(
            "nodejs/node_modules/",
            format!("holds nothing, but runtime {} finds packages only there (under /opt/nodejs/node_modules)", runtime.name),
        ));
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(names: &[&str]) -> Target {
        Target::new(
            &names
                .iter()
                .map(|name| name.to_string())
                .collect::<Vec<_>>(),
        )
    }

    #[test]
    fn extension_modules_must_match_a_named_python() {
        let both = target(&["python3.10", "python3.9"]);
        let name = "python/np/_core.cpython-312-x86_64-linux-gnu.so";
        let found = inspect_file(name, b"", &both);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].message.contains("CPython 3.12"), "{found:?}");
        assert!(found[0].message.contains("python3.10 (Python 3.10)"));
        for fine in [
            "python/np/_core.cpython-310-x86_64-linux-gnu.so",
            "python/np/_core.cpython-39-x86_64-linux-gnu.so",
            "python/np/_core.abi3.so",
            "python/np/notes.cpython-312.txt",
        ] {
            assert!(inspect_file(fine, b"", &both).is_empty(), "{fine}");
        }
        assert!(inspect_file(name, b"", &target(&["nodejs18"])).is_empty());
        let python36 = inspect_file(
            "python/x.cpython-36m-x86_64-linux-gnu.so",
            b"",
            &target(&["python3"]),
        );
        assert!(python36.is_empty(), "{python36:?}");
    }

    #[test]
    fn glibc_versions_read_as_numbers() {
        assert_eq!(glibc_version("GLIBC_2.34"), Some((2, 34)));
        assert_eq!(glibc_version("GLIBC_2.2.5"), Some((2, 2)));
        assert_eq!(glibc_version("GLIBC_PRIVATE"), None);
        assert!((2, 34) > (2, 28) && (2, 4) < (2, 28));
    }

    #[test]
    fn layout_warns_about_folders_off_fcs_paths() {
        let python = target(&["python3.10"]);
        let found = inspect_layout(
            [
                "requests",
                "requests/api.py",
                "requests-2.32.3.dist-info",
                "requests-2.32.3.dist-info/RECORD",
            ],
            &python,
        );
        let paths: Vec<&str> = found.iter().map(|finding| finding.path.as_str()).collect();
        assert_eq!(paths, ["requests-2.32.3.dist-info", "python/"]);
        assert!(
            found
                .iter()
                .all(|finding| finding.severity == Severity::Warning)
        );
        assert!(inspect_layout(["python", "python/x.py"], &python).is_empty());
        let node = inspect_layout(
            ["node_modules", "node_modules/a/index.js"],
            &target(&["nodejs18"]),
        );
        let paths: Vec<&str> = node.iter().map(|finding| finding.path.as_str()).collect();
        assert_eq!(paths, ["node_modules", "nodejs/node_modules/"]);
        assert!(inspect_layout(["bin", "bin/tool"], &target(&["custom.debian10"])).is_empty());
    }
}
