//! The regions a step publishes to: the one `region` names, or each that `regions` lists,
//! with the settings of each. `{region}` in `endpoint`, `oss-endpoint` and `oss-bucket` is
//! replaced by the region before those inputs are parsed, so each region's locations are
//! checked like a single region's, before any request.

use std::path::Path;

use super::{ENV_REGION, InputError, RawInputs, Settings};
use crate::cloud::Region;
use crate::credentials::Masker;
use crate::interface::Input;
use crate::oss_names::ObjectRef;

/// Where a region goes in the inputs that may differ per region.
pub const REGION_PLACEHOLDER: &str = "{region}";

/// The inputs whose `{region}` is replaced.
const PER_REGION: [Input; 3] = [Input::Endpoint, Input::OssEndpoint, Input::OssBucket];

/// What the step publishes to: never empty.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Targets {
    /// Whether `regions` listed them: the step then runs them side by side and names the
    /// region in its log, failures and summary.
    pub listed: bool,
    pub each: Vec<Target>,
}

/// One region and everything its publish needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// `None` only with `region` unset and `endpoint` given.
    pub region: Option<Region>,
    pub settings: Settings,
}

impl Targets {
    /// [`Settings::parse`] for each region; an error that every region shares is reported
    /// once.
    pub fn parse(
        raw: RawInputs,
        env: impl Fn(&str) -> Option<String>,
        working_dir: &Path,
        masker: &mut dyn Masker,
    ) -> Result<Self, Vec<InputError>> {
        let Some(listed) = raw.text(Input::Regions).map(str::to_owned) else {
            return single(raw, &env, working_dir, masker);
        };
        let mut errors = Vec::new();
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
        let regions = parse_regions(&listed, &mut errors);
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
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut each = Vec::new();
        for region in regions {
            let raw =
                for_region(raw.clone(), &region).with_text(Input::Region, Some(region.to_string()));
            match Settings::parse(raw, &env, working_dir, masker) {
                Ok(settings) => each.push(Target {
                    region: Some(region),
                    settings,
                }),
                Err(region_errors) => errors.extend(region_errors),
            }
        }
        finish(each, errors, true)
    }

    /// The first region listed, whose outputs are the single-region ones.
    pub fn first(&self) -> &Target {
        &self.each[0]
    }
}

/// `region` (or [`ENV_REGION`]), with `{region}` replaced when the region is known.
fn single(
    raw: RawInputs,
    env: &impl Fn(&str) -> Option<String>,
    working_dir: &Path,
    masker: &mut dyn Masker,
) -> Result<Targets, Vec<InputError>> {
    let text = raw
        .text(Input::Region)
        .map(str::to_owned)
        .or_else(|| env(ENV_REGION).filter(|text| !text.trim().is_empty()));
    let region = text
        .as_deref()
        .and_then(|text| Region::parse(text.trim()).ok());
    let mut errors = Vec::new();
    let raw = match (&region, &text) {
        (Some(region), _) => for_region(raw, region),
        // A region given but not valid is reported by Settings::parse.
        (None, Some(_)) => raw,
        (None, None) => {
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
            raw
        }
    };
    let each = match Settings::parse(raw, env, working_dir, masker) {
        Ok(settings) => vec![Target { region, settings }],
        Err(parse_errors) => {
            errors.extend(parse_errors);
            Vec::new()
        }
    };
    finish(each, errors, false)
}

fn finish(
    each: Vec<Target>,
    errors: Vec<InputError>,
    listed: bool,
) -> Result<Targets, Vec<InputError>> {
    if errors.is_empty() && !each.is_empty() {
        return Ok(Targets { listed, each });
    }
    // Every region sees the same inputs but for its own name, so most errors come once per
    // region; each is reported once, in the order the inputs are declared.
    let mut unique: Vec<InputError> = Vec::new();
    for error in errors {
        if !unique.contains(&error) {
            unique.push(error);
        }
    }
    unique.sort_by_key(|error| error.input);
    Err(unique)
}

/// The `regions` list: commas, spaces or newlines between ids; a repeat is refused, since
/// it is more likely a typo for another region than meant.
pub fn parse_regions(text: &str, errors: &mut Vec<InputError>) -> Vec<Region> {
    let mut regions: Vec<Region> = Vec::new();
    for id in text.split(|c: char| c == ',' || c.is_whitespace()) {
        if id.is_empty() {
            continue;
        }
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

/// `raw` with `{region}` replaced by `region` in the inputs that may hold it.
fn for_region(raw: RawInputs, region: &Region) -> RawInputs {
    PER_REGION.into_iter().fold(raw, |raw, input| {
        let text = raw
            .text(input)
            .map(|text| text.replace(REGION_PLACEHOLDER, region.as_str()));
        raw.with_text(input, text)
    })
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
