//! The DynamoDB table of the shared index: one item per object (`id`), holding its index record,
//! its version and a sequence number (`seq`, microseconds since the epoch, strictly increasing per
//! writer), and a global secondary index `feed` (`feed` = "all", sorted by `seq`) that every API
//! instance reads to learn what changed since it last looked. A removed object leaves a tombstone
//! (`deleted`) so the removal reaches every instance; tombstones expire after 30 days (`expires`,
//! the table's TTL attribute).
//!
//! Writes are ordered by version: an item is replaced only by a record of the same or a newer
//! version, so a late, stale writer (a redelivered S3 event, an operator's old restore) cannot
//! roll an entry back.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, TableStatus,
};
use ccm_core::ObjectId;
use ccm_core::ports::{IndexError, IndexRecord};

/// The name of the feed index.
pub const FEED_INDEX: &str = "feed";
/// The one partition of the feed: every item is in it, sorted by `seq`.
const FEED: &str = "all";
/// How long a tombstone stays, in seconds.
const TOMBSTONE_TTL: i64 = 30 * 24 * 3600;

/// One change read from the feed.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    Upsert { record: Box<IndexRecord>, version: u32, seq: i64 },
    Removed { id: ObjectId, version: u32, seq: i64 },
}

impl Change {
    pub fn seq(&self) -> i64 {
        match self {
            Self::Upsert { seq, .. } | Self::Removed { seq, .. } => *seq,
        }
    }
}

/// Whether a conditional write took effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    Applied,
    /// The table already holds a newer version; nothing was written.
    Superseded,
}

#[derive(Clone)]
pub struct IndexTable {
    client: Client,
    name: String,
}

impl IndexTable {
    pub fn new(client: Client, name: impl Into<String>) -> Self {
        Self { client, name: name.into() }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Creates the table (on demand, with its feed index) when it does not exist, and waits until it
    /// is active. `ccm serve --backend aws --index-table T` uses this; deployments create it from the
    /// template.
    pub async fn ensure_exists(&self) -> Result<(), IndexError> {
        match self.client.describe_table().table_name(&self.name).send().await {
            Ok(out) if out.table().and_then(|t| t.table_status()) == Some(&TableStatus::Active) => return Ok(()),
            Ok(_) => {}
            Err(e) if e.as_service_error().is_some_and(|s| s.is_resource_not_found_exception()) => {
                self.create().await?
            }
            Err(e) => return Err(unavailable("DescribeTable", &e)),
        }
        for _ in 0..60 {
            let out = self.client.describe_table().table_name(&self.name).send().await;
            if out.is_ok_and(|o| o.table().and_then(|t| t.table_status()) == Some(&TableStatus::Active)) {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        Err(IndexError::Unavailable(format!("the index table {} did not become active", self.name)))
    }

    async fn create(&self) -> Result<(), IndexError> {
        let attr = |name: &str, t: ScalarAttributeType| {
            AttributeDefinition::builder().attribute_name(name).attribute_type(t).build().map_err(config_error)
        };
        let key = |name: &str, t: KeyType| {
            KeySchemaElement::builder().attribute_name(name).key_type(t).build().map_err(config_error)
        };
        let feed = GlobalSecondaryIndex::builder()
            .index_name(FEED_INDEX)
            .key_schema(key("feed", KeyType::Hash)?)
            .key_schema(key("seq", KeyType::Range)?)
            .projection(Projection::builder().projection_type(ProjectionType::All).build())
            .build()
            .map_err(config_error)?;
        let created = self
            .client
            .create_table()
            .table_name(&self.name)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(attr("id", ScalarAttributeType::S)?)
            .attribute_definitions(attr("feed", ScalarAttributeType::S)?)
            .attribute_definitions(attr("seq", ScalarAttributeType::N)?)
            .key_schema(key("id", KeyType::Hash)?)
            .global_secondary_indexes(feed)
            .send()
            .await;
        match created {
            Ok(_) => Ok(()),
            // Another process created it first.
            Err(e) if e.as_service_error().is_some_and(|s| s.is_resource_in_use_exception()) => Ok(()),
            Err(e) => Err(unavailable("CreateTable", &e)),
        }
    }

    /// Writes `record` at `seq` unless the table holds a newer version.
    pub async fn put(&self, record: &IndexRecord, seq: i64) -> Result<Written, IndexError> {
        let json = serde_json::to_string(record).map_err(|e| IndexError::Unavailable(format!("encoding: {e}")))?;
        let item = HashMap::from([
            ("id".to_owned(), AttributeValue::S(record.entry.id.to_string())),
            ("feed".to_owned(), AttributeValue::S(FEED.to_owned())),
            ("seq".to_owned(), AttributeValue::N(seq.to_string())),
            ("version".to_owned(), AttributeValue::N(record.entry.version.to_string())),
            ("record".to_owned(), AttributeValue::S(json)),
        ]);
        self.conditional_put(item, record.entry.version).await
    }

    /// Records that `id` is gone (at `version`, the last one it had).
    pub async fn tombstone(&self, id: &ObjectId, version: u32, seq: i64, now_unix: i64) -> Result<Written, IndexError> {
        let item = HashMap::from([
            ("id".to_owned(), AttributeValue::S(id.to_string())),
            ("feed".to_owned(), AttributeValue::S(FEED.to_owned())),
            ("seq".to_owned(), AttributeValue::N(seq.to_string())),
            ("version".to_owned(), AttributeValue::N(version.to_string())),
            ("deleted".to_owned(), AttributeValue::Bool(true)),
            ("expires".to_owned(), AttributeValue::N(now_unix.saturating_add(TOMBSTONE_TTL).to_string())),
        ]);
        self.conditional_put(item, version).await
    }

    async fn conditional_put(
        &self,
        item: HashMap<String, AttributeValue>,
        version: u32,
    ) -> Result<Written, IndexError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.name)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(id) OR version <= :v")
            .expression_attribute_values(":v", AttributeValue::N(version.to_string()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(Written::Applied),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_conditional_check_failed_exception()) => {
                Ok(Written::Superseded)
            }
            Err(e) => Err(unavailable("PutItem", &e)),
        }
    }

    /// Every change with a sequence number above `after`, oldest first (all pages).
    pub async fn changes_after(&self, after: i64) -> Result<(Vec<Change>, usize), IndexError> {
        let mut changes = Vec::new();
        let mut requests = 0usize;
        let mut start: Option<HashMap<String, AttributeValue>> = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.name)
                .index_name(FEED_INDEX)
                .key_condition_expression("feed = :f AND seq > :s")
                .expression_attribute_values(":f", AttributeValue::S(FEED.to_owned()))
                .expression_attribute_values(":s", AttributeValue::N(after.to_string()))
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| unavailable("Query", &e))?;
            requests = requests.saturating_add(1);
            for item in out.items() {
                match decode(item) {
                    Ok(change) => changes.push(change),
                    Err(why) => tracing::warn!(table = %self.name, %why, "skipping an index item that does not decode"),
                }
            }
            match out.last_evaluated_key() {
                Some(key) if !key.is_empty() => start = Some(key.clone()),
                _ => return Ok((changes, requests)),
            }
        }
    }

    /// Every item (for `ccm index verify`), in no particular order.
    pub async fn scan_all(&self) -> Result<Vec<Change>, IndexError> {
        let mut out = Vec::new();
        let mut start: Option<HashMap<String, AttributeValue>> = None;
        loop {
            let page = self
                .client
                .scan()
                .table_name(&self.name)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| unavailable("Scan", &e))?;
            for item in page.items() {
                match decode(item) {
                    Ok(change) => out.push(change),
                    Err(why) => tracing::warn!(table = %self.name, %why, "skipping an index item that does not decode"),
                }
            }
            match page.last_evaluated_key() {
                Some(key) if !key.is_empty() => start = Some(key.clone()),
                _ => return Ok(out),
            }
        }
    }
}

fn decode(item: &HashMap<String, AttributeValue>) -> Result<Change, String> {
    let n = |name: &str| -> Result<i64, String> {
        item.get(name)
            .and_then(|v| v.as_n().ok())
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| format!("no number {name}"))
    };
    let seq = n("seq")?;
    let version = u32::try_from(n("version")?).map_err(|_| "a version out of range".to_owned())?;
    if item.get("deleted").and_then(|v| v.as_bool().ok()).copied().unwrap_or(false) {
        let id = item.get("id").and_then(|v| v.as_s().ok()).ok_or("no id")?;
        let id = ObjectId::parse(id).map_err(|e| e.to_string())?;
        return Ok(Change::Removed { id, version, seq });
    }
    let json = item.get("record").and_then(|v| v.as_s().ok()).ok_or("no record")?;
    let record: IndexRecord = serde_json::from_str(json).map_err(|e| e.to_string())?;
    Ok(Change::Upsert { record: Box::new(record), version, seq })
}

fn config_error(e: aws_sdk_dynamodb::error::BuildError) -> IndexError {
    IndexError::Unavailable(format!("building a DynamoDB request: {e}"))
}

fn unavailable<E: ProvideErrorMetadata + std::error::Error + 'static, R: std::fmt::Debug>(
    op: &str,
    e: &SdkError<E, R>,
) -> IndexError {
    IndexError::Unavailable(format!("DynamoDB {op}: {}", DisplayErrorContext(e)))
}
