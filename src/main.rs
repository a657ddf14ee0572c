//! The action's entry point: the edge where the environment, the file system, the network
//! and `GITHUB_OUTPUT` meet the library. See the crate docs for what each module does.

use std::env;
use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};
use fc_layer_action::checksum::crc64_xz;
use fc_layer_action::client::Client;
use fc_layer_action::fc::{self, ApiRequest, CreateLayerVersionInput, InlineCode, Layer};
use fc_layer_action::github::{self, Outputs};
use fc_layer_action::inputs::{ENV_ACCESS_KEY_SECRET, ENV_SECURITY_TOKEN, RawInputs, Settings};
use fc_layer_action::package::{self, Origin};
use fc_layer_action::random;

/// See Cargo.toml: glibc's allocator fragments under the packager's allocation pattern.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            println!("{}", github::error(&redact_secrets(&format!("{error:#}"))));
            ExitCode::FAILURE
        }
    }
}

/// A second line of defence behind `::add-mask::`, which only GitHub's runner honours: no
/// message leaves the action holding a credential secret, whoever echoed it.
fn redact_secrets(message: &str) -> String {
    let secrets = [
        ENV_ACCESS_KEY_SECRET,
        ENV_SECURITY_TOKEN,
        "INPUT_ACCESS-KEY-SECRET",
        "INPUT_ACCESS_KEY_SECRET",
        "INPUT_SECURITY-TOKEN",
        "INPUT_SECURITY_TOKEN",
    ];
    secrets
        .iter()
        .filter_map(|name| env::var(name).ok())
        .map(|value| value.trim().to_owned())
        .filter(|value| !value.is_empty())
        .fold(message.to_owned(), |message, secret| {
            message.replace(&secret, "***")
        })
}

fn run() -> anyhow::Result<()> {
    let settings = read_settings()?;

    // Before anything else is printed, so a token that reaches a later message is hidden.
    println!(
        "{}",
        github::add_mask(settings.credentials.access_key_secret.expose())
    );
    if let Some(token) = &settings.credentials.security_token {
        println!("{}", github::add_mask(token.expose()));
    }
    for runtime in settings.unknown_runtimes() {
        println!(
            "{}",
            github::warning(&format!(
                "input `compatible-runtimes`: {runtime:?} is not a runtime FC is known to have; sending it anyway"
            ))
        );
    }

    let package = package::load(&settings.code).context("input `code`")?;
    let checksum = crc64_xz(&package.bytes);
    let base64_len = fc::base64_len(package.bytes.len());
    if base64_len > fc::MAX_INLINE_BASE64_BYTES {
        bail!(
            "input `code`: the zip is {} bytes, {base64_len} as Base64, over FC's inline limit of {} bytes; upload through OSS is not supported yet",
            package.bytes.len(),
            fc::MAX_INLINE_BASE64_BYTES
        );
    }
    let what = match package.origin {
        Origin::Directory => "Zipped",
        Origin::ZipFile => "Read",
    };
    println!(
        "{what} {}: {} entries, {} bytes, CRC-64/XZ {checksum}",
        settings.code.display(),
        package.entries,
        package.bytes.len()
    );

    let request = ApiRequest::create_layer_version(
        &settings.layer_name,
        &CreateLayerVersionInput {
            code: InlineCode {
                zip_file: &package.bytes,
                checksum: checksum.clone(),
            },
            compatible_runtime: &settings.compatible_runtimes,
            description: settings.description.as_deref(),
            license: settings.license.as_deref(),
        },
    )
    .context("cannot encode the CreateLayerVersion request")?;
    drop(package);

    println!(
        "Publishing layer {} to {}",
        settings.layer_name, settings.endpoint
    );
    let client = Client::new(settings.endpoint.clone(), settings.credentials.clone())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let layer = runtime.block_on(client.create_layer_version(request))?;

    if layer
        .code_checksum
        .as_deref()
        .is_some_and(|reported| reported != checksum)
    {
        println!(
            "{}",
            github::warning(&format!(
                "FC reports codeChecksum {:?} but the zip sent has {checksum}",
                layer.code_checksum
            ))
        );
    }
    println!("Published {}", layer.layer_version_arn);
    write_outputs(&outputs(&layer, &checksum))
}

fn read_settings() -> anyhow::Result<Settings> {
    // `vars_os`: a stray non-UTF-8 variable elsewhere in the environment must not abort us.
    let vars = env::vars_os()
        .filter_map(|(name, value)| Some((name.into_string().ok()?, value.into_string().ok()?)));
    let raw = RawInputs::from_vars(vars).map_err(|error| {
        println!("{}", github::error(&error.to_string()));
        anyhow::anyhow!("the inputs could not be read")
    })?;
    let working_dir = env::current_dir().context("cannot read the working directory")?;
    Settings::parse(raw, |name| env::var(name).ok(), &working_dir).map_err(|errors| {
        for error in &errors {
            println!("{}", github::error(&error.to_string()));
        }
        anyhow::anyhow!(
            "{} input(s) are invalid; nothing was published",
            errors.len()
        )
    })
}

fn outputs(layer: &Layer, checksum: &str) -> Outputs {
    let mut outputs = Outputs::default();
    outputs.set("layerVersionArn", layer.layer_version_arn.clone());
    outputs.set("version", layer.version.to_string());
    outputs.set(
        "codeChecksum",
        layer
            .code_checksum
            .clone()
            .unwrap_or_else(|| checksum.to_owned()),
    );
    if let Some(size) = layer.code_size {
        outputs.set("codeSize", size.to_string());
    }
    outputs
}

/// Appends all outputs in one write, so a later step sees all of them or none.
fn write_outputs(outputs: &Outputs) -> anyhow::Result<()> {
    for (name, value) in outputs.iter() {
        println!("{name}={value}");
    }
    let Some(path) = env::var_os("GITHUB_OUTPUT").filter(|path| !path.is_empty()) else {
        println!("GITHUB_OUTPUT is not set, so the outputs above are only printed");
        return Ok(());
    };
    let path = Path::new(&path);
    let text = outputs
        .render(random::hex_token)
        .context("cannot draw a random delimiter for GITHUB_OUTPUT")?;
    OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .and_then(|mut file| file.write_all(text.as_bytes()))
        .with_context(|| {
            format!(
                "cannot write the outputs to GITHUB_OUTPUT ({})",
                path.display()
            )
        })
}
