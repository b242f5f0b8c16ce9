//! Cognito rules: user pools require MFA, identity pools give no credentials to guests.

use crate::policy::wildcard_match;
use crate::resources::api::{IdentityPool, UserPool};

use super::Rule;

mod identity_pool_no_unauthenticated;
mod user_pool_mfa_required;

pub use identity_pool_no_unauthenticated::IdentityPoolNoUnauthenticated;
pub use user_pool_mfa_required::UserPoolMfaRequired;

/// Rules evaluated once per user pool.
pub static USER_POOL_RULES: &[&dyn Rule<Resource = UserPool>] = &[&UserPoolMfaRequired];

/// Rules evaluated once per identity pool.
pub static IDENTITY_POOL_RULES: &[&dyn Rule<Resource = IdentityPool>] = &[&IdentityPoolNoUnauthenticated];

/// The configured pattern (name or id glob, case-sensitive as Cognito names are) that matches
/// a pool, if any.
fn listed<'a>(patterns: &'a [String], name: &str, id: &str) -> Option<&'a str> {
    patterns.iter().map(|p| p.trim()).find(|p| wildcard_match(p, name, false) || wildcard_match(p, id, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pools_are_listed_by_name_or_id_glob() {
        let patterns = vec!["admin-*".to_string(), "us-east-1:abc".to_string()];
        assert_eq!(listed(&patterns, "admin-portal", "x"), Some("admin-*"));
        assert_eq!(listed(&patterns, "guests", "us-east-1:abc"), Some("us-east-1:abc"));
        assert_eq!(listed(&patterns, "Admin-portal", "x"), None);
    }
}
