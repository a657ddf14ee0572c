//! `fc-local`: the FC 3.0 layer API, in memory, on loopback. See `fc_layer_action::local`.
//!
//! ```text
//! fc-local [--listen 127.0.0.1:0] [--access-key-id ID] [--access-key-secret SECRET]
//!          [--security-token TOKEN] [--region cn-hangzhou] [--account-id 1234567890123456]
//!          [--capture FILE] [--fail-create STATUS:CODE]
//! ```
//! The first line on stdout is `fc-local listening on http://ADDRESS`; scripts read the port
//! from it. It serves until SIGINT or SIGTERM.

use std::process::ExitCode;

use anyhow::{Context, bail};
use fc_layer_action::credentials::Credentials;
use fc_layer_action::fc::ServiceError;
use fc_layer_action::local::server::router;
use fc_layer_action::local::service::Config;

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
    let mut access_key_id = DEMO_ACCESS_KEY_ID.to_owned();
    let mut access_key_secret = DEMO_ACCESS_KEY_SECRET.to_owned();
    let mut security_token = None;
    let mut region = "cn-hangzhou".to_owned();
    let mut account_id = "1234567890123456".to_owned();
    let mut capture = None;
    let mut fail_create = None;
    while let Some(flag) = args.next() {
        let mut value = || args.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--listen" => listen = value()?,
            "--access-key-id" => access_key_id = value()?,
            "--access-key-secret" => access_key_secret = value()?,
            "--security-token" => security_token = Some(value()?),
            "--region" => region = value()?,
            "--account-id" => account_id = value()?,
            "--capture" => capture = Some(value()?.into()),
            "--fail-create" => fail_create = Some(parse_fault(&value()?)?),
            other => bail!("unknown argument {other:?}; see the usage in src/bin/fc-local.rs"),
        }
    }
    let credentials = Credentials::new(access_key_id, access_key_secret);
    let credentials = match security_token {
        Some(token) => credentials.with_security_token(token),
        None => credentials,
    };
    Ok(Args {
        listen,
        config: Config {
            credentials,
            region,
            account_id,
            capture,
            fail_create,
        },
    })
}

/// `409:ConcurrentUpdateError` → that error, with a message saying it was injected.
fn parse_fault(text: &str) -> anyhow::Result<ServiceError> {
    let (status, code) = text
        .split_once(':')
        .with_context(|| format!("--fail-create takes STATUS:CODE, not {text:?}"))?;
    let status: u16 = status
        .parse()
        .ok()
        .filter(|status| (400..600).contains(status))
        .with_context(|| format!("--fail-create status {status:?} is not 400 to 599"))?;
    Ok(ServiceError::new(
        status,
        code,
        "injected by fc-local --fail-create",
    ))
}
