//! `fc-local`: the FC 3.0 layer API, in memory, on loopback. See `fc_layer_action::local`.
//!
//! ```text
//! fc-local [--listen 127.0.0.1:0] [--access-key-id ID] [--access-key-secret SECRET]
//!          [--security-token TOKEN] [--region cn-hangzhou] [--account-id 1234567890123456]
//!          [--capture FILE] [--fail-create STATUS:CODE] [--fail ACTION:TIMES:STATUS:CODE]
//!          [--throttle ACTION:TIMES:MILLIS] [--drop-reply ACTION:TIMES] [--delay MILLIS]
//!          [--seed LAYER:VERSIONS]
//! ```
//! Faults, in the order given, each for its number of matching calls (`ACTION` is the
//! `x-acs-action`, e.g. `CreateLayerVersion`): `--fail` answers with that error,
//! `--throttle` with 429 and `x-acs-retry-after`, `--drop-reply` does the call and then
//! drops the connection before the reply. `--fail-create` fails every create. `--delay`
//! holds every reply; `--seed` creates versions before the first request.
//! The first line on stdout is `fc-local listening on http://ADDRESS`; scripts read the port
//! from it. It serves until SIGINT or SIGTERM.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use fc_layer_action::credentials::{Credentials, Secret};
use fc_layer_action::fc::ServiceError;
use fc_layer_action::local::server::router;
use fc_layer_action::local::service::{Config, Fault, FaultKind};

/// Well-known demo keys, so the quick start needs no setup; tests pass their own.
const DEMO_ACCESS_KEY_ID: &str = "LTAI-fc-local";
const DEMO_ACCESS_KEY_SECRET: &str = "fc-local-secret";

struct Args {
    listen: String,
    config: Config,
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("fc-local: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> anyhow::Result<()> {
    let args = parse_args(std::env::args().skip(1))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(&args.listen)
            .await
            .with_context(|| format!("cannot listen on {}", args.listen))?;
        let address = listener.local_addr()?;
        let app = router(args.config).context("cannot open the capture file")?;
        println!("fc-local listening on http://{address}");
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown())
            .await
            .context("the server stopped")
    })
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

fn parse_args(mut args: impl Iterator<Item = String>) -> anyhow::Result<Args> {
    let mut listen = "127.0.0.1:0".to_owned();
    let mut config = Config::new(Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET));
    while let Some(flag) = args.next() {
        let mut value = || args.next().with_context(|| format!("{flag} needs a value"));
        let credentials = &mut config.credentials;
        match flag.as_str() {
            "--listen" => listen = value()?,
            "--access-key-id" => credentials.access_key_id = value()?,
            "--access-key-secret" => credentials.access_key_secret = Secret::new(value()?),
            "--security-token" => credentials.security_token = Some(Secret::new(value()?)),
            "--region" => config.region = value()?,
            "--account-id" => config.account_id = value()?,
            "--capture" => config.capture = Some(value()?.into()),
            "--fail-create" => config.faults.push(Fault {
                action: "CreateLayerVersion".to_owned(),
                times: u32::MAX,
                kind: FaultKind::Fail(parse_error(&value()?)?),
            }),
            "--fail" => {
                let text = value()?;
                let [action, times, error] = split(&text, 3)?;
                config.faults.push(Fault {
                    action,
                    times: parse_number(&times)?,
                    kind: FaultKind::Fail(parse_error(&error)?),
                });
            }
            "--throttle" => {
                let [action, times, millis] = split(&value()?, 3)?;
                config.faults.push(Fault {
                    action,
                    times: parse_number(&times)?,
                    kind: FaultKind::Throttle {
                        retry_after_millis: parse_number(&millis)?,
                    },
                });
            }
            "--drop-reply" => {
                let [action, times] = split(&value()?, 2)?;
                config.faults.push(Fault {
                    action,
                    times: parse_number(&times)?,
                    kind: FaultKind::DropReply,
                });
            }
            "--delay" => config.delay = Some(Duration::from_millis(parse_number(&value()?)?)),
            "--seed" => {
                let [layer, versions] = split(&value()?, 2)?;
                config.seeds.push((layer, parse_number(&versions)?));
            }
            other => bail!("unknown argument {other:?}; see the usage in src/bin/fc-local.rs"),
        }
    }
    Ok(Args { listen, config })
}

/// `A:B:C` as `N` parts, the last taking the rest.
fn split<const N: usize>(text: &str, parts: usize) -> anyhow::Result<[String; N]> {
    let pieces: Vec<String> = text.splitn(parts, ':').map(str::to_owned).collect();
    pieces
        .try_into()
        .map_err(|_| anyhow::anyhow!("{text:?} needs {parts} parts separated by `:`"))
}

fn parse_number<N: std::str::FromStr>(text: &str) -> anyhow::Result<N> {
    text.parse()
        .map_err(|_| anyhow::anyhow!("{text:?} is not a number"))
}

/// `409:ConcurrentUpdateError` → that error, with a message saying it was injected.
fn parse_error(text: &str) -> anyhow::Result<ServiceError> {
    let (status, code) = text
        .split_once(':')
        .with_context(|| format!("a fault takes STATUS:CODE, not {text:?}"))?;
    let status: u16 = status
        .parse()
        .ok()
        .filter(|status| (400..600).contains(status))
        .with_context(|| format!("fault status {status:?} is not 400 to 599"))?;
    Ok(ServiceError::new(status, code, "injected by fc-local"))
}
