//! Bad input for the entry points' robustness tests: every mutation of a sample event that a
//! careless or hostile sender could produce. Each function's handler is fed every sample in
//! `events/` mutated this way and must answer with a clear error naming what was wrong, never
//! a panic (`lambda::tests`, `publish-findings`' handler tests). Pure and deterministic; it
//! lives in the library so every function crate's tests can use the same list.

use serde_json::{Map, Value};

/// The size of the oversized strings: 1 MiB, over any field a real event carries.
pub const HUGE: usize = 1 << 20;

/// A string of `HUGE` bytes.
pub fn huge_string() -> String {
    "A".repeat(HUGE)
}

/// Every mutation of `event`, each with a label naming it (`"remove detail.configurationItem"`):
/// the whole event replaced by non-objects; each field removed; each field set to a value of
/// every other JSON type; each string replaced by 1 MiB and by text that is not JSON (string
/// fields often carry embedded JSON: `invokingEvent`, an SQS `body`).
pub fn mutations(event: &Value) -> Vec<(String, Value)> {
    let mut out: Vec<(String, Value)> = vec![
        ("the event is null".into(), Value::Null),
        ("the event is a string that is not JSON".into(), Value::String("{not json".into())),
        ("the event is a number".into(), Value::from(42)),
        ("the event is an array".into(), Value::Array(vec![event.clone()])),
        ("the event is an empty object".into(), Value::Object(Map::new())),
    ];
    let mut paths = Vec::new();
    collect_paths(event, &mut Vec::new(), &mut paths);
    for path in paths {
        let label = path.join(".");
        let original = lookup(event, &path).cloned().unwrap_or(Value::Null);
        out.push((format!("remove {label}"), edit(event, &path, None)));
        for (kind, wrong) in wrong_types() {
            if std::mem::discriminant(&wrong) != std::mem::discriminant(&original) {
                out.push((format!("{label} is {kind}"), edit(event, &path, Some(wrong))));
            }
        }
        if original.is_string() {
            out.push((format!("{label} is 1 MiB"), edit(event, &path, Some(Value::String(huge_string())))));
            out.push((
                format!("{label} is not JSON"),
                edit(event, &path, Some(Value::String("{\"cut\": [1, ".into()))),
            ));
            out.push((format!("{label} is empty"), edit(event, &path, Some(Value::String(String::new())))));
        }
    }
    out
}

fn wrong_types() -> [(&'static str, Value); 6] {
    [
        ("null", Value::Null),
        ("a boolean", Value::Bool(true)),
        ("a number", Value::from(-1)),
        ("a string", Value::String("x".into())),
        ("an array", Value::Array(vec![Value::from(1)])),
        ("an object", Value::Object(Map::new())),
    ]
}

/// The path of every field and array element, parents before children.
fn collect_paths(v: &Value, here: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                here.push(k.clone());
                out.push(here.clone());
                collect_paths(child, here, out);
                here.pop();
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                here.push(i.to_string());
                out.push(here.clone());
                collect_paths(child, here, out);
                here.pop();
            }
        }
        _ => {}
    }
}

fn lookup<'a>(v: &'a Value, path: &[String]) -> Option<&'a Value> {
    path.iter().try_fold(v, |v, key| match v {
        Value::Object(map) => map.get(key),
        Value::Array(items) => key.parse::<usize>().ok().and_then(|i| items.get(i)),
        _ => None,
    })
}

/// `event` with the value at `path` replaced (`Some`) or removed (`None`).
fn edit(event: &Value, path: &[String], with: Option<Value>) -> Value {
    let mut out = event.clone();
    let Some((last, parents)) = path.split_last() else { return out };
    let mut v = &mut out;
    for key in parents {
        v = match v {
            Value::Object(map) => match map.get_mut(key) {
                Some(child) => child,
                None => return out,
            },
            Value::Array(items) => match key.parse::<usize>().ok().and_then(|i| items.get_mut(i)) {
                Some(child) => child,
                None => return out,
            },
            _ => return out,
        };
    }
    match (v, with) {
        (Value::Object(map), Some(new)) => {
            map.insert(last.clone(), new);
        }
        (Value::Object(map), None) => {
            map.remove(last);
        }
        (Value::Array(items), new) => {
            if let Some(i) = last.parse::<usize>().ok().filter(|i| *i < items.len()) {
                match new {
                    Some(new) => items[i] = new,
                    None => {
                        items.remove(i);
                    }
                }
            }
        }
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_field_is_removed_retyped_and_oversized() {
        let event = json!({"a": {"b": "text"}, "c": [1]});
        let m = mutations(&event);
        let find = |label: &str| m.iter().find(|(l, _)| l == label).map(|(_, v)| v.clone());
        assert_eq!(find("remove a.b"), Some(json!({"a": {}, "c": [1]})));
        assert_eq!(find("a.b is a number"), Some(json!({"a": {"b": -1}, "c": [1]})));
        assert_eq!(find("remove c.0"), Some(json!({"a": {"b": "text"}, "c": []})));
        assert_eq!(find("c.0 is a number"), None, "same type: not a mutation");
        assert_eq!(find("a.b is 1 MiB").and_then(|v| v["a"]["b"].as_str().map(str::len)), Some(HUGE));
        assert!(find("the event is a string that is not JSON").is_some());
    }
}
