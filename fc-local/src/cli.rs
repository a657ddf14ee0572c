//! `fc-local`'s command line and process: the flags (`fc-local --help` lists every flag and
//! fault), the service they configure, served on loopback until SIGINT or SIGTERM. The first
//! line on stdout is `fc-local listening on http://ADDRESS`; scripts read the port from it.
//! It is here, not in `src/main.rs`, so that the suite's copy of the binary (`tests/suite/bin`)
//! runs this very function; `bin_name` keeps the usage line the same under either name.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use crate::config::{Config, DEFAULT_ACCOUNT_ID, DEFAULT_REGION, Fault, FaultKind};
use crate::functions::{AliasSeed, FlakyUpdate, FunctionSeed, FunctionsConfig, VersionSeed};
use crate::github_oidc::{OidcConfig, TokenFault};
use crate::server::router;
use anyhow::Context;
use clap::{ArgMatches, CommandFactory, FromArgMatches, Parser};
use fc_layer_action::credentials::{Credentials, Secret};
use fc_layer_action::fc::ServiceError;

/// Function Compute's layer API, FC 2.0's temporary bucket, STS and OSS, in memory, with
/// every signature checked, for tests and the quick start.
///
/// Faults apply in the order given, each to its number of matching calls; ACTION is the
/// `x-acs-action` (`CreateLayerVersion`, `ListLayerVersions`, `DeleteLayerVersion`,
/// `PutLayerACL`, `ListFunctions`, `GetFunction`, `UpdateFunction`, `PublishFunctionVersion`,
/// `ListFunctionVersions`, `GetAlias`, `CreateAlias`, `UpdateAlias`) or the OSS operation
/// (`PutObject`, `UploadPart`, `InitiateMultipartUpload`, `CompleteMultipartUpload`,
/// `HeadObject`) or `TempBucketToken` (FC 2.0's loan of its bucket); `PREFIX/ACTION` limits a fault to the calls under the path prefix
/// `/PREFIX` (`cn-beijing/PutObject`). `--drop-reply PublishFunctionVersion:1` (or
/// `CreateAlias:1`) publishes (creates) and then drops the reply.
///
/// A path prefix before the API's path (`http://ADDRESS/cn-beijing/2023-03-30/…`) gives the
/// calls under it a state of their own, whose ARNs name the prefix's region when it is a
/// region id; `GET /PREFIX/_local/state` shows it. Signatures cover the prefix.
#[derive(Debug, Parser)]
#[command(name = "fc-local", bin_name = "fc-local", version)]
struct Args {
    /// Where to listen; port 0 picks a free one.
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: String,
    /// The AccessKey id requests must be signed with.
    #[arg(long, default_value = DEMO_ACCESS_KEY_ID)]
    access_key_id: String,
    /// Its secret (well-known demo keys by default, so the quick start needs no setup).
    #[arg(long, default_value = DEMO_ACCESS_KEY_SECRET, hide_default_value = true)]
    access_key_secret: String,
    /// A security token requests must carry, as STS credentials do.
    #[arg(long)]
    security_token: Option<String>,
    #[arg(long, default_value = DEFAULT_REGION)]
    region: String,
    /// The account id STS reports and ARNs carry.
    #[arg(long, default_value = DEFAULT_ACCOUNT_ID)]
    account_id: String,
    /// Writes every API request as it arrived to FILE, one JSON line each.
    #[arg(long, value_name = "FILE")]
    capture: Option<PathBuf>,
    /// Fails every CreateLayerVersion with this error.
    #[arg(long, value_name = "STATUS:CODE", value_parser = parse_error)]
    fail_create: Vec<ServiceError>,
    /// Answers TIMES calls of ACTION with this error.
    #[arg(long, value_name = "ACTION:TIMES:STATUS:CODE", value_parser = parse_fail)]
    fail: Vec<Fault>,
    /// Answers TIMES calls of ACTION with 429 and `x-acs-retry-after: MILLIS`.
    #[arg(long, value_name = "ACTION:TIMES:MILLIS", value_parser = parse_throttle)]
    throttle: Vec<Fault>,
    /// Does TIMES calls of ACTION, then drops the connection before the reply.
    #[arg(long, value_name = "ACTION:TIMES", value_parser = parse_drop_reply)]
    drop_reply: Vec<Fault>,
    /// Holds every reply this long, as a far region would (`--latency` says the same).
    #[arg(long, value_name = "MILLIS", visible_alias = "latency")]
    delay: Option<u64>,
    /// Creates VERSIONS versions of LAYER before the first request.
    #[arg(long, value_name = "LAYER:VERSIONS", value_parser = parse_seed)]
    seed: Vec<(String, u32)>,
    /// The bearer GitHub's OIDC token endpoint (`/_github/oidc/token`) wants.
    #[arg(
        long,
        value_name = "TOKEN",
        default_value = "fc-local-id-token-request"
    )]
    oidc_request_token: String,
    /// A client id of the OIDC provider, an audience AssumeRoleWithOIDC accepts (repeatable;
    /// default `sts.aliyuncs.com`).
    #[arg(long, value_name = "AUDIENCE")]
    oidc_client_id: Vec<String>,
    /// The `sub` of the tokens issued.
    #[arg(
        long,
        value_name = "SUBJECT",
        default_value = "repo:octo-org/octo-repo:ref:refs/heads/main"
    )]
    oidc_subject: String,
    /// The only subject the role's trust policy allows (others: 403 AuthenticationFail.NoPermission).
    #[arg(long, value_name = "SUBJECT")]
    oidc_trusted_subject: Option<String>,
    /// The ExternalId AssumeRole must carry.
    #[arg(long, value_name = "ID")]
    role_external_id: Option<String>,
    /// Every token issued is `expired` or for the `wrong-audience`.
    #[arg(long, value_name = "FAULT", value_parser = parse_token_fault)]
    oidc_fault: Option<TokenFault>,
    /// An FC 3.0 function the function calls serve, using these layers (ARNs, in order).
    #[arg(long, value_name = "NAME[:LAYER_ARN,...]", value_parser = FunctionSeed::parse)]
    function: Vec<FunctionSeed>,
    /// An FC 2.0 function, as --function: ListFunctions with fcVersion=v3 leaves it out.
    #[arg(long, value_name = "NAME[:LAYER_ARN,...]", value_parser = FunctionSeed::parse)]
    function_v2: Vec<FunctionSeed>,
    /// Publishes the next version of the seeded FUNCTION, with these layers and the
    /// function's other settings (repeatable: versions 1, 2, … in order).
    #[arg(long, value_name = "FUNCTION[:LAYER_ARN,...]", value_parser = VersionSeed::parse)]
    function_version: Vec<VersionSeed>,
    /// An alias NAME of FUNCTION on VERSION, with a canary version CANARY taking WEIGHT
    /// (0 to 1, exclusive) of the traffic: `api:prod:2:3=0.1`.
    #[arg(
        long,
        value_name = "FUNCTION:NAME:VERSION[:CANARY=WEIGHT]",
        value_parser = AliasSeed::parse
    )]
    alias: Vec<AliasSeed>,
    /// ListFunctions leaves `layers` out of every function, as FC may (fault).
    #[arg(long)]
    list_functions_without_layers: bool,
    /// How long each function update stays InProgress before it ends.
    #[arg(long, value_name = "MILLIS", default_value_t = 0)]
    function_update_delay: u64,
    /// Ends every update of function NAME Failed, with REASON as lastUpdateStatusReason.
    #[arg(long, value_name = "NAME:REASON", value_parser = parse_failing_function)]
    fail_function_update: Vec<(String, String)>,
    /// Ends the first TIMES updates of function NAME Failed with REASON, the new layers
    /// left listed (later updates go through).
    #[arg(long, value_name = "NAME:TIMES:REASON", value_parser = FlakyUpdate::parse)]
    flaky_function_update: Vec<FlakyUpdate>,
    /// Refuses an UpdateFunction body with any field but `layers`, a PublishFunctionVersion
    /// body with any but `description`, and alias bodies with fields their call does not take.
    #[arg(long)]
    strict_function_update: bool,
}

/// Well-known demo keys, so the quick start needs no setup; tests pass their own.
const DEMO_ACCESS_KEY_ID: &str = "LTAI-fc-local";
const DEMO_ACCESS_KEY_SECRET: &str = "fc-local-secret";

/// Parses the command line and serves until SIGINT or SIGTERM; clap exits the process on
/// `--help`, `--version` and a bad flag.
pub fn main() -> ExitCode {
    let matches = Args::command().get_matches();
    let args = match Args::from_arg_matches(&matches) {
        Ok(args) => args,
        Err(error) => error.exit(),
    };
    match run(args, &matches) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("fc-local: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args, matches: &ArgMatches) -> anyhow::Result<()> {
    let listen = args.listen.clone();
    let config = config(args, matches);
    config.functions.check().map_err(anyhow::Error::msg)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(&listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"))?;
        let address = listener.local_addr()?;
        let app = router(config).context("cannot open the capture file")?;
        println!("fc-local listening on http://{address}");
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown())
            .await
            .context("the server stopped")
    })
}

/// The service's configuration from its command line. The faults keep the order they were
/// given in, whichever flag gave them: the first fault with uses left for an action is the
/// one served.
fn config(args: Args, matches: &ArgMatches) -> Config {
    let fail_create = args.fail_create.into_iter().map(|error| Fault {
        action: "CreateLayerVersion".to_owned(),
        times: u32::MAX,
        kind: FaultKind::Fail(error),
    });
    let mut faults: Vec<(usize, Fault)> = [
        positioned(matches, "fail_create", fail_create.collect()),
        positioned(matches, "fail", args.fail),
        positioned(matches, "throttle", args.throttle),
        positioned(matches, "drop_reply", args.drop_reply),
    ]
    .into_iter()
    .flatten()
    .collect();
    faults.sort_by_key(|(position, _)| *position);
    Config {
        credentials: Credentials {
            access_key_id: args.access_key_id,
            access_key_secret: Secret::new(args.access_key_secret),
            security_token: args.security_token.map(Secret::new),
        },
        region: args.region,
        account_id: args.account_id,
        capture: args.capture,
        faults: faults.into_iter().map(|(_, fault)| fault).collect(),
        delay: args.delay.map(Duration::from_millis),
        seeds: args.seed,
        oidc: OidcConfig {
            request_token: args.oidc_request_token,
            subject: args.oidc_subject,
            client_ids: match args.oidc_client_id.is_empty() {
                true => OidcConfig::default().client_ids,
                false => args.oidc_client_id,
            },
            trusted_subject: args.oidc_trusted_subject,
            external_id: args.role_external_id,
            fault: args.oidc_fault,
            ..OidcConfig::default()
        },
        functions: FunctionsConfig {
            seeds: args.function,
            fc2_seeds: args.function_v2,
            version_seeds: args.function_version,
            alias_seeds: args.alias,
            update_delay: Duration::from_millis(args.function_update_delay),
            failing: args.fail_function_update,
            flaky: args.flaky_function_update,
            strict_update: args.strict_function_update,
            list_without_layers: args.list_functions_without_layers,
        },
    }
}

/// Each of a flag's values with its position on the command line.
fn positioned(matches: &ArgMatches, id: &str, faults: Vec<Fault>) -> Vec<(usize, Fault)> {
    let positions = matches.indices_of(id).into_iter().flatten();
    positions.zip(faults).collect()
}

async fn shutdown() {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::terminate()) {
        Ok(mut terminate) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = terminate.recv() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// `A:B:C` as `N` parts, the last taking the rest.
fn split<const N: usize>(text: &str) -> Result<[String; N], String> {
    let pieces: Vec<String> = text.splitn(N, ':').map(str::to_owned).collect();
    pieces
        .try_into()
        .map_err(|_| format!("{text:?} needs {N} parts separated by `:`"))
}

fn parse_number<N: std::str::FromStr>(text: &str) -> Result<N, String> {
    text.parse()
        .map_err(|_| format!("{text:?} is not a number"))
}

/// `409:ConcurrentUpdateError` → that error, with a message saying it was injected.
fn parse_error(text: &str) -> Result<ServiceError, String> {
    let [status, code] = split(text)?;
    let status: u16 = status
        .parse()
        .ok()
        .filter(|status| (400..600).contains(status))
        .ok_or_else(|| format!("fault status {status:?} is not 400 to 599"))?;
    Ok(ServiceError::new(status, &code, "injected by fc-local"))
}

fn parse_fail(text: &str) -> Result<Fault, String> {
    let [action, times, error] = split(text)?;
    Ok(Fault {
        action,
        times: parse_number(&times)?,
        kind: FaultKind::Fail(parse_error(&error)?),
    })
}

fn parse_throttle(text: &str) -> Result<Fault, String> {
    let [action, times, millis] = split(text)?;
    Ok(Fault {
        action,
        times: parse_number(&times)?,
        kind: FaultKind::Throttle {
            retry_after_millis: parse_number(&millis)?,
        },
    })
}

fn parse_drop_reply(text: &str) -> Result<Fault, String> {
    let [action, times] = split(text)?;
    Ok(Fault {
        action,
        times: parse_number(&times)?,
        kind: FaultKind::DropReply,
    })
}

fn parse_seed(text: &str) -> Result<(String, u32), String> {
    let [layer, versions] = split(text)?;
    Ok((layer, parse_number(&versions)?))
}

fn parse_token_fault(text: &str) -> Result<TokenFault, String> {
    match text {
        "expired" => Ok(TokenFault::Expired),
        "wrong-audience" => Ok(TokenFault::WrongAudience),
        _ => Err(format!("{text:?} is not `expired` or `wrong-audience`")),
    }
}

fn parse_failing_function(text: &str) -> Result<(String, String), String> {
    let [name, reason] = split(text)?;
    Ok((name, reason))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn functions_config(args: &[&str]) -> Result<FunctionsConfig, String> {
        let argv = std::iter::once("fc-local").chain(args.iter().copied());
        let matches = Args::command()
            .try_get_matches_from(argv)
            .map_err(|error| error.to_string())?;
        let args = Args::from_arg_matches(&matches).map_err(|error| error.to_string())?;
        let functions = config(args, &matches).functions;
        functions.check().map(|()| functions)
    }

    #[test]
    fn function_versions_and_aliases_are_seeded_from_the_command_line() {
        let config = functions_config(&[
            "--function=api:a",
            "--function-v2=old",
            "--function-version=api:b",
            "--function-version=api:c",
            "--alias=api:prod:2:1=0.1",
            "--list-functions-without-layers",
        ])
        .expect("the seeds hold");
        assert_eq!(config.fc2_seeds[0].name, "old");
        let layers: Vec<&[String]> = config.version_seeds.iter().map(|v| &v.layers[..]).collect();
        assert_eq!(layers, [["b"], ["c"]]);
        assert_eq!(config.alias_seeds[0].canary, Some(("1".to_owned(), 0.1)));
        assert!(config.list_without_layers);
    }

    #[test]
    fn seeds_that_do_not_hold_are_refused() {
        for args in [
            &["--function=api", "--alias=api:prod:1"][..],
            &["--function-version=api:b"][..],
            &["--function=api", "--alias=api:prod"][..],
            &[
                "--function=api",
                "--function-version=api",
                "--alias=api:LATEST:1",
            ][..],
        ] {
            assert!(functions_config(args).is_err(), "{args:?}");
        }
    }
}
