//! The rule `lambda.layer-not-public`; its documentation is on [`LayerNotPublic`].

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta};
use crate::resources::lambda::LayerVersion;
use crate::rules::policy_checks::not_public;
use crate::rules::Rule;

rule! {
    pub struct LayerNotPublic;
    id: "lambda.layer-not-public",
    title: "Lambda layer versions are not shared with everyone or untrusted accounts",
    severity: High,
    resource_type: "AwsLambdaLayerVersion",
    trigger: Periodic,
    mappings: [],
    seeds: ["004"],
    what_it_checks: "No version of a layer the account owns (`ListLayers`, `ListLayerVersions`) has a\n\
        policy (`GetLayerVersionPolicy`) that shares it with everyone (`Principal: \"*\"`, what\n\
        `add-layer-version-permission --principal *` writes) or with an account that is neither\n\
        the scanned one nor in `trusted_accounts`, unless a condition confines it to the\n\
        organisation (`aws:PrincipalOrgID`, what `--organization-id` writes) or the account. The\n\
        shared policy engine (`policy::external_grants`) decides; a FAIL names each statement.\n\
        *Choice*: a grant confined to an organisation while `organization_id` is not configured\n\
        passes with a note to set it. A version without a policy passes (unshared). A policy that\n\
        could not be read or is not JSON is UNKNOWN. The layer listing failing makes the rule\n\
        UNKNOWN on the account.",
    why_it_matters: "A layer is code and often configuration: a public layer publishes your\n\
        internal libraries, and sometimes the credentials baked into them, to every AWS account.",
    example: "`aws lambda add-layer-version-permission --layer-name shared-lib --version-number 3\n\
        --statement-id public --action lambda:GetLayerVersion --principal '*'`.",
    remediation: "Remove layer version permissions granted to * or to untrusted accounts (aws lambda remove-layer-version-permission), and share with your organisation (--organization-id) instead.\n\
        \n\
        Permissions are per version: remove the statement from every version that has it, and\n\
        publish a new version if the old one must stay reachable by your own accounts only.",
    references: "https://docs.aws.amazon.com/lambda/latest/dg/permissions-layer-cross-account.html",
}

impl Rule for LayerNotPublic {
    type Resource = LayerVersion;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, layer: &LayerVersion, ctx: &ScanContext) -> Outcome {
        let Some(doc) = known!(layer.policy) else {
            return Outcome::pass("the layer version is not shared (no policy)");
        };
        not_public(doc, ctx, "layer version")
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::collected::{CollectError, CollectErrorKind};
    use crate::model::Status;
    use crate::policy::PolicyDocument;
    use crate::ScanConfig;

    fn with(statement: &str) -> LayerVersion {
        let doc = PolicyDocument::parse(&format!(r#"{{"Version":"2012-10-17","Statement":[{statement}]}}"#)).unwrap();
        LayerVersion { policy: Ok(Some(doc)), ..LayerVersion::fixture("shared-lib", 3) }
    }

    const GET: &str =
        r#""Action":"lambda:GetLayerVersion","Resource":"arn:aws:lambda:us-east-1:123456789012:layer:shared-lib:3""#;

    #[test]
    fn table() {
        let cases: Vec<(&str, LayerVersion, Status, &str)> = vec![
            ("unshared", LayerVersion::fixture("shared-lib", 3), Status::Pass, "not shared"),
            (
                "everyone",
                with(&format!(r#"{{"Sid":"public","Effect":"Allow","Principal":"*",{GET}}}"#)),
                Status::Fail,
                "statement public allows lambda:GetLayerVersion to everyone",
            ),
            (
                "foreign account",
                with(&format!(r#"{{"Sid":"vendor","Effect":"Allow","Principal":{{"AWS":"999999999999"}},{GET}}}"#)),
                Status::Fail,
                "account 999999999999",
            ),
            (
                "own account",
                with(&format!(r#"{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::123456789012:root"}},{GET}}}"#)),
                Status::Pass,
                "no layer version policy statement",
            ),
            (
                "trap: the organisation only (OrganizationId)",
                with(&format!(
                    r#"{{"Sid":"org","Effect":"Allow","Principal":"*",{GET},"Condition":{{"StringEquals":{{"aws:PrincipalOrgID":"o-abc123"}}}}}}"#
                )),
                Status::Pass,
                "set organization_id",
            ),
            (
                "not JSON",
                LayerVersion {
                    policy: Err(CollectError::new(
                        CollectErrorKind::Malformed,
                        "lambda:GetLayerVersionPolicy",
                        "layer shared-lib:3: expected value",
                    )),
                    ..LayerVersion::fixture("shared-lib", 3)
                },
                Status::Unknown,
                "malformed document",
            ),
        ];
        let ctx = ScanContext::fixture();
        for (name, layer, status, needle) in cases {
            let o = LayerNotPublic.evaluate(&layer, &ctx);
            assert_eq!(o.status, status, "{name}: {}", o.reason);
            assert!(o.reason.contains(needle), "{name}: {}", o.reason);
        }
        let mut ctx = ScanContext::fixture();
        ctx.config = Arc::new(ScanConfig { organization_id: Some("o-abc123".into()), ..ScanConfig::default() });
        let org = with(&format!(
            r#"{{"Sid":"org","Effect":"Allow","Principal":"*",{GET},"Condition":{{"StringEquals":{{"aws:PrincipalOrgID":"o-abc123"}}}}}}"#
        ));
        assert_eq!(LayerNotPublic.evaluate(&org, &ctx).status, Status::Pass, "the organisation only is not public");
    }
}
