//! Reading config.json and SESConfig.json. `ccm serve` falls back to the example files built into the
//! binary when none are present, so it runs anywhere; every other command requires real files.

use std::path::Path;

use anyhow::Context;
use ccm_core::config::{AppConfig, SesConfig};

pub const EXAMPLE_CONFIG: &str = include_str!("../../../config.json");
pub const EXAMPLE_SES_CONFIG: &str = include_str!("../../../SESConfig.json");

/// Where a configuration came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    File(String),
    BuiltInExample,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::File(p) => f.write_str(p),
            Self::BuiltInExample => f.write_str("the built-in example"),
        }
    }
}

pub(crate) fn read(path: &Path, example: Option<&'static str>) -> anyhow::Result<(String, Source)> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok((text, Source::File(path.display().to_string()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && example.is_some() => {
            Ok((example.unwrap_or_default().to_owned(), Source::BuiltInExample))
        }
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

pub fn load_app_config(path: &Path, allow_example: bool) -> anyhow::Result<(AppConfig, Source)> {
    let (text, source) = read(path, allow_example.then_some(EXAMPLE_CONFIG))?;
    let config = AppConfig::from_json(&text).map_err(|e| anyhow::anyhow!("{source} is not valid:\n{e}"))?;
    Ok((config, source))
}

pub fn load_ses_config(path: &Path, allow_example: bool) -> anyhow::Result<(SesConfig, Source)> {
    let (text, source) = read(path, allow_example.then_some(EXAMPLE_SES_CONFIG))?;
    let config = SesConfig::from_json(&text).map_err(|e| anyhow::anyhow!("{source} is not valid:\n{e}"))?;
    Ok((config, source))
}

/// A configuration file's text as read (or why it could not be read), named by where it came from.
/// The AWS commands read both files up front, from a path or from `s3://bucket/key` with the
/// operator's credentials (the scheduled sync task reads them from the metadata bucket).
pub struct ConfigText {
    pub location: String,
    pub text: Result<String, String>,
}

impl ConfigText {
    pub async fn read(path: &Path, sdk: &aws_config::SdkConfig) -> anyhow::Result<Self> {
        let raw = path.to_string_lossy();
        let location =
            ccm_aws::location::Location::parse(&raw).map_err(|e| anyhow::anyhow!("--config/--ses-config: {e}"))?;
        let text = location.read(sdk).await.map_err(|e| e.to_string());
        Ok(Self { location: location.to_string(), text })
    }

    fn text(&self) -> anyhow::Result<&str> {
        self.text.as_deref().map_err(|e| anyhow::anyhow!("{e}"))
    }
}

pub fn parse_app_config(file: &ConfigText) -> anyhow::Result<AppConfig> {
    AppConfig::from_json(file.text()?).map_err(|e| anyhow::anyhow!("{} is not valid:\n{e}", file.location))
}

pub fn parse_ses_config(file: &ConfigText) -> anyhow::Result<SesConfig> {
    SesConfig::from_json(file.text()?).map_err(|e| anyhow::anyhow!("{} is not valid:\n{e}", file.location))
}

/// The SES topics the notification routing sends to: they must exist in SESConfig.json.
pub use ccm_core::routing::ROUTED_TOPICS;
