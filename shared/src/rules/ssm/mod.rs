//! SSM Parameter Store rules. The collector reads the values of `String` and `StringList`
//! parameters only, passes each through the shared secret detector at once and keeps only the
//! detector's id; `SecureString` values are never read (no decryption, no `kms:Decrypt`).

use crate::resources::data::SsmParameter;

use super::Rule;

mod parameter_secrets_are_secure_strings;

pub use parameter_secrets_are_secure_strings::ParameterSecretsAreSecureStrings;

/// Rules evaluated once per parameter.
pub static PARAMETER_RULES: &[&dyn Rule<Resource = SsmParameter>] = &[&ParameterSecretsAreSecureStrings];
