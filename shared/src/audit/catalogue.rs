//! The rule catalogue: every rule's metadata and documentation, joined with what the audit that
//! runs it needs (its IAM actions) and whether a change event re-evaluates it. `ztscan rules`,
//! `ztscan explain` and `docs/rules.md` read it; `render::rules` formats it.

use crate::model::RuleMeta;
pub use crate::render::rules::{AuditFacts, RuleEntry};

/// Every rule, in registry order, with the facts of the audit that runs it.
pub fn entries() -> Vec<RuleEntry> {
    super::all_metas().into_iter().map(|meta| RuleEntry { meta, audit: audit_of(meta) }).collect()
}

/// The rule `id`, or an error naming the closest ids.
pub fn find(id: &str) -> Result<RuleEntry, UnknownRule> {
    let wanted = id.trim();
    entries().into_iter().find(|e| e.meta.id == wanted).ok_or_else(|| UnknownRule {
        id: id.to_string(),
        closest: closest_ids(wanted, super::all_metas().iter().map(|m| m.id)),
    })
}

/// A rule id ztscan does not know, with the ids it may have meant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no rule {id:?}{}", suggestion(closest))]
pub struct UnknownRule {
    pub id: String,
    pub closest: Vec<&'static str>,
}

fn suggestion(closest: &[&str]) -> String {
    match closest {
        [] => "; `ztscan rules` lists every rule".to_string(),
        ids => format!("; did you mean {}?", ids.join(", ")),
    }
}

/// How many suggestions an unknown id gets at most.
const MAX_SUGGESTIONS: usize = 3;

/// The ids closest to `wanted`: by edit distance to the whole id or to its part after the
/// service (`bucket-requires-tls`), within a third of the id's length; failing that, the ids
/// sharing its longest prefix (at least the service, e.g. `s3.`).
pub fn closest_ids(wanted: &str, ids: impl Iterator<Item = &'static str> + Clone) -> Vec<&'static str> {
    let wanted = wanted.to_ascii_lowercase();
    let limit = (wanted.chars().count() / 3).max(2);
    let mut near: Vec<(usize, &'static str)> = ids
        .clone()
        .filter_map(|id| {
            let short = id.split_once('.').map_or(id, |(_, what)| what);
            let distance = edit_distance(&wanted, id).min(edit_distance(&wanted, short));
            (distance <= limit).then_some((distance, id))
        })
        .collect();
    near.sort();
    if near.is_empty() {
        let prefix = |id: &str| id.chars().zip(wanted.chars()).take_while(|(a, b)| a == b).count();
        let longest = ids.clone().map(prefix).max().unwrap_or(0);
        let service_len = wanted.find('.').map_or(usize::MAX, |dot| dot + 1);
        if longest >= service_len.min(wanted.len()).max(1) {
            near = ids.filter(|id| prefix(id) == longest).map(|id| (0, id)).collect();
        }
    }
    near.into_iter().take(MAX_SUGGESTIONS).map(|(_, id)| id).collect()
}

/// Levenshtein distance, over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if ca == *cb { diagonal } else { 1 + diagonal.min(above).min(row[j]) };
            diagonal = above;
        }
    }
    row[b.len()]
}

/// The facts of the registered audit that runs `meta`'s rule.
fn audit_of(meta: &RuleMeta) -> Option<AuditFacts> {
    let audit = super::of_rule(meta.id)?;
    let change_types = if audit.runs_on_change(meta.id) { audit.change.config_types } else { &[] };
    Some(AuditFacts { name: audit.name, iam_actions: audit.collector_actions, change_types })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_belongs_to_exactly_one_audit() {
        for meta in crate::audit::all_metas() {
            let owners: Vec<&str> = super::super::AUDITS.iter().filter(|a| a.runs(meta.id)).map(|a| a.name).collect();
            assert_eq!(owners.len(), 1, "{} is run by {owners:?}", meta.id);
        }
    }

    #[test]
    fn an_entry_carries_its_audits_actions_and_change_types() {
        let tls = find("s3.bucket-requires-tls").unwrap();
        let audit = tls.audit.as_ref().unwrap();
        assert_eq!(audit.name, "s3");
        assert!(audit.iam_actions.contains(&"s3:GetBucketPolicy"));
        assert!(tls.runs_on_change());
        // A periodic rule of an audit that listens to changes is still not re-evaluated by them.
        let account_wide = find("s3.account-public-access-blocked").unwrap();
        assert!(!account_wide.runs_on_change(), "{:?}", account_wide.audit);
    }

    #[test]
    fn a_typo_suggests_the_nearest_ids() {
        let err = find("s3.bucket-require-tls").unwrap_err();
        assert_eq!(err.closest.first(), Some(&"s3.bucket-requires-tls"));
        assert!(err.to_string().contains("did you mean s3.bucket-requires-tls"), "{err}");
        // The part after the service is enough.
        assert_eq!(find("bucket-requires-tls").unwrap_err().closest.first(), Some(&"s3.bucket-requires-tls"));
    }

    #[test]
    fn an_unrelated_id_with_a_known_service_lists_that_service() {
        let err = find("sqs.something-else-entirely").unwrap_err();
        assert!(!err.closest.is_empty() && err.closest.iter().all(|id| id.starts_with("sqs.")), "{:?}", err.closest);
    }

    #[test]
    fn nonsense_gets_no_suggestion_but_a_pointer_to_the_list() {
        let err = find("zzzz").unwrap_err();
        assert!(err.closest.is_empty());
        assert!(err.to_string().contains("ztscan rules"), "{err}");
    }

    #[test]
    fn edit_distance_counts_insertions_deletions_and_substitutions() {
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }
}
