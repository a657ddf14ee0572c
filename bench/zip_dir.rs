//! Zips a directory the way the action does and writes the zip to a file; for
//! `bench/zip`, which times it beside the zip tools users script today.
//!
//! `cargo bench --bench zip_dir -- DIR OUT.zip` (cargo adds a `--bench` flag, skipped here).

use std::process::ExitCode;

use fc_layer_action::checksum::crc64_xz;
use fc_layer_action::package::zip_directory;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with("--"))
        .collect();
    let [dir, out] = args.as_slice() else {
        eprintln!("usage: zip_dir DIR OUT.zip");
        return ExitCode::FAILURE;
    };
    match zip_directory(dir.as_ref())
        .map_err(|error| error.to_string())
        .and_then(|(bytes, entries)| {
            std::fs::write(out, &bytes).map_err(|error| format!("{out}: {error}"))?;
            Ok(format!(
                "{entries} entries, {} bytes, CRC-64/XZ {}",
                bytes.len(),
                crc64_xz(&bytes)
            ))
        }) {
        Ok(summary) => {
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("zip_dir: {error}");
            ExitCode::FAILURE
        }
    }
}
