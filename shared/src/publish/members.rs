//! Hub-and-spoke publishing: Security Hub accepts a finding (with the account's default
//! product ARN) only from the account the finding is about, so a hub's publisher imports each
//! member account's findings with that member's assumed-role credentials
//! (`collect::members::MemberAccounts`). [`AccountRouter`] is a [`FindingsStore`] that sends
//! each finding, id and archive query to the store of its account; anything for an account it
//! does not know goes to the hub's own store. With Security Hub's cross-account aggregation
//! (a delegated administrator), the members' findings then appear in the hub as well.

use std::collections::{BTreeMap, HashMap};

use crate::publish::securityhub::{ArchiveScope, FindingKey, FindingsStore, ImportReport, PreviousState, StoreError};
use crate::render::asff::AsffFinding;

/// A [`FindingsStore`] per account.
pub struct AccountRouter<S> {
    own: S,
    members: HashMap<String, S>,
}

impl<S> AccountRouter<S> {
    pub fn new(own: S, members: impl IntoIterator<Item = (String, S)>) -> Self {
        Self { own, members: members.into_iter().collect() }
    }

    fn store(&self, account: &str) -> &S {
        self.members.get(account).unwrap_or(&self.own)
    }

    /// The account in a ztscan finding id (`ztscan/<account>/<region>/<rule>/<hash>`).
    fn account_of_id(id: &str) -> &str {
        id.split('/').nth(1).unwrap_or_default()
    }
}

impl<S: FindingsStore + Sync> FindingsStore for AccountRouter<S> {
    async fn previous(&self, keys: &[FindingKey]) -> Result<HashMap<String, PreviousState>, StoreError> {
        let mut by_account: BTreeMap<&str, Vec<FindingKey>> = BTreeMap::new();
        for key in keys {
            by_account.entry(Self::account_of_id(&key.id)).or_default().push(key.clone());
        }
        let mut out = HashMap::new();
        for (account, keys) in by_account {
            out.extend(self.store(account).previous(&keys).await?);
        }
        Ok(out)
    }

    async fn import(&self, findings: Vec<AsffFinding>) -> Result<ImportReport, StoreError> {
        let mut by_account: BTreeMap<String, Vec<AsffFinding>> = BTreeMap::new();
        for f in findings {
            by_account.entry(f.aws_account_id.clone()).or_default().push(f);
        }
        let mut report = ImportReport::default();
        for (account, findings) in by_account {
            report.rejected.extend(self.store(&account).import(findings).await?.rejected);
        }
        Ok(report)
    }

    async fn active_for_rules(&self, scope: &ArchiveScope) -> Result<Vec<AsffFinding>, StoreError> {
        self.store(&scope.account).active_for_rules(scope).await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::model::{Finding, Outcome, ResourceRef, RuleDoc, RuleMeta, Severity, Trigger};
    use crate::render::asff::{default_product_arn, product_arn_for, to_asff, Before};
    use chrono::Utc;

    /// A store that records what reached it.
    #[derive(Default)]
    struct Recorder {
        previous: Mutex<Vec<String>>,
        imported: Mutex<Vec<String>>,
        products: Mutex<Vec<String>>,
        archived: Mutex<Vec<String>>,
    }

    impl FindingsStore for Recorder {
        async fn previous(&self, keys: &[FindingKey]) -> Result<HashMap<String, PreviousState>, StoreError> {
            self.previous.lock().unwrap().extend(keys.iter().map(|k| k.id.clone()));
            Ok(HashMap::new())
        }
        async fn import(&self, findings: Vec<AsffFinding>) -> Result<ImportReport, StoreError> {
            self.imported.lock().unwrap().extend(findings.iter().map(|f| f.aws_account_id.clone()));
            self.products.lock().unwrap().extend(findings.iter().map(|f| f.product_arn.clone()));
            Ok(ImportReport::default())
        }
        async fn active_for_rules(&self, scope: &ArchiveScope) -> Result<Vec<AsffFinding>, StoreError> {
            self.archived.lock().unwrap().push(scope.account.clone());
            Ok(vec![])
        }
    }

    const HUB_PRODUCT: &str = "arn:aws:securityhub:us-east-1:123456789012:product/123456789012/default";

    static META: RuleMeta = RuleMeta {
        id: "s3.x",
        title: "x",
        severity: Severity::Low,
        resource_type: "AwsS3Bucket",
        trigger: Trigger::Change,
        mappings: &[],
        seeds: &[],
        doc: RuleDoc::remediation_only("none"),
    };

    fn finding(account: &str) -> Finding {
        let r = ResourceRef {
            resource_type: "AwsS3Bucket".into(),
            id: format!("b-{account}"),
            arn: None,
            account: account.into(),
            region: "us-east-1".into(),
            partition: "aws".into(),
        };
        Finding::new(&META, r, Outcome::fail("bad"), Utc::now())
    }

    #[tokio::test]
    async fn each_account_s_findings_reach_that_account_s_store() {
        let router = AccountRouter::new(Recorder::default(), [("222222222222".to_string(), Recorder::default())]);
        let fs = [finding("123456789012"), finding("222222222222"), finding("999999999999")];
        let keys: Vec<FindingKey> = fs
            .iter()
            .map(|f| FindingKey {
                id: f.id(),
                product_arn: default_product_arn("aws", "us-east-1", &f.resource.account),
            })
            .collect();
        router.previous(&keys).await.unwrap();
        let asff: Vec<AsffFinding> = fs
            .iter()
            .map(|f| {
                let product = product_arn_for(Some(HUB_PRODUCT), "aws", "us-east-1", &f.resource.account);
                to_asff(f, &product, None, Before::New)
            })
            .collect();
        router.import(asff).await.unwrap();
        let scope = ArchiveScope {
            account: "222222222222".into(),
            product_arn: Some(default_product_arn("aws", "us-east-1", "222222222222")),
            region: Some("us-east-1".into()),
            rule_ids: vec!["s3.x".into()],
            before: Utc::now(),
        };
        router.active_for_rules(&scope).await.unwrap();

        let member = &router.members["222222222222"];
        assert_eq!(*member.imported.lock().unwrap(), vec!["222222222222"]);
        assert_eq!(member.previous.lock().unwrap().len(), 1);
        assert!(member.previous.lock().unwrap()[0].starts_with("ztscan/222222222222/"));
        assert_eq!(*member.archived.lock().unwrap(), vec!["222222222222"]);
        // The hub's configured product ARN is the hub's: the member's findings, imported with the
        // member's credentials, carry the member's own default product.
        assert_eq!(
            *member.products.lock().unwrap(),
            vec!["arn:aws:securityhub:us-east-1:222222222222:product/222222222222/default"]
        );
        assert_eq!(router.own.products.lock().unwrap()[0], HUB_PRODUCT);
        // The hub's own account, and an account it does not know, stay with the hub's store.
        assert_eq!(*router.own.imported.lock().unwrap(), vec!["123456789012", "999999999999"]);
        assert!(router.own.archived.lock().unwrap().is_empty());
    }
}
