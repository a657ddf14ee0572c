//! Releasing a function onto new layers through an alias, as pure plans: whether a new
//! function version is needed ([`choose_version`]), which new version a publish whose reply
//! was lost made ([`adoptable`]), what the alias needs ([`alias_change()`]), which functions
//! `functions: '*'` takes ([`uses_layer`]), and which layer versions functions still run, so
//! that `keep-versions` spares them ([`in_use()`], [`doomed_unless_in_use`]). Nothing here
//! calls FC: the values come in read, and the pipeline makes the calls.
//!
//! - [`plan`]: the version to point at, the version to adopt, the functions to take.
//! - [`mod@alias_change`]: CreateAlias, UpdateAlias or nothing, with a note.
//! - [`mod@in_use`]: the layer's versions in use, and keep-versions sparing them.

pub(crate) mod alias_change;
pub(crate) mod in_use;
pub(crate) mod plan;

pub(crate) use alias_change::{AliasStep, Routing, alias_change};
pub(crate) use in_use::{Place, Spared, Usage, doomed_unless_in_use, in_use};
pub(crate) use plan::{VersionChoice, adoptable, choose_version};
