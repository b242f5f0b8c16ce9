//! IAM wildcard matching: `*` matches any run of characters (including none), `?` exactly one.

/// Match `value` against an IAM pattern. `case_insensitive` is true for action names and
/// condition keys, false for ARNs and most condition values.
pub fn wildcard_match(pattern: &str, value: &str, case_insensitive: bool) -> bool {
    let norm = |s: &str| -> Vec<char> {
        if case_insensitive {
            s.chars().flat_map(char::to_lowercase).collect()
        } else {
            s.chars().collect()
        }
    };
    let p = norm(pattern);
    let v = norm(value);
    // Iterative glob matching with backtracking to the last `*`.
    let (mut pi, mut vi) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while vi < v.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == v[vi]) {
            pi += 1;
            vi += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, vi));
            pi += 1;
        } else if let Some((sp, sv)) = star {
            pi = sp + 1;
            vi = sv + 1;
            star = Some((sp, sv + 1));
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests {
    use super::wildcard_match;

    #[test]
    fn table() {
        let cases = [
            ("s3:*", "s3:GetObject", true, true),
            ("S3:get*", "s3:GetObject", true, true),
            ("S3:get*", "s3:GetObject", false, false),
            ("s3:Get?bject", "s3:GetObject", true, true),
            ("s3:Get?bject", "s3:GetObjject", true, false),
            ("*", "", true, true),
            ("", "", true, true),
            ("a*b*c", "axxbyyc", false, true),
            ("a*b*c", "axxbyy", false, false),
            ("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/key", false, true),
            ("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket", false, false),
            ("**", "x", false, true),
        ];
        for (p, v, ci, want) in cases {
            assert_eq!(wildcard_match(p, v, ci), want, "{p} vs {v} (ci={ci})");
        }
    }
}
