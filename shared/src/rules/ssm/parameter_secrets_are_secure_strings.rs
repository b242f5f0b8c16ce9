//! The rule `ssm.parameter-secrets-are-secure-strings`; its documentation is on
//! [`ParameterSecretsAreSecureStrings`].

use crate::context::ScanContext;
use crate::known;
use crate::model::{Outcome, RuleMeta};
use crate::resources::data::SsmParameter;
use crate::rules::Rule;

rule! {
    pub struct ParameterSecretsAreSecureStrings;
    id: "ssm.parameter-secrets-are-secure-strings",
    title: "SSM String parameters hold no secrets",
    severity: High,
    resource_type: "Other",
    trigger: Periodic,
    mappings: [],
    seeds: ["002"],
    what_it_checks: "A `String` or `StringList` parameter's name and value do not look like a\n\
        secret to the shared secret detector (`secrets::Detector`, the one that reads Lambda\n\
        environment variables, with the same `secret_ignore` globs): provider token patterns, private\n\
        keys, URLs with a password, AWS secret keys, and high-entropy values under a\n\
        password/secret/token/key name (the name's `/` separated path words count, so\n\
        `/app/prod/db-password` is a password name). The collector reads the values with\n\
        `GetParameters` (`WithDecryption` false, in batches of 10), hands each to the detector and\n\
        drops it at once: findings name the parameter and the detector, never the value. Numbers,\n\
        flags, references (`arn:...`, `{{resolve:...}}`, parameter paths) and URLs without\n\
        credentials are not secrets.\n\
        \n\
        A `SecureString` is NOT_APPLICABLE: it is encrypted, and its value is never read (the role\n\
        has no `kms:Decrypt`). A value that could not be read is UNKNOWN with the reason. Config\n\
        does not record SSM parameters, so the rule runs on the schedule only.",
    why_it_matters: "A `String` parameter is readable in clear by anyone with\n\
        `ssm:GetParameter*` on it (often `ssm:GetParameters` on `*` for \"read the settings\"),\n\
        shows in the console and in CloudFormation, and is not encrypted with a key whose policy\n\
        could restrict it: a secret there is a secret shared with every reader of settings.",
    example: "`aws ssm put-parameter --name /app/prod/db-password --type String --value <password>`.",
    remediation: "Store the value as a SecureString (ssm put-parameter --type SecureString --overwrite) or move it to Secrets Manager, then rotate it, since it was readable in clear.\n\
        \n\
        `aws ssm delete-parameter` and re-create it with `--type SecureString --key-id <cmk>`\n\
        (the type of an existing parameter cannot be changed by `--overwrite` alone); rotate the\n\
        credential, since every reader of the parameter could see it.",
    references: "",
}

impl Rule for ParameterSecretsAreSecureStrings {
    type Resource = SsmParameter;

    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn evaluate(&self, parameter: &SsmParameter, _ctx: &ScanContext) -> Outcome {
        let kind = parameter.parameter_type.as_str();
        if !parameter.parameter_type.is_plain_text() {
            return Outcome::not_applicable(format!("a {kind} parameter; its value is not read"));
        }
        match known!(parameter.detection) {
            Some(detector) => Outcome::fail(format!(
                "the {kind} parameter {} looks like it holds a secret ({detector}): store it as a SecureString",
                parameter.name
            )),
            None => Outcome::pass(format!("the {kind} parameter holds nothing that looks like a secret")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Status;
    use crate::resources::data::{denied, ParameterType};
    use crate::secrets::{patterns, Detector};

    /// A parameter as the collector builds it: the detector's verdict on `value`, which is then
    /// dropped.
    fn scanned(name: &str, parameter_type: ParameterType, value: &str) -> SsmParameter {
        let detection = Detector::new(&[]).scan(name, value).map(|d| d.detector);
        SsmParameter { parameter_type, detection: Ok(detection), ..SsmParameter::fixture(name) }
    }

    #[test]
    fn table() {
        let password = format!("Xk9#{}!vL", "mQ2");
        let stripe = format!("sk_live_{}", "4eC39HqLyjWD".repeat(2));
        let cases = [
            ("a log level", scanned("/app/prod/log-level", ParameterType::String, "DEBUG"), Status::Pass, "nothing"),
            // Accuracy traps: a number and a URL without credentials are not secrets.
            ("a port number", scanned("/app/prod/db-port", ParameterType::String, "5432"), Status::Pass, "nothing"),
            (
                "a number under a token name",
                scanned("/app/prod/token-ttl", ParameterType::String, "86400"),
                Status::Pass,
                "nothing",
            ),
            (
                "a date under a token name",
                scanned("/app/prod/api-token", ParameterType::String, "20240101"),
                Status::Pass,
                "nothing",
            ),
            (
                "a URL without credentials",
                scanned("/app/prod/api-endpoint", ParameterType::String, "https://api.example.com/v1?region=eu"),
                Status::Pass,
                "nothing",
            ),
            (
                "a URL without credentials under a secret name",
                scanned("/app/prod/auth-secret", ParameterType::String, "https://auth.example.com/oauth2/token"),
                Status::Pass,
                "nothing",
            ),
            (
                "a list of hosts",
                scanned("/app/prod/hosts", ParameterType::StringList, "10.0.0.1,10.0.0.2"),
                Status::Pass,
                "StringList",
            ),
            (
                "a password under a path name",
                scanned("/app/prod/db/password", ParameterType::String, &password),
                Status::Fail,
                "the String parameter /app/prod/db/password looks like it holds a secret (generic-high-entropy)",
            ),
            (
                "a provider token",
                scanned("/app/prod/billing", ParameterType::String, &stripe),
                Status::Fail,
                patterns::STRIPE,
            ),
            (
                "a connection string with a password",
                scanned("/app/prod/database", ParameterType::StringList, "postgres://app:s3cr3tP4ss@db:5432/app,x"),
                Status::Fail,
                "StringList parameter",
            ),
            (
                "a SecureString",
                SsmParameter { parameter_type: ParameterType::SecureString, ..SsmParameter::fixture("/app/k") },
                Status::NotApplicable,
                "SecureString parameter; its value is not read",
            ),
            (
                "value unreadable",
                SsmParameter { detection: Err(denied("ssm:GetParameters")), ..SsmParameter::fixture("/app/k") },
                Status::Unknown,
                "access denied on ssm:GetParameters",
            ),
        ];
        let ctx = ScanContext::fixture();
        for (name, parameter, status, needle) in cases {
            let o = ParameterSecretsAreSecureStrings.evaluate(&parameter, &ctx);
            assert_eq!(o.status, status, "{name}: {}", o.reason);
            assert!(o.reason.contains(needle), "{name}: {}", o.reason);
            assert!(!o.reason.contains(&password) && !o.reason.contains("s3cr3tP4ss"), "{name}: a value leaked");
        }
    }
}
