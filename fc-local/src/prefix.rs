//! Several regions on one service: a path prefix before the API's own path
//! (`/cn-beijing/2023-03-30/layers/…`) selects a state of its own, so that tests point every
//! region at one service as `http://127.0.0.1:PORT/{region}`. The signature is checked over
//! the path as it arrived, prefix included; only the routing drops it.

/// The first segments of the FC 3.0 and FC 2.0 paths.
const API_ROOTS: [&str; 2] = ["/2023-03-30/", "/2016-08-15/"];
/// The unsigned view of what the service holds.
pub(crate) const STATE_PATH: &str = "/_local/state";

/// `path` as a prefix (`""` or `/a/b`) and the path the API routes on. FC 3.0 and FC 2.0
/// paths are known by their version segment, STS's is `/`, the state view's
/// [`STATE_PATH`]. An OSS path (`/bucket/key`) says nothing of where a prefix ends, so its
/// prefix is the longest of `known` (those seen on the other calls) that it starts with.
pub(crate) fn split<'p>(path: &'p str, oss: bool, known: &[&str]) -> (&'p str, &'p str) {
    if oss {
        let prefix = known
            .iter()
            .filter(|prefix| !prefix.is_empty())
            .filter(|prefix| {
                path.strip_prefix(**prefix)
                    .is_some_and(|rest| rest.starts_with('/'))
            })
            .max_by_key(|prefix| prefix.len());
        return match prefix {
            Some(prefix) => path.split_at(prefix.len()),
            None => ("", path),
        };
    }
    if let Some(at) = API_ROOTS.iter().find_map(|root| path.find(root)) {
        return path.split_at(at);
    }
    if let Some(prefix) = path.strip_suffix(STATE_PATH) {
        return (prefix, STATE_PATH);
    }
    match path.strip_suffix('/') {
        Some(prefix) => (prefix, "/"),
        None => ("", path),
    }
}

/// The region a prefix names (`/cn-beijing` → `cn-beijing`), which its ARNs carry; `None`
/// for no prefix or one that is not a region id.
pub(crate) fn region(prefix: &str) -> Option<&str> {
    let name = prefix.strip_prefix('/')?;
    fc_layer_action::cloud::Region::parse(name)
        .ok()
        .map(|_| name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_api_paths_end_a_prefix() {
        let cases = [
            (
                "/2023-03-30/layers/x/versions",
                ("", "/2023-03-30/layers/x/versions"),
            ),
            (
                "/cn-beijing/2023-03-30/layers/x/versions",
                ("/cn-beijing", "/2023-03-30/layers/x/versions"),
            ),
            (
                "/a/b/2016-08-15/tempBucketToken",
                ("/a/b", "/2016-08-15/tempBucketToken"),
            ),
            ("/cn-beijing/", ("/cn-beijing", "/")),
            ("/", ("", "/")),
            ("/cn-beijing/_local/state", ("/cn-beijing", "/_local/state")),
        ];
        for (path, expected) in cases {
            assert_eq!(split(path, false, &[]), expected, "{path}");
        }
    }

    #[test]
    fn an_oss_path_has_only_a_prefix_already_known() {
        let known = ["", "/cn-beijing", "/cn-beijing/x"];
        assert_eq!(split("/bucket/k.zip", true, &known), ("", "/bucket/k.zip"));
        assert_eq!(
            split("/cn-beijing/bucket/k.zip", true, &known),
            ("/cn-beijing", "/bucket/k.zip")
        );
        assert_eq!(
            split("/cn-beijing/x/bucket/k", true, &known),
            ("/cn-beijing/x", "/bucket/k")
        );
        assert_eq!(
            split("/cn-beijingx/k", true, &known),
            ("", "/cn-beijingx/k")
        );
    }

    #[test]
    fn a_prefix_that_is_a_region_id_names_the_region() {
        assert_eq!(region("/cn-beijing"), Some("cn-beijing"));
        assert_eq!(region(""), None);
        assert_eq!(region("/a/b"), None);
    }
}
