//! The regions a step publishes to: the one `region` names, or each that `regions` lists.
//! What every region shares is parsed once (in `super`); each region then overlays its own
//! FC endpoint and OSS locations, `{region}` replaced in `endpoint`, `oss-endpoint` and
//! `oss-bucket`, so each region's locations are checked like a single region's, before any
//! request.

use super::error::{InputError, check};
use super::oss::{RegionOss, SharedOss};
use super::raw::RawInputs;
use crate::cloud::Region;
use crate::endpoint::Endpoint;
use crate::inputs::locations::Staging;
use crate::interface::Input;
use crate::oss_names::ObjectRef;

/// The region to use when the `region` input is unset.
pub(crate) const ENV_REGION: &str = "ALIBABA_CLOUD_REGION_ID";

/// Where a region goes in the inputs that may differ per region.
const REGION_PLACEHOLDER: &str = "{region}";

/// The most regions `regions` may list: FC is in fewer than that, so a longer list is a
/// mistake, and each region costs its own calls and a share of the outputs.
const MAX_REGIONS: usize = 30;

/// The inputs whose `{region}` is replaced.
const PER_REGION: [Input; 3] = [Input::Endpoint, Input::OssEndpoint, Input::OssBucket];

/// Where the region ids came from, for messages that name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RegionFrom {
    Region,
    Regions,
    /// [`ENV_REGION`], with `region` and `regions` unset.
    Variable,
}

impl std::fmt::Display for RegionFrom {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Region => write!(f, "input `{}`", Input::Region),
            Self::Regions => write!(f, "input `{}`", Input::Regions),
            Self::Variable => f.write_str(ENV_REGION),
        }
    }
}

/// Where a region's FC endpoint came from, for messages about its host.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EndpointFrom {
    /// `endpoint`; `templated` when it held `{region}`.
    Endpoint { templated: bool },
    /// The region's own FC host, the region named there.
    Region(RegionFrom),
}

impl EndpointFrom {
    /// Whether the host was made from a region, which a typo in it would break.
    pub(crate) fn has_region(self) -> bool {
        !matches!(self, Self::Endpoint { templated: false })
    }
}

impl std::fmt::Display for EndpointFrom {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Endpoint { .. } => write!(f, "input `{}`", Input::Endpoint),
            Self::Region(from) => from.fmt(f),
        }
    }
}

/// Which regions the inputs name, read before anything that depends on them.
pub(super) struct RegionChoice {
    /// `regions` named them: the step then names the region in its log, failures and
    /// summary, and writes the outputs by region.
    listed: bool,
    /// A region was given (`regions`, `region` or [`ENV_REGION`]), valid or not.
    pub(crate) given: bool,
    /// Those that are valid: one at most unless listed.
    regions: Vec<Region>,
    pub(crate) from: RegionFrom,
}

/// What the step publishes to: one region or more, never none.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Regions {
    listed: bool,
    each: Vec<RegionTarget>,
}

/// One region's FC endpoint and OSS route, overlaid on what every region shares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegionTarget {
    /// `None` only with `region` unset and `endpoint` given.
    pub(crate) region: Option<Region>,
    pub endpoint: Endpoint,
    pub(crate) endpoint_from: EndpointFrom,
    pub staging: Staging,
}

impl RegionTarget {
    /// The region's id, or the endpoint's host when only `endpoint` named it: what the log,
    /// the failures and the summary call it.
    pub(crate) fn name(&self) -> String {
        match &self.region {
            Some(region) => region.to_string(),
            None => self.endpoint.host().to_owned(),
        }
    }
}

impl Regions {
    /// Whether `regions` listed them (even one).
    pub(crate) fn listed(&self) -> bool {
        self.listed
    }

    /// The first region, whose outputs are the single-region ones.
    pub fn first(&self) -> &RegionTarget {
        // Never empty: built only by `targets`, which refuses an empty list.
        &self.each[0]
    }

    pub(crate) fn iter(&self) -> std::slice::Iter<'_, RegionTarget> {
        self.each.iter()
    }
}

impl RegionChoice {
    /// `regions`, else `region`, else [`ENV_REGION`]; a problem is recorded in `errors`.
    pub(crate) fn read(
        raw: &RawInputs,
        env: &dyn Fn(&str) -> Option<String>,
        errors: &mut Vec<InputError>,
    ) -> Self {
        if let Some(listed) = raw.text(Input::Regions) {
            return Self::listed(raw, listed, errors);
        }
        let from = match raw.text(Input::Region) {
            Some(_) => RegionFrom::Region,
            None => RegionFrom::Variable,
        };
        let text = raw
            .text(Input::Region)
            .map(str::to_owned)
            .or_else(|| env(ENV_REGION));
        if text.is_none() {
            for input in PER_REGION {
                if raw
                    .text(input)
                    .is_some_and(|text| text.contains(REGION_PLACEHOLDER))
                {
                    errors.push(InputError::new(
                        input,
                        format!(
                            "holds `{REGION_PLACEHOLDER}`, but no region is given (`{}`, `{}` or {ENV_REGION})",
                            Input::Region,
                            Input::Regions
                        ),
                    ));
                }
            }
        }
        Self {
            listed: false,
            given: text.is_some(),
            regions: text
                .and_then(|text| check(Input::Region, Region::parse(text.trim()), errors))
                .into_iter()
                .collect(),
            from,
        }
    }

    fn listed(raw: &RawInputs, listed: &str, errors: &mut Vec<InputError>) -> Self {
        if raw.text(Input::Region).is_some() {
            errors.push(InputError::new(
                Input::Regions,
                format!(
                    "cannot be used together with `{}`: give one region as `{}` or several as `{}`",
                    Input::Region,
                    Input::Region,
                    Input::Regions
                ),
            ));
        }
        let regions = parse_regions(listed, errors);
        let object = raw
            .text(Input::Code)
            .is_some_and(|code| ObjectRef::parse(code.trim()).is_some());
        if object && regions.len() > 1 {
            errors.push(InputError::new(
                Input::Code,
                format!(
                    "an oss:// object is in one region and FC takes objects from its own region only, so it cannot be published to {} regions; give a directory or a zip",
                    regions.len()
                ),
            ));
        }
        Self {
            listed: true,
            given: true,
            regions,
            from: RegionFrom::Regions,
        }
    }

    /// Every valid region named, in order.
    pub(crate) fn named(&self) -> &[Region] {
        &self.regions
    }

    /// The first region given, which the role is assumed through and an OSS object is in.
    pub(crate) fn first(&self) -> Option<&Region> {
        self.regions.first()
    }

    /// The text of `input` for `region`, `{region}` replaced.
    pub(crate) fn text_for(
        raw: &RawInputs,
        input: Input,
        region: Option<&Region>,
    ) -> Option<String> {
        let text = raw.text(input)?;
        Some(match region {
            Some(region) if PER_REGION.contains(&input) => {
                text.replace(REGION_PLACEHOLDER, region.as_str())
            }
            _ => text.to_owned(),
        })
    }

    /// Each region's endpoint and OSS route over what they share; `None` when any is
    /// missing, which is an input error already unless `offline` (a dry run given no
    /// credentials, which needs no location).
    pub(crate) fn targets(
        &self,
        raw: &RawInputs,
        oss: &SharedOss,
        offline: bool,
        errors: &mut Vec<InputError>,
    ) -> Option<Regions> {
        let regions: Vec<Option<&Region>> = match (self.listed, self.first()) {
            (true, _) => self.regions.iter().map(Some).collect(),
            (false, region) => vec![region],
        };
        let mut each = Vec::new();
        for region in regions {
            let text = |input| Self::text_for(raw, input, region);
            let endpoint = self.endpoint(text(Input::Endpoint), region, offline, errors);
            let endpoint_from = match raw.text(Input::Endpoint) {
                Some(given) => EndpointFrom::Endpoint {
                    templated: given.contains(REGION_PLACEHOLDER),
                },
                None => EndpointFrom::Region(self.from),
            };
            let regional = RegionOss::parse(text, errors);
            let given_endpoint = endpoint
                .as_ref()
                .filter(|_| raw.text(Input::Endpoint).is_some());
            let staging = oss.staging(&regional, region, given_endpoint);
            if let (Some(endpoint), Some(staging)) = (endpoint, staging) {
                each.push(RegionTarget {
                    region: region.cloned(),
                    endpoint,
                    endpoint_from,
                    staging,
                });
            }
        }
        let complete = !each.is_empty() && (!self.listed || each.len() == self.regions.len());
        complete.then_some(Regions {
            listed: self.listed,
            each,
        })
    }

    /// FC's endpoint in `region`: `endpoint` (its text for the region), or the region's own.
    fn endpoint(
        &self,
        text: Option<String>,
        region: Option<&Region>,
        offline: bool,
        errors: &mut Vec<InputError>,
    ) -> Option<Endpoint> {
        match (text, region) {
            (Some(text), _) => check(Input::Endpoint, Endpoint::parse(text.trim()), errors),
            (None, Some(region)) => Some(Endpoint::fc_for_region(region)),
            // A region given but not valid is reported already.
            (None, None) if offline || self.given => None,
            (None, None) => {
                errors.push(InputError::new(
                    Input::Region,
                    format!("is required (or set {ENV_REGION}, or give `endpoint`)"),
                ));
                None
            }
        }
    }
}

/// The `regions` list: commas, spaces or newlines between ids; a repeat is refused, since
/// it is more likely a typo for another region than meant.
fn parse_regions(text: &str, errors: &mut Vec<InputError>) -> Vec<Region> {
    let ids = || {
        text.split(|c: char| c == ',' || c.is_whitespace())
            .filter(|id| !id.is_empty())
    };
    let count = ids().count();
    if count > MAX_REGIONS {
        errors.push(InputError::new(
            Input::Regions,
            format!("lists {count} regions; the most is {MAX_REGIONS} (FC is in fewer regions than that)"),
        ));
        return Vec::new();
    }
    let mut regions: Vec<Region> = Vec::new();
    for id in ids() {
        match Region::parse(id) {
            Ok(region) if regions.contains(&region) => errors.push(InputError::new(
                Input::Regions,
                format!("lists {region} twice; list each region once"),
            )),
            Ok(region) => regions.push(region),
            Err(problem) => errors.push(InputError::new(Input::Regions, problem.to_string())),
        }
    }
    if regions.is_empty() && errors.is_empty() {
        errors.push(InputError::new(Input::Regions, "lists no region"));
    }
    regions
}
#[cfg(test)]
mod tests {
    use super::*;

    fn listed(text: &str) -> (Vec<String>, Vec<String>) {
        let mut errors = Vec::new();
        let regions = parse_regions(text, &mut errors);
        (
            regions.iter().map(ToString::to_string).collect(),
            errors.iter().map(ToString::to_string).collect(),
        )
    }

    #[test]
    fn at_most_30_regions_are_listed() {
        let thirty: Vec<String> = (0..30).map(|index| format!("cn-r{index}")).collect();
        let (regions, errors) = listed(&thirty.join(","));
        assert_eq!(regions.len(), 30, "{errors:?}");
        let (regions, errors) = listed(&format!("{},cn-r30", thirty.join("\n")));
        assert!(regions.is_empty());
        assert_eq!(
            errors,
            [
                "input `regions`: lists 31 regions; the most is 30 (FC is in fewer regions than that)"
            ]
        );
    }

    #[test]
    fn regions_split_on_commas_spaces_and_newlines_in_order() {
        let (regions, errors) = listed("cn-hangzhou, cn-beijing\n ap-southeast-1,,");
        assert_eq!(regions, ["cn-hangzhou", "cn-beijing", "ap-southeast-1"]);
        assert!(errors.is_empty(), "{errors:?}");
    }

    #[test]
    fn repeats_bad_ids_and_an_empty_list_are_refused_by_name() {
        let (_, errors) = listed("cn-hangzhou cn-beijing cn-hangzhou");
        assert_eq!(
            errors,
            ["input `regions`: lists cn-hangzhou twice; list each region once"]
        );
        let (_, errors) = listed("cn-hangzhou, CN_Beijing");
        assert_eq!(errors.len(), 1);
        assert!(
            errors[0].starts_with("input `regions`: \"CN_Beijing\""),
            "{errors:?}"
        );
        let (_, errors) = listed(" , ");
        assert_eq!(errors, ["input `regions`: lists no region"]);
    }
}
