//! Exclusive XML Canonicalization 1.0 without comments (<https://www.w3.org/TR/xml-exc-c14n/>) of
//! one element subtree, optionally leaving out one descendant (the enveloped signature).
//!
//! Works on roxmltree's data model: entity and character references are already expanded,
//! attribute values and line ends normalised, CDATA merged into text. The original prefixes are
//! read back from the source text, because canonical form keeps the prefixes the signer used.

use std::collections::{BTreeMap, BTreeSet};

use roxmltree::{Node, NodeId};

use super::budget::{Deadline, OverBudget};

pub(crate) const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum C14nError {
    #[error("prefix {0:?} is used but not declared")]
    UndeclaredPrefix(String),
    #[error("an element name could not be read back from the source")]
    BadName,
    #[error("the canonical form would exceed {MAX_CANONICAL_BYTES} bytes")]
    TooLarge,
    #[error(transparent)]
    OverBudget(#[from] OverBudget),
}

/// How many elements are canonicalized between two looks at the clock.
const ELEMENTS_PER_CLOCK_CHECK: usize = 64;
/// The canonical form repeats a namespace declaration at every element that uses it without an
/// output ancestor having rendered it, so it can outgrow its input: a long namespace URI used by
/// many siblings. A real response's canonical form is about as long as the response; four times
/// the largest accepted response is refused.
pub(crate) const MAX_CANONICAL_BYTES: usize = 4 * super::limits::Limits::RESPONSE.bytes;

/// The canonical form of `apex` and its descendants, without `exclude` (and its descendants).
/// `inclusive` is the InclusiveNamespaces PrefixList (`#default` for the default namespace).
///
/// Linear in the size of the subtree times the namespaces in scope (which [`super::limits`]
/// bounds): each element looks its prefixes up once in its own in-scope list, and what output
/// ancestors rendered is kept as one stack per prefix, pushed and popped, never copied.
pub(crate) fn canonicalize<'a>(
    apex: Node<'a, 'a>,
    exclude: Option<NodeId>,
    inclusive: &'a [String],
    deadline: Deadline,
) -> Result<String, C14nError> {
    // `xml` is bound by definition and never declared in canonical form, even when listed.
    let inclusive: BTreeSet<&'a str> = inclusive
        .iter()
        .map(|p| if p == "#default" { "" } else { p.as_str() })
        .filter(|p| *p != "xml" && *p != "xmlns")
        .collect();
    let mut c14n =
        Canonicalizer { out: String::new(), exclude, inclusive, rendered: BTreeMap::new(), deadline, seen: 0 };
    c14n.element(apex)?;
    Ok(c14n.out)
}

struct Canonicalizer<'a> {
    out: String,
    exclude: Option<NodeId>,
    inclusive: BTreeSet<&'a str>,
    /// Prefix → the URIs output ancestors declared for it, innermost last.
    rendered: BTreeMap<&'a str, Vec<&'a str>>,
    deadline: Deadline,
    seen: usize,
}

impl<'a> Canonicalizer<'a> {
    fn element(&mut self, node: Node<'a, 'a>) -> Result<(), C14nError> {
        self.seen += 1;
        if self.seen.is_multiple_of(ELEMENTS_PER_CLOCK_CHECK) {
            self.deadline.check()?;
        }
        let qname = element_qname(node)?;
        let source = node.document().input_text();
        // The element's in-scope namespaces, once ("" for the default namespace).
        let in_scope: BTreeMap<&'a str, &'a str> =
            node.namespaces().map(|ns| (ns.name().unwrap_or(""), ns.uri())).collect();

        let mut used: BTreeSet<&'a str> = BTreeSet::new();
        used.insert(prefix_of(qname));
        let mut attrs = Vec::new();
        for attr in node.attributes() {
            let aq = &source[attr.range_qname()];
            if aq.contains(':') {
                used.insert(prefix_of(aq));
            }
            attrs.push((attr.namespace().unwrap_or(""), attr.name(), aq, attr.value()));
        }
        // Inclusive prefixes are treated like inclusive c14n: rendered when in scope.
        for p in &self.inclusive {
            if in_scope.contains_key(p) {
                used.insert(*p);
            }
        }
        // The xml namespace is never declared (and `xml:` attributes need no declaration).
        used.remove("xml");

        let mut declared: Vec<(&'a str, &'a str)> = Vec::new();
        for p in used {
            let uri = match in_scope.get(p) {
                Some(uri) => *uri,
                None if p.is_empty() => "",
                None => return Err(C14nError::UndeclaredPrefix(crate::log_value::truncated(p, 64))),
            };
            let previous = self.rendered.get(p).and_then(|stack| stack.last().copied());
            let needed = if p.is_empty() { uri != previous.unwrap_or("") } else { previous != Some(uri) };
            if needed {
                declared.push((p, uri));
            }
        }
        attrs.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));

        let out = &mut self.out;
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
        if out.len() > MAX_CANONICAL_BYTES {
            return Err(C14nError::TooLarge);
        }

        for (p, uri) in &declared {
            self.rendered.entry(p).or_default().push(uri);
        }
        let result = self.children(node);
        for (p, _) in &declared {
            if let Some(stack) = self.rendered.get_mut(p) {
                stack.pop();
            }
        }
        result?;
        let out = &mut self.out;
        out.push_str("</");
        out.push_str(qname);
        out.push('>');
        Ok(())
    }

    fn children(&mut self, node: Node<'a, 'a>) -> Result<(), C14nError> {
        for child in node.children() {
            if Some(child.id()) == self.exclude {
                continue;
            }
            if child.is_element() {
                self.element(child)?;
            } else if child.is_text() {
                escape_text(&mut self.out, child.text().unwrap_or_default());
                if self.out.len() > MAX_CANONICAL_BYTES {
                    return Err(C14nError::TooLarge);
                }
            } else if let Some(pi) = child.pi() {
                self.out.push_str("<?");
                self.out.push_str(pi.target);
                if let Some(value) = pi.value.filter(|v| !v.is_empty()) {
                    self.out.push(' ');
                    self.out.push_str(value);
                }
                self.out.push_str("?>");
            }
            // Comments are not part of the canonical form (the "without comments" variant).
        }
        Ok(())
    }
}

fn prefix_of(qname: &str) -> &str {
    qname.split_once(':').map(|(p, _)| p).unwrap_or("")
}

/// The element's name as written in the source (`<saml:Assertion …`).
fn element_qname<'a>(node: Node<'a, 'a>) -> Result<&'a str, C14nError> {
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
    if !value.contains(['&', '<', '"', '\t', '\n', '\r']) {
        out.push_str(value);
        return;
    }
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
    if !text.contains(['&', '<', '>', '\r']) {
        out.push_str(text);
        return;
    }
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
        canonicalize(node, None, &inclusive, Deadline::NONE).unwrap()
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
    fn a_prefix_list_naming_xml_never_declares_the_xml_namespace() {
        let xml = r#"<r xml:lang="en" xmlns:xs="urn:xs"><e xml:space="preserve"/></r>"#;
        assert_eq!(c14n_of(xml, "e", &["xml", "xs"]), r#"<e xmlns:xs="urn:xs" xml:space="preserve"></e>"#);
        assert_eq!(c14n_of(xml, "r", &["xml"]), r#"<r xml:lang="en"><e xml:space="preserve"></e></r>"#);
    }

    #[test]
    fn declarations_rendered_inside_a_sibling_are_rendered_again_in_the_next() {
        let xml = r#"<r xmlns:a="urn:a"><s><a:e/><a:e/></s><a:f><a:g/></a:f></r>"#;
        assert_eq!(
            c14n_of(xml, "r", &[]),
            r#"<r><s><a:e xmlns:a="urn:a"></a:e><a:e xmlns:a="urn:a"></a:e></s><a:f xmlns:a="urn:a"><a:g></a:g></a:f></r>"#
        );
    }

    #[test]
    fn a_canonical_form_that_outgrows_its_bound_is_refused() {
        let uri = "u".repeat(2000);
        let xml = format!(r#"<r xmlns:a="{uri}">{}</r>"#, "<a:e/>".repeat(200));
        let doc = roxmltree::Document::parse(&xml).unwrap();
        assert_eq!(canonicalize(doc.root_element(), None, &[], Deadline::NONE), Err(C14nError::TooLarge));
    }

    #[test]
    fn an_expired_deadline_stops_canonicalization() {
        let xml = format!("<r>{}</r>", "<e/>".repeat(200));
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let spent = Deadline::after(std::time::Duration::ZERO);
        assert_eq!(canonicalize(doc.root_element(), None, &[], spent), Err(C14nError::OverBudget(OverBudget)));
    }

    #[test]
    fn inclusive_prefixes_are_rendered_when_in_scope() {
        let xml = r#"<r xmlns:xs="urn:xs" xmlns:u="urn:u"><e t="xs:string"/></r>"#;
        assert_eq!(c14n_of(xml, "e", &["xs", "missing"]), r#"<e xmlns:xs="urn:xs" t="xs:string"></e>"#);
    }
}
