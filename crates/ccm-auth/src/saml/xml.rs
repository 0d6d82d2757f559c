//! Parsing untrusted SAML XML: the structural limits of [`Limits`] checked before parsing, no DTD
//! (so no entity tricks), and the few navigation helpers the verifier needs. Built on roxmltree, which implements the XML data
//! model (attribute-value and line-end normalisation) that canonicalization depends on.

use std::collections::HashMap;

use roxmltree::{Document, Node, NodeId, ParsingOptions};

use super::limits::{self, Limits};
use crate::log_value::truncated;

pub(crate) const NS_PROTOCOL: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
pub(crate) const NS_ASSERTION: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
pub(crate) const NS_METADATA: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
pub(crate) const NS_DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";

/// Nodes roxmltree may build (elements, text, comments): a backstop behind [`Limits`].
const MAX_NODES: u32 = 40_000;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XmlError {
    #[error("the XML is larger than {limit} bytes")]
    TooLarge { limit: usize },
    #[error("the XML contains a DTD (refused: no entities)")]
    Dtd,
    #[error("the XML has more than {limit} {what}")]
    Limit { what: &'static str, limit: usize },
    #[error("the XML is not well-formed: {0}")]
    Malformed(String),
    #[error("the XML declares an encoding other than UTF-8")]
    Encoding,
}

/// Parses untrusted XML within `limits` (checked by a linear pre-scan before roxmltree sees the
/// text), with DTDs refused.
pub(crate) fn parse<'i>(text: &'i str, limits: &Limits) -> Result<Document<'i>, XmlError> {
    limits::check(text, limits)?;
    let options = ParsingOptions { allow_dtd: false, nodes_limit: MAX_NODES, ..ParsingOptions::default() };
    let doc = Document::parse_with_options(text, options).map_err(|e| match e {
        roxmltree::Error::DtdDetected => XmlError::Dtd,
        roxmltree::Error::NodesLimitReached => XmlError::Limit { what: "nodes", limit: MAX_NODES as usize },
        // roxmltree's messages may quote names from the text: keep them short (logs escape them).
        other => XmlError::Malformed(truncated(&other.to_string(), 120)),
    })?;
    if declared_encoding(text).is_some_and(|enc| !enc.eq_ignore_ascii_case("utf-8")) {
        return Err(XmlError::Encoding);
    }
    // The pre-scan bounds depth already; this linear pass makes sure the parser saw the same.
    // Nodes come in document order, so a parent's depth is known before its children's.
    let mut depth = vec![0usize; doc.descendants().count() + 1];
    for node in doc.descendants().filter(Node::is_element) {
        let parent = node.parent().map_or(0, |p| depth.get(p.id().get_usize()).copied().unwrap_or(0));
        if parent >= limits.depth {
            return Err(XmlError::Limit { what: "levels of nesting", limit: limits.depth });
        }
        if let Some(d) = depth.get_mut(node.id().get_usize()) {
            *d = parent + 1;
        }
    }
    Ok(doc)
}

/// The `encoding` pseudo-attribute of the XML declaration, if any. The declaration is not part of
/// the data model roxmltree exposes, and we only accept UTF-8 text.
fn declared_encoding(text: &str) -> Option<&str> {
    let decl = text.strip_prefix("<?xml")?;
    let decl = &decl[..decl.find("?>")?];
    let rest = &decl[decl.find("encoding")? + "encoding".len()..];
    let rest = rest.trim_start().strip_prefix('=')?.trim_start();
    let quote = rest.chars().next()?;
    let rest = &rest[1..];
    Some(&rest[..rest.find(quote)?])
}

pub(crate) fn is(node: Node<'_, '_>, ns: &str, local: &str) -> bool {
    node.is_element() && node.tag_name().namespace() == Some(ns) && node.tag_name().name() == local
}

/// Direct element children with this name.
pub(crate) fn children<'a, 'i>(
    node: Node<'a, 'i>,
    ns: &'static str,
    local: &'static str,
) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children().filter(move |c| is(*c, ns, local))
}

/// The only direct child with this name; `Err` when there are several.
pub(crate) fn only_child<'a, 'i>(
    node: Node<'a, 'i>,
    ns: &'static str,
    local: &'static str,
) -> Result<Option<Node<'a, 'i>>, ()> {
    let mut it = children(node, ns, local);
    let first = it.next();
    if it.next().is_some() { Err(()) } else { Ok(first) }
}

/// The text of a simple-content element: every text child joined, comments skipped (exactly what
/// canonicalization signed, so a comment cannot truncate a value). `None` if it has child elements.
pub(crate) fn simple_text(node: Node<'_, '_>) -> Option<String> {
    let mut text = String::new();
    for child in node.children() {
        if child.is_element() {
            return None;
        }
        if child.is_text() {
            text.push_str(child.text().unwrap_or_default());
        }
    }
    Some(text)
}

/// Every element with an `ID` attribute, by id. `Err(id)` when an id occurs twice: a document with
/// duplicate ids is refused whole, so a reference can never be resolved to the "wrong" element.
pub(crate) fn id_index<'a, 'i>(doc: &'a Document<'i>) -> Result<HashMap<&'a str, NodeId>, String> {
    let mut ids = HashMap::new();
    for node in doc.descendants().filter(Node::is_element) {
        for attr in node.attributes().filter(|a| a.namespace().is_none()) {
            if matches!(attr.name(), "ID" | "Id" | "id") && ids.insert(attr.value(), node.id()).is_some() {
                return Err(attr.value().to_owned());
            }
        }
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dtds_and_entities_are_refused() {
        let bomb = r#"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><r>&a;</r>"#;
        assert_eq!(parse(bomb, &Limits::RESPONSE).err(), Some(XmlError::Dtd));
        assert!(matches!(parse("<r>&unknown;</r>", &Limits::RESPONSE), Err(XmlError::Malformed(_))));
    }

    #[test]
    fn only_utf8_is_accepted() {
        let latin1 = r#"<?xml version="1.0" encoding="ISO-8859-1"?><r/>"#;
        assert_eq!(parse(latin1, &Limits::RESPONSE).err(), Some(XmlError::Encoding));
        assert!(parse(r#"<?xml version="1.0" encoding='utf-8'?><r/>"#, &Limits::RESPONSE).is_ok());
    }

    #[test]
    fn deep_nesting_and_huge_input_are_refused_before_parsing() {
        let deep = format!("{}{}", "<a>".repeat(60), "</a>".repeat(60));
        assert_eq!(
            parse(&deep, &Limits::RESPONSE).err(),
            Some(XmlError::Limit { what: "levels of nesting", limit: 32 })
        );
        let big = format!("<r>{}</r>", "x".repeat(Limits::RESPONSE.bytes));
        assert_eq!(parse(&big, &Limits::RESPONSE).err(), Some(XmlError::TooLarge { limit: Limits::RESPONSE.bytes }));
    }

    #[test]
    fn text_joins_around_comments_and_duplicate_ids_are_found() {
        let doc = parse(r#"<r><a ID="x">al<!-- c -->ice</a><b ID="x"/></r>"#, &Limits::RESPONSE).unwrap();
        let a = doc.descendants().find(|n| n.has_tag_name("a")).unwrap();
        assert_eq!(simple_text(a).as_deref(), Some("alice"));
        assert_eq!(id_index(&doc).err().as_deref(), Some("x"));
    }
}
