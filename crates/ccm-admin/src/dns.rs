//! The sending domain's DNS records (pure), and writing them into the central Route 53 zone.
//!
//! Every customer account has its own SES identity for the same domain, so some records are shared
//! by all of them: the `_amazonses` verification TXT holds every customer's token, and the MAIL FROM
//! MX holds one value per SES region. Those are merged with what the zone already has (never
//! overwritten); the others are replaced. Changes go out as UPSERTs in batches, retried with
//! back-off while Route 53 throttles or is still applying an earlier batch.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_route53::types::{Change, ChangeAction, ChangeBatch, ResourceRecord, ResourceRecordSet, RrType};
use ccm_core::config::DmarcPolicy;
use serde::Serialize;

use super::error::AdminError;
use super::limiter::Pacer;

pub use aws_sdk_route53::Client as Route53Client;

/// Route 53 accepts at most 1000 changes per ChangeResourceRecordSets call.
pub const MAX_BATCH: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Kind {
    #[serde(rename = "CNAME")]
    Cname,
    #[serde(rename = "TXT")]
    Txt,
    #[serde(rename = "MX")]
    Mx,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cname => "CNAME",
            Self::Txt => "TXT",
            Self::Mx => "MX",
        }
    }

    fn to_sdk(self) -> RrType {
        match self {
            Self::Cname => RrType::Cname,
            Self::Txt => RrType::Txt,
            Self::Mx => RrType::Mx,
        }
    }
}

/// How a wanted record combines with the one in the zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Merge {
    /// The record is ours alone.
    Replace,
    /// Shared: keep every value already there, add ours.
    Union,
    /// A TXT shared with other uses: replace only the `v=spf1` value.
    Spf,
}

/// One record set: a name (no trailing dot), a type, its values (TXT values unquoted) and a TTL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Record {
    pub name: String,
    pub kind: Kind,
    pub values: Vec<String>,
    pub ttl: i64,
    pub merge: Merge,
    /// What the record is for, for people.
    pub purpose: &'static str,
}

/// Easy DKIM gives every domain identity three tokens.
pub const EASY_DKIM_TOKENS: usize = 3;

/// Stand-ins for tokens SES generates only when `customer`'s identity is created, so a dry run shows
/// the records the real run will write: `<acme-dkim-token-1>` … (one set per customer, as the real
/// tokens are).
pub fn pending_dkim_tokens(customer: &str) -> Vec<String> {
    (1..=EASY_DKIM_TOKENS).map(|n| format!("<{customer}-dkim-token-{n}>")).collect()
}

/// The stand-in for `customer`'s `_amazonses` verification token before SES generates it.
pub fn pending_verification_token(customer: &str) -> String {
    format!("<{customer}-verification-token>")
}

/// Records a dry run would have written, by lower-cased name and type, so the customers after it in
/// the same run plan against them as they would against the zone the real run leaves.
pub type Pending = BTreeMap<(String, Kind), Record>;

impl Record {
    /// Whether the record's name holds a token SES has not generated yet (no such record can exist).
    pub fn has_pending_name(&self) -> bool {
        self.name.contains('<')
    }
}

pub fn dkim_records(domain: &str, tokens: &[String]) -> Vec<Record> {
    tokens
        .iter()
        .map(|t| Record {
            name: format!("{t}._domainkey.{domain}"),
            kind: Kind::Cname,
            values: vec![format!("{t}.dkim.amazonses.com")],
            ttl: 600,
            merge: Merge::Replace,
            purpose: "Easy DKIM",
        })
        .collect()
}

pub fn verification_record(domain: &str, token: &str) -> Record {
    Record {
        name: format!("_amazonses.{domain}"),
        kind: Kind::Txt,
        values: vec![token.to_owned()],
        ttl: 600,
        merge: Merge::Union,
        purpose: "SES domain verification (every customer's token)",
    }
}

pub const SPF: &str = "v=spf1 include:amazonses.com ~all";

pub fn mail_from_records(mail_from_domain: &str, region: &str) -> Vec<Record> {
    vec![
        Record {
            name: mail_from_domain.to_owned(),
            kind: Kind::Mx,
            values: vec![format!("10 feedback-smtp.{region}.amazonses.com")],
            ttl: 300,
            merge: Merge::Union,
            purpose: "custom MAIL FROM (bounces)",
        },
        Record {
            name: mail_from_domain.to_owned(),
            kind: Kind::Txt,
            values: vec![SPF.to_owned()],
            ttl: 300,
            merge: Merge::Spf,
            purpose: "SPF of the MAIL FROM domain",
        },
    ]
}

/// `_dmarc.{domain}`; `report` is a local part (mailbox at `domain`) or a whole address.
pub fn dmarc_record(domain: &str, policy: DmarcPolicy, report: Option<&str>) -> Record {
    let rua = report
        .map(|r| if r.contains('@') { format!(" rua=mailto:{r};") } else { format!(" rua=mailto:{r}@{domain};") })
        .unwrap_or_default();
    Record {
        name: format!("_dmarc.{domain}"),
        kind: Kind::Txt,
        values: vec![format!("v=DMARC1; p={};{rua} pct=100; adkim=s; aspf=s", policy.as_str())],
        ttl: 300,
        merge: Merge::Replace,
        purpose: "DMARC",
    }
}

/// The record to write so the zone holds `wanted`, given what it has; `None` when nothing changes.
pub fn merged(existing: Option<&Record>, wanted: &Record) -> Option<Record> {
    let mut values = match (existing, wanted.merge) {
        (Some(e), Merge::Union) => {
            let mut v = e.values.clone();
            v.extend(wanted.values.iter().filter(|w| !e.values.contains(w)).cloned());
            v
        }
        (Some(e), Merge::Spf) => {
            let mut v: Vec<String> = e.values.iter().filter(|x| !x.starts_with("v=spf1")).cloned().collect();
            v.extend(wanted.values.iter().cloned());
            v
        }
        _ => wanted.values.clone(),
    };
    if let Some(e) = existing {
        let (mut a, mut b) = (e.values.clone(), values.clone());
        a.sort();
        b.sort();
        if a == b && (e.ttl == wanted.ttl || wanted.merge == Merge::Union) {
            return None;
        }
    }
    values.dedup();
    Some(Record { values, ..wanted.clone() })
}

/// Quotes a TXT value for Route 53, in 255-character strings.
fn quote_txt(value: &str) -> String {
    let chunks: Vec<String> = value
        .as_bytes()
        .chunks(255)
        .map(|c| format!("\"{}\"", String::from_utf8_lossy(c).replace('\\', "\\\\").replace('"', "\\\"")))
        .collect();
    chunks.join(" ")
}

/// The value of a Route 53 TXT record, its strings joined.
fn unquote_txt(raw: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    let mut escaped = false;
    for c in raw.chars() {
        match (inside, escaped, c) {
            (true, true, c) => {
                out.push(c);
                escaped = false;
            }
            (true, false, '\\') => escaped = true,
            (_, false, '"') => inside = !inside,
            (true, false, c) => out.push(c),
            _ => {}
        }
    }
    if out.is_empty() && !raw.contains('"') { raw.to_owned() } else { out }
}

fn fqdn(name: &str) -> String {
    format!("{}.", name.trim_end_matches('.'))
}

/// The central hosted zone, through the DNS account's role.
#[derive(Debug, Clone)]
pub struct Dns {
    client: aws_sdk_route53::Client,
    zone_id: String,
}

impl Dns {
    pub fn new(client: aws_sdk_route53::Client, zone_id: &str) -> Self {
        Self { client, zone_id: zone_id.trim_start_matches("/hostedzone/").to_owned() }
    }

    /// The zone's domain name (no trailing dot).
    pub async fn zone_name(&self) -> Result<String, AdminError> {
        let out = self
            .client
            .get_hosted_zone()
            .id(&self.zone_id)
            .send()
            .await
            .map_err(|e| AdminError::from_sdk("Route53 GetHostedZone", e))?;
        Ok(out.hosted_zone().map(|z| z.name().trim_end_matches('.').to_owned()).unwrap_or_default())
    }

    /// The record set `name`/`kind`, if the zone has it.
    pub async fn get(&self, name: &str, kind: Kind) -> Result<Option<Record>, AdminError> {
        let out = self
            .client
            .list_resource_record_sets()
            .hosted_zone_id(&self.zone_id)
            .start_record_name(fqdn(name))
            .start_record_type(kind.to_sdk())
            .max_items(1)
            .send()
            .await
            .map_err(|e| AdminError::from_sdk("Route53 ListResourceRecordSets", e))?;
        let found = out.resource_record_sets().iter().find(|r| {
            r.name().trim_end_matches('.').eq_ignore_ascii_case(name.trim_end_matches('.'))
                && *r.r#type() == kind.to_sdk()
        });
        Ok(found.map(|r| Record {
            name: name.trim_end_matches('.').to_owned(),
            kind,
            values: r
                .resource_records()
                .iter()
                .map(|v| if kind == Kind::Txt { unquote_txt(v.value()) } else { v.value().to_owned() })
                .collect(),
            ttl: r.ttl().unwrap_or_default(),
            merge: Merge::Replace,
            purpose: "",
        }))
    }

    /// For each wanted record, the record to write (merged with the zone), skipping unchanged ones.
    pub async fn plan(&self, wanted: &[Record]) -> Result<Vec<(Option<Record>, Record)>, AdminError> {
        self.plan_over(wanted, &Pending::new()).await
    }

    /// [`plan`](Self::plan) against the zone with `pending` (a dry run's writes so far) applied.
    pub async fn plan_over(
        &self,
        wanted: &[Record],
        pending: &Pending,
    ) -> Result<Vec<(Option<Record>, Record)>, AdminError> {
        // Several wanted records may share a name and type (e.g. two regions' MX): fold them first.
        let mut folded: BTreeMap<(String, Kind), Record> = BTreeMap::new();
        for w in wanted {
            folded
                .entry((w.name.to_lowercase(), w.kind))
                .and_modify(|r| {
                    let new: Vec<String> = w.values.iter().filter(|v| !r.values.contains(v)).cloned().collect();
                    r.values.extend(new);
                })
                .or_insert_with(|| w.clone());
        }
        let mut out = Vec::new();
        for w in folded.into_values() {
            let existing = match pending.get(&(w.name.to_lowercase(), w.kind)) {
                Some(p) => Some(p.clone()),
                None if w.has_pending_name() => None,
                None => self.get(&w.name, w.kind).await?,
            };
            if let Some(next) = merged(existing.as_ref(), &w) {
                out.push((existing, next));
            }
        }
        Ok(out)
    }

    /// UPSERTs `records` in batches of at most [`MAX_BATCH`], retried with back-off (1 s … 30 s).
    pub async fn upsert(&self, records: &[Record]) -> Result<usize, AdminError> {
        let pacer = Pacer::new(0.0, 5, Duration::from_secs(1));
        let mut batches = 0;
        for chunk in records.chunks(MAX_BATCH) {
            let changes = chunk.iter().map(to_change).collect::<Result<Vec<_>, _>>()?;
            let batch = ChangeBatch::builder()
                .comment("ccm domain onboard")
                .set_changes(Some(changes))
                .build()
                .map_err(|e| AdminError::new("Route53 change batch", e.to_string()))?;
            pacer
                .run(|| async {
                    self.client
                        .change_resource_record_sets()
                        .hosted_zone_id(&self.zone_id)
                        .change_batch(batch.clone())
                        .send()
                        .await
                        .map_err(|e| AdminError::from_sdk("Route53 ChangeResourceRecordSets", e))
                })
                .await?;
            batches += 1;
        }
        Ok(batches)
    }
}

fn to_change(r: &Record) -> Result<Change, AdminError> {
    let bad = |e: &dyn std::fmt::Display| AdminError::new(format!("record {}", r.name), e.to_string());
    let values = r
        .values
        .iter()
        .map(|v| {
            let value = if r.kind == Kind::Txt { quote_txt(v) } else { v.clone() };
            ResourceRecord::builder().value(value).build().map_err(|e| bad(&e))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let set = ResourceRecordSet::builder()
        .name(fqdn(&r.name))
        .r#type(r.kind.to_sdk())
        .ttl(r.ttl)
        .set_resource_records(Some(values))
        .build()
        .map_err(|e| bad(&e))?;
    Change::builder().action(ChangeAction::Upsert).resource_record_set(set).build().map_err(|e| bad(&e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dkim_records_point_each_token_at_amazonses() {
        let r = dkim_records("example.com", &["abc".into()]);
        assert_eq!(r[0].name, "abc._domainkey.example.com");
        assert_eq!(r[0].values, ["abc.dkim.amazonses.com"]);
        assert_eq!((r[0].kind, r[0].ttl), (Kind::Cname, 600));
    }

    #[test]
    fn the_verification_txt_keeps_other_customers_tokens() {
        let existing = Record { values: vec!["other".into()], ..verification_record("example.com", "other") };
        let next = merged(Some(&existing), &verification_record("example.com", "mine")).unwrap();
        assert_eq!(next.values, ["other", "mine"]);
        assert_eq!(merged(Some(&next), &verification_record("example.com", "mine")), None, "already there");
    }

    #[test]
    fn spf_replaces_only_the_spf_value() {
        let wanted = &mail_from_records("bounce.example.com", "us-east-1")[1];
        let existing =
            Record { values: vec!["v=spf1 -all".into(), "google-site-verification=x".into()], ..wanted.clone() };
        let next = merged(Some(&existing), wanted).unwrap();
        assert_eq!(next.values, ["google-site-verification=x", SPF]);
    }

    #[test]
    fn dmarc_reports_go_to_the_local_part_at_the_domain() {
        let r = dmarc_record("example.com", DmarcPolicy::Quarantine, Some("dmarc"));
        assert_eq!(r.values, ["v=DMARC1; p=quarantine; rua=mailto:dmarc@example.com; pct=100; adkim=s; aspf=s"]);
        let r = dmarc_record("example.com", DmarcPolicy::Reject, None);
        assert_eq!(r.values, ["v=DMARC1; p=reject; pct=100; adkim=s; aspf=s"]);
    }

    #[test]
    fn txt_values_are_quoted_in_strings_of_255_and_read_back() {
        let long = "x".repeat(300);
        let quoted = quote_txt(&long);
        assert_eq!(quoted.matches('"').count(), 4);
        assert_eq!(unquote_txt(&quoted), long);
        assert_eq!(unquote_txt("\"a \\\"b\\\"\""), "a \"b\"");
    }

    #[test]
    fn pending_tokens_stand_for_the_three_easy_dkim_records() {
        let r = dkim_records("example.com", &pending_dkim_tokens("acme"));
        assert_eq!(r.len(), 3);
        assert_eq!(r[0].name, "<acme-dkim-token-1>._domainkey.example.com");
        assert!(r.iter().all(Record::has_pending_name));
        assert!(!verification_record("example.com", &pending_verification_token("acme")).has_pending_name());
    }

    #[test]
    fn an_unchanged_record_is_not_written_again() {
        let wanted = dmarc_record("example.com", DmarcPolicy::None, None);
        assert_eq!(merged(Some(&wanted), &wanted), None);
        assert!(merged(None, &wanted).is_some());
    }
}
