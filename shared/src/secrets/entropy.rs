//! Shannon entropy and character-class helpers for the generic key-name heuristic.
//!
//! The generic detector only looks at variables whose *name* suggests a secret; the value is
//! then classified by character set and must clear a per-class entropy floor (bits per
//! character, Shannon entropy over the value's own character frequencies) and a minimum
//! length. The floors are:
//!
//! | class                                   | min length | min bits/char |
//! |-----------------------------------------|-----------:|--------------:|
//! | hex (`0-9a-fA-F`, at least one letter)  | 16         | 3.0           |
//! | base64-ish (`A-Za-z0-9+/=_-`)           | 16         | 3.5           |
//! | mixed printable (anything else)         | 16         | 3.5           |
//! | any class, PASSWORD/PASSWD/PWD names    | 8          | 3.0           |
//!
//! A string of length `n` has at most `log2(n)` bits/char, so an 8-character password must be
//! made of 8 distinct characters to reach 3.0. Purely numeric values are never flagged by the
//! generic heuristic (ports, timeouts, account ids).

/// Shannon entropy of `value` in bits per character (0.0 for an empty string).
pub fn shannon(value: &str) -> f64 {
    let mut counts: std::collections::HashMap<char, u32> = std::collections::HashMap::new();
    let mut total: u32 = 0;
    for c in value.chars() {
        *counts.entry(c).or_insert(0) += 1;
        total = total.saturating_add(1);
    }
    if total == 0 {
        return 0.0;
    }
    let total = f64::from(total);
    counts
        .values()
        .map(|&n| {
            let p = f64::from(n) / total;
            -p * p.log2()
        })
        .sum()
}

/// Character class of a value, used to pick an entropy floor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CharClass {
    /// Only ASCII digits.
    Numeric,
    /// Hex digits with at least one letter.
    Hex,
    /// `A-Za-z0-9+/=_-`.
    Base64ish,
    /// Anything else.
    Mixed,
}

/// Classify `value` by the characters it contains.
pub fn classify(value: &str) -> CharClass {
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        CharClass::Numeric
    } else if !value.is_empty() && value.bytes().all(|b| b.is_ascii_hexdigit()) {
        CharClass::Hex
    } else if !value.is_empty() && value.bytes().all(is_base64ish) {
        CharClass::Base64ish
    } else {
        CharClass::Mixed
    }
}

/// `A-Za-z0-9+/=_-`.
pub fn is_base64ish(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'_' | b'-')
}

/// Whether `value` clears the floor for its class; `password_like` selects the relaxed
/// password floor (length 8, 3.0 bits/char).
pub fn clears_floor(value: &str, password_like: bool) -> bool {
    let class = classify(value);
    if class == CharClass::Numeric {
        return false;
    }
    let len = value.chars().count();
    let bits = shannon(value);
    if password_like {
        return len >= 8 && bits >= 3.0;
    }
    match class {
        CharClass::Numeric => false,
        CharClass::Hex => len >= 16 && bits >= 3.0,
        CharClass::Base64ish | CharClass::Mixed => len >= 16 && bits >= 3.5,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entropy_basics() {
        assert_eq!(shannon(""), 0.0);
        assert_eq!(shannon("aaaa"), 0.0);
        assert!((shannon("ab") - 1.0).abs() < 1e-9);
        assert!((shannon("abcdefgh") - 3.0).abs() < 1e-9);
        assert!(shannon("ünïcödé✓") > 2.0);
    }

    #[test]
    fn classes_and_floors() {
        assert_eq!(classify("12345"), CharClass::Numeric);
        assert_eq!(classify("deadbeef01"), CharClass::Hex);
        assert_eq!(classify("abcXYZ+/="), CharClass::Base64ish);
        assert_eq!(classify("p@ss word"), CharClass::Mixed);
        assert!(clears_floor("9f86d081884c7d659a2feaa0c55ad015", false));
        assert!(!clears_floor("aaaaaaaaaaaaaaaaaaaa", false));
        assert!(!clears_floor("1234567890123456789", false));
        assert!(clears_floor("Xk9#mQ2!", true));
        assert!(!clears_floor("Xk9#mQ2!", false));
        assert!(!clears_floor("short", true));
    }
}
