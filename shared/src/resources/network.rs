//! Plain structs describing security groups and VPCs as the network collector saw them, with
//! which Lambda functions use each. Rules read only these; SDK types never leave the collectors (`audit/<name>/collector.rs`).

use crate::collected::{CollectError, CollectErrorKind, Collected};

/// Where a security-group rule lets traffic come from or go to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Peer {
    /// An IPv4 CIDR (`0.0.0.0/0`, `10.0.0.0/8`).
    Ipv4(String),
    /// An IPv6 CIDR (`::/0`).
    Ipv6(String),
    /// Another security group (`sg-...`, maybe in another account).
    Group(String),
    /// A managed prefix list (`pl-...`).
    PrefixList(String),
}

impl Peer {
    /// True for the whole internet: an IPv4 or IPv6 CIDR with prefix length 0.
    pub fn is_world(&self) -> bool {
        match self {
            Peer::Ipv4(c) | Peer::Ipv6(c) => c.trim().ends_with("/0"),
            Peer::Group(_) | Peer::PrefixList(_) => false,
        }
    }

    pub fn describe(&self) -> &str {
        match self {
            Peer::Ipv4(s) | Peer::Ipv6(s) | Peer::Group(s) | Peer::PrefixList(s) => s,
        }
    }
}

/// One ingress or egress permission of a security group (one `IpPermission`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SgRule {
    /// `tcp`, `udp`, `icmp`, `icmpv6`, `-1` (all) or a protocol number, as EC2 reports it.
    pub protocol: String,
    /// The port range; `None` when the protocol has no ports or the rule covers all of them.
    pub from_port: Option<i32>,
    pub to_port: Option<i32>,
    pub peers: Vec<Peer>,
}

impl SgRule {
    /// True when the rule covers every protocol.
    pub fn all_protocols(&self) -> bool {
        self.protocol == "-1" || self.protocol.eq_ignore_ascii_case("all")
    }

    /// True for TCP or UDP (by name or number).
    pub fn tcp_or_udp(&self) -> bool {
        matches!(self.protocol.to_ascii_lowercase().as_str(), "tcp" | "udp" | "6" | "17")
    }

    /// True when the rule lets traffic to `port` through (all protocols, or TCP/UDP with a
    /// range containing it; a TCP/UDP rule without a range covers every port).
    pub fn covers_port(&self, port: u16) -> bool {
        if self.all_protocols() {
            return true;
        }
        if !self.tcp_or_udp() {
            return false;
        }
        let port = i32::from(port);
        match (self.from_port, self.to_port) {
            (Some(from), Some(to)) if from >= 0 && to >= 0 => (from..=to).contains(&port),
            (Some(from), None) if from >= 0 => from == port,
            _ => true,
        }
    }

    /// True when the rule covers every port of every protocol, or every TCP/UDP port.
    pub fn covers_all_ports(&self) -> bool {
        self.all_protocols()
            || (self.tcp_or_udp()
                && match (self.from_port, self.to_port) {
                    (Some(from), Some(to)) => from <= 0 && to >= 65535 || from < 0 || to < 0,
                    _ => true,
                })
    }

    /// The rule in the console's words, e.g. `tcp 0-65535` or `all traffic`.
    pub fn describe_ports(&self) -> String {
        if self.all_protocols() {
            return "all traffic".to_string();
        }
        match (self.from_port, self.to_port) {
            (Some(f), Some(t)) if f == t => format!("{} {f}", self.protocol),
            (Some(f), Some(t)) => format!("{} {f}-{t}", self.protocol),
            _ => format!("{} (all ports)", self.protocol),
        }
    }

    /// The peers of this rule that are the whole internet.
    pub fn world_peers(&self) -> impl Iterator<Item = &Peer> {
        self.peers.iter().filter(|p| p.is_world())
    }
}

/// Everything the security-group rules need to know about one group.
#[derive(Debug, Clone, PartialEq)]
pub struct SecurityGroup {
    pub id: String,
    pub name: String,
    pub vpc_id: Option<String>,
    pub region: String,
    /// The owning account.
    pub owner: String,
    pub ingress: Vec<SgRule>,
    pub egress: Vec<SgRule>,
    /// Names of the Lambda functions whose `VpcConfig` names this group (from
    /// `lambda:ListFunctions`), sorted; empty when no function uses it.
    pub lambda_functions: Collected<Vec<String>>,
}

/// A flow log of a VPC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowLog {
    pub id: String,
    /// `ACTIVE` when delivering.
    pub status: Option<String>,
    /// `ACCEPT`, `REJECT` or `ALL`.
    pub traffic_type: Option<String>,
}

/// A VPC endpoint in a VPC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VpcEndpoint {
    pub id: String,
    /// e.g. `com.amazonaws.us-east-1.s3`.
    pub service_name: String,
    /// e.g. `available`, `pendingAcceptance`, `deleted`.
    pub state: Option<String>,
}

impl VpcEndpoint {
    /// The short service name, the last dot-separated part (`s3`, `secretsmanager`).
    pub fn short_service(&self) -> &str {
        self.service_name.rsplit('.').next().unwrap_or(&self.service_name)
    }

    /// True unless the endpoint is going away or failed.
    pub fn usable(&self) -> bool {
        !matches!(
            self.state.as_deref().map(str::to_ascii_lowercase).as_deref(),
            Some("deleting" | "deleted" | "rejected" | "failed" | "expired")
        )
    }
}

/// Everything the VPC rules need to know about one VPC.
#[derive(Debug, Clone, PartialEq)]
pub struct Vpc {
    pub id: String,
    pub region: String,
    pub owner: String,
    pub cidr: Option<String>,
    pub is_default: bool,
    pub flow_logs: Collected<Vec<FlowLog>>,
    pub endpoints: Collected<Vec<VpcEndpoint>>,
    /// Names of the Lambda functions attached to this VPC, sorted.
    pub lambda_functions: Collected<Vec<String>>,
}

/// Every security group and VPC of the account in the scanned region, or why they could not be
/// listed.
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkInventory {
    pub security_groups: Collected<Vec<SecurityGroup>>,
    pub vpcs: Collected<Vec<Vpc>>,
}

/// The ARN of an EC2 resource of `kind` (`security-group`, `vpc`) owned by `account`.
pub fn ec2_arn(kind: &str, id: &str, region: &str, account: &str) -> String {
    format!("arn:{}:ec2:{region}:{account}:{kind}/{id}", crate::context::partition_for(region))
}

impl SecurityGroup {
    /// The ARN of the group.
    pub fn arn(&self) -> String {
        ec2_arn("security-group", &self.id, &self.region, &self.owner)
    }

    /// A non-default group with no rules, used by no function.
    pub fn fixture(id: &str) -> Self {
        Self {
            id: id.to_string(),
            name: format!("{id}-name"),
            vpc_id: Some("vpc-0abc".into()),
            region: "us-east-1".into(),
            owner: "123456789012".into(),
            ingress: Vec::new(),
            egress: Vec::new(),
            lambda_functions: Ok(Vec::new()),
        }
    }
}

impl Vpc {
    /// The ARN of the VPC.
    pub fn arn(&self) -> String {
        ec2_arn("vpc", &self.id, &self.region, &self.owner)
    }

    /// A VPC with an active flow log, endpoints for S3 and Secrets Manager, and no function.
    pub fn fixture(id: &str) -> Self {
        Self {
            id: id.to_string(),
            region: "us-east-1".into(),
            owner: "123456789012".into(),
            cidr: Some("10.0.0.0/16".into()),
            is_default: false,
            flow_logs: Ok(vec![FlowLog {
                id: "fl-1".into(),
                status: Some("ACTIVE".into()),
                traffic_type: Some("ALL".into()),
            }]),
            endpoints: Ok(vec![
                VpcEndpoint {
                    id: "vpce-1".into(),
                    service_name: "com.amazonaws.us-east-1.s3".into(),
                    state: Some("available".into()),
                },
                VpcEndpoint {
                    id: "vpce-2".into(),
                    service_name: "com.amazonaws.us-east-1.secretsmanager".into(),
                    state: Some("available".into()),
                },
            ]),
            lambda_functions: Ok(Vec::new()),
        }
    }
}

/// An SG rule from a compact description, for tests: `rule("tcp", 22, 22, &["0.0.0.0/0"])`.
/// A port of `i32::MIN` means "not given" (`None`). Peers starting with `sg-` are groups, `pl-`
/// prefix lists, those with `:` IPv6, the rest IPv4.
pub fn rule(protocol: &str, from: i32, to: i32, peers: &[&str]) -> SgRule {
    SgRule {
        protocol: protocol.to_string(),
        from_port: (from != i32::MIN).then_some(from),
        to_port: (to != i32::MIN).then_some(to),
        peers: peers
            .iter()
            .map(|p| {
                if p.starts_with("sg-") {
                    Peer::Group(p.to_string())
                } else if p.starts_with("pl-") {
                    Peer::PrefixList(p.to_string())
                } else if p.contains(':') {
                    Peer::Ipv6(p.to_string())
                } else {
                    Peer::Ipv4(p.to_string())
                }
            })
            .collect(),
    }
}

/// An AccessDenied collection error for `action`, for tests.
pub fn denied(action: &str) -> CollectError {
    CollectError::new(CollectErrorKind::AccessDenied, action, "UnauthorizedOperation: not authorized")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_coverage() {
        let min = i32::MIN;
        let cases: Vec<(SgRule, u16, bool)> = vec![
            (rule("tcp", 22, 22, &[]), 22, true),
            (rule("tcp", 20, 23, &[]), 22, true),
            (rule("tcp", 23, 25, &[]), 22, false),
            (rule("udp", 3389, 3389, &[]), 3389, true),
            (rule("6", 0, 65535, &[]), 3306, true),
            (rule("-1", min, min, &[]), 22, true),
            (rule("-1", -1, -1, &[]), 22, true),
            (rule("icmp", -1, -1, &[]), 22, false),
            (rule("icmp", 8, 0, &[]), 8, false),
            (rule("50", min, min, &[]), 22, false),
            (rule("tcp", min, min, &[]), 22, true),
        ];
        for (r, port, want) in cases {
            assert_eq!(r.covers_port(port), want, "{r:?} {port}");
        }
        assert!(rule("tcp", 0, 65535, &[]).covers_all_ports());
        assert!(rule("-1", min, min, &[]).covers_all_ports());
        assert!(!rule("tcp", 443, 443, &[]).covers_all_ports());
        assert!(!rule("icmp", -1, -1, &[]).covers_all_ports());
    }

    #[test]
    fn world_peers_are_prefix_zero_in_either_family() {
        let r = rule("tcp", 22, 22, &["0.0.0.0/0", "::/0", "10.0.0.0/8", "sg-1", "pl-1", "2001:db8::/32"]);
        let world: Vec<&str> = r.world_peers().map(Peer::describe).collect();
        assert_eq!(world, vec!["0.0.0.0/0", "::/0"]);
    }

    #[test]
    fn endpoint_short_names_and_states() {
        let e =
            VpcEndpoint { id: "v".into(), service_name: "com.amazonaws.eu-west-1.secretsmanager".into(), state: None };
        assert_eq!(e.short_service(), "secretsmanager");
        assert!(e.usable());
        assert!(!VpcEndpoint { state: Some("Deleted".into()), ..e }.usable());
    }
}
