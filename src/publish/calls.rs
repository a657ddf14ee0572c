//! FC calls with the `retries` policy: what failed transiently is sent again after the
//! wait [`crate::retry`] gives, each attempt signed anew. Only for calls that are safe to
//! repeat; the create has its own loop in [`super::versions`].

use std::time::Duration;

use crate::client::{self, ClientError, FcClient};
use crate::fc::{ApiRequest, Layer, LayerName, LayerVersionsPage};
use crate::http::Transport;
use crate::report::Reporter;
use crate::retry;

/// ListLayerVersions asks for this many per page; FC pages with `nextVersion`.
pub const LIST_PAGE_SIZE: u32 = 20;
/// A layer has at most a few thousand versions; past this many pages the service is looping.
const MAX_PAGES: usize = 10_000;

/// The client and how many times a failed call is tried again.
pub struct Calls<'a, T> {
    pub client: &'a FcClient<T>,
    pub retries: u32,
}

impl<T: Transport> Calls<'_, T> {
    /// Sends `request` until it succeeds, fails for good or runs out of retries.
    pub async fn send(
        &self,
        request: &ApiRequest,
        reporter: &mut impl Reporter,
    ) -> Result<Vec<u8>, ClientError> {
        retry::retrying(
            self.retries,
            retry::is_retryable,
            || self.client.send(request.clone()),
            |number, error| self.pause(number, error, reporter),
        )
        .await
    }

    /// [`send`](Self::send), also saying whether an attempt before the last may have been
    /// applied although it failed: a delete retried after a lost reply finds the version
    /// gone, and that was this run's doing.
    pub async fn send_noting_unknown(
        &self,
        request: &ApiRequest,
        reporter: &mut impl Reporter,
    ) -> (Result<Vec<u8>, ClientError>, bool) {
        let mut unknown = false;
        let result = retry::retrying(
            self.retries,
            retry::is_retryable,
            || self.client.send(request.clone()),
            |number, error| {
                unknown |= retry::outcome_unknown(error);
                self.pause(number, error, reporter)
            },
        )
        .await;
        (result, unknown)
    }

    /// How long to wait before retry number `retry`, reported with the failure.
    pub fn pause(&self, retry: u32, error: &ClientError, reporter: &mut impl Reporter) -> Duration {
        let wait = retry::delay(retry, error, retry::jitter());
        reporter.info(&format!(
            "{error}; retry {retry} of {} in {}",
            self.retries,
            seconds(wait)
        ));
        wait
    }

    /// Every version of `layer_name`, all pages; none when the layer does not exist yet.
    pub async fn list_versions(
        &self,
        layer_name: &LayerName,
        reporter: &mut impl Reporter,
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

/// A call made without the FC client (FC 2.0's lender, OSS's HeadObject) under the same
/// `retries` policy, each retry said in the log the way the FC calls say it.
pub async fn retried<R, E, Fut>(
    retries: u32,
    is_retryable: impl Fn(&E) -> bool,
    attempt: impl FnMut() -> Fut,
    reporter: &mut impl Reporter,
) -> Result<R, E>
where
    E: std::fmt::Display,
    Fut: std::future::Future<Output = Result<R, E>>,
{
    retry::retrying(retries, is_retryable, attempt, |number, error| {
        said_pause(retries, number, error, reporter)
    })
    .await
}

/// The backoff before retry `number` of `retries` after `error`, said in the log.
pub fn said_pause(
    retries: u32,
    number: u32,
    error: &impl std::fmt::Display,
    reporter: &mut impl Reporter,
) -> Duration {
    let wait = retry::backoff(number, retry::jitter());
    reporter.info(&format!(
        "{error}; retry {number} of {retries} in {}",
        seconds(wait)
    ));
    wait
}

/// `1.5 s`, for messages.
pub fn seconds(duration: Duration) -> String {
    format!("{:.1} s", duration.as_secs_f64())
}
