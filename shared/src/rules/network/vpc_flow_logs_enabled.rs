//! The rule `ec2.vpc-flow-logs-enabled`; its documentation is on [`VpcFlowLogsEnabled`].

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta};
use crate::resources::network::Vpc;
use crate::rules::Rule;

rule! {
    pub struct VpcFlowLogsEnabled;
    id: "ec2.vpc-flow-logs-enabled",
    title: "VPC has an active flow log",
    severity: Medium,
    resource_type: "AwsEc2Vpc",
    trigger: Change,
    mappings: [Fsbp("EC2.6")],
    seeds: ["004"],
    what_it_checks: "The VPC has at least one flow log (`DescribeFlowLogs`, resource = the\n\
        VPC) whose status is `ACTIVE`. Flow logs of single subnets or ENIs do not count. A VPC with\n\
        flow logs that are all inactive fails naming them; when flow logs could not be listed,\n\
        UNKNOWN with the error.",
    why_it_matters: "Without flow logs there is no record of which addresses talked to what\n\
        in the VPC: an exfiltration, a scan or a reverse shell leaves no network trace to\n\
        investigate.",
    example: "A VPC created with `aws ec2 create-vpc` and nothing else (the default VPC\n\
        usually is one).",
    remediation: "Create a flow log for the VPC (aws ec2 create-flow-logs --resource-type VPC --resource-ids <vpc> --traffic-type ALL) delivering to S3 or CloudWatch Logs.\n\
        \n\
        `aws ec2 create-flow-logs --resource-type VPC --resource-ids vpc-... \\\n\
        --traffic-type ALL --log-destination-type s3 --log-destination arn:aws:s3:::flow-logs`\n\
        (or CloudWatch Logs with a delivery role).",
    references: "",
}

impl Rule for VpcFlowLogsEnabled {
    type Resource = Vpc;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, vpc: &Vpc, _ctx: &ScanContext) -> Outcome {
        let logs = known!(vpc.flow_logs);
        if let Some(active) =
            logs.iter().find(|l| l.status.as_deref().is_some_and(|s| s.eq_ignore_ascii_case("ACTIVE")))
        {
            return Outcome::pass(format!(
                "{} has an active flow log {} (traffic {})",
                vpc.id,
                active.id,
                active.traffic_type.as_deref().unwrap_or("unknown")
            ));
        }
        if logs.is_empty() {
            Outcome::fail(format!("{} has no flow log", vpc.id))
        } else {
            let inactive: Vec<String> =
                logs.iter().map(|l| format!("{} ({})", l.id, l.status.as_deref().unwrap_or("no status"))).collect();
            Outcome::fail(format!("{} has no active flow log: {}", vpc.id, inactive.join(", ")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collected::Collected;
    use crate::model::Status;
    use crate::resources::network::{denied, FlowLog};

    fn log(id: &str, status: Option<&str>) -> FlowLog {
        FlowLog { id: id.into(), status: status.map(str::to_string), traffic_type: Some("REJECT".into()) }
    }

    #[test]
    fn table() {
        let cases: Vec<(Collected<Vec<FlowLog>>, Status, &str)> = vec![
            (Ok(vec![log("fl-1", Some("ACTIVE"))]), Status::Pass, "active flow log fl-1 (traffic REJECT)"),
            (Ok(vec![log("fl-0", None), log("fl-1", Some("active"))]), Status::Pass, "fl-1"),
            (Ok(vec![]), Status::Fail, "has no flow log"),
            (
                Ok(vec![log("fl-2", Some("INACTIVE")), log("fl-3", None)]),
                Status::Fail,
                "fl-2 (INACTIVE), fl-3 (no status)",
            ),
            (Err(denied("ec2:DescribeFlowLogs")), Status::Unknown, "ec2:DescribeFlowLogs"),
        ];
        for (flow_logs, want, reason_has) in cases {
            let v = Vpc { flow_logs: flow_logs.clone(), ..Vpc::fixture("vpc-1") };
            let o = VpcFlowLogsEnabled.evaluate(&v, &ScanContext::fixture());
            assert_eq!(o.status, want, "{flow_logs:?}: {}", o.reason);
            assert!(o.reason.contains(reason_has), "{flow_logs:?}: {}", o.reason);
        }
    }
}
