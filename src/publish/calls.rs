//! FC calls with the `retries` policy ([`Retries`]): what failed transiently is sent again,
//! each attempt signed anew. Calls that are not idempotent go through
//! [`Retries::create_once`] instead ([`super::versions`]).

use std::time::Duration;

use crate::client::{self, ClientError, FcClient};
use crate::fc::{ApiRequest, Layer, LayerName, LayerVersionsPage};
use crate::http::Transport;
use crate::report::Reporter;
use crate::retry::Retries;

/// ListLayerVersions asks for this many per page; FC pages with `nextVersion`.
const LIST_PAGE_SIZE: u32 = 20;
/// A layer has at most a few thousand versions; past this many pages the service is looping.
const MAX_PAGES: usize = 10_000;

/// The client and how a failed call is tried again.
pub(crate) struct Calls<'a, T> {
    pub(crate) client: &'a FcClient<T>,
    pub(crate) retries: Retries,
}

impl<T: Transport> Calls<'_, T> {
    /// Sends `request` until it succeeds, fails for good or runs out of retries.
    pub(crate) async fn send<R: Reporter + ?Sized>(
        &self,
        request: &ApiRequest,
        reporter: &mut R,
    ) -> Result<Vec<u8>, ClientError> {
        self.retries
            .run(reporter, async |_| self.client.send(request.clone()).await)
            .await
    }

    /// [`send`](Self::send), also saying whether an attempt before the last may have been
    /// applied although it failed ([`Retries::run_noting_unknown`]).
    pub(crate) async fn send_noting_unknown<R: Reporter + ?Sized>(
        &self,
        request: &ApiRequest,
        reporter: &mut R,
    ) -> (Result<Vec<u8>, ClientError>, bool) {
        self.retries
            .run_noting_unknown(reporter, async |_| self.client.send(request.clone()).await)
            .await
    }

    /// Every version of `layer_name`, all pages; none when the layer does not exist yet.
    pub(crate) async fn list_versions<R: Reporter + ?Sized>(
        &self,
        layer_name: &LayerName,
        reporter: &mut R,
    ) -> Result<Vec<Layer>, ClientError> {
        let mut versions = Vec::new();
        let mut start = None;
        for _ in 0..MAX_PAGES {
            let request = ApiRequest::list_layer_versions(layer_name, LIST_PAGE_SIZE, start);
            let page: LayerVersionsPage = match self.send(&request, reporter).await {
                Ok(body) => client::parse(request.action, &body)?,
                Err(ClientError::Service { error, .. }) if error.code == "LayerNotFound" => {
                    return Ok(Vec::new());
                }
                Err(error) => return Err(error),
            };
            for layer in &page.layers {
                layer
                    .check(layer_name)
                    .map_err(|problem| ClientError::InvalidReply {
                        action: request.action,
                        problem: problem.to_string(),
                    })?;
            }
            versions.extend(page.layers);
            match page.next_version {
                // A next page that does not move forward would never end.
                Some(next) if start.is_none_or(|start| next > start) => start = Some(next),
                Some(next) => {
                    return Err(ClientError::InvalidReply {
                        action: request.action,
                        problem: format!(
                            "nextVersion {next} does not move past the page it follows"
                        ),
                    });
                }
                None => return Ok(versions),
            }
        }
        Err(ClientError::InvalidReply {
            action: "ListLayerVersions",
            problem: format!("more than {MAX_PAGES} pages"),
        })
    }
}

/// `1.5 s`, for messages.
pub(crate) fn seconds(duration: Duration) -> String {
    format!("{:.1} s", duration.as_secs_f64())
}
