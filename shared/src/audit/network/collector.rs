//! The network collector: lists every security group and VPC of the region (paginated
//! `DescribeSecurityGroups`, `DescribeVpcs`), every flow log and VPC endpoint (paginated
//! `DescribeFlowLogs`, `DescribeVpcEndpoints`, one listing each, shared out to the VPCs), and
//! every Lambda function's `VpcConfig` (paginated `lambda:ListFunctions`) to know which groups
//! and VPCs Lambda uses. The five listings run concurrently.
//!
//! **Why `ListFunctions` and not the ENIs.** A function's `VpcConfig` names its security groups
//! directly, and the function by name, so a finding can say *which* function uses a group; it
//! also covers a function whose ENIs are not created yet (or were reclaimed while idle), and it
//! is one paginated call. `DescribeNetworkInterfaces` with `interface-type=lambda` would show
//! only the ENIs that exist now and name no function. A function's VPC is the VPC of its
//! security groups as `DescribeSecurityGroups` reports it (a group belongs to exactly one VPC),
//! falling back to the `VpcId` Lambda reports.
//!
//! A failed listing of groups or VPCs is the inventory's error; a failed flow-log, endpoint or
//! function listing is stored on every VPC or group it concerns, so those rules say UNKNOWN.

use std::collections::{BTreeMap, BTreeSet};

use aws_config::SdkConfig;
use aws_sdk_ec2::types::{Filter, IpPermission};

use crate::collect::error::{CollectError, CollectErrorKind, Collected};
use crate::collect::pages::all_pages;
use crate::resources::network::{FlowLog, NetworkInventory, Peer, SecurityGroup, SgRule, Vpc, VpcEndpoint};
use crate::scan_config::ScanConfig;

/// Every IAM action this collector calls, as data. The network-audit role must grant exactly
/// these (checked by `tests/tests/template_permissions.rs`).
pub const IAM_ACTIONS: &[&str] =
    &[DESCRIBE_SECURITY_GROUPS, DESCRIBE_VPCS, DESCRIBE_FLOW_LOGS, DESCRIBE_VPC_ENDPOINTS, LIST_FUNCTIONS];

const DESCRIBE_SECURITY_GROUPS: &str = "ec2:DescribeSecurityGroups";
const DESCRIBE_VPCS: &str = "ec2:DescribeVpcs";
const DESCRIBE_FLOW_LOGS: &str = "ec2:DescribeFlowLogs";
const DESCRIBE_VPC_ENDPOINTS: &str = "ec2:DescribeVpcEndpoints";
const LIST_FUNCTIONS: &str = "lambda:ListFunctions";

/// A function's network attachment as `ListFunctions` reports it.
#[derive(Debug, Clone)]
struct FunctionAttachment {
    name: String,
    vpc_id: Option<String>,
    security_group_ids: Vec<String>,
}

/// Reads security groups, VPCs, flow logs, endpoints and the functions' attachments.
#[derive(Clone)]
pub struct NetworkCollector {
    ec2: aws_sdk_ec2::Client,
    lambda: aws_sdk_lambda::Client,
    region: String,
    page_size: Option<i32>,
}

impl NetworkCollector {
    pub fn new(sdk: &SdkConfig, config: &ScanConfig) -> Self {
        let region = sdk.region().map(|r| r.to_string()).unwrap_or_else(|| "us-east-1".to_string());
        Self::from_clients(aws_sdk_ec2::Client::new(sdk), aws_sdk_lambda::Client::new(sdk), &region, config)
    }

    /// A collector over given clients (tests pass mocked ones).
    pub fn from_clients(
        ec2: aws_sdk_ec2::Client,
        lambda: aws_sdk_lambda::Client,
        region: &str,
        config: &ScanConfig,
    ) -> Self {
        Self { ec2, lambda, region: region.to_string(), page_size: config.page_size }
    }

    /// EC2 `MaxResults` must be 5..=1000.
    fn ec2_page(&self) -> Option<i32> {
        self.page_size.map(|p| p.clamp(5, 1000))
    }

    /// Every security group and VPC of the region with everything the rules need. Never fails:
    /// a failed listing is the inventory's error, a failed aspect is that aspect's error.
    pub async fn collect_all(&self) -> NetworkInventory {
        let (groups, vpcs, flow_logs, endpoints, functions) = tokio::join!(
            self.security_groups(None, None),
            self.vpcs(None),
            self.flow_logs(None),
            self.endpoints(None),
            self.functions(),
        );
        // Which VPC each group belongs to: without the group listing, a function's VPC cannot be
        // told from its groups, so the VPCs' function lists are that listing's error.
        let group_vpcs: Collected<BTreeMap<String, String>> = groups
            .as_ref()
            .map(|gs| gs.iter().filter_map(|g| Some((g.id.clone(), g.vpc_id.clone()?))).collect())
            .map_err(Clone::clone);
        let security_groups = groups.map(|gs| {
            gs.into_iter()
                .map(|mut g| {
                    g.lambda_functions = functions.as_ref().map(|fs| users_of_group(fs, &g.id)).map_err(Clone::clone);
                    g
                })
                .collect()
        });
        let vpcs = vpcs.map(|vs| {
            vs.into_iter()
                .map(|mut v| {
                    v.flow_logs = per_vpc(&flow_logs, &v.id);
                    v.endpoints = per_vpc(&endpoints, &v.id);
                    v.lambda_functions = match (&functions, &group_vpcs) {
                        (Ok(fs), Ok(group_vpcs)) => Ok(users_of_vpc(fs, &v.id, group_vpcs)),
                        (Err(e), _) | (_, Err(e)) => Err(e.clone()),
                    };
                    v
                })
                .collect()
        });
        NetworkInventory { security_groups, vpcs }
    }

    /// One security group by id: `Ok(None)` when it does not exist (deleted).
    pub async fn collect_security_group(&self, id: &str) -> Collected<Option<SecurityGroup>> {
        let groups = match self.security_groups(Some(id), None).await {
            Ok(g) => g,
            Err(e) if e.message.contains("InvalidGroup.NotFound") || e.message.contains("InvalidGroupId.Malformed") => {
                return Ok(None)
            }
            Err(e) => return Err(e),
        };
        let Some(mut group) = groups.into_iter().find(|g| g.id == id) else { return Ok(None) };
        group.lambda_functions = self.functions().await.map(|fs| users_of_group(&fs, id));
        Ok(Some(group))
    }

    /// One VPC by id: `Ok(None)` when it does not exist (deleted).
    pub async fn collect_vpc(&self, id: &str) -> Collected<Option<Vpc>> {
        let vpcs = match self.vpcs(Some(id)).await {
            Ok(v) => v,
            Err(e) if e.message.contains("InvalidVpcID.NotFound") || e.message.contains("InvalidVpcID.Malformed") => {
                return Ok(None)
            }
            Err(e) => return Err(e),
        };
        let Some(mut vpc) = vpcs.into_iter().find(|v| v.id == id) else { return Ok(None) };
        let (flow_logs, endpoints, functions, groups) = tokio::join!(
            self.flow_logs(Some(id)),
            self.endpoints(Some(id)),
            self.functions(),
            self.security_groups(None, Some(id)),
        );
        vpc.flow_logs = per_vpc(&flow_logs, id);
        vpc.endpoints = per_vpc(&endpoints, id);
        vpc.lambda_functions = match (functions, groups) {
            (Ok(fs), Ok(gs)) => {
                let group_vpcs = gs.iter().map(|g| (g.id.clone(), id.to_string())).collect();
                Ok(users_of_vpc(&fs, id, &group_vpcs))
            }
            (Err(e), _) | (_, Err(e)) => Err(e),
        };
        Ok(Some(vpc))
    }

    async fn security_groups(&self, id: Option<&str>, vpc: Option<&str>) -> Collected<Vec<SecurityGroup>> {
        let mut request = self.ec2.describe_security_groups();
        if let Some(id) = id {
            request = request.group_ids(id);
        } else {
            request = request.set_max_results(self.ec2_page());
        }
        if let Some(vpc) = vpc {
            request = request.filters(Filter::builder().name("vpc-id").values(vpc).build());
        }
        let pages = all_pages(DESCRIBE_SECURITY_GROUPS, None, request.into_paginator().send()).await?;
        let mut out = Vec::new();
        for page in pages {
            for g in page.security_groups() {
                let malformed = || {
                    CollectError::new(
                        CollectErrorKind::Malformed,
                        DESCRIBE_SECURITY_GROUPS,
                        "a group without a GroupId",
                    )
                };
                out.push(SecurityGroup {
                    id: g.group_id().ok_or_else(malformed)?.to_string(),
                    name: g.group_name().unwrap_or_default().to_string(),
                    vpc_id: g.vpc_id().filter(|v| !v.is_empty()).map(str::to_string),
                    region: self.region.clone(),
                    owner: g.owner_id().unwrap_or_default().to_string(),
                    ingress: g.ip_permissions().iter().map(convert_permission).collect(),
                    egress: g.ip_permissions_egress().iter().map(convert_permission).collect(),
                    lambda_functions: Ok(Vec::new()),
                });
            }
        }
        Ok(out)
    }

    async fn vpcs(&self, id: Option<&str>) -> Collected<Vec<Vpc>> {
        let mut request = self.ec2.describe_vpcs();
        if let Some(id) = id {
            request = request.vpc_ids(id);
        } else {
            request = request.set_max_results(self.ec2_page());
        }
        let pages = all_pages(DESCRIBE_VPCS, None, request.into_paginator().send()).await?;
        let mut out = Vec::new();
        for page in pages {
            for v in page.vpcs() {
                let id = v.vpc_id().ok_or_else(|| {
                    CollectError::new(CollectErrorKind::Malformed, DESCRIBE_VPCS, "a VPC without a VpcId")
                })?;
                out.push(Vpc {
                    id: id.to_string(),
                    region: self.region.clone(),
                    owner: v.owner_id().unwrap_or_default().to_string(),
                    cidr: v.cidr_block().map(str::to_string),
                    is_default: v.is_default().unwrap_or(false),
                    flow_logs: Ok(Vec::new()),
                    endpoints: Ok(Vec::new()),
                    lambda_functions: Ok(Vec::new()),
                });
            }
        }
        Ok(out)
    }

    /// Flow logs by the VPC they are attached to (flow logs of subnets and ENIs are skipped).
    async fn flow_logs(&self, vpc: Option<&str>) -> Collected<BTreeMap<String, Vec<FlowLog>>> {
        let mut request = self.ec2.describe_flow_logs().set_max_results(self.ec2_page());
        if let Some(vpc) = vpc {
            request = request.filter(Filter::builder().name("resource-id").values(vpc).build());
        }
        let pages = all_pages(DESCRIBE_FLOW_LOGS, None, request.into_paginator().send()).await?;
        let mut out: BTreeMap<String, Vec<FlowLog>> = BTreeMap::new();
        for page in pages {
            for f in page.flow_logs() {
                let Some(resource) = f.resource_id().filter(|r| r.starts_with("vpc-")) else { continue };
                out.entry(resource.to_string()).or_default().push(FlowLog {
                    id: f.flow_log_id().unwrap_or_default().to_string(),
                    status: f.flow_log_status().map(str::to_string),
                    traffic_type: f.traffic_type().map(|t| t.as_str().to_string()),
                });
            }
        }
        Ok(out)
    }

    /// VPC endpoints by VPC.
    async fn endpoints(&self, vpc: Option<&str>) -> Collected<BTreeMap<String, Vec<VpcEndpoint>>> {
        let mut request = self.ec2.describe_vpc_endpoints().set_max_results(self.ec2_page());
        if let Some(vpc) = vpc {
            request = request.filters(Filter::builder().name("vpc-id").values(vpc).build());
        }
        let pages = all_pages(DESCRIBE_VPC_ENDPOINTS, None, request.into_paginator().send()).await?;
        let mut out: BTreeMap<String, Vec<VpcEndpoint>> = BTreeMap::new();
        for page in pages {
            for e in page.vpc_endpoints() {
                let Some(vpc_id) = e.vpc_id() else { continue };
                out.entry(vpc_id.to_string()).or_default().push(VpcEndpoint {
                    id: e.vpc_endpoint_id().unwrap_or_default().to_string(),
                    service_name: e.service_name().unwrap_or_default().to_string(),
                    state: e.state().map(|s| s.as_str().to_string()),
                });
            }
        }
        Ok(out)
    }

    /// Every function attached to a VPC (functions without a `VpcConfig` are left out).
    async fn functions(&self) -> Collected<Vec<FunctionAttachment>> {
        let request = self.lambda.list_functions().set_max_items(self.page_size.map(|p| p.clamp(1, 50)));
        let pages = all_pages(LIST_FUNCTIONS, None, request.into_paginator().send()).await?;
        let mut out = Vec::new();
        for page in pages {
            for f in page.functions() {
                let Some(vpc) = f.vpc_config().filter(|v| !v.security_group_ids().is_empty()) else { continue };
                out.push(FunctionAttachment {
                    name: f.function_name().unwrap_or_default().to_string(),
                    vpc_id: vpc.vpc_id().filter(|v| !v.is_empty()).map(str::to_string),
                    security_group_ids: vpc.security_group_ids().to_vec(),
                });
            }
        }
        Ok(out)
    }
}

fn convert_permission(p: &IpPermission) -> SgRule {
    let mut peers: Vec<Peer> = Vec::new();
    peers.extend(p.ip_ranges().iter().filter_map(|r| r.cidr_ip()).map(|c| Peer::Ipv4(c.to_string())));
    peers.extend(p.ipv6_ranges().iter().filter_map(|r| r.cidr_ipv6()).map(|c| Peer::Ipv6(c.to_string())));
    peers.extend(p.user_id_group_pairs().iter().filter_map(|g| g.group_id()).map(|g| Peer::Group(g.to_string())));
    peers
        .extend(p.prefix_list_ids().iter().filter_map(|l| l.prefix_list_id()).map(|l| Peer::PrefixList(l.to_string())));
    SgRule {
        protocol: p.ip_protocol().unwrap_or("-1").to_string(),
        from_port: p.from_port(),
        to_port: p.to_port(),
        peers,
    }
}

/// The entry of `vpc` in a per-VPC listing, or the listing's error.
fn per_vpc<T: Clone>(listing: &Collected<BTreeMap<String, Vec<T>>>, vpc: &str) -> Collected<Vec<T>> {
    match listing {
        Ok(map) => Ok(map.get(vpc).cloned().unwrap_or_default()),
        Err(e) => Err(e.clone()),
    }
}

/// The sorted names of the functions whose `VpcConfig` names `group`.
fn users_of_group(functions: &[FunctionAttachment], group: &str) -> Vec<String> {
    let names: BTreeSet<String> =
        functions.iter().filter(|f| f.security_group_ids.iter().any(|g| g == group)).map(|f| f.name.clone()).collect();
    names.into_iter().collect()
}

/// The sorted names of the functions in `vpc`: the VPC of any of their groups, or the one
/// Lambda reports when none of their groups is known.
fn users_of_vpc(functions: &[FunctionAttachment], vpc: &str, group_vpcs: &BTreeMap<String, String>) -> Vec<String> {
    let names: BTreeSet<String> = functions
        .iter()
        .filter(|f| {
            let from_groups: Vec<&String> = f.security_group_ids.iter().filter_map(|g| group_vpcs.get(g)).collect();
            if from_groups.is_empty() {
                f.vpc_id.as_deref() == Some(vpc)
            } else {
                from_groups.iter().any(|v| v.as_str() == vpc)
            }
        })
        .map(|f| f.name.clone())
        .collect();
    names.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attachment(name: &str, vpc: Option<&str>, groups: &[&str]) -> FunctionAttachment {
        FunctionAttachment {
            name: name.into(),
            vpc_id: vpc.map(str::to_string),
            security_group_ids: groups.iter().map(|g| g.to_string()).collect(),
        }
    }

    #[test]
    fn functions_are_placed_by_their_groups_then_by_the_reported_vpc() {
        let fs = vec![
            attachment("a", Some("vpc-123abc"), &["sg-1"]),
            attachment("b", Some("vpc-2"), &["sg-unknown"]),
            attachment("c", None, &["sg-1", "sg-2"]),
        ];
        let group_vpcs = BTreeMap::from([("sg-1".to_string(), "vpc-1".to_string()), ("sg-2".into(), "vpc-1".into())]);
        assert_eq!(users_of_vpc(&fs, "vpc-1", &group_vpcs), vec!["a", "c"]);
        assert_eq!(users_of_vpc(&fs, "vpc-2", &group_vpcs), vec!["b"]);
        assert!(users_of_vpc(&fs, "vpc-123abc", &group_vpcs).is_empty(), "the groups' VPC wins");
        assert_eq!(users_of_group(&fs, "sg-1"), vec!["a", "c"]);
        assert!(users_of_group(&fs, "sg-3").is_empty());
    }

    #[test]
    fn a_failed_listing_is_every_vpcs_error() {
        let err: Collected<BTreeMap<String, Vec<FlowLog>>> =
            Err(CollectError::new(CollectErrorKind::AccessDenied, DESCRIBE_FLOW_LOGS, "denied"));
        assert!(per_vpc(&err, "vpc-1").is_err());
        let ok: Collected<BTreeMap<String, Vec<FlowLog>>> = Ok(BTreeMap::new());
        assert_eq!(per_vpc(&ok, "vpc-1"), Ok(Vec::new()));
    }
}
