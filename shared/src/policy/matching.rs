//! IAM wildcard matching: `*` matches any run of characters (including none), `?` exactly one.

/// Match `value` against an IAM pattern. `case_insensitive` is true for action names and
/// condition keys, false for ARNs and most condition values.
pub fn wildcard_match(pattern: &str, value: &str, case_insensitive: bool) -> bool {
    if !case_insensitive {
        return glob(pattern.as_bytes(), value.as_bytes(), |a, b| a == b);
    }
    if pattern.is_ascii() && value.is_ascii() {
        return glob(pattern.as_bytes(), value.as_bytes(), |a, b| a.eq_ignore_ascii_case(&b));
    }
    let p: Vec<char> = pattern.chars().flat_map(char::to_lowercase).collect();
    let v: Vec<char> = value.chars().flat_map(char::to_lowercase).collect();
    glob(&p, &v, |a, b| a == b)
}

/// Case-sensitive glob on bytes, for callers that have already lower-cased ASCII text.
/// `?` matches exactly one character (a whole UTF-8 sequence).
pub(crate) fn glob_bytes(pattern: &[u8], value: &[u8]) -> bool {
    glob(pattern, value, |a, b| a == b)
}

/// Iterative glob matching with backtracking to the last `*`: linear memory, O(p*v) worst
/// case time. `?` consumes one character of `value`; on byte input that is a whole UTF-8
/// sequence, so `?` matches one character however it is encoded.
fn glob<T: Copy + Into<u32>>(p: &[T], v: &[T], eq: impl Fn(T, T) -> bool) -> bool {
    let star = |t: T| t.into() == u32::from(b'*');
    let quest = |t: T| t.into() == u32::from(b'?');
    // Length of the character starting at v[i]: 1 for chars, the UTF-8 sequence for bytes.
    let char_len = |i: usize| -> usize {
        let mut n = 1;
        if std::mem::size_of::<T>() == 1 {
            while i + n < v.len() && (v[i + n].into() & 0xC0) == 0x80 {
                n += 1;
            }
        }
        n
    };
    let (mut pi, mut vi) = (0usize, 0usize);
    let mut mark: Option<(usize, usize)> = None;
    while vi < v.len() {
        if pi < p.len() && quest(p[pi]) {
            pi += 1;
            vi += char_len(vi);
        } else if pi < p.len() && star(p[pi]) {
            mark = Some((pi, vi));
            pi += 1;
        } else if pi < p.len() && eq(p[pi], v[vi]) {
            pi += 1;
            vi += 1;
        } else if let Some((sp, sv)) = mark {
            let next = sv + char_len(sv);
            pi = sp + 1;
            vi = next;
            mark = Some((sp, next));
        } else {
            return false;
        }
    }
    while pi < p.len() && star(p[pi]) {
        pi += 1;
    }
    pi == p.len()
}

/// Do two IAM patterns share a match: is there a string both `a` and `b` match? (`*` any run,
/// `?` one character, everything else literal and case-sensitive.) ARN callers compare segment
/// by segment, as IAM matches ARNs (a `*` does not span a colon of the first five). Depth-first over
/// the pairs of positions: O(|a|·|b|) time and memory.
pub fn globs_intersect(a: &str, b: &str) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut seen = vec![false; (a.len() + 1) * width];
    let mut queue = vec![(0usize, 0usize)];
    while let Some((i, j)) = queue.pop() {
        if seen[i * width + j] {
            continue;
        }
        seen[i * width + j] = true;
        let (ca, cb) = (a.get(i).copied(), b.get(j).copied());
        if ca.is_none() && cb.is_none() {
            return true;
        }
        // A `*` may match nothing.
        if ca == Some('*') {
            queue.push((i + 1, j));
        }
        if cb == Some('*') {
            queue.push((i, j + 1));
        }
        // Both consume one character.
        let (Some(x), Some(y)) = (ca, cb) else { continue };
        match (x, y) {
            ('*', '*') => {}
            ('*', _) => queue.push((i, j + 1)),
            (_, '*') => queue.push((i + 1, j)),
            ('?', _) | (_, '?') => queue.push((i + 1, j + 1)),
            _ if x == y => queue.push((i + 1, j + 1)),
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::{globs_intersect, wildcard_match};

    #[test]
    fn glob_intersection_table() {
        let cases = [
            ("*", "arn:aws:iam::1:role/x", true),
            ("arn:aws:iam::*:role/*", "arn:*:iam::*:role/*", true),
            // As strings, `*` spans colons (ARN callers compare segment by segment).
            ("arn:aws:iam::*:user/*", "arn:*:iam::*:role/*", true),
            ("arn:aws:iam::1:user/x", "arn:aws:iam::*:role/*", false),
            ("arn:aws:s3:::bucket", "arn:*:iam::*:role/*", false),
            ("arn:aws:lambda:*:function:foo", "arn:*:lambda:*:*:function:*", true),
            ("arn:aws:iam::*:role/a*", "arn:*:iam::*:role/*", true),
            ("arn:aws:ssm:*::document/AWS-RunShellScript", "arn:*:ssm:*::document/AWS-RunShellScript", true),
            ("arn:aws:ssm:*::document/AWS-ConfigureAWSPackage", "arn:*:ssm:*::document/AWS-RunShellScript", false),
            ("arn:aws:ssm:*:*:document/*", "arn:*:ssm:*:?*:document/*", true),
            ("a?c", "abc", true),
            ("a?c", "ac", false),
            ("", "", true),
            ("", "*", true),
            ("x", "", false),
            ("*a*", "*b*", true),
            ("a*", "b*", false),
        ];
        for (a, b, want) in cases {
            assert_eq!(globs_intersect(a, b), want, "{a} ∩ {b}");
            assert_eq!(globs_intersect(b, a), want, "{b} ∩ {a}");
        }
    }

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
            // A `*` in the pattern is always a wildcard, even facing a literal `*`.
            ("*a", "*xa", false, true),
            ("?", "é", false, true),
            ("a?c", "aéc", true, true),
            ("A?C", "aÉc", true, true),
            ("é*", "É1", true, true),
            ("é*", "É1", false, false),
        ];
        for (p, v, ci, want) in cases {
            assert_eq!(wildcard_match(p, v, ci), want, "{p} vs {v} (ci={ci})");
        }
    }
}
