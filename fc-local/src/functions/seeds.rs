//! What the command line seeds before the first request: functions (`--function`, and
//! `--function-v2` for FC 2.0 ones), their versions (`--function-version`) and aliases
//! (`--alias`).

/// A function that exists before the first request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionSeed {
    pub name: String,
    pub layers: Vec<String>,
}

impl FunctionSeed {
    /// `NAME[:LAYER_ARN,...]`, as `--function` takes it.
    pub fn parse(text: &str) -> Result<Self, String> {
        let (name, layers) = text.split_once(':').unwrap_or((text, ""));
        if name.is_empty() {
            return Err(format!("{text:?} names no function"));
        }
        Ok(Self {
            name: name.to_owned(),
            layers: layers
                .split(',')
                .filter(|arn| !arn.is_empty())
                .map(str::to_owned)
                .collect(),
        })
    }
}

/// A published version of a seeded function, with its layers (`--function-version`): each
/// one adds the function's next version, with the function's other settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionSeed {
    pub(crate) function: String,
    pub(crate) layers: Vec<String>,
}

impl VersionSeed {
    /// `FUNCTION[:LAYER_ARN,...]`, as `--function-version` takes it.
    pub fn parse(text: &str) -> Result<Self, String> {
        let FunctionSeed { name, layers } = FunctionSeed::parse(text)?;
        Ok(Self {
            function: name,
            layers,
        })
    }
}

/// An alias of a seeded function (`--alias`), checked as CreateAlias checks one.
#[derive(Clone, Debug, PartialEq)]
pub struct AliasSeed {
    pub(crate) function: String,
    pub(crate) name: String,
    pub(crate) version_id: String,
    /// The canary: another version and its share of the traffic.
    pub(crate) canary: Option<(String, f64)>,
}

impl AliasSeed {
    /// `FUNCTION:NAME:VERSION[:CANARY=WEIGHT]` (`api:prod:2:3=0.1`), as `--alias` takes it.
    pub fn parse(text: &str) -> Result<Self, String> {
        let parts: Vec<&str> = text.split(':').collect();
        let (function, name, version_id, canary) = match parts.as_slice() {
            [function, name, version] => (function, name, version, None),
            [function, name, version, canary] => (function, name, version, Some(*canary)),
            _ => {
                return Err(format!(
                    "{text:?} is not FUNCTION:NAME:VERSION[:CANARY=WEIGHT]"
                ));
            }
        };
        if function.is_empty() || name.is_empty() || version_id.is_empty() {
            return Err(format!("{text:?} leaves a part empty"));
        }
        let canary = canary
            .map(|canary| {
                let (version, weight) = canary
                    .split_once('=')
                    .ok_or_else(|| format!("canary {canary:?} is not VERSION=WEIGHT"))?;
                let weight: f64 = weight
                    .parse()
                    .map_err(|_| format!("canary weight {weight:?} is not a number"))?;
                Ok::<_, String>((version.to_owned(), weight))
            })
            .transpose()?;
        Ok(Self {
            function: function.to_string(),
            name: name.to_string(),
            version_id: version_id.to_string(),
            canary,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_function_seed_is_a_name_and_its_layers_in_order() {
        let seed = FunctionSeed::parse("api:acs:fc:cn-hangzhou:1:layers/a/versions/1,b").unwrap();
        assert_eq!(seed.name, "api");
        assert_eq!(
            seed.layers,
            ["acs:fc:cn-hangzhou:1:layers/a/versions/1", "b"]
        );
        assert_eq!(
            FunctionSeed::parse("bare").unwrap().layers,
            Vec::<String>::new()
        );
        assert!(FunctionSeed::parse(":x").is_err());
    }

    #[test]
    fn a_version_seed_is_a_function_and_the_version_s_layers() {
        let seed = VersionSeed::parse("api:acs:fc:cn-hangzhou:1:layers/a/versions/2").unwrap();
        assert_eq!(seed.function, "api");
        assert_eq!(seed.layers, ["acs:fc:cn-hangzhou:1:layers/a/versions/2"]);
        assert!(VersionSeed::parse("api").unwrap().layers.is_empty());
        assert!(VersionSeed::parse("").is_err());
    }

    #[test]
    fn an_alias_seed_names_its_function_version_and_canary() {
        let seed = AliasSeed::parse("api:prod:2:3=0.1").unwrap();
        assert_eq!(
            seed,
            AliasSeed {
                function: "api".to_owned(),
                name: "prod".to_owned(),
                version_id: "2".to_owned(),
                canary: Some(("3".to_owned(), 0.1)),
            }
        );
        assert_eq!(AliasSeed::parse("api:prod:2").unwrap().canary, None);
        for bad in [
            "api:prod",
            "api:prod:2:3",
            "api:prod:2:3=x",
            "api::2",
            "a:b:1:2=0.1:x",
        ] {
            assert!(AliasSeed::parse(bad).is_err(), "{bad}");
        }
    }
}
