"""Describe a zip as Python's own zipfile module reads it, as JSON on stdout.

The Rust tests use this as an independent reader: names, flags, modes, dates and the
SHA-256 of each entry's content (zipfile checks each entry's CRC-32 while reading it).
"""

import hashlib
import json
import stat
import sys
import zipfile


def describe(path):
    with zipfile.ZipFile(path) as archive:
        entries = []
        for info in archive.infolist():
            mode = info.external_attr >> 16
            data = archive.read(info)
            entries.append({
                "name": info.filename,
                "is_dir": info.is_dir(),
                "is_symlink": stat.S_ISLNK(mode),
                "mode": stat.S_IMODE(mode),
                "utf8_flag": bool(info.flag_bits & 0x800),
                "create_system": info.create_system,
                "date_time": list(info.date_time),
                "compress_type": info.compress_type,
                "size": info.file_size,
                "sha256": hashlib.sha256(data).hexdigest(),
                "text": data.decode("utf-8", "replace") if len(data) < 256 else None,
            })
        return {"bad_entry": archive.testzip(), "entries": entries}


if __name__ == "__main__":
    json.dump(describe(sys.argv[1]), sys.stdout)
