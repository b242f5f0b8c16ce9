//! The rule `s3.bucket-replicated-cross-region`; its documentation is on [`BucketReplicatedCrossRegion`].

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta};
use crate::resources::s3::S3Bucket;
use crate::rules::Rule;

rule! {
    pub struct BucketReplicatedCrossRegion;
    id: "s3.bucket-replicated-cross-region",
    title: "S3 bucket replicates to another region",
    severity: Low,
    resource_type: "AwsS3Bucket",
    trigger: Change,
    mappings: [Fsbp("S3.7")],
    seeds: ["001"],
    what_it_checks: "The bucket has an enabled replication rule whose destination bucket is\n\
        in another region. When the destination's region is not visible to the scan (typically a\n\
        bucket in another account), the rule passes and says the region could not be confirmed.\n\
        A bucket with no replication, or whose enabled rules all replicate within its own region,\n\
        fails.",
    why_it_matters: "A copy in another region keeps the data available and recoverable\n\
        through a regional outage, and a copy in another account through the loss of this one.",
    example: "A replication rule to `arn:aws:s3:::data-replica` in the same region as the\n\
        source protects against deletion but not against losing the region.",
    remediation: "Enable versioning and add a replication rule (s3api put-bucket-replication) whose destination bucket is in another region.\n\
        \n\
        Enable versioning on both buckets, then `aws s3api\n\
        put-bucket-replication --bucket <name> --replication-configuration file://replication.json`\n\
        with a rule whose `Destination.Bucket` is a bucket in another region (or set\n\
        `ReplicationConfiguration` in the template).",
    references: "",
}

impl Rule for BucketReplicatedCrossRegion {
    type Resource = S3Bucket;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, bucket: &S3Bucket, _ctx: &ScanContext) -> Outcome {
        let rules = match known!(bucket.replication) {
            Some(rules) if !rules.is_empty() => rules,
            _ => return Outcome::fail("the bucket has no replication configuration"),
        };
        let enabled: Vec<_> = rules.iter().filter(|r| r.enabled).collect();
        if enabled.is_empty() {
            return Outcome::fail("the bucket has replication rules but none is enabled");
        }
        let other_region = enabled.iter().find_map(|r| {
            r.destination_region
                .as_deref()
                .filter(|region| !region.eq_ignore_ascii_case(&bucket.region))
                .map(|region| (r, region))
        });
        if let Some((rule, region)) = other_region {
            return Outcome::pass(format!(
                "replication rule replicates to {} in {region}",
                rule.destination_bucket_arn
            ));
        }
        if let Some(rule) = enabled.iter().find(|r| r.destination_region.is_none()) {
            return Outcome::pass(format!(
                "replication rule replicates to {}, whose region could not be confirmed (it is not visible to this account)",
                rule.destination_bucket_arn
            ));
        }
        Outcome::fail(format!(
            "every enabled replication rule replicates within the bucket's own region {}",
            bucket.region
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Status;
    use crate::resources::s3::ReplicationRule;

    fn eval(b: &S3Bucket) -> Outcome {
        BucketReplicatedCrossRegion.evaluate(b, &ScanContext::fixture())
    }

    fn rule(enabled: bool, region: Option<&str>) -> ReplicationRule {
        ReplicationRule {
            id: None,
            enabled,
            destination_bucket_arn: "arn:aws:s3:::replica".into(),
            destination_region: region.map(str::to_string),
        }
    }

    fn with_rules(rules: Vec<ReplicationRule>) -> S3Bucket {
        S3Bucket { replication: Ok(Some(rules)), ..S3Bucket::fixture("b") }
    }

    #[test]
    fn passes_when_replicating_to_another_region() {
        let o = eval(&S3Bucket::fixture("b"));
        assert_eq!(o.status, Status::Pass);
        assert!(o.reason.contains("us-west-2"), "{}", o.reason);
    }

    #[test]
    fn passes_when_destination_region_is_not_visible_saying_so() {
        let o = eval(&with_rules(vec![rule(true, None)]));
        assert_eq!(o.status, Status::Pass);
        assert!(o.reason.contains("could not be confirmed"), "{}", o.reason);
    }

    #[test]
    fn passes_when_one_of_several_rules_crosses_regions() {
        let o = eval(&with_rules(vec![rule(true, Some("us-east-1")), rule(true, None), rule(true, Some("eu-west-1"))]));
        assert_eq!(o.status, Status::Pass);
        assert!(o.reason.contains("eu-west-1"), "{}", o.reason);
    }

    #[test]
    fn fails_when_no_replication() {
        let b = S3Bucket { replication: Ok(None), ..S3Bucket::fixture("b") };
        assert_eq!(eval(&b).status, Status::Fail);
        assert_eq!(eval(&with_rules(Vec::new())).status, Status::Fail);
    }

    #[test]
    fn fails_when_replicating_within_the_same_region() {
        let o = eval(&with_rules(vec![rule(true, Some("us-east-1"))]));
        assert_eq!(o.status, Status::Fail);
        assert!(o.reason.contains("us-east-1"), "{}", o.reason);
    }

    #[test]
    fn fails_when_the_cross_region_rule_is_disabled() {
        let o = eval(&with_rules(vec![rule(false, Some("us-west-2")), rule(true, Some("us-east-1"))]));
        assert_eq!(o.status, Status::Fail);
        let o = eval(&with_rules(vec![rule(false, Some("us-west-2"))]));
        assert_eq!(o.status, Status::Fail);
        assert!(o.reason.contains("none is enabled"), "{}", o.reason);
    }

    #[test]
    fn unknown_when_access_denied() {
        let b =
            S3Bucket { replication: Err(S3Bucket::denied("s3:GetReplicationConfiguration")), ..S3Bucket::fixture("b") };
        let o = eval(&b);
        assert_eq!(o.status, Status::Unknown);
        assert!(o.reason.contains("s3:GetReplicationConfiguration"));
    }
}
