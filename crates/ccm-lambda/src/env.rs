//! The one typed environment of the Lambda functions. Every variable is named once here (and in
//! docs/configuration.md); a malformed value stops start-up naming the variable; the old names are
//! accepted as aliases. Reading goes through a lookup function so tests need no process environment.

use std::fmt;

/// A variable that is missing or malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{var}: {problem}")]
pub struct EnvError {
    pub var: &'static str,
    pub problem: String,
}

/// Where a configuration file comes from: a path in the package, or an object in S3.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Path(String),
    S3 { bucket: String, key: String },
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Path(p) => f.write_str(p),
            Self::S3 { bucket, key } => write!(f, "s3://{bucket}/{key}"),
        }
    }
}

impl Source {
    fn parse(var: &'static str, raw: &str) -> Result<Self, EnvError> {
        let bad = |problem: &str| EnvError { var, problem: format!("{raw:?} {problem}") };
        match raw.strip_prefix("s3://") {
            Some(rest) => {
                let (bucket, key) = rest.split_once('/').ok_or_else(|| bad("is not s3://bucket/key"))?;
                if bucket.is_empty() || key.is_empty() {
                    return Err(bad("is not s3://bucket/key"));
                }
                Ok(Self::S3 { bucket: bucket.to_owned(), key: key.to_owned() })
            }
            None if raw.trim().is_empty() => Err(bad("is empty")),
            None => Ok(Self::Path(raw.to_owned())),
        }
    }
}

/// How logs are written: JSON lines (the Lambda default, for CloudWatch queries) or text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Json,
    Text,
}

/// What every function reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Common {
    /// `CCM_CONFIG` (alias `CCM_CONFIG_FILE`): config.json; default `config.json` beside the binary.
    pub config: Source,
    /// `CCM_SES_CONFIG` (alias `CCM_SES_CONFIG_FILE`): SESConfig.json; default `SESConfig.json`.
    pub ses_config: Source,
    /// `CCM_BUCKET` (alias `S3_BUCKET`): the metadata bucket; else config's `s3_config.bucket_name`.
    pub bucket: Option<String>,
    /// `CCM_INDEX_TABLE`: the DynamoDB table of the shared index.
    pub index_table: Option<String>,
    /// `CCM_LOG_FORMAT`: `json` (default) or `text`.
    pub log_format: LogFormat,
}

/// What the processor reads beyond [`Common`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessorEnv {
    /// `CCM_OWN_PRINCIPALS`: comma-separated principals whose writes are the processor's own.
    pub own_principals: Vec<String>,
    /// `CCM_SEND_CONCURRENCY`: sends in flight per trigger, 1 to 64 (default 8).
    pub send_concurrency: usize,
}

/// The environment, read through `lookup` (the process environment in the binaries).
pub struct Env<F: Fn(&str) -> Option<String>> {
    lookup: F,
}

impl<F: Fn(&str) -> Option<String>> Env<F> {
    pub fn new(lookup: F) -> Self {
        Self { lookup }
    }

    /// The value of `var`, else of its alias; blank counts as unset.
    fn get(&self, var: &'static str, alias: Option<&'static str>) -> Option<String> {
        let read = |name: &str| (self.lookup)(name).filter(|v| !v.trim().is_empty());
        read(var).or_else(|| alias.and_then(read))
    }

    pub fn common(&self) -> Result<Common, EnvError> {
        let config = self.get("CCM_CONFIG", Some("CCM_CONFIG_FILE")).unwrap_or_else(|| "config.json".into());
        let ses = self.get("CCM_SES_CONFIG", Some("CCM_SES_CONFIG_FILE")).unwrap_or_else(|| "SESConfig.json".into());
        let log_format = match self.get("CCM_LOG_FORMAT", None).as_deref().map(str::to_ascii_lowercase).as_deref() {
            None | Some("json") => LogFormat::Json,
            Some("text") => LogFormat::Text,
            Some(other) => {
                return Err(EnvError { var: "CCM_LOG_FORMAT", problem: format!("{other:?} is neither json nor text") });
            }
        };
        Ok(Common {
            config: Source::parse("CCM_CONFIG", &config)?,
            ses_config: Source::parse("CCM_SES_CONFIG", &ses)?,
            bucket: self.get("CCM_BUCKET", Some("S3_BUCKET")),
            index_table: self.get("CCM_INDEX_TABLE", None),
            log_format,
        })
    }

    pub fn processor(&self) -> Result<ProcessorEnv, EnvError> {
        let own_principals = self
            .get("CCM_OWN_PRINCIPALS", None)
            .map(|v| v.split(',').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect())
            .unwrap_or_default();
        let send_concurrency = match self.get("CCM_SEND_CONCURRENCY", None) {
            None => 8,
            Some(raw) => match raw.trim().parse::<usize>() {
                Ok(n @ 1..=64) => n,
                _ => {
                    return Err(EnvError {
                        var: "CCM_SEND_CONCURRENCY",
                        problem: format!("{raw:?} is not a whole number from 1 to 64"),
                    });
                }
            },
        };
        Ok(ProcessorEnv { own_principals, send_concurrency })
    }

    /// The raw lookup, for settings read by other crates (`CCM_SAML_*`, secrets).
    pub fn raw(&self, var: &str) -> Option<String> {
        (self.lookup)(var).filter(|v| !v.trim().is_empty())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env(vars: &[(&str, &str)]) -> Env<impl Fn(&str) -> Option<String>> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        Env::new(move |k: &str| map.get(k).cloned())
    }

    #[test]
    fn nothing_set_means_the_files_beside_the_binary_and_json_logs() {
        let c = env(&[]).common().unwrap();
        assert_eq!(c.config, Source::Path("config.json".into()));
        assert_eq!(c.ses_config, Source::Path("SESConfig.json".into()));
        assert_eq!((c.bucket, c.index_table, c.log_format), (None, None, LogFormat::Json));
    }

    #[test]
    fn the_new_names_win_over_the_old_ones_which_still_work() {
        let c = env(&[("CCM_CONFIG_FILE", "/old.json"), ("S3_BUCKET", "old-bucket")]).common().unwrap();
        assert_eq!((c.config, c.bucket.as_deref()), (Source::Path("/old.json".into()), Some("old-bucket")));
        let c = env(&[
            ("CCM_CONFIG", "s3://b/config/config.json"),
            ("CCM_CONFIG_FILE", "/old.json"),
            ("CCM_BUCKET", "new"),
            ("S3_BUCKET", "old"),
        ])
        .common()
        .unwrap();
        assert_eq!(c.config, Source::S3 { bucket: "b".into(), key: "config/config.json".into() });
        assert_eq!(c.bucket.as_deref(), Some("new"));
    }

    #[test]
    fn a_malformed_value_is_refused_naming_the_variable() {
        for (vars, var) in [
            (vec![("CCM_CONFIG", "s3://bucket-only")], "CCM_CONFIG"),
            (vec![("CCM_SES_CONFIG", "s3:///key")], "CCM_SES_CONFIG"),
            (vec![("CCM_LOG_FORMAT", "yaml")], "CCM_LOG_FORMAT"),
        ] {
            assert_eq!(env(&vars).common().unwrap_err().var, var);
        }
        for bad in ["0", "65", "-1", "eight", "1.5"] {
            assert_eq!(env(&[("CCM_SEND_CONCURRENCY", bad)]).processor().unwrap_err().var, "CCM_SEND_CONCURRENCY");
        }
    }

    #[test]
    fn the_processor_reads_its_principals_and_concurrency() {
        let p =
            env(&[("CCM_OWN_PRINCIPALS", " AROA1:ccm , ,AROA2 "), ("CCM_SEND_CONCURRENCY", "16")]).processor().unwrap();
        assert_eq!(p.own_principals, ["AROA1:ccm", "AROA2"]);
        assert_eq!(p.send_concurrency, 16);
    }
}
