//! Where a configuration file comes from: a local path, or an object in S3 (`s3://bucket/key`). The
//! Lambda functions and the operator CLI (e.g. the scheduled sync task, whose root file system is
//! read-only) read config.json and SESConfig.json through this one type.

use std::fmt;

use aws_config::SdkConfig;
use aws_sdk_s3::error::DisplayErrorContext;

/// A local path or an S3 object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Path(String),
    S3 { bucket: String, key: String },
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Path(p) => f.write_str(p),
            Self::S3 { bucket, key } => write!(f, "s3://{bucket}/{key}"),
        }
    }
}

/// Why a location could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("reading {location}: {source}")]
    File { location: String, source: std::io::Error },
    #[error("reading {location}: {detail}")]
    S3 { location: String, detail: String },
    #[error("{location} is not UTF-8")]
    NotUtf8 { location: String },
}

impl ReadError {
    /// True when the file or object does not exist (callers may fall back to a default).
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::File { source, .. } if source.kind() == std::io::ErrorKind::NotFound)
    }
}

impl Location {
    /// `s3://bucket/key` or a path; the problem is described for the caller to name its variable.
    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw.strip_prefix("s3://") {
            Some(rest) => match rest.split_once('/') {
                Some((bucket, key)) if !bucket.is_empty() && !key.is_empty() => {
                    Ok(Self::S3 { bucket: bucket.to_owned(), key: key.to_owned() })
                }
                _ => Err(format!("{raw:?} is not s3://bucket/key")),
            },
            None if raw.trim().is_empty() => Err(format!("{raw:?} is empty")),
            None => Ok(Self::Path(raw.to_owned())),
        }
    }

    /// The whole text. S3 objects are read with `sdk` (its endpoint override, if any, is honoured).
    pub async fn read(&self, sdk: &SdkConfig) -> Result<String, ReadError> {
        let location = self.to_string();
        match self {
            Self::Path(path) => std::fs::read_to_string(path).map_err(|source| ReadError::File { location, source }),
            Self::S3 { bucket, key } => {
                let s3 = crate::sdk::s3_client(sdk, sdk.endpoint_url().is_some());
                let out = s3.get_object().bucket(bucket).key(key).send().await.map_err(|e| ReadError::S3 {
                    location: location.clone(),
                    detail: DisplayErrorContext(&e).to_string(),
                })?;
                let bytes = out
                    .body
                    .collect()
                    .await
                    .map_err(|e| ReadError::S3 { location: location.clone(), detail: e.to_string() })?
                    .into_bytes();
                String::from_utf8(bytes.to_vec()).map_err(|_| ReadError::NotUtf8 { location })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_parse() {
        assert_eq!(Location::parse("config.json"), Ok(Location::Path("config.json".into())));
        assert_eq!(
            Location::parse("s3://b/config/config.json"),
            Ok(Location::S3 { bucket: "b".into(), key: "config/config.json".into() })
        );
        for bad in ["s3://bucket-only", "s3:///key", "s3://b/", " "] {
            assert!(Location::parse(bad).is_err(), "{bad}");
        }
    }
}
