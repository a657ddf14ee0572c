//! The publish pipeline in-process, for the tests that drive it: `run_step` with the real
//! reporter writing to buffers, a transport that records every request, the local FC service
//! (signatures checked, zips opened) or a canned server behind it, and paused time, so that
//! backoff and retry-after cost nothing.

use std::cell::RefCell;
use std::path::Path;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use super::{ACCESS_KEY_ID, ACCESS_KEY_SECRET, SECURITY_TOKEN, example_layer, parse_github_output};
use fc_layer_action::client::FcClient;
use fc_layer_action::clock::Signing;
use fc_layer_action::credentials::Credentials;
use fc_layer_action::endpoint::Endpoint;
use fc_layer_action::http::{HttpReply, HttpRequest, Transport, TransportError};
use fc_layer_action::outcome::{Failure, Outcome};
use fc_layer_action::publish::{self, Environment};
use fc_layer_action::report::Workflow;
use fc_local::config::Config;
use fc_local::in_process::InProcess;
use fc_local::service::Service;
use serde_json::Value;

pub const ENDPOINT: &str = "http://fc.test";

/// What a run left behind: its result, the job log, the `GITHUB_OUTPUT` text, the job
/// summary, and every request sent as `METHOD action`.
pub struct Run {
    pub result: Result<Outcome, Failure>,
    pub log: String,
    pub outputs_file: String,
    pub summary: String,
    pub sent: Vec<String>,
    /// Virtual time the run took (the runtime's clock is paused and jumps over waits).
    pub took: Duration,
}

impl Run {
    /// What a run left: its result and time, its reporter's log, outputs and summary, and
    /// the requests it sent.
    fn ended(
        result: Result<Outcome, Failure>,
        took: Duration,
        reporter: Workflow<Vec<u8>, Vec<u8>>,
        sent: &RefCell<Vec<String>>,
    ) -> Self {
        let (log, outputs_file, summary) = reporter.into_parts();
        let text =
            |bytes: Option<Vec<u8>>| String::from_utf8(bytes.unwrap_or_default()).expect("utf-8");
        Run {
            result,
            log: String::from_utf8(log).expect("utf-8 log"),
            outputs_file: text(outputs_file),
            summary: text(summary),
            sent: sent.borrow().clone(),
            took,
        }
    }

    pub fn outputs(&self) -> Vec<(String, String)> {
        parse_github_output(&self.outputs_file)
    }

    pub fn output(&self, name: &str) -> String {
        self.outputs()
            .into_iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value)
            .unwrap_or_else(|| panic!("no output {name}: {}", self.outputs_file))
    }

    /// How many requests of `action` were sent.
    pub fn count(&self, action: &str) -> usize {
        self.sent
            .iter()
            .filter(|sent| sent.ends_with(&format!(" {action}")))
            .count()
    }

    pub fn errors(&self) -> Vec<&str> {
        self.log
            .lines()
            .filter(|line| line.starts_with("::error::"))
            .collect()
    }

    pub fn assert_failed_and_wrote_nothing(&self) {
        assert!(self.result.is_err(), "{}", self.log);
        assert_eq!(self.outputs_file, "", "outputs written on failure");
        assert!(!self.log.contains("layerVersionArn="), "{}", self.log);
    }
}

/// Records what goes through `inner`, so a test can say what was sent, or that nothing was.
pub struct Recording<T> {
    inner: T,
    sent: Rc<RefCell<Vec<String>>>,
}

impl<T: Transport> Transport for Recording<T> {
    async fn send(&self, request: HttpRequest) -> Result<HttpReply, TransportError> {
        let action = request
            .headers
            .iter()
            .find(|(name, _)| name == "x-acs-action")
            .map(|(_, value)| value.clone())
            .unwrap_or_default();
        self.sent
            .borrow_mut()
            .push(format!("{} {action}", request.method));
        self.inner.send(request).await
    }
}

/// A server that answers every request with the same reply.
/// A server that answers the create (and every other write) with the same reply; the
/// listing too when `listing` is set, else with an empty page.
pub struct Canned {
    pub reply: HttpReply,
    pub listing: bool,
}

impl Transport for Canned {
    async fn send(&self, request: HttpRequest) -> Result<HttpReply, TransportError> {
        if request.method == "GET" && !self.listing {
            return Ok(HttpReply {
                status: 200,
                headers: Vec::new(),
                body: br#"{"layers":[]}"#.to_vec(),
            });
        }
        Ok(self.reply.clone())
    }
}

/// A network that never answers.
pub struct Unreachable;

impl Transport for Unreachable {
    async fn send(&self, request: HttpRequest) -> Result<HttpReply, TransportError> {
        Err(TransportError::Unreachable {
            origin: ENDPOINT.to_owned(),
            proxy: None,
            request_sent: false,
            detail: format!(
                "connection refused sending {} {}",
                request.method, request.url
            ),
        })
    }
}

pub fn service(configure: impl FnOnce(&mut Config)) -> Arc<Service> {
    let mut config = Config::new(Credentials::new(ACCESS_KEY_ID, ACCESS_KEY_SECRET));
    configure(&mut config);
    Arc::new(Service::new(config).expect("service"))
}

/// The inputs of a valid publish of the example layer, with `changes` applied (an empty
/// value removes a variable).
pub fn vars(changes: &[(&str, &str)]) -> Vec<(String, String)> {
    let example = example_layer();
    let mut vars: Vec<(String, String)> = [
        ("INPUT_LAYER-NAME", "my-layer"),
        ("INPUT_CODE", example.to_str().expect("utf-8 path")),
        ("INPUT_COMPATIBLE-RUNTIMES", "python3.10, python3.9"),
        ("INPUT_DESCRIPTION", "in-process test"),
        ("INPUT_LICENSE", "Apache-2.0"),
        ("INPUT_ENDPOINT", ENDPOINT),
        ("INPUT_ACCESS-KEY-ID", ACCESS_KEY_ID),
        ("INPUT_ACCESS-KEY-SECRET", ACCESS_KEY_SECRET),
    ]
    .iter()
    .map(|(name, value)| (name.to_string(), value.to_string()))
    .collect();
    for (name, value) in changes {
        vars.retain(|(existing, _)| existing != name);
        if !value.is_empty() {
            vars.push((name.to_string(), value.to_string()));
        }
    }
    vars
}

pub fn run_in(working_dir: &Path, changes: &[(&str, &str)], transport: impl Transport) -> Run {
    run_signed(working_dir, changes, transport, &Signing::system())
}

/// [`run_in`], every request signed with `signing` rather than the system's clock and nonces.
pub fn run_signed(
    working_dir: &Path,
    changes: &[(&str, &str)],
    transport: impl Transport,
    signing: &Signing,
) -> Run {
    let sent = Rc::new(RefCell::new(Vec::new()));
    let transport = Recording {
        inner: transport,
        sent: Rc::clone(&sent),
    };
    let env = Environment {
        vars: vars(changes),
        working_dir: working_dir.to_path_buf(),
    };
    let mut reporter = Workflow::new(Vec::new(), Some(Vec::new())).with_summary(Some(Vec::new()));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("runtime");
    let (result, took) = runtime.block_on(async {
        let start = tokio::time::Instant::now();
        let result = publish::run_step(&env, transport, signing, &mut reporter).await;
        (result, start.elapsed())
    });
    Run::ended(result, took, reporter, &sent)
}

pub fn run(changes: &[(&str, &str)], transport: impl Transport) -> Run {
    run_in(Path::new("/nonexistent-workdir"), changes, transport)
}

/// [`run`] against `service`, in-process.
pub fn run_on(service: &Arc<Service>, changes: &[(&str, &str)]) -> Run {
    run(changes, InProcess(Arc::clone(service)))
}

/// A client of `service`, in-process, at [`ENDPOINT`] with the suite's key.
pub fn fc_client(service: &Arc<Service>) -> FcClient<InProcess> {
    FcClient::new(
        InProcess(Arc::clone(service)),
        Endpoint::parse(ENDPOINT).expect("endpoint"),
        Credentials::new(ACCESS_KEY_ID, ACCESS_KEY_SECRET),
        Signing::system(),
    )
}

pub fn versions(service: &Service, layer: &str) -> Vec<Value> {
    service.state()["layers"][layer]["versions"]
        .as_object()
        .map(|versions| versions.values().cloned().collect())
        .unwrap_or_default()
}

pub fn assert_no_secret(run: &Run) {
    for secret in [ACCESS_KEY_SECRET, SECURITY_TOKEN] {
        for (what, text) in [("log", &run.log), ("outputs", &run.outputs_file)] {
            let leaks: Vec<&str> = text
                .lines()
                .filter(|line| line.contains(secret) && !line.starts_with("::add-mask::"))
                .collect();
            assert!(leaks.is_empty(), "{secret} in the {what}: {leaks:?}");
        }
    }
}

pub fn reply(status: u16, body: &str) -> Canned {
    Canned {
        listing: false,
        reply: HttpReply {
            status,
            headers: vec![("x-acs-request-id".to_owned(), "canned-1".to_owned())],
            body: body.as_bytes().to_vec(),
        },
    }
}

/// Runs against `service` at once, on one runtime with paused time, each starting at its
/// offset of virtual time from now (the service's updates end on that clock too), each with
/// its own inputs (`changes` as [`run`]), log, outputs and summary.
pub fn runs_at(service: &Arc<Service>, runs: &[(&[(&str, &str)], Duration)]) -> Vec<Run> {
    let runtime = paused_runtime();
    let one = |changes: &[(&str, &str)], start: Duration| {
        let sent = Rc::new(RefCell::new(Vec::new()));
        let transport = Recording {
            inner: InProcess(Arc::clone(service)),
            sent: Rc::clone(&sent),
        };
        let env = Environment {
            vars: vars(changes),
            working_dir: Path::new("/nonexistent-workdir").to_path_buf(),
        };
        async move {
            tokio::time::sleep(start).await;
            let mut reporter =
                Workflow::new(Vec::new(), Some(Vec::new())).with_summary(Some(Vec::new()));
            let started = tokio::time::Instant::now();
            let signing = Signing::system();
            let result = publish::run_step(&env, transport, &signing, &mut reporter).await;
            let took = started.elapsed();
            Run::ended(result, took, reporter, &sent)
        }
    };
    let all = runs.iter().map(|(changes, start)| one(changes, *start));
    runtime.block_on(futures_util::future::join_all(all))
}

/// `service`'s state `after` a span of virtual time from now: how a run on a paused clock
/// that got that far would find it (an update's end is on that clock).
pub fn state_after(service: &Service, after: Duration) -> Value {
    paused_runtime().block_on(async {
        tokio::time::sleep(after).await;
        service.state()
    })
}

fn paused_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("runtime")
}
