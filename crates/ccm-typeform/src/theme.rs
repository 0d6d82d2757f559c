//! The theme of a survey: the object type's colour (as in the e-mails) and the customer's logo.
//! One theme per (type, customer, logo), named so it is found again: `ccm-{type}-{customer}-{logo}`
//! (the logo's content hash, so a new logo gets a new theme and old forms keep theirs).

use ccm_core::{AnnouncementType, CustomerCode, ObjectKind};

use crate::wire::{NewTheme, ThemeBackground, ThemeColors};

/// Typeform's fonts are a fixed list; this one is on it.
pub const FONT: &str = "Source Sans Pro";

pub fn color(kind: ObjectKind) -> &'static str {
    match kind {
        ObjectKind::Change => "#6c757d",
        ObjectKind::Announcement(AnnouncementType::Cic) => "#0066cc",
        ObjectKind::Announcement(AnnouncementType::Finops) => "#28a745",
        ObjectKind::Announcement(AnnouncementType::Innersource) => "#6f42c1",
        ObjectKind::Announcement(AnnouncementType::General) => "#007bff",
    }
}

pub fn name(kind: ObjectKind, customer: &CustomerCode, logo_hash: &str) -> String {
    format!("ccm-{}-{customer}-{logo_hash}", kind.type_name())
}

pub fn definition(kind: ObjectKind, customer: &CustomerCode, logo_hash: &str, logo_src: &str) -> NewTheme {
    let c = color(kind).to_owned();
    NewTheme {
        name: name(kind, customer, logo_hash),
        font: FONT.into(),
        colors: ThemeColors { question: c.clone(), answer: c.clone(), button: c, background: "#FFFFFF".into() },
        background: Some(ThemeBackground { href: logo_src.to_owned(), layout: "no-repeat".into(), brightness: 0.0 }),
        has_transparent_button: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_theme_is_named_for_its_type_customer_and_logo() {
        let acme = CustomerCode::parse("acme").unwrap();
        let t = definition(
            ObjectKind::Announcement(AnnouncementType::Cic),
            &acme,
            "0a1b2c3d",
            "https://images.typeform.com/i/1",
        );
        assert_eq!(t.name, "ccm-cic-acme-0a1b2c3d");
        assert_eq!((t.colors.button.as_str(), t.font.as_str()), ("#0066cc", "Source Sans Pro"));
        assert_eq!(t.background.unwrap().href, "https://images.typeform.com/i/1");
    }
}
