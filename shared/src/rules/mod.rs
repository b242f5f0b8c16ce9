//! Rules: pure, synchronous checks over collected resources, one file per rule, and the
//! rule lists each audit runs. Adding a rule means its file plus one line in its service's list
//! (e.g. `s3::BUCKET_RULES`); the catalogue (`audit::all_metas`) is derived from the audits.
//!
//! A rule's metadata and documentation are written once, in its file, with [`rule!`]: the macro
//! turns them into the rule struct's rustdoc and into its `META`, which `ztscan rules`,
//! `ztscan explain` and `docs/rules.md` read at run time.

/// Declares a rule: its struct, and a `static META: RuleMeta` holding its metadata and its
/// documentation sections, which also become the struct's rustdoc. Each section is a string
/// literal of Markdown; `remediation` starts with the one-sentence fix findings carry, then a
/// blank line and the detail; `references` is further reading only (the mappings and seeds are
/// data). Mappings are typed: `Fsbp("S3.5")`, `Cis("1.16")`, `Prowler("check_name")`, ...
macro_rules! rule {
    (
        $vis:vis struct $name:ident;
        id: $id:literal,
        title: $title:literal,
        severity: $severity:ident,
        resource_type: $resource_type:literal,
        trigger: $trigger:ident,
        mappings: [$($kind:ident($mapping:literal)),* $(,)?],
        seeds: [$($seed:literal),* $(,)?],
        what_it_checks: $what:literal,
        why_it_matters: $why:literal,
        example: $example:literal,
        remediation: $remediation:literal,
        references: $references:literal $(,)?
    ) => {
        #[doc = concat!("`", $id, "`: ", $title, ".")]
        #[doc = ""]
        #[doc = concat!("**What it checks.** ", $what)]
        #[doc = ""]
        #[doc = concat!("**Why it matters.** ", $why)]
        #[doc = ""]
        #[doc = concat!("**Example.** ", $example)]
        #[doc = ""]
        #[doc = concat!("**Remediation.** ", $remediation)]
        #[doc = ""]
        #[doc = concat!("**References.** ", $(stringify!($kind), " ", $mapping, "; ",)* "seeds ", $($seed, " ",)* ". ", $references)]
        $vis struct $name;

        static META: $crate::model::RuleMeta = $crate::model::RuleMeta {
            id: $id,
            title: $title,
            severity: $crate::model::Severity::$severity,
            resource_type: $resource_type,
            trigger: $crate::model::Trigger::$trigger,
            mappings: &[$($crate::model::Mapping::$kind(::std::borrow::Cow::Borrowed($mapping))),*],
            seeds: &[$($seed),*],
            doc: $crate::model::RuleDoc {
                what_it_checks: $what,
                why_it_matters: $why,
                example: $example,
                remediation: $remediation,
                references: $references,
            },
        };
    };
}

pub mod account;
pub mod apigateway;
pub mod cloudformation;
pub mod cognito;
pub mod dynamodb;
pub mod events;
pub mod iam;
pub mod kms;
pub mod lambda;
pub mod logs;
pub mod network;
pub(crate) mod policy_checks;
pub mod s3;
pub mod secretsmanager;
pub mod sns;
pub mod sqs;
pub mod ssm;

use crate::context::ScanContext;
use crate::model::{Outcome, RuleMeta};

/// A rule evaluates one kind of resource. It does no IO, reads no clock (use `ctx.now`) and
/// logs nothing.
pub trait Rule: Send + Sync {
    type Resource;
    fn meta(&self) -> &'static RuleMeta;
    fn evaluate(&self, resource: &Self::Resource, ctx: &ScanContext) -> Outcome;
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use crate::audit::{all_metas, meta_by_id};

    #[test]
    fn ids_are_unique_and_metadata_complete() {
        let metas = all_metas();
        let mut seen = HashSet::new();
        for m in &metas {
            assert!(seen.insert(m.id), "duplicate rule id {}", m.id);
            let (service, what) = m.id.split_once('.').unwrap_or(("", ""));
            assert!(!service.is_empty() && !what.is_empty(), "{}: id must be <service>.<what>", m.id);
            assert!(
                m.id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-'),
                "{}: ids are lower-case and hyphenated",
                m.id
            );
            assert!(!m.title.is_empty(), "{}: title", m.id);
            assert!(m.remediation().len() > 20, "{}: remediation", m.id);
            assert!(!m.resource_type.is_empty(), "{}: resource type", m.id);
            assert!(!m.seeds.is_empty(), "{}: seed references", m.id);
            for section in [m.doc.what_it_checks, m.doc.why_it_matters, m.doc.example, m.doc.remediation] {
                assert!(section.trim().len() > 20, "{}: every documentation section is written", m.id);
            }
        }
    }

    #[test]
    fn mappings_are_real_ids_never_placeholders() {
        for m in all_metas() {
            for mapping in m.mappings {
                let id = mapping.id();
                assert!(
                    !id.is_empty() && !id.contains(['(', ')', ' ']) && !id.eq_ignore_ascii_case("none"),
                    "{}: {mapping:?} is a placeholder, not an id",
                    m.id
                );
                assert_eq!(mapping.to_string().parse::<crate::model::Mapping>().as_ref(), Ok(mapping), "{}", m.id);
            }
        }
    }

    #[test]
    fn every_s3_control_in_the_catalogue_is_registered() {
        let want = [
            "s3.account-public-access-blocked",
            "s3.bucket-public-access-blocked",
            "s3.bucket-not-public",
            "s3.bucket-requires-tls",
            "s3.bucket-encrypted-with-kms",
            "s3.bucket-versioning-enabled",
            "s3.bucket-mfa-delete-enabled",
            "s3.bucket-replicated-cross-region",
            "s3.bucket-acls-disabled",
            "s3.bucket-access-logging-enabled",
            "s3.bucket-no-broad-cross-account",
            "s3.bucket-restricted-to-vpc-endpoint",
        ];
        for id in want {
            assert!(meta_by_id(id).is_some(), "{id} is not registered");
        }
    }

    #[test]
    fn every_iam_control_in_the_catalogue_is_registered() {
        let want = [
            "iam.no-admin-policy",
            "iam.no-service-wildcard-actions",
            "iam.no-wildcard-resource-for-write",
            "iam.no-privilege-escalation",
            "iam.no-notaction-allow",
            "iam.lambda-role-has-permissions-boundary",
            "iam.lambda-role-not-shared",
            "iam.lambda-role-no-broad-managed-policy",
            "iam.trust-policy-restricts-principals",
            "iam.no-unused-permissions",
            "iam.users-have-mfa",
            "iam.root-mfa-and-no-keys",
            "iam.access-keys-rotated",
            "iam.no-user-attached-policies",
            "iam.password-policy-strong",
        ];
        for id in want {
            assert!(meta_by_id(id).is_some(), "{id} is not registered");
        }
        let registered = all_metas().iter().filter(|m| m.id.starts_with("iam.")).count();
        assert_eq!(registered, want.len(), "an iam.* rule is registered that the catalogue does not list");
    }

    #[test]
    fn every_lambda_control_in_the_catalogue_is_registered() {
        let want = [
            "lambda.no-secrets-in-env",
            "lambda.not-public",
            "lambda.service-invoke-has-source-condition",
            "lambda.url-requires-auth",
            "lambda.supported-runtime",
            "lambda.in-vpc",
            "lambda.vpc-multi-az",
            "lambda.reserved-concurrency-set",
            "lambda.code-signing-enforced",
            "lambda.env-encrypted-with-cmk",
            "lambda.has-required-tags",
            "lambda.has-failure-destination",
            "lambda.tracing-enabled",
            "lambda.no-cross-account-layers",
            "lambda.url-cors-restricted",
            "lambda.layer-not-public",
        ];
        for id in want {
            assert!(meta_by_id(id).is_some(), "{id} is not registered");
        }
        let registered = all_metas().iter().filter(|m| m.id.starts_with("lambda.")).count();
        assert_eq!(registered, want.len(), "a lambda.* rule is registered that the catalogue does not list");
    }

    #[test]
    fn every_ec2_control_in_the_catalogue_is_registered() {
        let want = [
            "ec2.no-open-admin-ports",
            "ec2.default-sg-restricts-all",
            "ec2.vpc-flow-logs-enabled",
            "ec2.lambda-egress-restricted",
            "ec2.vpc-has-private-endpoints",
        ];
        for id in want {
            assert!(meta_by_id(id).is_some(), "{id} is in the catalogue but not registered");
        }
        let registered = all_metas().iter().filter(|m| m.id.starts_with("ec2.")).count();
        assert_eq!(registered, want.len(), "an ec2.* rule is registered that the catalogue does not list");
    }

    #[test]
    fn every_secretsmanager_control_in_the_catalogue_is_registered() {
        let want = [
            "secretsmanager.rotation-enabled",
            "secretsmanager.rotated-recently",
            "secretsmanager.secret-used",
            "secretsmanager.encrypted-with-cmk",
            "secretsmanager.policy-not-public",
        ];
        for id in want {
            assert!(meta_by_id(id).is_some(), "{id} is not registered");
        }
        let registered = all_metas().iter().filter(|m| m.id.starts_with("secretsmanager.")).count();
        assert_eq!(registered, want.len(), "a secretsmanager.* rule is registered that the catalogue does not list");
    }

    #[test]
    fn every_account_control_in_the_catalogue_is_registered() {
        let want = [
            "account.cloudtrail-multi-region",
            "account.guardduty-enabled",
            "account.config-recording",
            "account.securityhub-enabled",
            "account.access-analyzer-enabled",
            "account.inspector-lambda-enabled",
            "account.kms-rotation-enabled",
        ];
        for id in want {
            assert!(meta_by_id(id).is_some(), "{id} is not registered");
        }
        let registered = all_metas().iter().filter(|m| m.id.starts_with("account.")).count();
        assert_eq!(registered, want.len(), "an account.* rule is registered that the catalogue does not list");
    }

    #[test]
    fn every_messaging_control_in_the_catalogue_is_registered() {
        let want = [
            "sns.topic-encrypted",
            "sns.topic-not-public",
            "sns.topic-requires-tls",
            "sns.no-http-subscriptions",
            "sqs.queue-encrypted",
            "sqs.queue-not-public",
            "events.bus-not-public",
        ];
        for id in want {
            assert!(meta_by_id(id).is_some(), "{id} is not registered");
        }
        let registered = all_metas()
            .iter()
            .filter(|m| m.id.starts_with("sns.") || m.id.starts_with("sqs.") || m.id.starts_with("events."))
            .count();
        assert_eq!(registered, want.len(), "a messaging rule is registered that the catalogue does not list");
    }

    #[test]
    fn every_cloudformation_control_in_the_catalogue_is_registered() {
        let want = [
            "cloudformation.termination-protection-enabled",
            "cloudformation.notifies-sns",
            "cloudformation.no-secrets-in-outputs",
        ];
        for id in want {
            assert!(meta_by_id(id).is_some(), "{id} is not registered");
        }
        let registered = all_metas().iter().filter(|m| m.id.starts_with("cloudformation.")).count();
        assert_eq!(registered, want.len(), "a cloudformation.* rule is registered that the catalogue does not list");
    }

    #[test]
    fn every_api_front_door_control_in_the_catalogue_is_registered() {
        let want = [
            ("apigateway.api-not-public", crate::model::Severity::High),
            ("apigateway.routes-require-authorization", crate::model::Severity::High),
            ("apigateway.access-logging-enabled", crate::model::Severity::Medium),
            ("apigateway.waf-attached", crate::model::Severity::Medium),
            ("apigateway.tls-1-2-minimum", crate::model::Severity::Medium),
            ("apigateway.tracing-enabled", crate::model::Severity::Low),
            ("cognito.user-pool-mfa-required", crate::model::Severity::High),
            ("cognito.identity-pool-no-unauthenticated", crate::model::Severity::Medium),
        ];
        for (id, severity) in want {
            let m = meta_by_id(id).unwrap_or_else(|| panic!("{id} is not registered"));
            assert_eq!(m.severity, severity, "{id}: the catalogue's severity");
        }
        let registered =
            all_metas().iter().filter(|m| m.id.starts_with("apigateway.") || m.id.starts_with("cognito.")).count();
        assert_eq!(registered, want.len(), "an API front-door rule is registered that the catalogue does not list");
    }
}
