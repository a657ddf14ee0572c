//! What every region's pipeline reads and none changes: the settings, the zip and its
//! route, the credentials made ready, and the collaborators each call goes through.

use super::inline_body::{InlineBody, UploadSlot};
use super::overlap::Uploaded;
use super::source::{Route, Source};
use crate::clock::Signing;
use crate::credentials::Credentials;
use crate::inputs::Settings;

/// The regions' common ground, made once before the first region starts.
pub(crate) struct Shared<'a, T> {
    pub(crate) settings: &'a Settings,
    /// The keys given, or the role's once assumed: the same in every region.
    pub(crate) credentials: &'a Credentials,
    pub(crate) source: &'a Source,
    pub(crate) route: Route,
    /// Where the zip went up as it was packaged, when it did: nothing left to upload.
    pub(crate) uploaded: Option<&'a Uploaded>,
    /// The inline create's request, made once for every region.
    pub(crate) inline: &'a InlineBody,
    /// Taken in turn by large uploads to OSS.
    pub(crate) slot: &'a UploadSlot,
    pub(crate) transport: &'a T,
    pub(crate) signing: &'a Signing,
}
