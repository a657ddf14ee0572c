//! Function Compute 3.0's layer API as data: the values it accepts, the requests it takes and
//! the replies it gives. Nothing here touches the network; [`crate::client`] sends what this
//! builds, and the local service (`local`) answers with the same types.
//!
//! - [`layer_name`]: the layer names FC accepts.
//! - [`function`]: function names, GetFunction and UpdateFunction (the rollout's calls).
//! - [`qualifier`]: GetFunction at a published version.
//! - [`function_list`]: ListFunctions, for `functions: '*'`.
//! - [`versions`]: a function's versions: PublishFunctionVersion, ListFunctionVersions.
//! - [`alias`]: alias names, GetAlias, CreateAlias and UpdateAlias.
//! - [`limits`]: FC's documented limits (inline size, runtimes, description).
//! - [`runtimes`]: the runtimes FC is known to accept, and what each is made of (language,
//!   Python, Debian, glibc), in one table that the input check and the layer checks read.
//! - [`regions`]: the regions FC 3.0 is known to run in, for a warning on a typo.
//! - [`request`]: each API call as an [`ApiRequest`], ready to sign.
//! - [`reply`]: the [`Layer`] a call returns and the [`ServiceError`] wire type.

pub(crate) mod alias;
pub mod function;
pub(crate) mod function_list;
mod layer_name;
pub mod limits;
mod qualifier;
pub(crate) mod regions;
mod reply;
mod request;
pub mod runtimes;
pub(crate) mod versions;

pub(crate) use alias::{Alias, AliasName};
pub use function::{Function, FunctionName};
pub use layer_name::LayerName;
pub use reply::{Layer, LayerVersionsPage, ServiceError};
pub(crate) use request::OssCode;
pub use request::{
    API_VERSION, Acl, ApiRequest, Code, CreateLayerVersionInput, InlineCode, STS_API_VERSION,
};
pub(crate) use versions::FunctionVersion;
