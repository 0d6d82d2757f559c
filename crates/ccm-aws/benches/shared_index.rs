//! The shared index of the AWS deployment on the moto emulator, at 1 000 and 100 000 objects:
//! cold start (snapshot + feed, against the per-instance rebuild it replaced), and list/search
//! latency with a feed read before every answer (the worst case: an instance whose staleness window
//! always expired). moto is not AWS: the request counts and bytes carry over, the timings do not.
//! Writes its section of `docs/performance.md`.
//!
//! Run with `cargo bench -p ccm-aws --bench shared_index` (needs the emulator: scripts/setup-python.sh);
//! `--profile dev` reuses the test build and says so in the table's heading.

use std::time::{Duration, Instant};

use bytes::Bytes;
use ccm_aws::index::snapshot::{self, Snapshot};
use ccm_aws::index::{IndexTable, SyncedIndex};
use ccm_core::StorageKey;
use ccm_core::ports::{DocumentStore, IndexQuery, IndexRecord, ObjectIndex, PutOptions};
use ccm_embedded::MemoryIndex;
use ccm_testkit::{moto, perf_doc, synthetic};

const SECTION: &str = "## The shared index (DynamoDB feed + snapshot) on the emulator";
/// Changes written after the snapshot, read from the feed by the cold start.
const RECENT: usize = 100;
const ITERATIONS: usize = 100;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn percentile(samples: &mut [Duration], p: f64) -> f64 {
    samples.sort();
    let i = ((p * samples.len() as f64).ceil() as usize).clamp(1, samples.len()) - 1;
    ms(samples[i])
}

fn resident_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}

struct Measured {
    size: usize,
    /// The cold start's phases, timed one by one: GET, gunzip, decode, load into memory.
    phases: [Duration; 4],
    snapshot_bytes: u64,
    cold_start: Duration,
    cold_requests: String,
    rss_after_mib: f64,
    list: (f64, f64),
    search: (f64, f64),
    requests_per_page: f64,
}

async fn measure(moto: &moto::Moto, size: usize) -> Measured {
    let sdk = moto.sdk_config();
    let store =
        ccm_aws::S3DocumentStore::new(ccm_aws::sdk::s3_client(&sdk, true), moto.create_bucket("ccm-bench").await);
    let table = IndexTable::new(aws_sdk_dynamodb::Client::new(&sdk), moto::unique_name("ccm-bench"));
    table.ensure_exists().await.expect("table");

    let entries = synthetic::entries(size, size as u64);
    let high_water = chrono::Utc::now().timestamp_micros();
    let records = entries.iter().map(|e| (1, IndexRecord::from(e.clone())));
    snapshot::write(&store, &Snapshot::of_records(high_water, records)).await.expect("snapshot");
    let snapshot_bytes = store.head(&StorageKey::IndexSnapshot).await.expect("head").map(|m| m.size).unwrap_or(0);
    for e in synthetic::entries(RECENT, 7) {
        table.put(&IndexRecord::from(e), chrono::Utc::now().timestamp_micros()).await.expect("put");
    }

    // Where the cold start goes, phase by phase (the open below does the same in one go).
    let t = Instant::now();
    let body = store.get(&StorageKey::IndexSnapshot).await.expect("get").expect("a snapshot").body;
    let get = t.elapsed();
    let t = Instant::now();
    let mut raw = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&body[..]), &mut raw).expect("gunzip");
    let gunzip = t.elapsed();
    let t = Instant::now();
    let decoded = snapshot::parse(&raw).expect("parse");
    let parse = t.elapsed();
    let t = Instant::now();
    let memory = MemoryIndex::new();
    memory.load_compact(decoded.into_compact().0).expect("load");
    let load = t.elapsed();
    drop((memory, raw, body));

    let started = Instant::now();
    let index = SyncedIndex::open(table, Some(&store)).await.expect("open");
    let cold_start = started.elapsed();
    assert_eq!(index.len(), size + RECENT);
    let cold_requests = format!("1 S3 GET + {} Query", index.feed_requests());
    let rss_after_mib = resident_mib();

    let index = index.with_max_staleness(Duration::ZERO);
    let viewer = IndexQuery { viewer: synthetic::user(6), descending: true, limit: 50, ..IndexQuery::default() };
    let before = index.feed_requests();
    let mut list = Vec::new();
    let mut search = Vec::new();
    for _ in 0..ITERATIONS {
        let t = Instant::now();
        index.query(&viewer).await.expect("list");
        list.push(t.elapsed());
        let t = Instant::now();
        index.query(&IndexQuery { q: Some("database failover".into()), ..viewer.clone() }).await.expect("search");
        search.push(t.elapsed());
    }
    let requests_per_page = (index.feed_requests() - before) as f64 / (2 * ITERATIONS) as f64;
    Measured {
        size,
        phases: [get, gunzip, parse, load],
        snapshot_bytes,
        cold_start,
        cold_requests,
        rss_after_mib,
        list: (percentile(&mut list, 0.5), percentile(&mut list, 0.95)),
        search: (percentile(&mut search, 0.5), percentile(&mut search, 0.95)),
        requests_per_page,
    }
}

/// What a cold start cost before the shared index: one GET per object.
async fn rebuild_from_the_bucket(moto: &moto::Moto, size: usize) -> (Duration, usize) {
    let store = ccm_aws::S3DocumentStore::new(
        ccm_aws::sdk::s3_client(&moto.sdk_config(), true),
        moto.create_bucket("ccm-rebuild").await,
    );
    for n in 0..size {
        let id = format!("CHG-bench-{n:06}");
        let object = serde_json::json!({"changeId": id, "changeTitle": format!("Change {n}"), "status": "submitted",
                                        "customers": [synthetic::customer(n % 30)]});
        let key = StorageKey::Archive(ccm_core::ObjectId::parse(&id).expect("id"));
        store.put(&key, Bytes::from(object.to_string()), PutOptions::default()).await.expect("put");
    }
    let started = Instant::now();
    let index = MemoryIndex::rebuild_from(&store).await.expect("rebuild");
    (started.elapsed(), index.len())
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    rt.block_on(async {
        let Some(moto) = moto::shared().await else {
            eprintln!("the emulator is not installed: run scripts/setup-python.sh");
            return;
        };
        let mut rows = Vec::new();
        for size in [1_000, 100_000] {
            let m = measure(moto, size).await;
            println!(
                "{size}: cold start {:.0} ms (GET {:.0}, gunzip {:.0}, decode {:.0}, load {:.0}), snapshot {} KiB, rss {:.0} MiB",
                ms(m.cold_start),
                ms(m.phases[0]),
                ms(m.phases[1]),
                ms(m.phases[2]),
                ms(m.phases[3]),
                m.snapshot_bytes / 1024,
                m.rss_after_mib
            );
            rows.push(m);
        }
        let (rebuild, rebuilt) = rebuild_from_the_bucket(moto, 1_000).await;
        let mut doc = format!(
            "{SECTION}\n\nMachine: {}. Build: {}. moto 5.2.5 on loopback. Each API instance answers from its in-memory index \
             (the `MemoryIndex` of `ccm serve`), loaded at cold start from the snapshot \
             (`index/snapshot.json.gz`, one GET; format 2: binary, every distinct word once, ADR 0008) and the \
             DynamoDB feed after it (here {RECENT} changes), and kept fresh by one feed `Query` when its staleness \
             window (250 ms) has passed. The cold start's phases are timed one by one beside it (GET from moto, \
             gunzip, decode with every id checked, load into the memory index); the cold start itself decodes \
             on one thread while it loads on another, so where there are two cores it costs less than their sum. The list and search rows read the \
             feed before **every** answer (window 0), the worst case. Process start to first answered request of the \
             API function: the next section.\n\n\
             | objects | snapshot (gzip) | cold start | GET / gunzip / decode / load | requests at cold start | RSS after | list p50 / p95 | search p50 / p95 | DynamoDB requests per page |\n\
             |---:|---:|---:|---|---|---:|---:|---:|---:|\n",
            perf_doc::machine(),
            if cfg!(debug_assertions) {
                "debug (`cargo bench --profile dev`: in-process times are upper bounds; the embedded index \
                 benchmark above measures the same in-memory queries in release)"
            } else {
                "release"
            }
        );
        for m in &rows {
            doc.push_str(&format!(
                "| {} | {:.1} MiB | {:.0} ms | {:.0} / {:.0} / {:.0} / {:.0} ms | {} | {:.0} MiB | {:.1} / {:.1} ms | {:.1} / {:.1} ms | {:.1} |\n",
                m.size,
                m.snapshot_bytes as f64 / 1_048_576.0,
                ms(m.cold_start),
                ms(m.phases[0]),
                ms(m.phases[1]),
                ms(m.phases[2]),
                ms(m.phases[3]),
                m.cold_requests,
                m.rss_after_mib,
                m.list.0,
                m.list.1,
                m.search.0,
                m.search.1,
                m.requests_per_page
            ));
        }
        doc.push_str(&format!(
            "\nThe cold start it replaced (each instance reading every object from the bucket): {rebuilt} objects in \
             {:.0} ms here, {rebuilt} GETs plus a listing page per 1 000 keys; at 100 000 objects that is 100 000 GETs \
             (about $0.04 and, at S3's ~20 ms per GET with 16 in flight, two minutes per cold start), against one GET \
             and one Query now.\n",
            ms(rebuild)
        ));
        println!("{doc}");
        perf_doc::write_section(SECTION, &doc).expect("docs/performance.md");
    });
}
