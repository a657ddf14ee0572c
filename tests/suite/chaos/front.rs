//! The local service behind a faulty front: each run of a round gets a listener of its own
//! on one shared [`Service`], so what each run sent and what the service did for it is
//! known, and the round's [`Schedule`] decides, call by call, what goes wrong on the way.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use fc_layer_action::http::HttpReply;
use fc_local::request::ReceivedRequest;
use fc_local::server::{dropped_connection, header_pairs, into_response};
use fc_local::service::{Handled, Service};

use super::schedule::{Call, Fault, REGIONS, Schedule};

/// One request and what became of it, as a run's listener saw it.
#[derive(Clone, Debug)]
pub struct Exchange {
    pub call: Call,
    pub path: String,
    pub fault: Option<Fault>,
    /// The service's status, when the call reached it.
    pub applied_status: Option<u16>,
    /// The service's reply body, when the call reached it.
    pub reply: Option<Vec<u8>>,
    /// For a DeleteLayerVersion that reached the service: its functions just before (of
    /// the call's region, with `regions`), to tell what was mid-update when it was deleted.
    pub functions_before: Option<serde_json::Value>,
}

impl Exchange {
    /// The call reached the service and it succeeded there.
    pub fn applied_ok(&self) -> bool {
        self.applied_status.is_some_and(|status| status < 300)
    }

    /// The action may have got the service's successful reply as it was: nothing went
    /// wrong, or it came late (whether it was still awaited depends on the machine's pace).
    pub fn maybe_delivered_ok(&self) -> bool {
        self.applied_ok() && matches!(self.fault, None | Some(Fault::Stall))
    }

    pub fn reply_json(&self) -> serde_json::Value {
        self.reply
            .as_deref()
            .and_then(|body| serde_json::from_slice(body).ok())
            .unwrap_or_default()
    }
}

/// What every listener of a round shares.
pub struct Shared {
    pub service: Service,
    pub schedule: Mutex<Schedule>,
    /// The action's idle timeout; a stall outlasts it.
    pub idle: Duration,
}

struct Listener {
    shared: Arc<Shared>,
    exchanges: Arc<Mutex<Vec<Exchange>>>,
}

/// A listener for one run; returns its address and where its exchanges are recorded.
pub async fn listen(shared: Arc<Shared>) -> (SocketAddr, Arc<Mutex<Vec<Exchange>>>) {
    let exchanges = Arc::new(Mutex::new(Vec::new()));
    let router = Router::new()
        .fallback(handle)
        .with_state(Arc::new(Listener {
            shared,
            exchanges: exchanges.clone(),
        }));
    let socket = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let address = socket.local_addr().expect("address");
    tokio::spawn(async move {
        let _ = axum::serve(socket, router).await;
    });
    (address, exchanges)
}

async fn handle(State(listener): State<Arc<Listener>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let headers = header_pairs(&parts.headers);
    let query = parts.uri.query().unwrap_or_default().to_owned();
    let header = |name: &str| {
        headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    };
    let Ok(body) = to_bytes(body, 512 << 20).await else {
        return dropped_connection();
    };
    let call = Call::classify(
        parts.method.as_str(),
        parts.uri.path(),
        &query,
        &body,
        header,
    );
    let fault = listener
        .shared
        .schedule
        .lock()
        .expect("schedule")
        .take(call);
    let mut exchange = Exchange {
        call,
        path: parts.uri.path().to_owned(),
        fault,
        applied_status: None,
        reply: None,
        functions_before: None,
    };
    match fault {
        Some(Fault::Status {
            status,
            retry_after_millis,
        }) => {
            listener.record(exchange);
            return status_reply(call, status, retry_after_millis);
        }
        Some(Fault::DropBefore) => {
            listener.record(exchange);
            return dropped_connection();
        }
        _ => {}
    }
    if call == Call::DeleteLayerVersion {
        let region = parts.uri.path().split('/').nth(1).unwrap_or_default();
        let prefix = match REGIONS.contains(&region) {
            true => format!("/{region}"),
            false => String::new(),
        };
        let state = listener.shared.service.state_of(&prefix);
        exchange.functions_before = Some(state["functions"].clone());
    }
    let handled = listener.shared.service.handle(&ReceivedRequest {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: &query,
        headers: &headers,
        body: &body,
    });
    let reply = match handled {
        Handled::Reply(reply) => reply,
        Handled::Drop => {
            listener.record(exchange);
            return dropped_connection();
        }
    };
    exchange.applied_status = Some(reply.status);
    exchange.reply = Some(reply.body.clone());
    listener.record(exchange);
    match fault {
        None => into_response(reply),
        Some(Fault::DropAfter) => dropped_connection(),
        Some(Fault::CutReply) => cut(reply),
        Some(Fault::Garble) => {
            let mut reply = reply;
            reply.body = b"<html>\x00\xff{\"garbled".to_vec();
            into_response(reply)
        }
        Some(Fault::Stall) => {
            // Past the idle timeout, and past the longer patience the action has while connecting.
            tokio::time::sleep(listener.shared.idle * 2 + Duration::from_millis(1500)).await;
            into_response(reply)
        }
        Some(Fault::WrongCrc) => {
            let mut reply = reply;
            for (name, value) in &mut reply.headers {
                if name.eq_ignore_ascii_case("x-oss-hash-crc64ecma") {
                    *value = "1234567890".to_owned();
                }
            }
            into_response(reply)
        }
        Some(Fault::Status { .. } | Fault::DropBefore) => unreachable!("answered above"),
    }
}

impl Listener {
    fn record(&self, exchange: Exchange) {
        self.exchanges.lock().expect("exchanges").push(exchange);
    }
}

/// An error in the dialect of the call's service, so the action reads it as that service's.
fn status_reply(call: Call, status: u16, retry_after_millis: Option<u64>) -> Response {
    let code = match status {
        429 => "Throttling",
        403 => "AccessDenied",
        500 => "InternalError",
        _ => "ServiceUnavailable",
    };
    let (content_type, body) = if call.is_oss() {
        (
            "application/xml",
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>chaos</Message><RequestId>chaos-req</RequestId></Error>"
            ),
        )
    } else if call == Call::TempBucketToken {
        (
            "application/json",
            format!("{{\"ErrorCode\":\"{code}\",\"ErrorMessage\":\"chaos\"}}"),
        )
    } else {
        (
            "application/json",
            format!("{{\"code\":\"{code}\",\"message\":\"chaos\",\"requestId\":\"chaos-req\"}}"),
        )
    };
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = StatusCode::from_u16(status).expect("a status");
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Some(millis) = retry_after_millis {
        response.headers_mut().insert(
            "x-acs-retry-after",
            HeaderValue::from_str(&millis.to_string()).expect("digits"),
        );
    }
    response
}

/// The reply's status and headers, then half its body, then the connection breaks.
fn cut(reply: HttpReply) -> Response {
    let full = reply.body.len().max(2);
    let half = Bytes::from(reply.body[..reply.body.len() / 2].to_vec());
    let chunks = futures_util::stream::iter([
        Ok(half),
        Err(std::io::Error::other("chaos cuts this reply")),
    ]);
    let mut response = into_response(HttpReply {
        body: Vec::new(),
        ..reply
    });
    *response.body_mut() = Body::from_stream(chunks);
    response.headers_mut().insert(
        header::CONTENT_LENGTH,
        HeaderValue::from_str(&full.to_string()).expect("digits"),
    );
    response
}
