//! The regions FC 3.0 is known to run in, beside the runtimes table: whether a `region` or
//! `regions` id is one, and which known id a typo was likely meant as. From the FC 3.0
//! (2023-03-30) SDKs' endpoint map, which lists every region that has an FC 3.0 host.
//!
//! Being known only decides between silence and a warning, as for runtimes: FC opens
//! regions over time, and a user in a newer one must not be blocked by an old copy of this
//! list.

use crate::cloud::Region;

/// Every region FC 3.0 is known to have, sorted.
pub(crate) const REGIONS: &[&str] = &[
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-south-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-5",
    "ap-southeast-7",
    "cn-beijing",
    "cn-chengdu",
    "cn-hangzhou",
    "cn-hangzhou-finance",
    "cn-heyuan-acdr-1",
    "cn-hongkong",
    "cn-huhehaote",
    "cn-qingdao",
    "cn-shanghai",
    "cn-shanghai-finance-1",
    "cn-shenzhen",
    "cn-wulanchabu",
    "cn-zhangjiakou",
    "eu-central-1",
    "eu-west-1",
    "me-central-1",
    "us-east-1",
    "us-west-1",
];

/// A typo this many edits from a known id (or fewer) is worth naming that id.
const MAX_TYPO_EDITS: usize = 2;

pub(crate) fn is_known(region: &Region) -> bool {
    REGIONS.contains(&region.as_str())
}

/// The known region `region` is likely a typo of: the nearest within [`MAX_TYPO_EDITS`]
/// edits, when exactly one is that near.
pub(crate) fn likely_meant(region: &Region) -> Option<&'static str> {
    let mut nearest: Vec<(usize, &'static str)> = REGIONS
        .iter()
        .map(|known| (edits(region.as_str(), known), *known))
        .filter(|(distance, _)| *distance <= MAX_TYPO_EDITS)
        .collect();
    nearest.sort();
    match nearest.as_slice() {
        [(best, known), rest @ ..] if rest.first().is_none_or(|(next, _)| next > best) => {
            Some(known)
        }
        _ => None,
    }
}

/// Levenshtein distance between two short ASCII ids.
fn edits(a: &str, b: &str) -> usize {
    let b = b.as_bytes();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.bytes().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(id: &str) -> Region {
        Region::parse(id).expect("a region id")
    }

    #[test]
    fn the_list_is_sorted_unique_and_every_id_parses() {
        assert!(REGIONS.windows(2).all(|pair| pair[0] < pair[1]));
        for id in REGIONS {
            assert!(is_known(&region(id)), "{id}");
        }
        assert!(!is_known(&region("cn-hangzou")));
    }

    #[test]
    fn a_typo_names_the_region_it_is_nearest_to_when_one_is() {
        assert_eq!(likely_meant(&region("cn-hangzou")), Some("cn-hangzhou"));
        assert_eq!(likely_meant(&region("cn-bejing")), Some("cn-beijing"));
        // Equally near to ap-southeast-1, -2, -3 and -5: none is named.
        assert_eq!(likely_meant(&region("ap-southeast-9")), None);
        assert_eq!(likely_meant(&region("mars-north-1")), None);
    }

    #[test]
    fn edits_counts_insertions_deletions_and_substitutions() {
        assert_eq!(edits("cn-hangzou", "cn-hangzhou"), 1);
        assert_eq!(edits("abc", "abc"), 0);
        assert_eq!(edits("", "ab"), 2);
        assert_eq!(edits("kitten", "sitting"), 3);
    }
}
