//! Turns serde errors into field errors with a dotted path, and keeps going after the first one.
//!
//! serde_json reports only a line and column. We find the path by scanning the text up to that
//! position, then drop the offending part of the document and deserialize again, so an operator
//! sees every type error at once instead of fixing them one start-up at a time.

// Offsets and indices here are bounded by the length of an operator's config file.
#![allow(clippy::arithmetic_side_effects)]

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
    // The first round reads the operator's own text so its line and column are meaningful.
    let mut current = text.to_owned();
    // What we removed, in the operator's coordinates; array elements also shift later indices.
    let mut pruned: Vec<Vec<Seg>> = Vec::new();
    let mut removed_elements: Vec<(Vec<Seg>, usize)> = Vec::new();
    let mut errors = Vec::new();
    for round in 0..MAX_ROUNDS {
        let err = match serde_json::from_str::<T>(&current) {
            Ok(parsed) if errors.is_empty() => return Ok(parsed),
            Ok(_) => return Err(errors),
            Err(err) => err,
        };
        // For a type error `path` is the bad value; for a missing field it is the incomplete object.
        let (path, missing) = locate(&current, &err);
        let original = to_original(&path, &removed_elements);
        let caused_by_pruning = missing.as_ref().is_some_and(|name| {
            let mut field = original.clone();
            field.push(Seg::Key(name.clone()));
            pruned.contains(&field)
        });
        if !caused_by_pruning {
            let message = if round == 0 { err.to_string() } else { strip_position(&err.to_string()) };
            errors.push(FieldError::new(display(&original, missing.as_deref(), document), message));
        }
        if !remove(&mut value, &path) {
            return Err(errors);
        }
        if let Some((Seg::Index(idx), array)) = original.split_last() {
            removed_elements.push((array.to_vec(), *idx));
        }
        pruned.push(original);
        current = value.to_string();
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
                        idx += 1;
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

#[derive(Debug)]
enum Frame {
    Object { key: Option<String>, expecting_key: bool },
    Array { index: usize },
}

/// The path to the error position, and the name of the field when serde says one is missing.
fn locate(text: &str, err: &serde_json::Error) -> (Vec<Seg>, Option<String>) {
    let missing = missing_field(&err.to_string());
    let offset = byte_offset(text, err.line(), err.column());
    // serde reports a missing field just after the object's closing brace, so the path is the object's.
    let path = scan(&text[..offset])
        .into_iter()
        .filter_map(|f| match f {
            Frame::Object { key, .. } => key.map(Seg::Key),
            Frame::Array { index } => Some(Seg::Index(index)),
        })
        .collect();
    (path, missing)
}

fn missing_field(message: &str) -> Option<String> {
    let rest = message.strip_prefix("missing field `")?;
    rest.split_once('`').map(|(name, _)| name.to_owned())
}

/// serde_json counts lines from 1 and columns in bytes from 1 (0 when there is no position).
fn byte_offset(text: &str, line: usize, column: usize) -> usize {
    if line == 0 {
        return 0;
    }
    let line_start: usize = text.split_inclusive('\n').take(line - 1).map(str::len).sum();
    let mut offset = (line_start + column).min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// The open containers at the end of `prefix`, with the current key or index of each.
fn scan(prefix: &str) -> Vec<Frame> {
    let mut frames = Vec::new();
    let mut chars = prefix.chars();
    while let Some(c) = chars.next() {
        match c {
            '{' => frames.push(Frame::Object { key: None, expecting_key: true }),
            '[' => frames.push(Frame::Array { index: 0 }),
            '}' | ']' => {
                frames.pop();
            }
            ',' => match frames.last_mut() {
                Some(Frame::Object { expecting_key, .. }) => *expecting_key = true,
                Some(Frame::Array { index }) => *index += 1,
                None => {}
            },
            '"' => {
                let s = read_string(&mut chars);
                if let Some(Frame::Object { key, expecting_key }) = frames.last_mut()
                    && *expecting_key
                {
                    *key = Some(s);
                    *expecting_key = false;
                }
            }
            _ => {}
        }
    }
    frames
}

/// Reads a JSON string body after its opening quote. Simple escapes are decoded; `\u` escapes are
/// kept as written, which is fine for naming a key in an error message.
fn read_string(chars: &mut std::str::Chars<'_>) -> String {
    let mut out = String::new();
    while let Some(c) = chars.next() {
        match c {
            '"' => break,
            '\\' => match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('u') => out.push_str("\\u"),
                Some(other) => out.push(other),
                None => break,
            },
            _ => out.push(c),
        }
    }
    out
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
