//! The structural limits of untrusted XML, checked by one linear lexical pass over the text
//! **before** roxmltree parses it: roxmltree's namespace handling (copying the in-scope
//! declarations to every element that declares one, duplicate checks per declaration and per
//! attribute) and any later walk are linear only once these bounds hold. Without them a 26 KiB post
//! of namespace declarations cost seconds before any signature was checked (issue #9).
//!
//! The pass reads markup the way a conforming parser does for well-formed XML: `<` outside
//! comments, CDATA and processing instructions starts a tag, `>` inside a tag ends it only outside
//! quotes. For malformed text its counts may differ from the parser's, but roxmltree then refuses
//! the text anyway, in linear time, because the pass also bounds depth and size.

use super::xml::XmlError;

/// Bounds on one document. Real IAM Identity Center responses are a few KiB with about ten
/// declarations, depth 7 and a few dozen elements; the response limits leave wide room for users
/// in hundreds of groups (two elements and up to two declarations per group value).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub bytes: usize,
    pub elements: usize,
    pub depth: usize,
    /// Attributes other than namespace declarations, on one element and in the whole document.
    pub attributes_per_element: usize,
    pub attributes: usize,
    /// `xmlns` and `xmlns:p` attributes, on one element and in the whole document.
    pub namespace_declarations_per_element: usize,
    pub namespace_declarations: usize,
    /// Distinct prefixes declared anywhere (the default namespace counts as one): this bounds the
    /// namespaces in scope at any element, which every namespace lookup and c14n step walks.
    pub distinct_prefixes: usize,
}

impl Limits {
    /// A `SAMLResponse`: the XML a 64 KiB ACS body can carry (base64 makes it 3/4 of that).
    pub const RESPONSE: Self = Self {
        bytes: 48 * 1024,
        elements: 2_000,
        depth: 32,
        attributes_per_element: 32,
        attributes: 4_000,
        namespace_declarations_per_element: 16,
        namespace_declarations: 1_024,
        distinct_prefixes: 32,
    };

    /// IdP metadata: trusted configuration, but parsed by the same code (larger, same shape bounds).
    pub const METADATA: Self = Self { bytes: 256 * 1024, elements: 10_000, attributes: 20_000, ..Self::RESPONSE };
}

/// Checks `text` against `limits` in one pass; refuses a DTD outright.
pub(crate) fn check(text: &str, limits: &Limits) -> Result<(), XmlError> {
    if text.len() > limits.bytes {
        return Err(XmlError::TooLarge { limit: limits.bytes });
    }
    let mut scan =
        Scan { text, at: 0, limits, depth: 0, elements: 0, attributes: 0, declarations: 0, prefixes: Vec::new() };
    while let Some(offset) = scan.rest().find('<') {
        scan.at += offset;
        let rest = scan.rest();
        if rest.starts_with("<!--") {
            scan.skip_past("-->")?;
        } else if rest.starts_with("<![CDATA[") {
            scan.skip_past("]]>")?;
        } else if rest.starts_with("<?") {
            scan.skip_past("?>")?;
        } else if rest.starts_with("<!DOCTYPE") {
            return Err(XmlError::Dtd);
        } else if rest.starts_with("<!") {
            return Err(XmlError::Malformed("markup declaration outside a DTD".into()));
        } else if rest.starts_with("</") {
            scan.depth = scan.depth.saturating_sub(1);
            scan.skip_past(">")?;
        } else {
            scan.start_tag()?;
        }
    }
    Ok(())
}

struct Scan<'t, 'l> {
    text: &'t str,
    at: usize,
    limits: &'l Limits,
    depth: usize,
    elements: usize,
    attributes: usize,
    declarations: usize,
    /// Distinct declared prefixes ("" for the default namespace); at most `distinct_prefixes`, so a
    /// linear search stays cheap.
    prefixes: Vec<&'t str>,
}

fn over(what: &'static str, limit: usize) -> XmlError {
    XmlError::Limit { what, limit }
}

impl<'t> Scan<'t, '_> {
    fn rest(&self) -> &'t str {
        &self.text[self.at..]
    }

    fn skip_past(&mut self, end: &str) -> Result<(), XmlError> {
        let found = self
            .rest()
            .find(end)
            .ok_or_else(|| XmlError::Malformed(format!("unterminated markup, {end:?} expected")))?;
        self.at += found + end.len();
        Ok(())
    }

    /// `<name attr="v" …>` or `…/>`, from the `<`.
    fn start_tag(&mut self) -> Result<(), XmlError> {
        self.elements += 1;
        if self.elements > self.limits.elements {
            return Err(over("elements", self.limits.elements));
        }
        self.at += 1;
        self.name();
        let (mut attributes, mut declarations) = (0usize, 0usize);
        loop {
            self.at += self.rest().len() - self.rest().trim_start_matches(is_space).len();
            let rest = self.rest();
            if rest.starts_with("/>") {
                self.at += 2;
                return Ok(());
            }
            if rest.starts_with('>') {
                self.at += 1;
                self.depth += 1;
                if self.depth > self.limits.depth {
                    return Err(over("levels of nesting", self.limits.depth));
                }
                return Ok(());
            }
            let name = self.name();
            if name.is_empty() {
                return Err(XmlError::Malformed("unexpected character in a start tag".into()));
            }
            self.at += self.rest().len() - self.rest().trim_start_matches(is_space).len();
            self.at += self
                .rest()
                .strip_prefix('=')
                .map(|_| 1)
                .ok_or_else(|| XmlError::Malformed("attribute without '='".into()))?;
            self.at += self.rest().len() - self.rest().trim_start_matches(is_space).len();
            let quote = self.rest().chars().next().filter(|q| *q == '"' || *q == '\'');
            let quote = quote.ok_or_else(|| XmlError::Malformed("attribute value without quotes".into()))?;
            self.at += 1;
            self.skip_past(if quote == '"' { "\"" } else { "'" })?;

            if let Some(prefix) = declared_prefix(name) {
                declarations += 1;
                self.declarations += 1;
                if declarations > self.limits.namespace_declarations_per_element {
                    return Err(over(
                        "namespace declarations on one element",
                        self.limits.namespace_declarations_per_element,
                    ));
                }
                if self.declarations > self.limits.namespace_declarations {
                    return Err(over("namespace declarations", self.limits.namespace_declarations));
                }
                if !self.prefixes.contains(&prefix) {
                    self.prefixes.push(prefix);
                    if self.prefixes.len() > self.limits.distinct_prefixes {
                        return Err(over("distinct namespace prefixes", self.limits.distinct_prefixes));
                    }
                }
            } else {
                attributes += 1;
                self.attributes += 1;
                if attributes > self.limits.attributes_per_element {
                    return Err(over("attributes on one element", self.limits.attributes_per_element));
                }
                if self.attributes > self.limits.attributes {
                    return Err(over("attributes", self.limits.attributes));
                }
            }
        }
    }

    /// A (qualified) name: everything up to white space, `=`, `/`, `>` or a quote.
    fn name(&mut self) -> &'t str {
        let rest = self.rest();
        let end =
            rest.find(|c: char| is_space(c) || matches!(c, '=' | '/' | '>' | '"' | '\'' | '<')).unwrap_or(rest.len());
        self.at += end;
        &rest[..end]
    }
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// `xmlns` → `Some("")`, `xmlns:p` → `Some("p")`, any other attribute name → `None`.
fn declared_prefix(name: &str) -> Option<&str> {
    match name.strip_prefix("xmlns")? {
        "" => Some(""),
        rest => rest.strip_prefix(':'),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: Limits = Limits {
        bytes: 10_000,
        elements: 10,
        depth: 3,
        attributes_per_element: 2,
        attributes: 5,
        namespace_declarations_per_element: 2,
        namespace_declarations: 4,
        distinct_prefixes: 3,
    };

    fn refused(xml: &str) -> Option<XmlError> {
        check(xml, &SMALL).err()
    }

    #[test]
    fn a_document_within_every_limit_passes_and_markup_in_comments_cdata_and_values_is_not_counted() {
        let xml = r#"<?xml version="1.0"?><a:r xmlns:a="urn:a" x='1>2' y="<"><!-- <b><b><b><b> --><![CDATA[<c><c><c>]]><c/><c/></a:r>"#;
        assert_eq!(check(xml, &SMALL), Ok(()));
    }

    #[test]
    fn each_limit_is_enforced() {
        let limit = |what, limit| Some(XmlError::Limit { what, limit });
        assert_eq!(refused(&"<a>".repeat(4)), limit("levels of nesting", 3));
        assert_eq!(refused(&format!("<r>{}</r>", "<e/>".repeat(10))), limit("elements", 10));
        assert_eq!(refused(r#"<r a="1" b="2" c="3"/>"#), limit("attributes on one element", 2));
        assert_eq!(refused(r#"<r><e a="1" b="2"/><e a="1" b="2"/><e a="1" b="2"/></r>"#), limit("attributes", 5));
        assert_eq!(
            refused(r#"<r xmlns="u" xmlns:a="u" xmlns:b="u"/>"#),
            limit("namespace declarations on one element", 2)
        );
        assert_eq!(
            refused(r#"<r xmlns:a="u"><e xmlns:b="u"/><e xmlns:c="u"/><e xmlns:d="u"/></r>"#),
            limit("distinct namespace prefixes", 3)
        );
        assert_eq!(
            refused(r#"<r xmlns:a="u"><e xmlns:a="v"/><e xmlns:a="w"/><e xmlns:a="x"/><e xmlns:a="y"/></r>"#),
            limit("namespace declarations", 4)
        );
        assert_eq!(check(&"x".repeat(10_001), &SMALL), Err(XmlError::TooLarge { limit: 10_000 }));
    }

    #[test]
    fn a_dtd_and_unterminated_markup_are_refused() {
        assert_eq!(refused("<!DOCTYPE r []><r/>"), Some(XmlError::Dtd));
        assert!(matches!(refused("<r><!-- open"), Some(XmlError::Malformed(_))));
        assert!(matches!(refused("<r a=\"open"), Some(XmlError::Malformed(_))));
        assert!(matches!(refused("<r a>"), Some(XmlError::Malformed(_))));
    }
}
