//! Function Compute 3.0's layer API as data: the values it accepts, the requests it takes and
//! the replies it gives. Nothing here touches the network; [`crate::client`] sends what this
//! builds, and the local service (`local`) answers with the same types.
//!
//! - [`layer_name`]: the layer names FC accepts.
//! - [`function`]: function names, GetFunction and UpdateFunction (the rollout's calls).
//! - [`qualifier`]: GetFunction at a version or an alias.
//! - [`function_list`]: ListFunctions, for `functions: '*'`.
//! - [`versions`]: a function's versions: PublishFunctionVersion, ListFunctionVersions.
//! - [`alias`]: alias names, GetAlias, CreateAlias and UpdateAlias.
//! - [`limits`]: FC's documented limits (inline size, runtimes, description).
//! - [`runtimes`]: the runtimes FC is known to accept, and what each is made of (language,
//!   Python, Debian, glibc), in one table that the input check and the layer checks read.
//! - [`request`]: each API call as an [`ApiRequest`], ready to sign.
//! - [`reply`]: the [`Layer`] a call returns and the [`ServiceError`] wire type.

pub mod alias;
pub mod function;
pub mod function_list;
pub mod layer_name;
pub mod limits;
pub mod qualifier;
pub mod reply;
pub mod request;
pub mod runtimes;
pub mod versions;

pub use alias::{Alias, AliasName};
pub use function::{Function, FunctionName};
pub use layer_name::LayerName;
pub use qualifier::Qualifier;
pub use reply::{Layer, LayerVersionsPage, ServiceError};
pub use request::{
    API_VERSION, Acl, ApiRequest, Code, CreateLayerVersionInput, InlineCode, OssCode,
    STS_API_VERSION,
};
pub use versions::FunctionVersion;
