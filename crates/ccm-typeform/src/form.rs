//! The form of one (object, customer): the three questions, the hidden fields, and a title that
//! carries a marker (`[CHG-…/acme]`) by which a form whose creation was never recorded is found
//! again. Pure, so the shape Typeform receives is tested without a network.

use ccm_core::ports::SurveyRequest;
use ccm_core::survey::{HIDDEN_FIELDS, Questions, REF_EXCELLENT, REF_IMPROVE, REF_RECOMMEND};
use ccm_core::text::{self, TextKind};
use ccm_core::{CustomerCode, ObjectId, ObjectKind};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::json;

use crate::wire::{Field, FormSettings, Href, NewForm, Validations};

/// What stays unescaped in a fragment value: RFC 3986's unreserved characters.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// Longest object title put into a form title.
const MAX_TITLE: usize = 180;

/// `[{object}/{customer}]`: unique per form, searchable (`GET /forms?search=`).
pub fn marker(object: &ObjectId, customer: &CustomerCode) -> String {
    format!("[{object}/{customer}]")
}

fn event_type(kind: ObjectKind) -> (&'static str, &'static str) {
    match kind {
        ObjectKind::Change => ("change", "general"),
        ObjectKind::Announcement(t) => ("announcement", t.as_str()),
    }
}

/// The `POST /forms` body for `request`, themed with `theme_href`, in `workspace_href` if given.
pub fn form_definition(request: &SurveyRequest<'_>, theme_href: &str, workspace_href: Option<&str>) -> NewForm {
    let object = request.object;
    let title: String = text::clean(object.title(), TextKind::SingleLine).chars().take(MAX_TITLE).collect();
    let customer_name = text::clean(request.customer_name, TextKind::SingleLine);
    let shown = if title.trim().is_empty() { object.id().to_string() } else { title.clone() };
    let q = Questions::for_kind(object.kind());
    NewForm {
        title: format!("{shown} — {customer_name} {}", marker(object.id(), request.customer)),
        workspace: workspace_href.map(|href| Href { href: href.to_owned() }),
        theme: Href { href: theme_href.to_owned() },
        hidden: HIDDEN_FIELDS.iter().map(|h| (*h).to_owned()).collect(),
        settings: FormSettings { language: "en".into(), is_public: true, show_progress_bar: true },
        fields: vec![
            Field {
                reference: REF_EXCELLENT.into(),
                title: q.excellent,
                kind: "yes_no".into(),
                properties: json!({"description": shown}),
                validations: Validations { required: true },
            },
            Field {
                reference: REF_RECOMMEND.into(),
                title: q.recommend,
                kind: "opinion_scale".into(),
                properties: json!({
                    "steps": 11,
                    "start_at_one": false,
                    "labels": {"left": q.recommend_low, "right": q.recommend_high}
                }),
                validations: Validations { required: true },
            },
            Field {
                reference: REF_IMPROVE.into(),
                title: q.improve,
                kind: "long_text".into(),
                properties: json!({"description": q.improve_hint}),
                validations: Validations { required: false },
            },
        ],
    }
}

/// The form's address with its hidden fields (Typeform reads them from the URL fragment). Everyone
/// of a customer gets the same link: no address is ever sent to Typeform.
pub fn survey_link(
    display_url: &str,
    request_kind: ObjectKind,
    object: &ObjectId,
    customer: &CustomerCode,
    year: i32,
    quarter: u8,
) -> String {
    let (event_type, subtype) = event_type(request_kind);
    let pairs = [
        ("object_id", object.to_string()),
        ("event_type", event_type.to_owned()),
        ("event_subtype", subtype.to_owned()),
        ("customer_code", customer.to_string()),
        ("year", year.to_string()),
        ("quarter", quarter.to_string()),
    ];
    let fragment: Vec<String> =
        pairs.iter().map(|(k, v)| format!("{k}={}", utf8_percent_encode(v, UNRESERVED))).collect();
    let base = display_url.split('#').next().unwrap_or(display_url);
    format!("{base}#{}", fragment.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ccm_core::Object;
    use ccm_core::survey::SurveyPeriod;

    fn object() -> Object {
        Object::from_json(
            br#"{"announcement_id":"FIN-1","announcement_type":"finops","title":"Savings plan\u202e renewal","summary":"s","customers":["acme"],"status":"completed","completedAt":"2026-05-02T10:00:00Z"}"#,
        )
        .unwrap()
    }

    #[test]
    fn the_form_asks_the_three_questions_with_the_hidden_fields() {
        let o = object();
        let acme = CustomerCode::parse("acme").unwrap();
        let period = SurveyPeriod::of_object(&o).unwrap();
        let request =
            SurveyRequest { object: &o, customer: &acme, customer_name: "Acme\nCorp", period, now: period.opened };
        let form = form_definition(
            &request,
            "https://api.typeform.com/themes/t1",
            Some("https://api.typeform.com/workspaces/w1"),
        );
        let v = serde_json::to_value(&form).unwrap();
        assert_eq!(v["title"], "Savings plan renewal — Acme Corp [FIN-1/acme]");
        assert_eq!(v["theme"]["href"], "https://api.typeform.com/themes/t1");
        assert_eq!(v["workspace"]["href"], "https://api.typeform.com/workspaces/w1");
        assert_eq!(
            v["hidden"],
            json!(["object_id", "event_type", "event_subtype", "customer_code", "year", "quarter"])
        );
        let fields = v["fields"].as_array().unwrap();
        let kinds: Vec<&str> = fields.iter().map(|f| f["type"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["yes_no", "opinion_scale", "long_text"]);
        assert_eq!(fields[0]["title"], "Was this FinOps announcement excellent?");
        assert_eq!(fields[0]["ref"], "excellent");
        assert_eq!(
            (fields[1]["properties"]["steps"].as_u64(), fields[1]["properties"]["start_at_one"].as_bool()),
            (Some(11), Some(false))
        );
        assert_eq!(fields[2]["validations"]["required"], false);
    }

    #[test]
    fn the_link_carries_the_hidden_fields_in_its_fragment() {
        let link = survey_link(
            "https://acme.typeform.com/to/abc",
            ObjectKind::Announcement(ccm_core::AnnouncementType::Finops),
            &ObjectId::parse("FIN-1").unwrap(),
            &CustomerCode::parse("hts-nonprod").unwrap(),
            2026,
            2,
        );
        assert_eq!(
            link,
            "https://acme.typeform.com/to/abc#object_id=FIN-1&event_type=announcement&event_subtype=finops&customer_code=hts-nonprod&year=2026&quarter=2"
        );
    }
}
