//! The JSON of Typeform's Create API that ccm sends and reads (field names as Typeform spells them;
//! unknown fields in answers are ignored). Reference: typeform.com/developers/create/reference and
//! the types of Typeform's own JS client (`@typeform/api-client`).

use serde::{Deserialize, Serialize};

/// `{href}`: how Typeform points at a theme, a workspace or an image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Href {
    pub href: String,
}

/// `POST /forms` body.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewForm {
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workspace: Option<Href>,
    pub theme: Href,
    pub hidden: Vec<String>,
    pub settings: FormSettings,
    pub fields: Vec<Field>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FormSettings {
    pub language: String,
    pub is_public: bool,
    pub show_progress_bar: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Field {
    #[serde(rename = "ref")]
    pub reference: String,
    pub title: String,
    /// `yes_no`, `opinion_scale`, `long_text`.
    #[serde(rename = "type")]
    pub kind: String,
    pub properties: serde_json::Value,
    pub validations: Validations,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Validations {
    pub required: bool,
}

/// A form as Typeform answers it (`POST /forms`, and items of `GET /forms`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Form {
    pub id: String,
    #[serde(default)]
    pub title: String,
    #[serde(rename = "_links", default)]
    pub links: Option<FormLinks>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct FormLinks {
    #[serde(default)]
    pub display: Option<String>,
}

impl Form {
    pub fn display(&self) -> Option<&str> {
        self.links.as_ref()?.display.as_deref()
    }
}

/// `GET /forms` and `GET /themes`: one page.
#[derive(Debug, Clone, Deserialize)]
pub struct Page<T> {
    #[serde(default)]
    pub total_items: u64,
    #[serde(default)]
    pub page_count: u64,
    #[serde(default = "Vec::new")]
    pub items: Vec<T>,
}

/// `POST /themes` body.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewTheme {
    pub name: String,
    pub font: String,
    pub colors: ThemeColors,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub background: Option<ThemeBackground>,
    pub has_transparent_button: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThemeColors {
    pub question: String,
    pub answer: String,
    pub button: String,
    pub background: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThemeBackground {
    pub href: String,
    /// `fullscreen`, `repeat` or `no-repeat`.
    pub layout: String,
    pub brightness: f64,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Theme {
    pub id: String,
    #[serde(default)]
    pub name: String,
}

/// `POST /images` body: the bytes in base64.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewImage {
    pub image: String,
    pub file_name: String,
}

/// An image as Typeform answers it (`POST /images`, items of `GET /images`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Image {
    pub id: String,
    #[serde(default)]
    pub src: String,
    #[serde(default)]
    pub file_name: String,
}
