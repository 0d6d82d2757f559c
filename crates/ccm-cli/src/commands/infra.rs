//! `ccm infra render`: writes the per-customer parts of the CloudFormation template from config.json
//! (docs/adr/0009-infra-render-step.md). CloudFormation cannot loop inside a bucket's notification
//! list, so the source template `infra/template.yaml` marks generated regions:
//!
//! ```text
//!           # >>> ccm infra render: customer-notifications
//!           …generated lines, indented like the marker…
//!           # <<< ccm infra render: customer-notifications
//! ```
//!
//! Rendering replaces each region's body and leaves everything else as it is, so the rendered file is
//! plain CloudFormation that cfn-lint, checkov, the SAM translator and moto read as written. With
//! `--code-dir` every `CodeUri: … # ccm infra render: code BINARY` line points at the zip that
//! `make package` built for that binary. The checked-in template is rendered from the example
//! config.json; `--check` fails when it is stale.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use ccm_core::config::{AppConfig, CustomerConfig};
use clap::{Args, Subcommand};
use serde_json::json;

use super::output::{OutputFormat, Printer};
use crate::config_files::load_app_config;

const BEGIN: &str = "# >>> ccm infra render: ";
const END: &str = "# <<< ccm infra render: ";
const CODE: &str = "# ccm infra render: code ";

/// CloudFormation allows 500 resources per stack; each customer adds four and the rest of the stack
/// about seventy.
pub const MAX_CUSTOMERS: usize = 100;

#[derive(Debug, Subcommand)]
pub enum InfraCommand {
    /// Write the per-customer regions of the CloudFormation template (queues, dead-letter queues, event
    /// source mappings, alarms, the bucket's event routing, the customer roles) from config.json.
    #[command(
        after_help = "Examples:\n  ccm infra render --out infra/build/template.yaml --code-dir target/lambda\n  ccm infra render --in-place                 after adding a customer to config.json\n  ccm infra render --check                    CI: is infra/template.yaml up to date?"
    )]
    Render(RenderArgs),
}

#[derive(Debug, Args)]
pub struct RenderArgs {
    /// The source template, with `# >>> ccm infra render: NAME` regions.
    #[arg(long, default_value = "infra/template.yaml")]
    pub template: PathBuf,
    /// Write the rendered template here (parent folders are created); default: standard output.
    #[arg(long, conflicts_with_all = ["in_place", "check"])]
    pub out: Option<PathBuf>,
    /// Rewrite the source template itself.
    #[arg(long, conflicts_with = "check")]
    pub in_place: bool,
    /// Change nothing; exit 1 when the template's regions differ from what config.json gives.
    #[arg(long)]
    pub check: bool,
    /// Point each function's CodeUri at DIR/BINARY/bootstrap.zip (what `make package` builds).
    #[arg(long, value_name = "DIR")]
    pub code_dir: Option<PathBuf>,
}

/// Why a template cannot be rendered.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    #[error("line {line}: region {name:?} is not one ccm infra render knows ({known})")]
    UnknownRegion { name: String, line: usize, known: String },
    #[error("line {line}: region {name:?} opens again before it was closed")]
    Nested { name: String, line: usize },
    #[error("line {line}: region {name:?} closes but was not opened")]
    Unopened { name: String, line: usize },
    #[error("region {name:?} is never closed (`{END}{name}`)")]
    Unclosed { name: String },
    #[error("region {name:?} appears twice")]
    Duplicate { name: String },
    #[error("the template has no region {name:?}; every per-customer part must be generated")]
    Missing { name: String },
    #[error("customers {a:?} and {b:?} give the same CloudFormation name {logical:?}; rename one")]
    Clash { a: String, b: String, logical: String },
    #[error("{count} customers: one stack holds at most {MAX_CUSTOMERS} (CloudFormation's 500 resources)")]
    TooMany { count: usize },
    #[error("--code-dir {0:?} is not valid UTF-8")]
    CodeDir(PathBuf),
}

type Generator = fn(&[Customer<'_>]) -> Vec<String>;

/// Every region the template must have, and what fills it.
const REGIONS: [(&str, Generator); 8] = [
    ("customer-notifications", notifications),
    ("customer-accounts-key", accounts),
    ("customer-accounts-topic", accounts),
    ("customer-queues", queue_refs),
    ("customer-queue-arns", queue_arns),
    ("customer-ses-roles", ses_roles),
    ("customer-sync-roles", sync_roles),
    ("customer-resources", resources),
];

/// A customer as the template names it.
struct Customer<'a> {
    config: &'a CustomerConfig,
    /// `Customer{CamelCase code}`: the prefix of its logical ids.
    logical: String,
}

impl Customer<'_> {
    fn code(&self) -> &str {
        self.config.customer_code.as_str()
    }
}

/// `hts-nonprod` → `HtsNonprod`: CloudFormation logical ids are alphanumeric.
pub fn camel(code: &str) -> String {
    code.split('-')
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
        })
        .collect()
}

fn customers(config: &AppConfig) -> Result<Vec<Customer<'_>>, RenderError> {
    let count = config.customer_mappings.len();
    if count > MAX_CUSTOMERS {
        return Err(RenderError::TooMany { count });
    }
    let mut seen: BTreeMap<String, &str> = BTreeMap::new();
    let mut out = Vec::new();
    for (code, c) in &config.customer_mappings {
        let logical = format!("Customer{}", camel(code.as_str()));
        if let Some(other) = seen.insert(logical.clone(), code.as_str()) {
            return Err(RenderError::Clash { a: other.to_owned(), b: code.as_str().to_owned(), logical });
        }
        out.push(Customer { config: c, logical });
    }
    Ok(out)
}

/// A YAML double-quoted scalar (JSON's string syntax is valid YAML).
fn quoted(s: &str) -> String {
    serde_json::Value::String(s.to_owned()).to_string()
}

fn notifications(cs: &[Customer<'_>]) -> Vec<String> {
    cs.iter()
        .flat_map(|c| {
            [
                "- Event: \"s3:ObjectCreated:*\"".to_owned(),
                format!("  Queue: !GetAtt {}Queue.Arn", c.logical),
                format!(
                    "  Filter: {{ S3Key: {{ Rules: [{{ Name: prefix, Value: customers/{}/ }}, {{ Name: suffix, Value: .json }}] }} }}",
                    c.code()
                ),
            ]
        })
        .collect()
}

fn queue_refs(cs: &[Customer<'_>]) -> Vec<String> {
    cs.iter().map(|c| format!("- !Ref {}Queue", c.logical)).collect()
}

fn queue_arns(cs: &[Customer<'_>]) -> Vec<String> {
    cs.iter().map(|c| format!("- !GetAtt {}Queue.Arn", c.logical)).collect()
}

/// The customer accounts (their SES publishes delivery feedback to the stack's topic), each once.
fn accounts(cs: &[Customer<'_>]) -> Vec<String> {
    let ids: BTreeSet<&str> = cs.iter().map(|c| c.config.account_id()).collect();
    ids.into_iter().map(|a| format!("- {}", quoted(a))).collect()
}

fn ses_roles(cs: &[Customer<'_>]) -> Vec<String> {
    let arns: BTreeSet<&str> = cs.iter().map(|c| c.config.ses_role_arn.as_str()).collect();
    arns.into_iter().map(|a| format!("- {}", quoted(a))).collect()
}

fn sync_roles(cs: &[Customer<'_>]) -> Vec<String> {
    let arns: BTreeSet<&str> = cs
        .iter()
        .flat_map(|c| {
            std::iter::once(c.config.ses_role_arn.as_str()).chain(c.config.identity_center_role_arn.as_deref())
        })
        .collect();
    arns.into_iter().map(|a| format!("- {}", quoted(a))).collect()
}

fn resources(cs: &[Customer<'_>]) -> Vec<String> {
    let mut lines = Vec::new();
    for (i, c) in cs.iter().enumerate() {
        if i > 0 {
            lines.push(String::new());
        }
        let (l, code) = (&c.logical, c.code());
        let block = format!(
            "{l}DeadLetterQueue:
  Type: AWS::SQS::Queue
  Metadata:
    checkov:
      skip:
        - id: CKV_AWS_27
          comment: Encrypted at rest with SSE-SQS (SqsManagedSseEnabled), which this checkov rule does not recognise; a customer-managed key would need S3 in its key policy for every event and adds nothing here.
  Properties:
    MessageRetentionPeriod: 1209600
    SqsManagedSseEnabled: true
    Tags: [{{ Key: ccm:customer, Value: {code} }}]

{l}Queue:
  Type: AWS::SQS::Queue
  Metadata:
    checkov:
      skip:
        - id: CKV_AWS_27
          comment: Encrypted at rest with SSE-SQS (SqsManagedSseEnabled), which this checkov rule does not recognise; a customer-managed key would need S3 in its key policy for every event and adds nothing here.
  Properties:
    # Six times the processor's timeout, as Lambda advises for SQS event sources.
    VisibilityTimeout: 1800
    SqsManagedSseEnabled: true
    RedrivePolicy:
      deadLetterTargetArn: !GetAtt {l}DeadLetterQueue.Arn
      maxReceiveCount: 5
    Tags: [{{ Key: ccm:customer, Value: {code} }}]

{l}EventSourceMapping:
  Type: AWS::Lambda::EventSourceMapping
  Properties:
    EventSourceArn: !GetAtt {l}Queue.Arn
    FunctionName: !Ref ProcessorFunction.Alias
    BatchSize: 10
    FunctionResponseTypes: [ReportBatchItemFailures]
    ScalingConfig:
      MaximumConcurrency: !Ref ProcessorMaxConcurrencyPerQueue

{l}DeadLetterAlarm:
  Type: AWS::CloudWatch::Alarm
  Properties:
    AlarmDescription: Notifications for customer {code} failed 5 times and wait in its dead-letter queue (docs/processor.md)
    Namespace: AWS/SQS
    MetricName: ApproximateNumberOfMessagesVisible
    Dimensions: [{{ Name: QueueName, Value: !GetAtt {l}DeadLetterQueue.QueueName }}]
    Statistic: Maximum
    Period: 300
    EvaluationPeriods: 1
    Threshold: 0
    ComparisonOperator: GreaterThanThreshold
    TreatMissingData: notBreaching
    AlarmActions: [!Ref AlarmTopic]
    OKActions: [!Ref AlarmTopic]"
        );
        lines.extend(block.lines().map(str::to_owned));
    }
    lines
}

fn generator(name: &str) -> Option<Generator> {
    REGIONS.iter().find(|(n, _)| *n == name).map(|(_, g)| *g)
}

/// The template with every region regenerated from `config` and, with `code_dir`, every marked
/// CodeUri pointing at `{code_dir}/{binary}/bootstrap.zip`.
pub fn render(template: &str, config: &AppConfig, code_dir: Option<&Path>) -> Result<String, RenderError> {
    let customers = customers(config)?;
    let code_dir = code_dir
        .map(|d| d.to_str().map(|s| s.trim_end_matches('/').to_owned()).ok_or_else(|| RenderError::CodeDir(d.into())))
        .transpose()?;
    let known = || REGIONS.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ");
    let mut out = String::with_capacity(template.len());
    let mut open: Option<String> = None;
    let mut done: BTreeSet<String> = BTreeSet::new();
    for (i, line) in template.lines().enumerate() {
        let line_no = i.saturating_add(1);
        let trimmed = line.trim_start();
        let indent = &line[..line.len().saturating_sub(trimmed.len())];
        if let Some(name) = trimmed.strip_prefix(BEGIN).map(str::trim) {
            if let Some(current) = &open {
                return Err(RenderError::Nested { name: current.clone(), line: line_no });
            }
            let Some(generate) = generator(name) else {
                return Err(RenderError::UnknownRegion { name: name.to_owned(), line: line_no, known: known() });
            };
            if !done.insert(name.to_owned()) {
                return Err(RenderError::Duplicate { name: name.to_owned() });
            }
            out.push_str(line);
            out.push('\n');
            for generated in generate(&customers) {
                if !generated.is_empty() {
                    out.push_str(indent);
                    out.push_str(&generated);
                }
                out.push('\n');
            }
            open = Some(name.to_owned());
            continue;
        }
        if let Some(name) = trimmed.strip_prefix(END).map(str::trim) {
            if open.as_deref() != Some(name) {
                return Err(RenderError::Unopened { name: name.to_owned(), line: line_no });
            }
            open = None;
            out.push_str(line);
            out.push('\n');
            continue;
        }
        if open.is_some() {
            continue; // the old body of the region
        }
        match (&code_dir, code_line(trimmed)) {
            (Some(dir), Some(binary)) => {
                let zip = format!("{dir}/{binary}/bootstrap.zip");
                out.push_str(&format!("{indent}CodeUri: {} {CODE}{binary}\n", quoted(&zip)));
            }
            _ => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    if let Some(name) = open {
        return Err(RenderError::Unclosed { name });
    }
    if let Some((name, _)) = REGIONS.iter().find(|(n, _)| !done.contains(*n)) {
        return Err(RenderError::Missing { name: (*name).to_owned() });
    }
    Ok(out)
}

/// `CodeUri: … # ccm infra render: code ccm-api` → `ccm-api`.
fn code_line(trimmed: &str) -> Option<&str> {
    let rest = trimmed.strip_prefix("CodeUri:")?;
    let binary = rest.split(CODE).nth(1)?.trim();
    (!binary.is_empty() && binary.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')).then_some(binary)
}

/// The names of the regions whose bodies differ between two templates.
fn stale_regions(current: &str, rendered: &str) -> Vec<String> {
    let bodies = |text: &str| {
        let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut open: Option<String> = None;
        for line in text.lines() {
            let t = line.trim_start();
            if let Some(n) = t.strip_prefix(BEGIN) {
                open = Some(n.trim().to_owned());
            } else if t.starts_with(END) {
                open = None;
            } else if let Some(n) = &open {
                map.entry(n.clone()).or_default().push(line.to_owned());
            }
        }
        map
    };
    let (a, b) = (bodies(current), bodies(rendered));
    REGIONS.iter().map(|(n, _)| (*n).to_owned()).filter(|n| a.get(n) != b.get(n)).collect()
}

pub fn run(config: &Path, args: RenderArgs, printer: &Printer, output: OutputFormat) -> anyhow::Result<ExitCode> {
    let (app, source) = load_app_config(config, false)?;
    let template = std::fs::read_to_string(&args.template)
        .map_err(|e| anyhow::anyhow!("reading {}: {e}", args.template.display()))?;
    let rendered = render(&template, &app, args.code_dir.as_deref())
        .map_err(|e| anyhow::anyhow!("{}: {e}", args.template.display()))?;
    let customers = app.customer_mappings.len();
    let report = |ok: bool, message: String| {
        if output == OutputFormat::Json {
            printer.json(&json!({"command": "infra render", "ok": ok, "customers": customers, "message": message}));
        } else {
            printer.print(&format!("{}{message}\n", if ok { "" } else { "✘ " }));
        }
    };
    if args.check {
        let stale = stale_regions(&template, &rendered);
        if stale.is_empty() && template == rendered {
            report(true, format!("{} is up to date with {source} ({customers} customers)", args.template.display()));
            return Ok(ExitCode::SUCCESS);
        }
        report(
            false,
            format!(
                "{} is out of date with {source} (regions: {}); run `ccm infra render --in-place`",
                args.template.display(),
                if stale.is_empty() { "code paths".to_owned() } else { stale.join(", ") }
            ),
        );
        return Ok(ExitCode::FAILURE);
    }
    let target = if args.in_place { Some(args.template.clone()) } else { args.out.clone() };
    match target {
        Some(path) => {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent).map_err(|e| anyhow::anyhow!("creating {}: {e}", parent.display()))?;
            }
            std::fs::write(&path, &rendered).map_err(|e| anyhow::anyhow!("writing {}: {e}", path.display()))?;
            report(true, format!("wrote {} for {customers} customers of {source}", path.display()));
        }
        None => printer.print(&rendered),
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
#[path = "infra_tests.rs"]
mod tests;
