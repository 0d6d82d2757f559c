//! The one typed environment of the Lambda functions. Every variable is named once here (and in
//! docs/configuration.md); a malformed value stops start-up naming the variable; the old names are
//! accepted as aliases. Reading goes through a lookup function so tests need no process environment.

/// A variable that is missing or malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{var}: {problem}")]
pub struct EnvError {
    pub var: &'static str,
    pub problem: String,
}

/// Where a configuration file comes from: a path in the package, or an object in S3.
pub use ccm_aws::location::Location as Source;

fn parse_location(var: &'static str, raw: &str) -> Result<Source, EnvError> {
    Source::parse(raw).map_err(|problem| EnvError { var, problem })
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
    /// `CCM_TIME_MARGIN_SECONDS`: how long before the invocation's deadline a fan-out stops taking
    /// new recipients and hands its message on, 5 to 600 (default 30).
    pub time_margin: std::time::Duration,
}

/// Which survey provider the processor uses (`CCM_SURVEYS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SurveyChoice {
    Typeform,
    Builtin,
    Off,
}

/// What the processor reads to make surveys (secrets are read separately, from SSM).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurveysEnv {
    /// `CCM_SURVEYS`: `typeform`, `builtin` or `off`; `None`: Typeform when its token is configured,
    /// else the built-in page when the session key is, else none.
    pub choice: Option<SurveyChoice>,
    /// `TYPEFORM_WORKSPACE_ID`: the workspace new forms go to.
    pub typeform_workspace: Option<String>,
    /// `TYPEFORM_API_URL`: Typeform's API (`https://api.eu.typeform.com` for EU accounts).
    pub typeform_api_url: Option<String>,
}

/// Microsoft Graph for meetings (the processor): set when `CCM_GRAPH_TENANT_ID` is. The client secret
/// is read separately: `CCM_GRAPH_CLIENT_SECRET`, else the SSM SecureString named by
/// `CCM_GRAPH_CLIENT_SECRET_PARAMETER`. Without Graph, meetings are ICS invitations by mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphEnv {
    /// `CCM_GRAPH_TENANT_ID`: the directory (tenant) id.
    pub tenant_id: String,
    /// `CCM_GRAPH_CLIENT_ID`: the application (client) id; required with the tenant.
    pub client_id: String,
    /// `CCM_GRAPH_URL`: Graph's endpoint (default `https://graph.microsoft.com/v1.0`).
    pub graph_url: Option<String>,
    /// `CCM_GRAPH_LOGIN_URL`: the token endpoint's host (default `https://login.microsoftonline.com`).
    pub login_url: Option<String>,
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

    /// `var` as a whole number in `range` (`default` when unset); `unit` names what it counts.
    fn whole_number(
        &self,
        var: &'static str,
        range: std::ops::RangeInclusive<u64>,
        default: u64,
        unit: &str,
    ) -> Result<u64, EnvError> {
        let Some(raw) = self.get(var, None) else { return Ok(default) };
        match raw.trim().parse::<u64>() {
            Ok(n) if range.contains(&n) => Ok(n),
            _ => Err(EnvError {
                var,
                problem: format!("{raw:?} is not a whole number{unit} from {} to {}", range.start(), range.end()),
            }),
        }
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
            config: parse_location("CCM_CONFIG", &config)?,
            ses_config: parse_location("CCM_SES_CONFIG", &ses)?,
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
        let send_concurrency = self.whole_number("CCM_SEND_CONCURRENCY", 1..=64, 8, "")?;
        let time_margin = self.whole_number("CCM_TIME_MARGIN_SECONDS", 5..=600, 30, " of seconds")?;
        Ok(ProcessorEnv {
            own_principals,
            send_concurrency: usize::try_from(send_concurrency).unwrap_or(64),
            time_margin: std::time::Duration::from_secs(time_margin),
        })
    }

    pub fn surveys(&self) -> Result<SurveysEnv, EnvError> {
        let choice = match self.get("CCM_SURVEYS", None).map(|v| v.trim().to_ascii_lowercase()).as_deref() {
            None => None,
            Some("typeform") => Some(SurveyChoice::Typeform),
            Some("builtin") => Some(SurveyChoice::Builtin),
            Some("off") => Some(SurveyChoice::Off),
            Some(other) => {
                return Err(EnvError {
                    var: "CCM_SURVEYS",
                    problem: format!("{other:?} is not typeform, builtin or off"),
                });
            }
        };
        let typeform_api_url = self.get("TYPEFORM_API_URL", None);
        if let Some(url) = &typeform_api_url
            && !url.starts_with("https://")
            && !url.starts_with("http://")
        {
            return Err(EnvError { var: "TYPEFORM_API_URL", problem: format!("{url:?} is not an http(s) URL") });
        }
        Ok(SurveysEnv { choice, typeform_workspace: self.get("TYPEFORM_WORKSPACE_ID", None), typeform_api_url })
    }

    /// Graph for meetings, when `CCM_GRAPH_TENANT_ID` is set (see [`GraphEnv`]).
    pub fn graph(&self) -> Result<Option<GraphEnv>, EnvError> {
        let Some(tenant_id) = self.get("CCM_GRAPH_TENANT_ID", None) else { return Ok(None) };
        let client_id = self.get("CCM_GRAPH_CLIENT_ID", None).ok_or_else(|| EnvError {
            var: "CCM_GRAPH_CLIENT_ID",
            problem: "is required when CCM_GRAPH_TENANT_ID is set".into(),
        })?;
        let url = |var: &'static str| match self.get(var, None) {
            Some(u) if !u.starts_with("https://") && !u.starts_with("http://") => {
                Err(EnvError { var, problem: format!("{u:?} is not an http(s) URL") })
            }
            other => Ok(other),
        };
        Ok(Some(GraphEnv {
            tenant_id: tenant_id.trim().to_owned(),
            client_id: client_id.trim().to_owned(),
            graph_url: url("CCM_GRAPH_URL")?,
            login_url: url("CCM_GRAPH_LOGIN_URL")?,
        }))
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
        for bad in ["4", "601", "-1", "thirty", "1.5"] {
            let err = env(&[("CCM_TIME_MARGIN_SECONDS", bad)]).processor().unwrap_err();
            assert_eq!(err.var, "CCM_TIME_MARGIN_SECONDS");
        }
    }

    #[test]
    fn graph_is_used_only_with_a_tenant_and_then_needs_a_client_id_and_http_urls() {
        assert_eq!(env(&[("CCM_GRAPH_CLIENT_SECRET_PARAMETER", "/ccm/s/graph-client-secret")]).graph(), Ok(None));
        assert_eq!(env(&[("CCM_GRAPH_TENANT_ID", "t")]).graph().unwrap_err().var, "CCM_GRAPH_CLIENT_ID");
        let bad = env(&[("CCM_GRAPH_TENANT_ID", "t"), ("CCM_GRAPH_CLIENT_ID", "c"), ("CCM_GRAPH_URL", "graph")]);
        assert_eq!(bad.graph().unwrap_err().var, "CCM_GRAPH_URL");
        let g = env(&[("CCM_GRAPH_TENANT_ID", " t "), ("CCM_GRAPH_CLIENT_ID", "c")]).graph().unwrap().unwrap();
        assert_eq!((g.tenant_id.as_str(), g.client_id.as_str(), g.graph_url), ("t", "c", None));
    }

    #[test]
    fn the_processor_reads_its_principals_and_concurrency() {
        let p =
            env(&[("CCM_OWN_PRINCIPALS", " AROA1:ccm , ,AROA2 "), ("CCM_SEND_CONCURRENCY", "16")]).processor().unwrap();
        assert_eq!(p.own_principals, ["AROA1:ccm", "AROA2"]);
        assert_eq!(p.send_concurrency, 16);
        assert_eq!(p.time_margin, std::time::Duration::from_secs(30), "the default");
        let p = env(&[("CCM_TIME_MARGIN_SECONDS", " 45 ")]).processor().unwrap();
        assert_eq!(p.time_margin, std::time::Duration::from_secs(45));
    }
}
