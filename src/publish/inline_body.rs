//! The inline CreateLayerVersion request, made once and shared by every region of a run:
//! its body (the zip as Base64 inside the JSON) is the same for all of them and the largest
//! thing a run holds, so several regions cost no more memory than one.

use std::cell::OnceCell;

use crate::fc::ApiRequest;
use crate::outcome::Failure;

/// Empty until the first region that publishes inline makes the request; the others take
/// a copy that shares its body (the body is reference-counted `Bytes`).
#[derive(Debug, Default)]
pub struct InlineBody(OnceCell<ApiRequest>);

impl InlineBody {
    /// The request, made by `make` the first time.
    pub fn get_or_make(
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
