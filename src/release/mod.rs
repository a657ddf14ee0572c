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

pub mod alias_change;
pub mod in_use;
pub mod plan;

pub use alias_change::{AliasChange, AliasStep, Canary, Routing, alias_change};
pub use in_use::{Place, Spared, Usage, doomed_unless_in_use, in_use};
pub use plan::{Role, VersionChoice, adoptable, choose_version, uses_layer};
