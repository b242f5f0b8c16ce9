//! Network rules (the catalogue's `ec2.*` controls): three evaluated once per security group,
//! two once per VPC.

use crate::resources::network::{SecurityGroup, Vpc};

use super::Rule;

mod default_sg_restricts_all;
mod lambda_egress_restricted;
mod no_open_admin_ports;
mod vpc_flow_logs_enabled;
mod vpc_has_private_endpoints;

pub use default_sg_restricts_all::DefaultSgRestrictsAll;
pub use lambda_egress_restricted::LambdaEgressRestricted;
pub use no_open_admin_ports::NoOpenAdminPorts;
pub use vpc_flow_logs_enabled::VpcFlowLogsEnabled;
pub use vpc_has_private_endpoints::VpcHasPrivateEndpoints;

/// Rules evaluated once per security group, in catalogue order.
pub static SECURITY_GROUP_RULES: &[&dyn Rule<Resource = SecurityGroup>] =
    &[&NoOpenAdminPorts, &DefaultSgRestrictsAll, &LambdaEgressRestricted];

/// Rules evaluated once per VPC, in catalogue order.
pub static VPC_RULES: &[&dyn Rule<Resource = Vpc>] = &[&VpcFlowLogsEnabled, &VpcHasPrivateEndpoints];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::ScanContext;
    use crate::model::{Status, Trigger};

    #[test]
    fn rules_have_the_right_resource_types() {
        for rule in SECURITY_GROUP_RULES {
            assert!(rule.meta().id.starts_with("ec2."));
            assert_eq!(rule.meta().resource_type, "AwsEc2SecurityGroup", "{}", rule.meta().id);
            assert_eq!(rule.meta().trigger, Trigger::Change);
        }
        for rule in VPC_RULES {
            assert!(rule.meta().id.starts_with("ec2."));
            assert_eq!(rule.meta().resource_type, "AwsEc2Vpc", "{}", rule.meta().id);
        }
    }

    #[test]
    fn the_fixtures_pass_or_do_not_apply() {
        let ctx = ScanContext::fixture();
        for rule in SECURITY_GROUP_RULES {
            let o = rule.evaluate(&SecurityGroup::fixture("sg-1"), &ctx);
            assert!(matches!(o.status, Status::Pass | Status::NotApplicable), "{}: {}", rule.meta().id, o.reason);
        }
        for rule in VPC_RULES {
            let o = rule.evaluate(&Vpc::fixture("vpc-1"), &ctx);
            assert!(matches!(o.status, Status::Pass | Status::NotApplicable), "{}: {}", rule.meta().id, o.reason);
        }
    }
}
