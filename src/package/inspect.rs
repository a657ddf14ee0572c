//! What is inside a layer, checked before it is published: native code for another machine
//! or system, Python extension modules for another Python, native code that needs a newer
//! glibc than the runtimes have, and packages outside the folders FC puts on the path.
//!
//! Pure functions over a file's name and bytes (or the entry names, for the layout); the
//! files are recognised by content, whatever their name, with the `object` crate.

use object::read::elf::{ElfFile, ElfFile32, ElfFile64, FileHeader};
use object::{Architecture, Endianness, FileKind, Object, ReadRef};

pub(crate) use super::finding::{Finding, Severity};
use super::fix::{self, Fix};
use super::modules::{self, Tag};
use super::platform::Target;

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

/// The findings about one file's content (`data` whole, or at least its first bytes when
/// the file is not native code). Its name's CPython tag is checked with the other modules'
/// in [`modules::inspect_modules`].
pub(crate) fn inspect_file(path: &str, data: &[u8], target: &Target) -> Vec<Finding> {
    if !may_be_native(data) {
        return Vec::new();
    }
    inspect_native(path, data, target)
}

/// The findings about a file that [`may_be_native`], read through `data`: its bytes, or a
/// cache over the file that reads only what the parse asks for.
pub(crate) fn inspect_native<'data, R: ReadRef<'data>>(
    path: &str,
    data: R,
    target: &Target,
) -> Vec<Finding> {
    let file = File {
        path,
        python: match modules::module_of(path) {
            Some((_, Tag::CPython(minor))) => Some(minor),
            _ => None,
        },
        target,
    };
    native(&file, data)
}

/// A native file and what it is for: the CPython 3.`python` its name is tagged for, if any,
/// and the runtimes named.
struct File<'a> {
    path: &'a str,
    python: Option<u32>,
    target: &'a Target,
}

impl File<'_> {
    /// What fixes code that cannot load: a Python package's wheels for the runtimes, a
    /// Node.js package's Linux x64 install, or a build on the runtime's system (`glibc`:
    /// the Debian and glibc it needed to fit) or for x86_64.
    fn fix(&self, glibc: Option<(u8, (u32, u32))>) -> Option<Fix> {
        let python = self.path.starts_with("python/") || self.python.is_some();
        if python && let Some(wheels) = fix::python_wheels(self.target, None) {
            return Some(wheels);
        }
        Some(match glibc {
            Some((debian, glibc)) => fix::build_on(debian, glibc),
            None if self.path.starts_with("nodejs/") => fix::nodejs(),
            None => fix::build_for_x86_64(),
        })
    }

    fn error(&self, message: String, glibc: Option<(u8, (u32, u32))>) -> Vec<Finding> {
        vec![Finding::error(self.path, message).with_fix(self.fix(glibc))]
    }
}

/// Native code for another machine or system, or one that needs a newer glibc.
fn native<'data, R: ReadRef<'data>>(file: &File, data: R) -> Vec<Finding> {
    let kind = match FileKind::parse(data) {
        Ok(kind) => kind,
        // An `MZ` text file, a truncated header: not something FC would load either way.
        Err(_) => return Vec::new(),
    };
    let other_system = |system: &str| {
        file.error(
            format!("is {system} native code, which cannot load on FC (Linux x86_64)"),
            None,
        )
    };
    match kind {
        FileKind::MachO32 | FileKind::MachO64 => other_system("macOS (Mach-O)"),
        // Java's class files share the fat Mach-O magic; their version there is 45 or more,
        // where a fat file counts a handful of machines.
        FileKind::MachOFat32 | FileKind::MachOFat64 if fat_arch_count(data) < 20 => {
            other_system("macOS (Mach-O)")
        }
        FileKind::Pe32 | FileKind::Pe64 => other_system("Windows (PE)"),
        FileKind::Elf32 | FileKind::Elf64 => elf(file, data, kind),
        _ => Vec::new(),
    }
}

fn fat_arch_count<'data, R: ReadRef<'data>>(data: R) -> u32 {
    match data.read_bytes_at(4, 4) {
        Ok(&[a, b, c, d]) => u32::from_be_bytes([a, b, c, d]),
        _ => u32::MAX,
    }
}

fn elf<'data, R: ReadRef<'data>>(file: &File, data: R, kind: FileKind) -> Vec<Finding> {
    let machine = match object::File::parse(data) {
        Ok(parsed) => parsed.architecture(),
        // Only the first bytes were handed in, or the file is damaged: the machine is in
        // the header all the same.
        Err(_) => elf_header_machine(data),
    };
    if machine != Architecture::X86_64 {
        let name = match machine {
            Architecture::Unknown => "an unknown machine".to_owned(),
            other => format!("{other:?}"),
        };
        return file.error(
            format!("is native code for {name}, but FC runs x86_64 only"),
            None,
        );
    }
    let needed = match kind {
        FileKind::Elf64 => ElfFile64::<Endianness, R>::parse(data)
            .ok()
            .and_then(|parsed| newest_glibc(&parsed)),
        _ => ElfFile32::<Endianness, R>::parse(data)
            .ok()
            .and_then(|parsed| newest_glibc(&parsed)),
    };
    // A module for one CPython loads only on that Python's runtimes.
    match (needed, file.target.oldest_glibc_for(file.python)) {
        (Some(needed), Some((runtime, system))) if needed > system.glibc => file.error(
            format!(
                "needs GLIBC_{}.{}, but runtime {} has glibc {}.{} (Debian {})",
                needed.0, needed.1, runtime.name, system.glibc.0, system.glibc.1, system.debian,
            ),
            Some((system.debian, system.glibc)),
        ),
        _ => Vec::new(),
    }
}

/// `e_machine` read from the first bytes, for a file too short for the full parse.
fn elf_header_machine<'data, R: ReadRef<'data>>(data: R) -> Architecture {
    let little = data.read_bytes_at(5, 1) == Ok(&[1][..]);
    match data.read_bytes_at(18, 2) {
        Ok(&[a, b])
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
fn newest_glibc<'data, Elf: FileHeader<Endian = Endianness>, R: ReadRef<'data>>(
    file: &ElfFile<'data, Elf, R>,
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
            Some((
                "a Python package's metadata at the top of the layer, which is not on FC's paths; install into `python/`",
                fix::python_wheels(target, None),
            ))
        } else if top == "node_modules" {
            Some((
                "`node_modules` at the top of the layer, which is not on FC's paths; put it under `nodejs/` (`nodejs/node_modules/`)",
                None,
            ))
        } else {
            None
        };
        if let Some((message, fix)) = misplaced
            && reported.insert(top.to_owned())
        {
            findings.push(Finding::warning(top, message.to_owned()).with_fix(fix));
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

    /// An ELF64 header alone for `machine` (`e_machine`), with no sections.
    fn elf_header(machine: u16) -> Vec<u8> {
        let mut header = vec![0x7f, b'E', b'L', b'F', 2, 1, 1];
        header.resize(16, 0);
        header.extend_from_slice(&3u16.to_le_bytes());
        header.extend_from_slice(&machine.to_le_bytes());
        header.extend_from_slice(&1u32.to_le_bytes());
        header.resize(52, 0);
        for field in [64u16, 56, 0, 64, 0, 0] {
            header.extend_from_slice(&field.to_le_bytes());
        }
        header
    }

    fn command(finding: &Finding) -> &str {
        finding
            .fix
            .as_ref()
            .and_then(|fix| fix.command.as_deref())
            .unwrap_or_default()
    }

    #[test]
    fn native_code_for_another_machine_names_the_fix_for_where_it_lies() {
        let both = Target::named(&["python3.10", "python3.9"]);
        let arm64 = elf_header(183);
        let module = inspect_file("python/_x.cpython-310-aarch64-linux-gnu.so", &arm64, &both);
        assert_eq!(module.len(), 1, "{module:?}");
        assert!(module[0].message.contains("x86_64 only"), "{module:?}");
        // Wheels for every Python runtime, for the oldest glibc among them.
        let wheels = command(&module[0]);
        for words in [
            "--platform manylinux_2_24_x86_64 --platform manylinux2014_x86_64 --python-version 3.10 --implementation cp --target build/layer/python",
            "--python-version 3.9 --implementation cp --target build/python3.9",
        ] {
            assert!(wheels.contains(words), "{words}: {wheels}");
        }
        let untagged = inspect_file("python/arm/_speedups.so", &arm64, &both);
        assert_eq!(command(&untagged[0]), wheels);
        let alone = inspect_file(
            "python/arm/_speedups.so",
            &arm64,
            &Target::named(&["python3.12"]),
        );
        assert!(
            command(&alone[0])
                .contains("--platform manylinux_2_31_x86_64 --platform manylinux_2_28_x86_64"),
            "{alone:?}"
        );
        let addon = inspect_file(
            "nodejs/node_modules/x/x.node",
            &arm64,
            &Target::named(&["nodejs20"]),
        );
        assert_eq!(command(&addon[0]), "npm ci --omit=dev --os=linux --cpu=x64");
        let library = inspect_file("lib/libx.so", &arm64, &Target::named(&["custom.debian10"]));
        let fix = library[0].fix.as_ref().expect("a fix");
        assert!(
            fix.advice.contains("x86_64 Linux runner") && fix.command.is_none(),
            "{fix:?}"
        );
        assert!(inspect_file("lib/libx.so", &elf_header(62), &both).is_empty());
        // The name alone says nothing here: modules are checked together.
        let name = "python/np/_core.cpython-312-x86_64-linux-gnu.so";
        assert!(inspect_file(name, b"", &both).is_empty());
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
        let python = Target::named(&["python3.10"]);
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
            &Target::named(&["nodejs18"]),
        );
        let paths: Vec<&str> = node.iter().map(|finding| finding.path.as_str()).collect();
        assert_eq!(paths, ["node_modules", "nodejs/node_modules/"]);
        assert!(
            inspect_layout(["bin", "bin/tool"], &Target::named(&["custom.debian10"])).is_empty()
        );
    }
}
