//! Exclusive XML Canonicalization 1.0 without comments (<https://www.w3.org/TR/xml-exc-c14n/>) of
//! one element subtree, optionally leaving out one descendant (the enveloped signature).
//!
//! Works on roxmltree's data model: entity and character references are already expanded,
//! attribute values and line ends normalised, CDATA merged into text. The original prefixes are
//! read back from the source text, because canonical form keeps the prefixes the signer used.

use std::collections::BTreeSet;

use roxmltree::{Node, NodeId};

pub(crate) const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum C14nError {
    #[error("prefix {0:?} is used but not declared")]
    UndeclaredPrefix(String),
    #[error("an element name could not be read back from the source")]
    BadName,
}

/// The canonical form of `apex` and its descendants, without `exclude` (and its descendants).
/// `inclusive` is the InclusiveNamespaces PrefixList (`#default` for the default namespace).
pub(crate) fn canonicalize(
    apex: Node<'_, '_>,
    exclude: Option<NodeId>,
    inclusive: &[String],
) -> Result<String, C14nError> {
    let mut out = String::new();
    let inclusive: BTreeSet<&str> = inclusive.iter().map(|p| if p == "#default" { "" } else { p.as_str() }).collect();
    element(&mut out, apex, exclude, &inclusive, &[])?;
    Ok(out)
}

/// `rendered`: the namespace declarations (prefix, uri) output by ancestors, innermost last.
fn element(
    out: &mut String,
    node: Node<'_, '_>,
    exclude: Option<NodeId>,
    inclusive: &BTreeSet<&str>,
    rendered: &[(String, String)],
) -> Result<(), C14nError> {
    let qname = element_qname(node)?;
    let mut used: BTreeSet<&str> = BTreeSet::new();
    used.insert(prefix_of(qname));
    let source = node.document().input_text();
    let mut attrs = Vec::new();
    for attr in node.attributes() {
        let aq = &source[attr.range_qname()];
        if aq.contains(':') {
            let p = prefix_of(aq);
            if p != "xml" {
                used.insert(p);
            }
        }
        attrs.push((attr.namespace().unwrap_or(""), attr.name(), aq, attr.value()));
    }
    // Inclusive prefixes are treated like inclusive c14n: rendered when in scope.
    for p in inclusive {
        let in_scope = if p.is_empty() { node.default_namespace().is_some() } else { lookup(node, p).is_some() };
        if in_scope {
            used.insert(p);
        }
    }

    let mut declared: Vec<(String, String)> = Vec::new();
    for p in used {
        let uri = if p.is_empty() {
            node.default_namespace().unwrap_or("")
        } else {
            lookup(node, p).ok_or_else(|| C14nError::UndeclaredPrefix(p.to_owned()))?
        };
        let previous = rendered.iter().rev().find(|(rp, _)| rp == p).map(|(_, u)| u.as_str());
        let needed = if p.is_empty() { uri != previous.unwrap_or("") } else { previous != Some(uri) };
        if needed {
            declared.push((p.to_owned(), uri.to_owned()));
        }
    }
    attrs.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));

    out.push('<');
    out.push_str(qname);
    // `used` is a BTreeSet, so declarations come sorted by prefix, the default one first.
    for (p, uri) in &declared {
        if p.is_empty() {
            out.push_str(" xmlns=\"");
        } else {
            out.push_str(" xmlns:");
            out.push_str(p);
            out.push_str("=\"");
        }
        escape_attr(out, uri);
        out.push('"');
    }
    for (_, _, aq, value) in &attrs {
        out.push(' ');
        out.push_str(aq);
        out.push_str("=\"");
        escape_attr(out, value);
        out.push('"');
    }
    out.push('>');

    let mut scope = rendered.to_vec();
    scope.extend(declared);
    for child in node.children() {
        if Some(child.id()) == exclude {
            continue;
        }
        if child.is_element() {
            element(out, child, exclude, inclusive, &scope)?;
        } else if child.is_text() {
            escape_text(out, child.text().unwrap_or_default());
        } else if let Some(pi) = child.pi() {
            out.push_str("<?");
            out.push_str(pi.target);
            if let Some(value) = pi.value.filter(|v| !v.is_empty()) {
                out.push(' ');
                out.push_str(value);
            }
            out.push_str("?>");
        }
        // Comments are not part of the canonical form (the "without comments" variant).
    }
    out.push_str("</");
    out.push_str(qname);
    out.push('>');
    Ok(())
}

fn lookup<'a>(node: Node<'a, '_>, prefix: &str) -> Option<&'a str> {
    if prefix == "xml" {
        return Some(XML_NS);
    }
    node.namespaces().find(|ns| ns.name() == Some(prefix)).map(|ns| ns.uri())
}

fn prefix_of(qname: &str) -> &str {
    qname.split_once(':').map(|(p, _)| p).unwrap_or("")
}

/// The element's name as written in the source (`<saml:Assertion …`).
fn element_qname<'i>(node: Node<'_, 'i>) -> Result<&'i str, C14nError> {
    let source = node.document().input_text();
    let tag = source.get(node.range()).ok_or(C14nError::BadName)?;
    let tag = tag.strip_prefix('<').ok_or(C14nError::BadName)?;
    let end = tag.find(|c: char| c.is_ascii_whitespace() || c == '/' || c == '>').ok_or(C14nError::BadName)?;
    let qname = &tag[..end];
    // The name read back must be the name the parser resolved, or we would sign something else.
    if qname.rsplit(':').next() != Some(node.tag_name().name()) {
        return Err(C14nError::BadName);
    }
    Ok(qname)
}

fn escape_attr(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push_str("&#x9;"),
            '\n' => out.push_str("&#xA;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
}

fn escape_text(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c14n_of(xml: &str, name: &str, inclusive: &[&str]) -> String {
        let doc = roxmltree::Document::parse(xml).unwrap();
        let node = doc.descendants().find(|n| n.tag_name().name() == name).unwrap();
        let inclusive: Vec<String> = inclusive.iter().map(|s| s.to_string()).collect();
        canonicalize(node, None, &inclusive).unwrap()
    }

    #[test]
    fn only_visibly_used_namespaces_are_rendered_and_attributes_are_sorted() {
        let xml = r#"<r xmlns:a="urn:a" xmlns:b="urn:b" xmlns="urn:d"><a:e b:z="1" y="2" a:x="3"/></r>"#;
        assert_eq!(c14n_of(xml, "e", &[]), r#"<a:e xmlns:a="urn:a" xmlns:b="urn:b" y="2" a:x="3" b:z="1"></a:e>"#);
    }

    #[test]
    fn namespaces_already_rendered_by_an_ancestor_are_not_repeated() {
        let xml = r#"<p:r xmlns:p="urn:p"><p:c><p:d xmlns:p="urn:p"/></p:c></p:r>"#;
        assert_eq!(c14n_of(xml, "r", &[]), r#"<p:r xmlns:p="urn:p"><p:c><p:d></p:d></p:c></p:r>"#);
    }

    #[test]
    fn an_undeclared_default_namespace_is_rendered_empty_below_a_default_one() {
        let xml = r#"<r xmlns="urn:d"><c xmlns=""/></r>"#;
        assert_eq!(c14n_of(xml, "r", &[]), r#"<r xmlns="urn:d"><c xmlns=""></c></r>"#);
    }

    #[test]
    fn text_and_attribute_values_are_escaped_and_comments_dropped() {
        let xml = "<r a=\"x&#9;&quot;&lt;&amp;\">a&amp;b&lt;c&gt;<!-- gone --><![CDATA[<d>]]>\r\n</r>";
        assert_eq!(c14n_of(xml, "r", &[]), "<r a=\"x&#x9;&quot;&lt;&amp;\">a&amp;b&lt;c&gt;&lt;d&gt;\n</r>");
    }

    #[test]
    fn inclusive_prefixes_are_rendered_when_in_scope() {
        let xml = r#"<r xmlns:xs="urn:xs" xmlns:u="urn:u"><e t="xs:string"/></r>"#;
        assert_eq!(c14n_of(xml, "e", &["xs", "missing"]), r#"<e xmlns:xs="urn:xs" t="xs:string"></e>"#);
    }
}
