//! Synthetic objects for the benchmarks: index entries as 30 customers' changes and announcements
//! would give them (1–5 customers each, 20 users, mixed kinds and statuses, two years of history,
//! titles and plans of a few dozen words from a fixed vocabulary), deterministic from a seed.
// Benchmark data: sizes and offsets are small and fixed.
#![allow(clippy::arithmetic_side_effects, clippy::cast_possible_truncation, clippy::cast_possible_wrap)]

use ccm_core::ports::IndexEntry;
use ccm_core::{AnnouncementType, Object, ObjectId, ObjectKind, Status};
use chrono::{DateTime, Duration as Span, Utc};
use serde_json::json;

pub const VOCABULARY: &[&str] = &[
    "database",
    "failover",
    "certificate",
    "rotation",
    "network",
    "firewall",
    "upgrade",
    "kernel",
    "patch",
    "cluster",
    "kubernetes",
    "node",
    "storage",
    "volume",
    "backup",
    "restore",
    "replica",
    "latency",
    "cache",
    "dns",
    "record",
    "load",
    "balancer",
    "gateway",
    "endpoint",
    "migration",
    "schema",
    "index",
    "query",
    "queue",
    "consumer",
    "producer",
    "topic",
    "retention",
    "policy",
    "access",
    "role",
    "identity",
    "token",
    "secret",
    "vault",
    "monitoring",
    "alert",
    "dashboard",
    "metric",
    "logging",
    "pipeline",
    "deploy",
    "release",
    "rollback",
    "canary",
    "blue",
    "green",
    "traffic",
    "region",
    "zone",
    "instance",
    "scaling",
    "capacity",
    "budget",
    "cost",
    "savings",
    "reservation",
    "commitment",
    "invoice",
    "billing",
    "account",
    "tenant",
    "customer",
    "maintenance",
    "window",
    "outage",
    "incident",
    "review",
    "approval",
    "change",
    "freeze",
    "weekend",
    "night",
    "service",
    "api",
    "version",
    "deprecation",
    "library",
    "framework",
    "runtime",
    "container",
    "image",
    "registry",
    "scan",
    "vulnerability",
    "compliance",
    "audit",
    "encryption",
    "key",
    "disk",
    "memory",
    "cpu",
    "throughput",
    "bandwidth",
    "vpn",
    "tunnel",
    "peering",
    "subnet",
    "route",
    "table",
    "bucket",
    "object",
    "lifecycle",
    "archive",
    "snapshot",
    "recovery",
    "drill",
    "test",
    "validation",
    "verify",
    "health",
    "check",
    "timeout",
    "retry",
    "limit",
    "quota",
    "feature",
    "flag",
    "toggle",
    "config",
    "community",
    "innersource",
    "contribution",
    "guild",
    "training",
    "session",
    "workshop",
    "demo",
    "roadmap",
    "quarter",
    "planning",
    "finops",
    "tagging",
    "rightsizing",
    "savings",
    "spot",
    "graviton",
    "commit",
];

/// A tiny xorshift64*: deterministic data without another dependency.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    pub fn between(&mut self, low: usize, high: usize) -> usize {
        low + self.below(high - low + 1)
    }
    pub fn words(&mut self, low: usize, high: usize) -> String {
        let n = self.between(low, high);
        (0..n).map(|_| VOCABULARY[self.below(VOCABULARY.len())]).collect::<Vec<_>>().join(" ")
    }
}

pub fn customer(n: usize) -> String {
    format!("customer-{:02}", n + 1)
}

pub fn user(n: usize) -> String {
    format!("user{:02}@example.com", n + 1)
}

/// One stored object as the store would hold it: 30 customers (1–5 each), 20 users, mixed kinds and
/// statuses, two years of history, titles and plans of a few dozen words.
pub fn synthetic(rng: &mut Rng, epoch: DateTime<Utc>) -> IndexEntry {
    let kind = match rng.below(10) {
        0..6 => ObjectKind::Change,
        n => ObjectKind::Announcement(AnnouncementType::ALL[n - 6]),
    };
    let id = ObjectId::new(kind, uuid::Uuid::from_u64_pair(rng.next_u64(), rng.next_u64()));
    // Mostly finished work, some in flight, a few drafts.
    let status = [0, 1, 1, 2, 2, 3, 3, 3, 3, 4].map(|i| Status::ALL[i])[rng.below(10)];
    let mut customers: Vec<String> = (0..rng.between(1, 5)).map(|_| customer(rng.below(30))).collect();
    customers.sort();
    customers.dedup();
    let created = epoch + Span::minutes(rng.below(2 * 365 * 24 * 60) as i64);
    let modified = created + Span::minutes(rng.below(30 * 24 * 60) as i64);
    let start = created + Span::minutes(rng.below(60 * 24 * 60) as i64);
    let author = user(rng.below(20));
    let submitter = if status == Status::Draft { None } else { Some(user(rng.below(20))) };
    let json = match kind {
        ObjectKind::Change => json!({
            "object_type": "change", "changeId": id, "changeTitle": rng.words(4, 10),
            "changeReason": rng.words(10, 20), "implementationPlan": rng.words(20, 40),
            "testPlan": rng.words(10, 20), "rollbackPlan": rng.words(10, 20), "customerImpact": rng.words(5, 15),
            "snowTicket": format!("CHG{:07}", rng.below(10_000_000)), "customers": customers,
            "implementationStart": start, "implementationEnd": start + Span::hours(2),
            "status": status, "createdBy": author, "createdAt": created, "modifiedAt": modified,
            "submittedBy": submitter,
        }),
        ObjectKind::Announcement(t) => json!({
            "object_type": t.object_type(), "announcement_id": id, "announcement_type": t,
            "title": rng.words(4, 10), "summary": rng.words(10, 20), "content": rng.words(40, 80),
            "customers": customers, "status": status, "created_by": author, "created_at": created,
            "modifiedAt": modified, "submittedBy": submitter,
        }),
    };
    let object = Object::from_json(json.to_string().as_bytes()).expect("synthetic objects are valid");
    IndexEntry::from_object(&object)
}

/// `n` synthetic entries from `seed`.
pub fn entries(n: usize, seed: u64) -> Vec<IndexEntry> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ seed);
    let epoch: DateTime<Utc> = "2024-01-01T00:00:00Z".parse().expect("a date");
    (0..n).map(|_| synthetic(&mut rng, epoch)).collect()
}
