//! The rule `account.cloudtrail-multi-region`; its documentation is on [`CloudtrailMultiRegion`].

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta};
use crate::resources::account::{RegionBaseline, Trail};
use crate::rules::Rule;

rule! {
    pub struct CloudtrailMultiRegion;
    id: "account.cloudtrail-multi-region",
    title: "A multi-region CloudTrail trail is logging with log-file validation",
    severity: High,
    resource_type: "AwsAccount",
    trigger: Change,
    mappings: [Fsbp("CloudTrail.1"), Fsbp("CloudTrail.4")],
    seeds: ["002", "003"],
    what_it_checks: "In the region judged, `DescribeTrails(includeShadowTrails)` shows a\n\
        multi-region trail that is logging (`GetTrailStatus.IsLogging`) and has log-file validation\n\
        on. One finding per region, as FSBP CloudTrail.1 judges it: a multi-region trail created in\n\
        one region covers every region, so it passes everywhere it is seen. A region with only\n\
        single-region trails, a stopped trail or a trail without validation fails naming them; a\n\
        trail whose status could not be read makes the region UNKNOWN unless another trail passes.",
    why_it_matters: "CloudTrail is the account's record of who called which API. Without a\n\
        multi-region trail, activity in a region nobody watches (the favourite place to mine\n\
        crypto or stage exfiltration) leaves no trace; without validation, an attacker who reaches\n\
        the log bucket can edit the record undetected.",
    example: "A trail created with `aws cloudtrail create-trail --name t --s3-bucket-name b`\n\
        (single-region, no validation) and never started.",
    remediation: "Create a multi-region trail with log-file validation (aws cloudtrail create-trail --is-multi-region-trail --enable-log-file-validation ...) and start logging on it.\n\
        \n\
        `aws cloudtrail create-trail --name org-trail --s3-bucket-name <bucket>\n\
        --is-multi-region-trail --enable-log-file-validation` then `aws cloudtrail start-logging\n\
        --name org-trail` (or `update-trail` on the existing trail).",
    references: "",
}

/// What a trail lacks to pass, or empty.
fn shortcomings(t: &Trail) -> Vec<&'static str> {
    let mut out = Vec::new();
    if !t.multi_region {
        out.push("single-region");
    }
    if matches!(t.is_logging, Ok(Some(false))) {
        out.push("not logging");
    }
    if !t.log_file_validation {
        out.push("no log-file validation");
    }
    out
}

impl Rule for CloudtrailMultiRegion {
    type Resource = RegionBaseline;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, r: &RegionBaseline, _ctx: &ScanContext) -> Outcome {
        let trails = known!(r.trails);
        if let Some(good) = trails.iter().find(|t| shortcomings(t).is_empty() && matches!(t.is_logging, Ok(Some(true))))
        {
            return Outcome::pass(format!(
                "multi-region trail {} (home {}) is logging with log-file validation",
                good.name, good.home_region
            ));
        }
        if trails.is_empty() {
            return Outcome::fail(format!("no CloudTrail trail covers {}", r.region));
        }
        // A trail that could pass but whose status is unknown: the region cannot be judged.
        if let Some((t, e)) = trails.iter().find_map(|t| match &t.is_logging {
            Err(e) if t.multi_region && t.log_file_validation => Some((t, e)),
            _ => None,
        }) {
            return Outcome::unknown(format!("could not evaluate trail {}: {e}", t.name));
        }
        let named: Vec<String> =
            trails.iter().map(|t| format!("{} ({})", t.name, shortcomings(t).join(", "))).collect();
        Outcome::fail(format!("no multi-region trail logs with validation in {}: {}", r.region, named.join("; ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collected::Collected;
    use crate::model::Status;
    use crate::resources::account::denied;

    fn trail(name: &str, multi: bool, logging: Collected<Option<bool>>, validation: bool) -> Trail {
        Trail {
            name: name.into(),
            arn: format!("arn:aws:cloudtrail:us-east-1:123456789012:trail/{name}"),
            home_region: "us-east-1".into(),
            multi_region: multi,
            log_file_validation: validation,
            is_logging: logging,
        }
    }

    #[test]
    fn table() {
        let cases: Vec<(Collected<Vec<Trail>>, Status, &str)> = vec![
            (Ok(vec![trail("org", true, Ok(Some(true)), true)]), Status::Pass, "org (home us-east-1) is logging"),
            (
                Ok(vec![trail("local", false, Ok(None), false), trail("org", true, Ok(Some(true)), true)]),
                Status::Pass,
                "org",
            ),
            (Ok(vec![]), Status::Fail, "no CloudTrail trail covers eu-west-1"),
            (Ok(vec![trail("local", false, Ok(None), true)]), Status::Fail, "local (single-region)"),
            (Ok(vec![trail("org", true, Ok(Some(false)), true)]), Status::Fail, "org (not logging)"),
            (Ok(vec![trail("org", true, Ok(Some(true)), false)]), Status::Fail, "org (no log-file validation)"),
            (
                Ok(vec![trail("org", true, Err(denied("cloudtrail:GetTrailStatus")), true)]),
                Status::Unknown,
                "cloudtrail:GetTrailStatus",
            ),
            (Err(denied("cloudtrail:DescribeTrails")), Status::Unknown, "cloudtrail:DescribeTrails"),
        ];
        for (trails, want, reason_has) in cases {
            let r = RegionBaseline { trails: trails.clone(), ..RegionBaseline::fixture("eu-west-1") };
            let o = CloudtrailMultiRegion.evaluate(&r, &ScanContext::fixture());
            assert_eq!(o.status, want, "{trails:?}: {}", o.reason);
            assert!(o.reason.contains(reason_has), "{trails:?}: {}", o.reason);
        }
    }
}
