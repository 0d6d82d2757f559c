//! The one error type of configuration loading: every problem found, each naming its field.

use std::fmt;

/// One problem in a configuration file. `field` is a dotted path such as
/// `customer_mappings.acme.ses_role_arn` or `topics.2.TopicName`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}

/// Every problem found in a configuration file, so an operator fixes them all in one go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub errors: Vec<FieldError>,
}

impl ConfigError {
    /// Whether some problem names exactly this field.
    pub fn mentions(&self, field: &str) -> bool {
        self.errors.iter().any(|e| e.field == field)
    }
}

impl From<Vec<FieldError>> for ConfigError {
    fn from(errors: Vec<FieldError>) -> Self {
        Self { errors }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// Collects problems while a validator walks a configuration.
#[derive(Debug, Default)]
pub(crate) struct Problems(Vec<FieldError>);

impl Problems {
    pub(crate) fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    /// Records `message` against `field` unless `ok`.
    pub(crate) fn require(&mut self, ok: bool, field: impl Into<String>, message: impl Into<String>) {
        if !ok {
            self.add(field, message);
        }
    }

    pub(crate) fn into_result(self) -> Result<(), ConfigError> {
        if self.0.is_empty() { Ok(()) } else { Err(ConfigError { errors: self.0 }) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_config_error_prints_one_problem_per_line() {
        let err = ConfigError {
            errors: vec![FieldError::new("aws_region", "must not be empty"), FieldError::new("log_level", "bad")],
        };
        assert_eq!(err.to_string(), "aws_region: must not be empty\nlog_level: bad");
        assert!(err.mentions("log_level"));
        assert!(!err.mentions("log"));
    }
}
