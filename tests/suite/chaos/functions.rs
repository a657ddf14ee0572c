//! The functions of a round and what #23 does with them, drawn from the seed: each
//! function's layers, its published versions and its alias before the round; `alias` and
//! `alias-weight`; `functions: '*'`; functions not moved (FC 2.0's and 3.0's) whose LATEST
//! uses older versions of the layer, which `keep-versions` must spare; and the faults on
//! the calls of #23. All of #23's draw comes from a stream of its own, so a seed drawn
//! before it still draws the same layers, faults and scenario otherwise.

use std::time::Duration;

use fc_local::functions::{AliasSeed, FlakyUpdate, FunctionSeed, FunctionsConfig, VersionSeed};

use super::schedule::{Call, Fault, Rng, Scenario, Schedule};

/// The alias the action is asked to move.
pub const ALIAS: &str = "live";
/// The account of the round's layer, as fc-local names it.
const ACCOUNT: &str = "1234567890123456";

/// Another account's layer and FC's own, which a rollout must leave where they are.
pub const OTHER_LAYERS: [&str; 2] = [
    "acs:fc:cn-hangzhou:official:layers/Python310/versions/2",
    "acs:fc:cn-hangzhou:999999999:layers/chaos-layer/versions/4",
];

/// The ARN prefix of this layer's versions in `region`.
pub fn ours(region: &str) -> String {
    format!("acs:fc:{region}:{ACCOUNT}:layers/chaos-layer/versions/")
}

/// `list` with `arn` put in: in place of the first version of this layer (later ones
/// dropped), or appended; what the rollout makes of a function's layers.
pub fn planned(list: &[String], arn: &str, ours: &str) -> Vec<String> {
    let mut list = list.to_vec();
    match list.iter().position(|layer| layer.starts_with(ours)) {
        Some(first) => {
            list[first] = arn.to_owned();
            let mut index = 0;
            list.retain(|layer| {
                index += 1;
                index - 1 <= first || !layer.starts_with(ours)
            });
        }
        None => list.push(arn.to_owned()),
    }
    list
}

/// A function the service holds at the start of a round.
#[derive(Clone, Debug, Default)]
pub struct Function {
    pub name: String,
    pub layers: Vec<String>,
    /// Its updates end `Failed`.
    pub fails: bool,
    /// Its first update ends `Failed` with the new layers left listed; later ones go
    /// through ([`super::mid_update`]).
    pub flaky: bool,
    /// Its published versions, oldest first (ids from 1): each one's layers.
    pub versions: Vec<Vec<String>>,
    /// [`ALIAS`] before the round: its main version, and a canary (version, share).
    pub alias: Option<(u32, Option<(u32, f64)>)>,
    /// An FC 2.0 function (ListFunctions with `fcVersion=v3` leaves it out).
    pub fc2: bool,
}

/// What the round asks of #23.
#[derive(Clone, Debug, Default)]
pub struct Release {
    /// `alias: live` with this `alias-weight`.
    pub alias_weight: Option<u8>,
    /// `functions: '*'` instead of the functions' names.
    pub every_using: bool,
    /// Functions the round does not move, whose LATEST uses an older version.
    pub bystanders: Vec<Function>,
}

impl Function {
    /// A function named `name` with this layer's versions up to `seeded_versions`.
    pub fn draw(rng: &mut Rng, name: &str, seeded_versions: u32) -> Function {
        let own = |version: u64| format!("{}{version}", ours("cn-hangzhou"));
        let mut layers: Vec<String> = Vec::new();
        for other in OTHER_LAYERS {
            if rng.chance(40) {
                layers.push(other.to_owned());
            }
        }
        if seeded_versions > 0 && rng.chance(60) {
            let at = rng.below(layers.len() as u64 + 1) as usize;
            layers.insert(at, own(1 + rng.below(u64::from(seeded_versions))));
        }
        // Five layers already, none of this one: a sixth is refused, and nothing is sent.
        if rng.chance(8) {
            layers = (1..=5)
                .map(|n| format!("acs:fc:cn-hangzhou:{ACCOUNT}:layers/other-{n}/versions/1"))
                .collect();
        }
        Function {
            name: name.to_owned(),
            layers,
            fails: rng.chance(8),
            ..Function::default()
        }
    }

    /// Versions and an alias: a version of the LATEST it has, of other layers, of an older
    /// version of this layer; the alias on one, a canary on another. Now and then a version
    /// already of the list the round's first new version makes (`next` names it), not the
    /// newest (publishing again would be no "No changes" refusal), routed to by the alias.
    fn draw_versions(&mut self, rng: &mut Rng, seeded: u32, next: &str) {
        let own = ours("cn-hangzhou");
        for _ in 0..rng.below(4) {
            let layers = match rng.below(5) {
                0 | 1 => self.layers.clone(),
                2 => vec![OTHER_LAYERS[0].to_owned()],
                _ => vec![format!("{own}{}", 1 + rng.below(u64::from(seeded.max(1))))],
            };
            self.versions.push(layers);
        }
        let ready = (self.layers.len() < 5 && rng.chance(35)).then(|| {
            let at = rng.below(self.versions.len() as u64 + 1) as usize;
            self.versions.insert(at, planned(&self.layers, next, &own));
            if at + 1 == self.versions.len() {
                self.versions.push(self.layers.clone());
            }
            at as u32 + 1
        });
        let count = self.versions.len() as u64;
        if count == 0 || !rng.chance(70) {
            return;
        }
        let mut main = 1 + rng.below(count) as u32;
        if let Some(ready) = ready.filter(|_| rng.chance(50)) {
            main = ready;
        }
        let canary = (count >= 2 && rng.chance(45)).then(|| {
            let other = 1 + (u64::from(main) + rng.below(count - 1)) % count;
            (other as u32, *rng.pick(&[0.1, 0.3]))
        });
        self.alias = Some((main, canary));
    }
}

impl Release {
    /// #23's part of the round `seed`, from its own stream: the scenario's functions given
    /// versions and aliases, the inputs, the bystanders, and faults on #23's calls.
    pub fn draw(seed: u64, scenario: &mut Scenario, schedule: &mut Schedule) {
        let mut rng = Rng::new(seed ^ 0x2323_2323_2323_2323);
        let seeded = scenario.seeded_versions;
        let release = &mut scenario.release;
        if seeded > 0 && rng.chance(25) {
            release.every_using = true;
            // Most such rounds have a function that uses the layer.
            if let Some(first) = scenario.functions.first_mut()
                && !first
                    .layers
                    .iter()
                    .any(|arn| arn.starts_with(&ours("cn-hangzhou")))
                && rng.chance(70)
            {
                first.layers = vec![format!("{}{seeded}", ours("cn-hangzhou"))];
            }
        }
        let moved = !scenario.functions.is_empty();
        if moved && rng.chance(60) {
            release.alias_weight = Some(*rng.pick(&[10, 100]));
            let next = format!("{}{}", ours("cn-hangzhou"), seeded + 1);
            for function in &mut scenario.functions {
                function.draw_versions(&mut rng, seeded, &next);
            }
            // Older versions routed to by the aliases, for keep-versions to spare.
            if seeded > 0 && scenario.keep_versions.is_none() && rng.chance(40) {
                scenario.keep_versions = Some(1 + rng.below(2) as u32);
            }
        }
        let by_chance = if scenario.keep_versions.is_some() {
            75
        } else {
            20
        };
        if seeded > 0 && rng.chance(by_chance) {
            for index in 0..1 + rng.below(2) {
                let mut bystander = Function::draw(&mut rng, &format!("by-{index}"), seeded);
                bystander.layers = vec![format!("{}{}", ours("cn-hangzhou"), 1 + rng.below(2))];
                // `functions: '*'` would move an FC 3.0 function that uses the layer.
                bystander.fc2 = release.every_using || rng.chance(50);
                bystander.fails = false;
                release.bystanders.push(bystander);
            }
        }
        if !schedule.is_calm() {
            Release::draw_faults(&mut rng, schedule);
        }
    }

    /// 5xx and throttling on every call of #23, lost replies on the writes that are not
    /// idempotent, ListFunctions refused; now and then any other fault.
    fn draw_faults(rng: &mut Rng, schedule: &mut Schedule) {
        let calls = [
            Call::ListFunctions,
            Call::ListFunctionVersions,
            Call::PublishFunctionVersion,
            Call::GetAlias,
            Call::CreateAlias,
            Call::UpdateAlias,
            Call::GetFunction,
        ];
        let status = |status, retry_after_millis| Fault::Status {
            status,
            retry_after_millis,
        };
        for call in calls {
            if !rng.chance(30) {
                continue;
            }
            let faults: Vec<Fault> = (0..1 + rng.below(2))
                .map(|_| match (call, rng.below(100)) {
                    (Call::PublishFunctionVersion | Call::CreateAlias, 0..=44) => Fault::DropAfter,
                    (Call::ListFunctions, 0..=24) => status(403, None),
                    (_, 0..=79) => *rng.pick(&[
                        status(500, None),
                        status(503, None),
                        status(429, Some(200)),
                        status(429, None),
                    ]),
                    _ => Fault::draw(rng, call),
                })
                .collect();
            schedule.faults.entry(call).or_default().extend(faults);
        }
    }
}

/// The functions as fc-local seeds them: the scenario's and the bystanders, their versions
/// and aliases, how long updates take and which fail.
pub fn functions_config(scenario: &Scenario) -> FunctionsConfig {
    let all = || {
        scenario
            .functions
            .iter()
            .chain(&scenario.release.bystanders)
    };
    let seed = |function: &Function| FunctionSeed {
        name: function.name.clone(),
        layers: function.layers.clone(),
    };
    FunctionsConfig {
        seeds: all().filter(|function| !function.fc2).map(seed).collect(),
        fc2_seeds: all().filter(|function| function.fc2).map(seed).collect(),
        version_seeds: all()
            .flat_map(|function| {
                function.versions.iter().map(|layers| VersionSeed {
                    function: function.name.clone(),
                    layers: layers.clone(),
                })
            })
            .collect(),
        alias_seeds: all()
            .filter_map(|function| {
                let (main, canary) = function.alias?;
                Some(AliasSeed {
                    function: function.name.clone(),
                    name: ALIAS.to_owned(),
                    version_id: main.to_string(),
                    canary: canary.map(|(version, share)| (version.to_string(), share)),
                })
            })
            .collect(),
        update_delay: Duration::from_millis(scenario.update_delay_millis),
        failing: all()
            .filter(|function| function.fails)
            .map(|function| {
                let reason = "chaos: the runtime would not start".to_owned();
                (function.name.clone(), reason)
            })
            .collect(),
        flaky: all()
            .filter(|function| function.flaky)
            .map(|function| FlakyUpdate {
                function: function.name.clone(),
                times: 1,
                reason: "chaos: the first start timed out".to_owned(),
            })
            .collect(),
        strict_update: true,
        list_without_layers: false,
    }
}

/// The inputs #23 adds: `functions` (names or `*`), `alias` and `alias-weight`.
pub fn inputs(scenario: &Scenario) -> Vec<(&'static str, String)> {
    let mut envs = Vec::new();
    let release = &scenario.release;
    if release.every_using {
        envs.push(("INPUT_FUNCTIONS", "*".to_owned()));
    } else if !scenario.functions.is_empty() {
        let names: Vec<&str> = scenario.functions.iter().map(|f| f.name.as_str()).collect();
        envs.push(("INPUT_FUNCTIONS", names.join(",")));
    }
    if envs.is_empty() {
        return envs;
    }
    envs.push(("INPUT_FUNCTION-UPDATE-TIMEOUT", "30".to_owned()));
    if let Some(weight) = release.alias_weight {
        envs.push(("INPUT_ALIAS", ALIAS.to_owned()));
        envs.push(("INPUT_ALIAS-WEIGHT", weight.to_string()));
    }
    envs
}
