//! Turns serde errors into field errors with a dotted path, and keeps going after the first one.
//!
//! `serde_path_to_error` names the path of each error; the offending part of the document is then
//! dropped and the document deserialized again, so an operator sees every type error at once
//! instead of fixing them one start-up at a time. The first round reads the operator's own text, so
//! its message keeps the line and column.

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::error::FieldError;

/// Enough for any realistic file; a guard against looping on an error we cannot remove.
const MAX_ROUNDS: usize = 50;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    Key(String),
    Index(usize),
}

/// Deserializes `text` as `T`. On failure every type error found is returned, each with its path;
/// `document` names the file for problems that belong to no field (syntax errors, a wrong root type).
pub(crate) fn deserialize_all<T: DeserializeOwned>(text: &str, document: &str) -> Result<T, Vec<FieldError>> {
    let mut value: Value = serde_json::from_str(text).map_err(|e| vec![FieldError::new(document, e.to_string())])?;
    // What we removed, in the operator's coordinates; array elements also shift later indices.
    let mut pruned: Vec<Vec<Seg>> = Vec::new();
    let mut removed_elements: Vec<(Vec<Seg>, usize)> = Vec::new();
    let mut errors = Vec::new();
    for round in 0..MAX_ROUNDS {
        let attempt = if round == 0 {
            serde_path_to_error::deserialize::<_, T>(&mut serde_json::Deserializer::from_str(text))
        } else {
            serde_path_to_error::deserialize::<_, T>(&value)
        };
        let err = match attempt {
            Ok(parsed) if errors.is_empty() => return Ok(parsed),
            Ok(_) => return Err(errors),
            Err(err) => err,
        };
        let message = err.inner().to_string();
        // For a type error the path is the bad value; for a missing field it is the incomplete object.
        let missing = missing_field(&message);
        let path: Vec<Seg> = err
            .path()
            .iter()
            .filter_map(|s| match s {
                serde_path_to_error::Segment::Map { key } => Some(Seg::Key(key.clone())),
                serde_path_to_error::Segment::Seq { index } => Some(Seg::Index(*index)),
                _ => None,
            })
            .collect();
        let original = to_original(&path, &removed_elements);
        let caused_by_pruning = missing.as_ref().is_some_and(|name| {
            let mut field = original.clone();
            field.push(Seg::Key(name.clone()));
            pruned.contains(&field)
        });
        if !caused_by_pruning {
            let message = if round == 0 { message } else { strip_position(&message) };
            errors.push(FieldError::new(display(&original, missing.as_deref(), document), message));
        }
        if !remove(&mut value, &path) {
            return Err(errors);
        }
        if let Some((Seg::Index(idx), array)) = original.split_last() {
            removed_elements.push((array.to_vec(), *idx));
        }
        pruned.push(original);
    }
    Err(errors)
}

/// Maps a path in the pruned document back to the operator's file: array elements removed in
/// earlier rounds shift later indices down, so shift them back up.
fn to_original(path: &[Seg], removed: &[(Vec<Seg>, usize)]) -> Vec<Seg> {
    let mut out: Vec<Seg> = Vec::with_capacity(path.len());
    for seg in path {
        match seg {
            Seg::Key(k) => out.push(Seg::Key(k.clone())),
            Seg::Index(i) => {
                let mut gone: Vec<usize> =
                    removed.iter().filter(|(array, _)| *array == out).map(|(_, idx)| *idx).collect();
                gone.sort_unstable();
                let mut idx = *i;
                for g in gone {
                    if g <= idx {
                        idx = idx.saturating_add(1);
                    }
                }
                out.push(Seg::Index(idx));
            }
        }
    }
    out
}

fn display(path: &[Seg], missing: Option<&str>, document: &str) -> String {
    let mut parts: Vec<String> = path
        .iter()
        .map(|s| match s {
            Seg::Key(k) => k.clone(),
            Seg::Index(i) => i.to_string(),
        })
        .collect();
    parts.extend(missing.map(str::to_owned));
    if parts.is_empty() { document.to_owned() } else { parts.join(".") }
}

/// The field serde names in "missing field `x`".
fn missing_field(message: &str) -> Option<String> {
    let rest = message.strip_prefix("missing field `")?;
    rest.split_once('`').map(|(name, _)| name.to_owned())
}

/// serde_json appends " at line L column C"; after the first round those refer to our re-serialized text.
fn strip_position(message: &str) -> String {
    message.rsplit_once(" at line ").map_or(message, |(m, _)| m).to_owned()
}

fn remove(value: &mut Value, path: &[Seg]) -> bool {
    let Some((last, parents)) = path.split_last() else {
        return false;
    };
    let mut node = value;
    for seg in parents {
        let next = match (seg, node) {
            (Seg::Key(k), Value::Object(map)) => map.get_mut(k),
            (Seg::Index(i), Value::Array(items)) => items.get_mut(*i),
            _ => None,
        };
        match next {
            Some(n) => node = n,
            None => return false,
        }
    }
    match (last, node) {
        (Seg::Key(k), Value::Object(map)) => map.shift_remove(k).is_some(),
        (Seg::Index(i), Value::Array(items)) if *i < items.len() => {
            items.remove(*i);
            true
        }
        _ => false,
    }
}

/// Reads `null` as the default: the original Go system wrote empty lists as `null`.
pub(crate) fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + serde::Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// Reads `""` and `null` as absent: the original Go system wrote unset optional strings as `""`.
pub(crate) fn empty_as_none<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.filter(|s| !s.trim().is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Doc {
        name: String,
        items: Vec<Item>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Item {
        id: u32,
        label: Option<String>,
    }

    fn fields(text: &str) -> Vec<String> {
        deserialize_all::<Doc>(text, "doc.json").unwrap_err().into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn a_type_error_names_its_path_with_line_and_column() {
        let errs =
            deserialize_all::<Doc>("{\"name\": \"x\",\n \"items\": [{\"id\": \"one\"}]}", "doc.json").unwrap_err();
        assert_eq!(errs[0].field, "items.0.id");
        assert!(errs[0].message.contains("line 2"), "{}", errs[0].message);
    }

    #[test]
    fn every_type_error_is_reported_with_its_original_index() {
        let text = r#"{"name": 5, "items": [{"id": "a"}, {"id": 2}, {"id": "c", "label": 3}, {"label": 4}]}"#;
        assert_eq!(fields(text), ["name", "items.0.id", "items.2.id", "items.2.label", "items.3.label", "items.3.id"]);
    }

    #[test]
    fn a_missing_field_is_named_inside_its_object() {
        assert_eq!(fields(r#"{"name": "x", "items": [{"id": 1}, {"label": "y"}]}"#), ["items.1.id"]);
        assert_eq!(fields(r#"{"items": []}"#), ["name"]);
    }

    #[test]
    fn a_syntax_error_names_the_document() {
        let errs = deserialize_all::<Doc>("{\"name\": ", "doc.json").unwrap_err();
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].field, "doc.json");
        assert!(errs[0].message.contains("line 1"));
    }
}
