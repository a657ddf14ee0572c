//! What the regions of one run share besides the zip on disk, so that several regions cost
//! no more memory than one: the inline CreateLayerVersion request, made once (its body, the
//! zip as Base64 inside the JSON, is the same for all of them and the largest thing a run
//! holds), and one slot for a large upload to OSS (whose parts are read into memory).

use std::cell::OnceCell;

use tokio::sync::{Semaphore, SemaphorePermit};

use crate::fc::ApiRequest;
use crate::outcome::Failure;

/// Empty until the first region that publishes inline makes the request; the others take
/// a copy that shares its body (the body is reference-counted `Bytes`).
#[derive(Debug, Default)]
pub(crate) struct InlineBody(OnceCell<ApiRequest>);

impl InlineBody {
    /// The request, made by `make` the first time.
    pub(crate) fn get_or_make(
        &self,
        make: impl FnOnce() -> Result<ApiRequest, Failure>,
    ) -> Result<ApiRequest, Failure> {
        if let Some(request) = self.0.get() {
            return Ok(request.clone());
        }
        let request = make()?;
        // Regions run in one task and the making does not wait, so no other region can
        // have set it in between.
        let _ = self.0.set(request.clone());
        Ok(request)
    }
}

/// A zip at least this large goes up to OSS one region at a time: its parts are held in
/// memory, and an upload this large is bound by the runner's bandwidth, which regions
/// uploading side by side would only share. Smaller uploads, bound by latency, run side by
/// side.
const LARGE_UPLOAD_BYTES: u64 = 8 << 20;

/// The one slot large uploads take in turn.
#[derive(Debug)]
pub(crate) struct UploadSlot(Semaphore);

impl Default for UploadSlot {
    fn default() -> Self {
        Self(Semaphore::new(1))
    }
}

impl UploadSlot {
    /// Waits for the slot when `zip_bytes` is large; `None` (no wait) otherwise.
    pub(crate) async fn take(&self, zip_bytes: u64) -> Option<SemaphorePermit<'_>> {
        if zip_bytes < LARGE_UPLOAD_BYTES {
            return None;
        }
        // Never closed, so the wait cannot fail; were it closed, the upload would go on.
        self.0.acquire().await.ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fc::LayerName;

    #[test]
    fn the_request_is_made_once_and_its_body_shared() {
        let shared = InlineBody::default();
        let name = LayerName::parse("x").expect("name");
        let mut made = 0;
        let mut make = || {
            made += 1;
            let mut request = ApiRequest::list_layer_versions(&name, 1, None);
            request.body = Some(bytes::Bytes::from(vec![7; 1000]));
            Ok(request)
        };
        let first = shared.get_or_make(&mut make).expect("made");
        let second = shared.get_or_make(&mut make).expect("shared");
        assert_eq!(made, 1);
        let (first, second) = (first.body.expect("body"), second.body.expect("body"));
        assert_eq!(first.as_ptr(), second.as_ptr(), "one body in memory");
    }
}
