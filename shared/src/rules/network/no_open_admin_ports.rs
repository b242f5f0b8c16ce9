//! The rule `ec2.no-open-admin-ports`; its documentation is on [`NoOpenAdminPorts`].

use crate::context::ScanContext;
use crate::model::{Outcome, RuleMeta};
use crate::resources::network::SecurityGroup;
use crate::rules::Rule;

rule! {
    pub struct NoOpenAdminPorts;
    id: "ec2.no-open-admin-ports",
    title: "Security group does not open administrative ports to the internet",
    severity: High,
    resource_type: "AwsEc2SecurityGroup",
    trigger: Change,
    mappings: [Fsbp("EC2.19"), Fsbp("EC2.13")],
    seeds: ["003", "004"],
    what_it_checks: "No ingress rule of the security group lets the whole internet\n\
        (`0.0.0.0/0` or `::/0`, IPv4 or IPv6) reach an administrative port: 22 (SSH), 3389 (RDP)\n\
        and the configured `admin_ports` (by default telnet, SMB, the common databases, Redis,\n\
        Elasticsearch, MongoDB, the Docker daemon and WinRM). A rule counts when its protocol is\n\
        `-1` (all traffic), or TCP/UDP with a port range containing an admin port (so `0-65535`\n\
        counts for every one). Rules from other groups or prefix lists are not the internet. Every\n\
        offending rule is named. A group with no such rule passes; everything needed is in the\n\
        group itself, so there is no UNKNOWN outcome.",
    why_it_matters: "Admin ports open to the internet are scanned within minutes of being\n\
        exposed; a weak password or an unpatched service is then a remote foothold in the VPC.",
    example: "`aws ec2 authorize-security-group-ingress --group-id sg-1 --protocol tcp\n\
        --port 22 --cidr 0.0.0.0/0`, or an IPv6 rule `0-65535` from `::/0`.",
    remediation: "Revoke the ingress rule that opens the admin port to 0.0.0.0/0 or ::/0 (aws ec2 revoke-security-group-ingress); use SSM Session Manager or restrict the source to a known CIDR or security group.\n\
        \n\
        `aws ec2 revoke-security-group-ingress` for the named rule; reach\n\
        instances through SSM Session Manager, or allow the port only from a known CIDR or group.",
    references: "",
}

/// Always administrative, whatever the configuration says.
const ALWAYS_ADMIN: &[u16] = &[22, 3389];

impl Rule for NoOpenAdminPorts {
    type Resource = SecurityGroup;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, group: &SecurityGroup, ctx: &ScanContext) -> Outcome {
        let mut ports: Vec<u16> = ALWAYS_ADMIN.iter().chain(ctx.config.admin_ports.iter()).copied().collect();
        ports.sort_unstable();
        ports.dedup();
        let mut offending = Vec::new();
        for rule in &group.ingress {
            let world: Vec<&str> = rule.world_peers().map(|p| p.describe()).collect();
            if world.is_empty() {
                continue;
            }
            let hit: Vec<String> = ports.iter().filter(|p| rule.covers_port(**p)).map(u16::to_string).collect();
            if hit.is_empty() {
                continue;
            }
            let shown = if hit.len() > 5 {
                format!("{} and {} more", hit[..5].join(", "), hit.len() - 5)
            } else {
                hit.join(", ")
            };
            offending.push(format!("{} from {} (admin port(s) {shown})", rule.describe_ports(), world.join(", ")));
        }
        if offending.is_empty() {
            Outcome::pass(format!("no ingress rule of {} opens an admin port to the internet", group.id))
        } else {
            Outcome::fail(format!("{} allows ingress {}", group.id, offending.join("; ")))
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::model::Status;
    use crate::resources::network::{rule, SgRule};

    const NONE: i32 = i32::MIN;

    fn eval(ingress: Vec<SgRule>, ctx: &ScanContext) -> Outcome {
        let g = SecurityGroup { ingress, ..SecurityGroup::fixture("sg-1") };
        NoOpenAdminPorts.evaluate(&g, ctx)
    }

    #[test]
    fn table() {
        let ctx = ScanContext::fixture();
        let cases: Vec<(Vec<SgRule>, Status, &str)> = vec![
            (vec![], Status::Pass, "no ingress rule"),
            (vec![rule("tcp", 22, 22, &["0.0.0.0/0"])], Status::Fail, "tcp 22 from 0.0.0.0/0 (admin port(s) 22)"),
            (vec![rule("tcp", 22, 22, &["::/0"])], Status::Fail, "from ::/0"),
            (vec![rule("tcp", 3389, 3389, &["0.0.0.0/0", "::/0"])], Status::Fail, "from 0.0.0.0/0, ::/0"),
            (vec![rule("udp", 3389, 3389, &["0.0.0.0/0"])], Status::Fail, "udp 3389"),
            (vec![rule("tcp", 0, 65535, &["::/0"])], Status::Fail, "tcp 0-65535 from ::/0"),
            (vec![rule("tcp", 0, 65535, &["::/0"])], Status::Fail, "and 10 more"),
            (vec![rule("-1", NONE, NONE, &["0.0.0.0/0"])], Status::Fail, "all traffic from 0.0.0.0/0"),
            (vec![rule("-1", -1, -1, &["::/0"])], Status::Fail, "all traffic"),
            (
                vec![rule("tcp", 20, 30, &["0.0.0.0/0"])],
                Status::Fail,
                "tcp 20-30 from 0.0.0.0/0 (admin port(s) 22, 23)",
            ),
            (vec![rule("tcp", 3306, 3306, &["0.0.0.0/0"])], Status::Fail, "3306"),
            (vec![rule("tcp", 5432, 5432, &["::/0"])], Status::Fail, "5432"),
            (vec![rule("tcp", 27017, 27017, &["0.0.0.0/0"])], Status::Fail, "27017"),
            (vec![rule("tcp", 2375, 2376, &["0.0.0.0/0"])], Status::Fail, "2375, 2376"),
            (vec![rule("6", 22, 22, &["0.0.0.0/0"])], Status::Fail, "6 22"),
            (vec![rule("tcp", 443, 443, &["0.0.0.0/0", "::/0"])], Status::Pass, "no ingress rule"),
            (vec![rule("tcp", 80, 443, &["0.0.0.0/0"])], Status::Pass, "no ingress rule"),
            (vec![rule("tcp", 23, 23, &["10.0.0.0/8"])], Status::Pass, "no ingress rule"),
            (vec![rule("tcp", 22, 22, &["10.0.0.0/8", "2001:db8::/32"])], Status::Pass, "no ingress rule"),
            (vec![rule("tcp", 22, 22, &["sg-other", "pl-123"])], Status::Pass, "no ingress rule"),
            (vec![rule("-1", NONE, NONE, &["sg-self"])], Status::Pass, "no ingress rule"),
            (vec![rule("icmp", -1, -1, &["0.0.0.0/0"])], Status::Pass, "no ingress rule"),
            (vec![rule("icmpv6", -1, -1, &["::/0"])], Status::Pass, "no ingress rule"),
            (vec![rule("tcp", 3390, 5000, &["0.0.0.0/0"])], Status::Pass, "no ingress rule"),
            (
                vec![
                    rule("tcp", 443, 443, &["0.0.0.0/0"]),
                    rule("tcp", 22, 22, &["::/0"]),
                    rule("tcp", 6379, 6379, &["0.0.0.0/0"]),
                ],
                Status::Fail,
                "tcp 22 from ::/0 (admin port(s) 22); tcp 6379 from 0.0.0.0/0 (admin port(s) 6379)",
            ),
        ];
        for (ingress, want, reason_has) in cases {
            let o = eval(ingress.clone(), &ctx);
            assert_eq!(o.status, want, "{ingress:?}: {}", o.reason);
            assert!(o.reason.contains(reason_has), "{ingress:?}: {}", o.reason);
        }
    }

    #[test]
    fn the_admin_port_list_is_configuration_but_22_and_3389_always_count() {
        let mut ctx = ScanContext::fixture();
        Arc::make_mut(&mut ctx.config).admin_ports = vec![8080];
        assert_eq!(eval(vec![rule("tcp", 8080, 8080, &["0.0.0.0/0"])], &ctx).status, Status::Fail);
        assert_eq!(eval(vec![rule("tcp", 3306, 3306, &["0.0.0.0/0"])], &ctx).status, Status::Pass);
        assert_eq!(eval(vec![rule("tcp", 22, 22, &["0.0.0.0/0"])], &ctx).status, Status::Fail);
        Arc::make_mut(&mut ctx.config).admin_ports = vec![];
        assert_eq!(eval(vec![rule("tcp", 3389, 3389, &["::/0"])], &ctx).status, Status::Fail);
    }

    #[test]
    fn egress_is_not_ingress() {
        let g =
            SecurityGroup { egress: vec![rule("-1", NONE, NONE, &["0.0.0.0/0"])], ..SecurityGroup::fixture("sg-1") };
        assert_eq!(NoOpenAdminPorts.evaluate(&g, &ScanContext::fixture()).status, Status::Pass);
    }
}
