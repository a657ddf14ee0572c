//! GetFunction at a published version: the `qualifier` query that reads a function's
//! configuration as that version froze it.

use super::function::FunctionName;
use super::request::ApiRequest;
use super::versions::FunctionVersion;

impl ApiRequest {
    /// `GET /2023-03-30/functions/{functionName}?qualifier={version}`: the function's
    /// configuration, layers included, as published in `version`.
    pub(crate) fn get_function_at(name: &FunctionName, version: FunctionVersion) -> Self {
        let mut request = Self::get_function(name);
        request
            .query
            .push(("qualifier".to_owned(), version.to_string()));
        request
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_version_goes_in_the_query() {
        let name = FunctionName::parse("api").expect("valid");
        let seven = FunctionVersion::new(7).expect("positive");
        let version = ApiRequest::get_function_at(&name, seven);
        assert_eq!(
            (version.action, version.method, version.body.is_none()),
            ("GetFunction", "GET", true)
        );
        assert_eq!(
            version.path_and_query(),
            "/2023-03-30/functions/api?qualifier=7"
        );
    }
}
