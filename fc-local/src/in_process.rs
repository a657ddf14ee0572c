//! The local service as a [`Transport`]: requests reach [`Service::handle`] as values, with
//! no socket, so tests run the whole pipeline, signatures checked, inside one process.

use std::sync::Arc;

use url::Url;

use fc_layer_action::http::{HttpReply, HttpRequest, Transport, TransportError};

use crate::request::ReceivedRequest;
use crate::service::{Handled, Service};

/// Shares the service, so a test can read its state after the pipeline used it.
#[derive(Clone)]
pub struct InProcess(pub Arc<Service>);

impl Transport for InProcess {
    async fn send(&self, request: HttpRequest) -> Result<HttpReply, TransportError> {
        let url = Url::parse(&request.url).map_err(|_| TransportError::InvalidUrl {
            url: request.url.clone(),
        })?;
        // Header names go over HTTP case-insensitively and arrive in lower case.
        let headers: Vec<(String, String)> = request
            .headers
            .into_iter()
            .map(|(name, value)| (name.to_ascii_lowercase(), value))
            .collect();
        let handled = self.0.handle(&ReceivedRequest {
            method: request.method,
            path: url.path(),
            query: url.query().unwrap_or_default(),
            headers: &headers,
            body: &request.body,
        });
        if let Some(delay) = self.0.delay() {
            tokio::time::sleep(delay).await;
        }
        match handled {
            Handled::Reply(reply) => Ok(reply),
            Handled::Drop => Err(TransportError::Unreachable {
                origin: url.origin().ascii_serialization(),
                proxy: None,
                detail: "the connection closed before the reply (fc-local dropped it)".to_owned(),
                request_sent: true,
            }),
        }
    }
}
