//! The rule `account.config-recording`; its documentation is on [`ConfigRecording`].

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta};
use crate::resources::account::RegionBaseline;
use crate::rules::Rule;

rule! {
    pub struct ConfigRecording;
    id: "account.config-recording",
    title: "AWS Config records all resources",
    severity: High,
    resource_type: "AwsAccount",
    trigger: Periodic,
    mappings: [Fsbp("Config.1")],
    seeds: ["002", "003"],
    what_it_checks: "In the region judged, an AWS Config configuration recorder records all\n\
        supported resource types (`recordingGroup.allSupported`, or the recording strategy\n\
        `ALL_SUPPORTED_RESOURCE_TYPES`) and is recording\n\
        (`DescribeConfigurationRecorderStatus.recording`). No recorder fails; a recorder of chosen\n\
        types only, or a stopped one, fails naming it. Global resource types (IAM) are not\n\
        required in every region: AWS recommends recording them in one region only, so the reason\n\
        says whether this recorder includes them, and the verdict does not depend on it.",
    why_it_matters: "Config is the history of every resource's configuration, and the change\n\
        feed ztscan's own change-triggered audits listen to. A region without it has neither the\n\
        audit trail of what changed nor the immediate re-checks.",
    example: "A region where Config was never set up, or a recorder limited to\n\
        `AWS::S3::Bucket`.",
    remediation: "Create a configuration recorder with allSupported=true and a delivery channel (aws configservice put-configuration-recorder ...), then start it (start-configuration-recorder).\n\
        \n\
        `aws configservice put-configuration-recorder --configuration-recorder\n\
        name=default,roleARN=<role> --recording-group allSupported=true` with a delivery channel,\n\
        then `aws configservice start-configuration-recorder --configuration-recorder-name default`.",
    references: "",
}

impl Rule for ConfigRecording {
    type Resource = RegionBaseline;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, r: &RegionBaseline, _ctx: &ScanContext) -> Outcome {
        let recorders = known!(r.recorders);
        if let Some(rec) = recorders.iter().find(|rec| rec.records_all() && rec.recording) {
            let global = if rec.include_global { "including" } else { "without" };
            return Outcome::pass(format!(
                "recorder {} records all supported resource types ({global} global types) and is recording",
                rec.name
            ));
        }
        if recorders.is_empty() {
            return Outcome::fail(format!("AWS Config has no configuration recorder in {}", r.region));
        }
        let named: Vec<String> = recorders
            .iter()
            .map(|rec| {
                let mut lacks = Vec::new();
                if !rec.records_all() {
                    lacks.push(format!(
                        "records only chosen types ({})",
                        rec.strategy.as_deref().unwrap_or("no recording strategy")
                    ));
                }
                if !rec.recording {
                    lacks.push("not recording".to_string());
                }
                format!("{}: {}", rec.name, lacks.join(", "))
            })
            .collect();
        Outcome::fail(format!("no recorder records everything in {}: {}", r.region, named.join("; ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collected::Collected;
    use crate::model::Status;
    use crate::resources::account::{denied, Recorder};

    fn recorder(all: bool, strategy: Option<&str>, recording: bool) -> Recorder {
        Recorder {
            name: "default".into(),
            all_supported: all,
            include_global: false,
            strategy: strategy.map(str::to_string),
            recording,
        }
    }

    #[test]
    fn table() {
        let cases: Vec<(Collected<Vec<Recorder>>, Status, &str)> = vec![
            (Ok(vec![recorder(true, None, true)]), Status::Pass, "(without global types) and is recording"),
            (
                Ok(vec![recorder(false, Some("ALL_SUPPORTED_RESOURCE_TYPES"), true)]),
                Status::Pass,
                "default records all",
            ),
            (Ok(vec![]), Status::Fail, "no configuration recorder in eu-west-1"),
            (
                Ok(vec![recorder(false, Some("INCLUSION_BY_RESOURCE_TYPES"), true)]),
                Status::Fail,
                "default: records only chosen types (INCLUSION_BY_RESOURCE_TYPES)",
            ),
            (Ok(vec![recorder(true, None, false)]), Status::Fail, "default: not recording"),
            (Err(denied("config:DescribeConfigurationRecorders")), Status::Unknown, "DescribeConfigurationRecorders"),
        ];
        for (recorders, want, reason_has) in cases {
            let r = RegionBaseline { recorders: recorders.clone(), ..RegionBaseline::fixture("eu-west-1") };
            let o = ConfigRecording.evaluate(&r, &ScanContext::fixture());
            assert_eq!(o.status, want, "{recorders:?}: {}", o.reason);
            assert!(o.reason.contains(reason_has), "{recorders:?}: {}", o.reason);
        }
    }
}
