//! The Lambda-managed runtime identifiers and their deprecation dates, for
//! `lambda.supported-runtime`.
//!
//! **Source.** AWS Lambda Developer Guide, "Lambda runtimes"
//! (<https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html>), tables "Supported
//! runtimes" and "Deprecated runtimes", column "Deprecation date". Read on 2026-11-23 through
//! the stored-documentation search, whose copies of that page did not include the table bodies;
//! the dates were therefore taken from two sources that transcribe that page and agree with each
//! other: the `aws_lambda_function_deprecated_runtime` table of terraform-linters/
//! tflint-ruleset-aws (updated November 2025 from the page above: python3.9 moved to
//! 2025-12-15, nodejs18.x deprecated 2025-09-01) and endoflife.date/aws-lambda (stored copy of
//! about February 2026, which adds nodejs24.x, python3.14, java25, ruby3.4 and dotnet10). These
//! are the dates a deprecation takes effect (Lambda stops patching the runtime); AWS may move
//! projected dates, so refresh this table when AWS announces a change. An identifier missing
//! from the table is handled by the rule (it is newer than the table: every identifier Lambda
//! ever deprecated is listed).

use chrono::NaiveDate;

/// One Lambda-managed runtime.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ManagedRuntime {
    /// The identifier `CreateFunction` takes (`python3.13`).
    pub id: &'static str,
    /// The deprecation date (year, month, day), projected for supported runtimes.
    pub deprecation: (i32, u32, u32),
}

impl ManagedRuntime {
    /// The deprecation date; `None` only if the table held an impossible date (a unit test
    /// proves it does not).
    pub fn deprecation_date(&self) -> Option<NaiveDate> {
        let (y, m, d) = self.deprecation;
        NaiveDate::from_ymd_opt(y, m, d)
    }
}

const fn rt(id: &'static str, y: i32, m: u32, d: u32) -> ManagedRuntime {
    ManagedRuntime { id, deprecation: (y, m, d) }
}

/// Every Lambda-managed runtime identifier, supported ones first, newest first per language.
pub const RUNTIMES: &[ManagedRuntime] = &[
    // Supported (projected deprecation dates).
    rt("nodejs24.x", 2028, 4, 30),
    rt("nodejs22.x", 2027, 4, 30),
    rt("nodejs20.x", 2026, 4, 30),
    rt("python3.14", 2029, 6, 30),
    rt("python3.13", 2029, 6, 30),
    rt("python3.12", 2028, 10, 31),
    rt("python3.11", 2026, 6, 30),
    rt("python3.10", 2026, 6, 30),
    rt("java25", 2029, 6, 30),
    rt("java21", 2029, 6, 30),
    rt("java17", 2026, 6, 30),
    rt("java11", 2026, 6, 30),
    rt("java8.al2", 2026, 6, 30),
    rt("dotnet10", 2028, 11, 14),
    rt("dotnet8", 2026, 11, 10),
    rt("ruby3.4", 2028, 3, 31),
    rt("ruby3.3", 2027, 3, 31),
    rt("ruby3.2", 2026, 3, 31),
    rt("provided.al2023", 2029, 6, 30),
    rt("provided.al2", 2026, 6, 30),
    // Deprecated.
    rt("python3.9", 2025, 12, 15),
    rt("nodejs18.x", 2025, 9, 1),
    rt("dotnet6", 2024, 11, 12),
    rt("python3.8", 2024, 10, 14),
    rt("nodejs16.x", 2024, 6, 12),
    rt("dotnet7", 2024, 5, 14),
    rt("java8", 2024, 1, 8),
    rt("go1.x", 2024, 1, 8),
    rt("provided", 2024, 1, 8),
    rt("nodejs14.x", 2023, 12, 4),
    rt("python3.7", 2023, 12, 4),
    rt("ruby2.7", 2023, 11, 27),
    rt("dotnetcore3.1", 2023, 4, 3),
    rt("nodejs12.x", 2023, 3, 31),
    rt("python3.6", 2022, 7, 18),
    rt("dotnet5.0", 2022, 5, 10),
    rt("dotnetcore2.1", 2022, 1, 5),
    rt("nodejs10.x", 2021, 7, 30),
    rt("ruby2.5", 2021, 7, 30),
    rt("python2.7", 2021, 7, 15),
    rt("nodejs8.10", 2020, 3, 6),
    rt("nodejs4.3", 2020, 3, 5),
    rt("nodejs4.3-edge", 2020, 3, 5),
    rt("nodejs6.10", 2019, 8, 12),
    rt("dotnetcore1.0", 2019, 7, 27),
    rt("dotnetcore2.0", 2019, 5, 30),
    rt("nodejs", 2016, 10, 31),
];

/// The table entry for `id` (exact, as Lambda reports identifiers in lower case).
pub fn lookup(id: &str) -> Option<&'static ManagedRuntime> {
    RUNTIMES.iter().find(|r| r.id == id)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn every_date_is_valid_and_every_id_unique() {
        let mut seen = HashSet::new();
        for r in RUNTIMES {
            assert!(r.deprecation_date().is_some(), "{}: {:?}", r.id, r.deprecation);
            assert!(seen.insert(r.id), "duplicate {}", r.id);
            assert_eq!(r.id, r.id.to_ascii_lowercase());
        }
    }

    #[test]
    fn lookup_is_exact() {
        assert_eq!(lookup("provided").map(|r| r.deprecation), Some((2024, 1, 8)));
        assert_eq!(lookup("provided.al2023").map(|r| r.deprecation), Some((2029, 6, 30)));
        assert!(lookup("python3").is_none());
        assert!(lookup("python3.99").is_none());
    }
}
