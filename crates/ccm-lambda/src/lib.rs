//! The Lambda functions of ccm: `ccm-api`, `ccm-auth`, `ccm-processor`, `ccm-indexer` and `ccm-reminders` (each a `main` of a few
//! lines in `src/bin/`), and what they share: the typed environment (`env`), logging, reading the
//! two configuration files from the package or S3, the session keys from SSM. The libraries they
//! run (ccm-api, ccm-auth, ccm-processor) know nothing of Lambda or AWS.

pub mod env;
pub mod handoff;
pub mod indexer;
pub mod reminders;
pub mod surveys;
pub mod wiring;

pub use env::{Common, Env, EnvError, GraphEnv, LogFormat, ProcessorEnv, Source, SurveyChoice, SurveysEnv};
