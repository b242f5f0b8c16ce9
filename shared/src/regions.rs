//! The regions of each AWS partition, written out, so that a region that is not one of them
//! (`--region not-a-region`, a typo in `account_regions`) is an error naming it before any
//! call, instead of a DNS failure per API after the retries.
//!
//! The list follows the AWS regions table (commercial, China, GovCloud, European Sovereign
//! Cloud). A region AWS opens after this list was written can be allowed without a release
//! through `ZTSCAN_EXTRA_REGIONS` (comma-separated).

/// Every region of the `aws`, `aws-cn`, `aws-us-gov` and `aws-eusc` partitions.
pub const KNOWN_REGIONS: &[&str] = &[
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "cn-north-1",
    "cn-northwest-1",
    "us-gov-east-1",
    "us-gov-west-1",
    "eusc-de-east-1",
];

/// `Ok` when `region` is a known region (or listed in `extra`, the comma-separated
/// `ZTSCAN_EXTRA_REGIONS`), else an error naming it.
pub fn check_with(region: &str, extra: Option<&str>) -> Result<(), String> {
    let extra_allows = extra.is_some_and(|e| e.split(',').map(str::trim).any(|r| r == region));
    if KNOWN_REGIONS.contains(&region) || extra_allows {
        return Ok(());
    }
    let shown = crate::collected::clean_service_text(region, 64);
    Err(format!(
        "{shown:?} is not an AWS region (e.g. us-east-1, eu-west-1); a region newer than this \
         build can be allowed with ZTSCAN_EXTRA_REGIONS={shown}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_regions_pass_and_others_are_named() {
        for r in ["us-east-1", "eu-west-3", "cn-north-1", "us-gov-west-1", "ap-southeast-7"] {
            assert_eq!(check_with(r, None), Ok(()), "{r}");
        }
        for r in ["not-a-region", "us-east-10", "US-EAST-1", "", "eu-west-1 "] {
            let e = check_with(r, None).expect_err(r);
            assert!(e.contains(&format!("{:?}", r.trim_end())), "{e}");
        }
        assert_eq!(check_with("xx-new-1", Some("yy-new-1, xx-new-1")), Ok(()));
    }

    #[test]
    fn every_known_region_has_the_shape_of_a_region() {
        for r in KNOWN_REGIONS {
            let parts: Vec<&str> = r.split('-').collect();
            assert!((3..=4).contains(&parts.len()), "{r}");
            assert!(parts.last().is_some_and(|n| n.parse::<u8>().is_ok()), "{r}");
            assert!(r.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'), "{r}");
        }
        let mut sorted = KNOWN_REGIONS.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), KNOWN_REGIONS.len(), "no duplicates");
    }
}
