//! Which configuration of a function GetFunction reads: LATEST, a published version, or the
//! version an alias points at (its main one).

use std::fmt;

use super::alias::{AliasName, LATEST};
use super::function::FunctionName;
use super::request::ApiRequest;
use super::versions::FunctionVersion;

/// GetFunction's `qualifier`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Qualifier {
    /// The function as it is now, what a new version would snapshot.
    Latest,
    Version(FunctionVersion),
    Alias(AliasName),
}

impl Qualifier {
    /// The query value; `None` for LATEST, which is what FC reads when none is given, so that
    /// the request equals [`ApiRequest::get_function`]'s.
    pub fn query_value(&self) -> Option<String> {
        match self {
            Qualifier::Latest => None,
            Qualifier::Version(version) => Some(version.to_string()),
            Qualifier::Alias(alias) => Some(alias.as_str().to_owned()),
        }
    }
}

impl fmt::Display for Qualifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Qualifier::Latest => f.write_str(LATEST),
            Qualifier::Version(version) => write!(f, "version {version}"),
            Qualifier::Alias(alias) => write!(f, "alias {alias}"),
        }
    }
}

impl ApiRequest {
    /// `GET /2023-03-30/functions/{functionName}?qualifier=…`: the function's configuration,
    /// layers included, at `qualifier`.
    pub fn get_function_at(name: &FunctionName, qualifier: &Qualifier) -> Self {
        let mut request = Self::get_function(name);
        if let Some(value) = qualifier.query_value() {
            request.query.push(("qualifier".to_owned(), value));
        }
        request
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_qualifier_goes_in_the_query_and_latest_sends_none() {
        let name = FunctionName::parse("api").expect("valid");
        let latest = ApiRequest::get_function_at(&name, &Qualifier::Latest);
        assert_eq!(latest, ApiRequest::get_function(&name));
        let seven = FunctionVersion::new(7).expect("positive");
        let version = ApiRequest::get_function_at(&name, &Qualifier::Version(seven));
        assert_eq!(
            (version.action, version.method, version.body.is_none()),
            ("GetFunction", "GET", true)
        );
        assert_eq!(
            version.path_and_query(),
            "/2023-03-30/functions/api?qualifier=7"
        );
        let alias = AliasName::parse("prod").expect("valid");
        let aliased = ApiRequest::get_function_at(&name, &Qualifier::Alias(alias));
        assert_eq!(
            aliased.path_and_query(),
            "/2023-03-30/functions/api?qualifier=prod"
        );
        assert_eq!(Qualifier::Version(seven).to_string(), "version 7");
        assert_eq!(Qualifier::Latest.to_string(), "LATEST");
    }
}
