//! The three questions, worded once for every way of asking (the built-in page, Typeform forms).

use serde::Serialize;

use crate::ids::{AnnouncementType, ObjectKind};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Questions {
    /// "Was this change excellent?" (yes or no).
    pub excellent: String,
    /// "How likely are you to recommend …" (0 to 10).
    pub recommend: String,
    pub recommend_low: String,
    pub recommend_high: String,
    /// "What could we improve …?" (free text, optional).
    pub improve: String,
    pub improve_hint: String,
}

/// What the object is called in a question: "change", "CIC announcement", …
pub fn noun(kind: ObjectKind) -> &'static str {
    match kind {
        ObjectKind::Change => "change",
        ObjectKind::Announcement(AnnouncementType::Cic) => "CIC announcement",
        ObjectKind::Announcement(AnnouncementType::Finops) => "FinOps announcement",
        ObjectKind::Announcement(AnnouncementType::Innersource) => "InnerSource announcement",
        ObjectKind::Announcement(AnnouncementType::General) => "announcement",
    }
}

impl Questions {
    pub fn for_kind(kind: ObjectKind) -> Self {
        let noun = noun(kind);
        Self {
            excellent: format!("Was this {noun} excellent?"),
            recommend: "How likely are you to recommend our cloud team to a colleague?".into(),
            recommend_low: "Not at all likely".into(),
            recommend_high: "Extremely likely".into(),
            improve: format!("What could we improve about this {noun}?"),
            improve_hint: "Any suggestions, comments or criticisms are welcome.".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn questions_name_the_kind_of_object() {
        assert_eq!(Questions::for_kind(ObjectKind::Change).excellent, "Was this change excellent?");
        let cic = Questions::for_kind(ObjectKind::Announcement(AnnouncementType::Cic));
        assert_eq!(cic.improve, "What could we improve about this CIC announcement?");
    }
}
