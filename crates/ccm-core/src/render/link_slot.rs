//! A per-recipient link in a message rendered once. The template is given a placeholder URL that
//! no user text can contain (it carries 128 random bits), and each recipient's copy gets the
//! placeholder replaced by their link: escaped for an HTML attribute in the HTML part, as is in the
//! text part. A notification to a thousand recipients is rendered once, not a thousand times.

use super::{Rendered, url_attr_text};

/// The placeholder of one rendering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkSlot {
    placeholder: String,
}

impl LinkSlot {
    /// A fresh placeholder (`https://link-slot.ccm.invalid/{32 hex digits}`: an http(s) URL, so the
    /// templates' URL filter lets it through, and made only of characters no escaping changes).
    pub fn random() -> Self {
        Self { placeholder: format!("https://link-slot.ccm.invalid/{}", uuid::Uuid::new_v4().simple()) }
    }

    /// What to give the template in place of the link.
    pub fn as_str(&self) -> &str {
        &self.placeholder
    }

    /// One recipient's copy with `url` in place of the placeholder. A link that is not http(s)
    /// becomes `#` in the HTML part, as the templates' URL filter would make it.
    pub fn fill(&self, rendered: &Rendered, url: &str) -> Rendered {
        Rendered {
            subject: rendered.subject.clone(),
            html: rendered.html.replace(&self.placeholder, &url_attr_text(url)),
            text: rendered.text.replace(&self.placeholder, &crate::text::clean(url, crate::text::TextKind::SingleLine)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_copy_gets_its_link_escaped_for_its_part() {
        let slot = LinkSlot::random();
        let rendered = Rendered {
            subject: "s".into(),
            html: format!("<a href=\"{}\">Take the survey</a>", slot.as_str()),
            text: format!("Take the survey: {}", slot.as_str()),
        };
        let copy = slot.fill(&rendered, "https://form.typeform.com/to/abc#object_id=CHG-1&customer_code=acme");
        assert_eq!(
            copy.html,
            "<a href=\"https://form.typeform.com/to/abc#object_id=CHG-1&amp;customer_code=acme\">Take the survey</a>"
        );
        assert_eq!(copy.text, "Take the survey: https://form.typeform.com/to/abc#object_id=CHG-1&customer_code=acme");
        let hostile = slot.fill(&rendered, "javascript:alert(1)\"><script>");
        assert_eq!(hostile.html, "<a href=\"#\">Take the survey</a>");
        assert_ne!(LinkSlot::random(), slot, "every rendering has its own placeholder");
    }
}
