//! What the command line seeds: functions (`--function`), before the first request.

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
}
