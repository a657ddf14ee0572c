//! The publish pipeline: the step from the environment's text to the outputs, as a sequence
//! of steps over collaborators handed in (a [`Transport`] for the network, a [`Reporter`] for
//! what GitHub sees), so that tests run it whole in-process.
//!
//! ```text
//! read inputs → package the code → create the version → write the outputs
//! ```
//! A new feature is a new step here and a module of its own; the steps share nothing but
//! the values passed from one to the next.

use std::path::{Path, PathBuf};

use crate::checksum::crc64_xz;
use crate::client::{ClientError, FcClient};
use crate::fc::limits::{MAX_INLINE_BASE64_BYTES, MAX_INLINE_ZIP_BYTES, base64_len};
use crate::fc::{ApiRequest, CreateLayerVersionInput, InlineCode, Layer};
use crate::github::Outputs;
use crate::http::Transport;
use crate::inputs::{InputError, RawInputs, Settings};
use crate::interface::Output;
use crate::package::{self, Origin, PackageError};
use crate::report::Reporter;

/// What the step reads from its process: the variables and the working directory.
#[derive(Clone, Debug, Default)]
pub struct Environment {
    pub vars: Vec<(String, String)>,
    pub working_dir: PathBuf,
}

impl Environment {
    fn var(&self, name: &str) -> Option<String> {
        self.vars
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    }
}

/// Why the step failed. Each is reported once, as an `::error::` annotation.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    #[error("{} input(s) are invalid; nothing was published", .0.len())]
    Inputs(Vec<InputError>),
    #[error("input `code`: {0}")]
    Package(PackageError),
    #[error(
        "input `code`: the zip {}, over FC's inline limit of {MAX_INLINE_BASE64_BYTES} bytes; upload through OSS is not supported yet",
        match .zip_bytes {
            Some(size) => format!("is {size} bytes, {} as Base64", base64_len(*size as usize)),
            None => format!("passed {MAX_INLINE_ZIP_BYTES} bytes (zipping stopped there), so its Base64 is"),
        }
    )]
    TooLargeForInline {
        /// `None` when zipping stopped as soon as the limit was passed.
        zip_bytes: Option<u64>,
    },
    #[error("cannot encode the CreateLayerVersion request: {0}")]
    Encode(#[from] serde_json::Error),
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error("cannot write the outputs to GITHUB_OUTPUT: {0}")]
    Outputs(std::io::Error),
}

/// What a successful run published.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Published {
    pub layer: Layer,
    /// CRC-64/XZ of the zip that was sent.
    pub checksum: String,
}

/// The whole step: reads the inputs from `env`, then [`publish`]es through `transport`.
/// A failure has been reported when this returns; the caller only sets the exit code.
pub async fn run_step<T: Transport>(
    env: &Environment,
    transport: T,
    reporter: &mut impl Reporter,
) -> Result<Published, Failure> {
    let result = match read_settings(env, reporter) {
        Ok(settings) => {
            let client = FcClient::new(
                transport,
                settings.endpoint.clone(),
                settings.credentials.clone(),
            );
            publish(&settings, &client, reporter).await
        }
        Err(failure) => Err(failure),
    };
    if let Err(failure) = &result {
        reporter.error(&failure.to_string());
    }
    result
}

/// Step 1: the `INPUT_*` variables as [`Settings`]; each invalid input reported on its own.
pub fn read_settings(env: &Environment, reporter: &mut impl Reporter) -> Result<Settings, Failure> {
    let invalid = |errors: Vec<InputError>, reporter: &mut dyn Reporter| {
        for error in &errors {
            reporter.error(&error.to_string());
        }
        Failure::Inputs(errors)
    };
    let raw = RawInputs::from_vars(env.vars.iter().cloned())
        .map_err(|error| invalid(vec![error], reporter))?;
    Settings::parse(raw, |name| env.var(name), &env.working_dir, reporter)
        .map_err(|errors| invalid(errors, reporter))
}

/// Steps 2 to 4 for validated settings.
pub async fn publish<T: Transport>(
    settings: &Settings,
    client: &FcClient<T>,
    reporter: &mut impl Reporter,
) -> Result<Published, Failure> {
    warn_unknown_runtimes(settings, reporter);
    let package = package_code(&settings.code, reporter)?;
    let layer = create_version(settings, client, package, reporter).await?;
    write_outputs(&layer, reporter)?;
    Ok(layer)
}

fn warn_unknown_runtimes(settings: &Settings, reporter: &mut impl Reporter) {
    for runtime in settings.unknown_runtimes() {
        reporter.warning(&format!(
            "input `compatible-runtimes`: {runtime:?} is not a runtime FC is known to have; sending it anyway"
        ));
    }
}

/// The zip, checked to fit inline, with its checksum.
struct Packaged {
    bytes: Vec<u8>,
    checksum: String,
}

/// Step 2: the `code` input as a zip that FC will take inline.
fn package_code(code: &Path, reporter: &mut impl Reporter) -> Result<Packaged, Failure> {
    let package = package::load(code, MAX_INLINE_ZIP_BYTES).map_err(|error| match error {
        PackageError::TooLarge { size, .. } => Failure::TooLargeForInline { zip_bytes: size },
        other => Failure::Package(other),
    })?;
    let checksum = crc64_xz(&package.bytes);
    let what = match package.origin {
        Origin::Directory => "Zipped",
        Origin::ZipFile => "Read",
    };
    reporter.info(&format!(
        "{what} {}: {} entries, {} bytes, CRC-64/XZ {checksum}",
        code.display(),
        package.entries,
        package.bytes.len()
    ));
    Ok(Packaged {
        bytes: package.bytes,
        checksum,
    })
}

/// Step 3: CreateLayerVersion with the zip inline. Sent once: the call is not idempotent.
async fn create_version<T: Transport>(
    settings: &Settings,
    client: &FcClient<T>,
    package: Packaged,
    reporter: &mut impl Reporter,
) -> Result<Published, Failure> {
    let request = ApiRequest::create_layer_version(
        &settings.layer_name,
        &CreateLayerVersionInput {
            code: InlineCode {
                zip_file: &package.bytes,
                checksum: package.checksum.clone(),
            },
            compatible_runtime: &settings.compatible_runtimes,
            description: settings.description.as_deref(),
            license: settings.license.as_deref(),
        },
    )?;
    // The body holds the zip as Base64 now; the zip itself need not stay.
    drop(package.bytes);
    reporter.info(&format!(
        "Publishing layer {} to {}",
        settings.layer_name,
        client.endpoint()
    ));
    let layer = client.create_layer_version(request).await?;
    layer
        .check(&settings.layer_name)
        .map_err(|problem| ClientError::InvalidReply {
            action: "CreateLayerVersion",
            problem,
        })?;
    if let Some(reported) = &layer.code_checksum
        && *reported != package.checksum
    {
        reporter.warning(&format!(
            "FC reports codeChecksum {reported:?} but the zip sent has {}",
            package.checksum
        ));
    }
    reporter.info(&format!("Published {}", layer.layer_version_arn));
    Ok(Published {
        layer,
        checksum: package.checksum,
    })
}

/// Step 4: the outputs, all in one write.
fn write_outputs(published: &Published, reporter: &mut impl Reporter) -> Result<(), Failure> {
    let layer = &published.layer;
    let mut outputs = Outputs::default();
    outputs.set(Output::LayerVersionArn, layer.layer_version_arn.clone());
    outputs.set(Output::Version, layer.version.to_string());
    outputs.set(
        Output::CodeChecksum,
        layer
            .code_checksum
            .clone()
            .unwrap_or_else(|| published.checksum.clone()),
    );
    if let Some(size) = layer.code_size {
        outputs.set(Output::CodeSize, size.to_string());
    }
    reporter.set_outputs(&outputs).map_err(Failure::Outputs)
}
