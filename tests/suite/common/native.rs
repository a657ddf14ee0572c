//! Native code made in the tests with the `object` crate's writers, for the layer checks:
//! ELF objects for any machine, a shared object that needs a given `GLIBC_x.y`, a Mach-O
//! object and a PE executable. Small, real, and read back by the action's own parser.

use object::write::elf::{FileHeader, Vernaux, Verneed, Writer as ElfWriter};
use object::write::pe::{NtHeaders, Writer as PeWriter};
use object::{Architecture, BinaryFormat, Endianness, elf, pe};

/// A relocatable object of `format` for `machine`, with one function in it.
pub fn object_file(format: BinaryFormat, machine: Architecture) -> Vec<u8> {
    let mut object = object::write::Object::new(format, machine, Endianness::Little);
    let text = object.section_id(object::write::StandardSection::Text);
    object.append_section_data(text, &[0xc3; 16], 16);
    object.write().expect("object writes")
}

pub fn elf_for(machine: Architecture) -> Vec<u8> {
    object_file(BinaryFormat::Elf, machine)
}

pub fn macho() -> Vec<u8> {
    object_file(BinaryFormat::MachO, Architecture::X86_64)
}

/// An x86-64 shared object whose version needs (`.gnu.version_r`) ask `libc.so.6` for
/// each of `versions`, as a library linked against that glibc does.
pub fn elf_needing(versions: &[&str]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut writer = ElfWriter::new(Endianness::Little, true, &mut out);
    writer.reserve_file_header();
    writer.reserve_null_section_index();
    let libc = writer.add_dynamic_string(b"libc.so.6");
    let names: Vec<_> = versions
        .iter()
        .map(|version| writer.add_dynamic_string(version.as_bytes()))
        .collect();
    writer.reserve_dynstr_section_index();
    writer.reserve_gnu_verneed_section_index();
    writer.reserve_shstrtab_section_index();
    writer.reserve_dynstr().expect("dynstr");
    writer.reserve_gnu_verneed(1, versions.len());
    writer.reserve_shstrtab().expect("shstrtab");
    writer.reserve_section_headers();

    writer
        .write_file_header(&FileHeader {
            os_abi: elf::ELFOSABI_SYSV,
            abi_version: 0,
            e_type: elf::ET_DYN,
            e_machine: elf::EM_X86_64,
            e_entry: 0,
            e_flags: Default::default(),
        })
        .expect("header");
    writer.write_dynstr();
    writer.write_align_gnu_verneed();
    writer.write_gnu_verneed(&Verneed {
        version: 1,
        aux_count: versions.len() as u16,
        file: writer.dynamic_string_offset(Some(libc)),
    });
    for (index, (version, name)) in versions.iter().zip(&names).enumerate() {
        writer.write_gnu_vernaux(&Vernaux {
            flags: Default::default(),
            index: elf::VersionIndex(index as u16 + 2),
            name: writer.dynamic_string_offset(Some(*name)),
            hash: elf::hash(version.as_bytes()),
        });
    }
    writer.write_shstrtab();
    writer.write_null_section_header();
    writer.write_dynstr_section_header(0);
    writer.write_gnu_verneed_section_header(0);
    writer.write_shstrtab_section_header();
    out
}

/// A 64-bit Windows executable (a `.pyd` is one of these).
pub fn pe() -> Vec<u8> {
    let mut out = Vec::new();
    let mut writer = PeWriter::new(true, 0x1000, 0x200, &mut out);
    writer.reserve_dos_header_and_stub();
    writer.reserve_nt_headers(16);
    writer.reserve_section_headers(1);
    let text = writer.reserve_text_section(16);
    writer.write_dos_header_and_stub().expect("dos header");
    writer.write_nt_headers(NtHeaders {
        machine: pe::IMAGE_FILE_MACHINE_AMD64,
        time_date_stamp: 0,
        characteristics: pe::IMAGE_FILE_EXECUTABLE_IMAGE | pe::IMAGE_FILE_DLL,
        major_linker_version: 14,
        minor_linker_version: 0,
        address_of_entry_point: text.virtual_address,
        image_base: 0x1_8000_0000,
        major_operating_system_version: 6,
        minor_operating_system_version: 0,
        major_image_version: 0,
        minor_image_version: 0,
        major_subsystem_version: 6,
        minor_subsystem_version: 0,
        subsystem: pe::IMAGE_SUBSYSTEM_WINDOWS_CUI,
        dll_characteristics: Default::default(),
        size_of_stack_reserve: 0x10_0000,
        size_of_stack_commit: 0x1000,
        size_of_heap_reserve: 0x10_0000,
        size_of_heap_commit: 0x1000,
    });
    writer.write_section_headers();
    writer.write_section(text.file_offset, &[0xc3; 16]);
    out
}
