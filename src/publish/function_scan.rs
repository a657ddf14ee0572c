//! The region's functions and the layers their LATEST uses: ListFunctions, every page, and
//! GetFunction for a function listed without `layers` (FC documents that ListFunctions may
//! return a subset of the fields). `functions: '*'` takes those that use this layer;
//! `keep-versions` spares the versions they use. Also a published version's layers.

use super::calls::Calls;
use crate::client::{self, ClientError};
use crate::fc::function_list::{FC_VERSION_3, FunctionsPage, MAX_FUNCTIONS_PER_PAGE};
use crate::fc::{ApiRequest, Function, FunctionName, FunctionVersion};
use crate::http::Transport;
use crate::release::plan::uses_layer;
use crate::report::Reporter;
use crate::rollout::LayerFamily;

/// A region has at most a few thousand functions; past this many pages FC is looping.
const MAX_PAGES: usize = 1_000;

/// Which functions ListFunctions is asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Generation {
    /// FC 3.0's only (`fcVersion=v3`): those a layer of FC 3.0 can be rolled out to.
    V3,
    /// FC 2.0's and 3.0's alike: any of them may run a version of the layer.
    Any,
}

/// Every function of the region with its LATEST's layers, in the order listed.
pub(crate) async fn every_function<T: Transport, R: Reporter + ?Sized>(
    calls: &Calls<'_, T>,
    generation: Generation,
    reporter: &mut R,
) -> Result<Vec<(FunctionName, Vec<String>)>, ClientError> {
    let fc_version = match generation {
        Generation::V3 => Some(FC_VERSION_3),
        Generation::Any => None,
    };
    let mut found = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let request =
            ApiRequest::list_functions(MAX_FUNCTIONS_PER_PAGE, token.as_deref(), fc_version);
        let body = calls.send(&request, reporter).await?;
        let page: FunctionsPage = client::parse(request.action, &body)?;
        for listed in &page.functions {
            let name = listed.name().map_err(|problem| ClientError::InvalidReply {
                action: request.action,
                problem: problem.to_string(),
            })?;
            let layers = match &listed.layers {
                Some(_) => listed.layer_arns(),
                None => layers_of(calls, &name, None, reporter).await?,
            };
            found.push((name, layers));
        }
        match page.next_token() {
            // A token that does not move on would never end.
            Some(next) if token.as_deref() != Some(next) => token = Some(next.to_owned()),
            Some(next) => {
                return Err(ClientError::InvalidReply {
                    action: request.action,
                    problem: format!("nextToken {next:?} repeats the page it follows"),
                });
            }
            None => return Ok(found),
        }
    }
    Err(ClientError::InvalidReply {
        action: "ListFunctions",
        problem: format!("more than {MAX_PAGES} pages"),
    })
}

/// `functions: '*'`: the FC 3.0 functions whose LATEST uses a version of the layer of
/// `family`; none when the layer has no version yet (`family` is `None`), since then no
/// function can use it.
pub(crate) async fn using_layer<T: Transport, R: Reporter + ?Sized>(
    calls: &Calls<'_, T>,
    family: Option<&LayerFamily>,
    reporter: &mut R,
) -> Result<Vec<FunctionName>, ClientError> {
    let Some(family) = family else {
        reporter.warning("functions: '*': the layer has no version yet, so no function uses it");
        return Ok(Vec::new());
    };
    let every = every_function(calls, Generation::V3, reporter).await?;
    let total = every.len();
    let using: Vec<FunctionName> = every
        .into_iter()
        .filter(|(_, layers)| uses_layer(layers, family))
        .map(|(name, _)| name)
        .collect();
    if using.is_empty() {
        reporter.warning(&format!(
            "functions: '*': none of the region's {total} function(s) uses a version of this layer"
        ));
    } else {
        let names: Vec<&str> = using.iter().map(FunctionName::as_str).collect();
        reporter.info(&format!(
            "functions: '*': {} of the region's {total} function(s) use this layer: {}",
            using.len(),
            names.join(", ")
        ));
    }
    Ok(using)
}

/// The layers of `name`: its LATEST, or as published in version `at` (GetFunction with that
/// qualifier).
pub(super) async fn layers_of<T: Transport, R: Reporter + ?Sized>(
    calls: &Calls<'_, T>,
    name: &FunctionName,
    at: Option<FunctionVersion>,
    reporter: &mut R,
) -> Result<Vec<String>, ClientError> {
    let request = match at {
        None => ApiRequest::get_function(name),
        Some(version) => ApiRequest::get_function_at(name, version),
    };
    let body = calls.send(&request, reporter).await?;
    let function: Function = client::parse(request.action, &body)?;
    Ok(function.layer_arns())
}
