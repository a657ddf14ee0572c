//! What every region's pipeline reads and none changes: the settings, the zip and its
//! route, the credentials made ready, and the collaborators each call goes through.

use super::inline_body::{InlineBody, UploadSlot};
use super::source::{Route, Source};
use crate::clock::Signing;
use crate::credentials::Credentials;
use crate::inputs::Settings;

/// The regions' common ground, made once before the first region starts.
pub struct Shared<'a, T> {
    pub settings: &'a Settings,
    /// The keys given, or the role's once assumed: the same in every region.
    pub credentials: &'a Credentials,
    pub source: &'a Source,
    pub route: Route,
    /// The inline create's request, made once for every region.
    pub inline: &'a InlineBody,
    /// Taken in turn by large uploads to OSS.
    pub slot: &'a UploadSlot,
    pub transport: &'a T,
    pub signing: &'a Signing,
}
