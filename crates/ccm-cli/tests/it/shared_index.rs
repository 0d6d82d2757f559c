//! Two `ccm serve --backend aws --index-table T` processes over one bucket and one index table on
//! the moto emulator: what one writes, the other lists, with no per-instance state; and
//! `ccm index verify|rebuild` reconcile the index with the bucket.

use crate::support;

use std::path::PathBuf;
use std::time::Duration;

use ccm_cli::serve::{Backend, ServeArgs, build_with};
use ccm_testkit::moto::{self, Moto};
use serde_json::{Value, json};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

struct Instance {
    base: String,
    http: reqwest::Client,
    cookie: String,
    csrf: String,
    task: tokio::task::JoinHandle<()>,
    _dir: tempfile::TempDir,
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Instance {
    /// A server over `bucket` and `table`, with alice signed in.
    async fn start(moto: &Moto, bucket: &str, table: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let args = ServeArgs {
            data: dir.path().to_path_buf(),
            host: "127.0.0.1".parse().unwrap(),
            port: 0,
            demo: false,
            backend: Backend::Aws,
            bucket: Some(bucket.to_owned()),
            index_table: Some(table.to_owned()),
            html: None,
            secure_cookies: false,
            contacts: None,
            reminder_interval: 0,
        };
        let server =
            build_with(&repo().join("config.json"), &repo().join("SESConfig.json"), &args, Some(moto.sdk_config()))
                .await
                .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            axum::serve(listener, server.router).await.unwrap();
        });
        let http = reqwest::Client::new();
        let res = http
            .post(format!("{base}/auth/dev-login"))
            .json(&json!({"email": "alice@example.com"}))
            .send()
            .await
            .unwrap();
        let cookie = res.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
        let body: Value = res.json().await.unwrap();
        let csrf = body["csrfToken"].as_str().unwrap().to_owned();
        Self { base, http, cookie, csrf, task, _dir: dir }
    }

    async fn list(&self) -> Vec<(String, String)> {
        let page: Value = self
            .http
            .get(format!("{}/api/changes", self.base))
            .header("cookie", &self.cookie)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| (i["id"].as_str().unwrap().into(), i["status"].as_str().unwrap().into()))
            .collect()
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        let res = self
            .http
            .post(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .header("x-csrf-token", &self.csrf)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success(), "{path}: {}", res.status());
        res.json().await.unwrap()
    }
}

#[tokio::test]
async fn what_one_instance_writes_the_other_lists() {
    let Some(moto) = moto::shared().await else { return };
    let bucket = moto.create_bucket("ccm-shared").await;
    let table = moto::unique_name("ccm-index");
    let a = Instance::start(moto, &bucket, &table).await;
    let b = Instance::start(moto, &bucket, &table).await;

    let created = a.post("/api/changes", json!({"changeTitle": "Written through A", "customers": ["acme"]})).await;
    let id = created["object"]["changeId"].as_str().unwrap().to_owned();
    assert_eq!(a.list().await, [(id.clone(), "draft".into())], "the writer lists its own write at once");
    // B reads the index feed once its staleness window (250 ms) has passed.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(b.list().await, [(id.clone(), "draft".into())], "the other instance lists it too");

    // B may act on it (alice owns it in both), and A sees the result.
    let mut complete = json!({"changeReason": "r", "implementationPlan": "p",
        "implementationStart": "2030-06-10T10:00:00Z", "implementationEnd": "2030-06-10T12:00:00Z"});
    let got: Value = b
        .http
        .get(format!("{}/api/changes/{id}", b.base))
        .header("cookie", &b.cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    complete["changeTitle"] = got["changeTitle"].clone();
    let etag =
        b.http.get(format!("{}/api/changes/{id}", b.base)).header("cookie", &b.cookie).send().await.unwrap().headers()
            ["etag"]
            .to_str()
            .unwrap()
            .to_owned();
    let res = b
        .http
        .put(format!("{}/api/changes/{id}", b.base))
        .header("cookie", &b.cookie)
        .header("x-csrf-token", &b.csrf)
        .header("if-match", etag)
        .json(&complete)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    b.post(&format!("/api/changes/{id}/submit"), json!({})).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(a.list().await, [(id, "submitted".into())]);
}

#[tokio::test]
async fn index_verify_reports_what_the_bucket_has_and_rebuild_brings_the_index_in_line() {
    let Some(moto) = moto::shared().await else { return };
    let bucket = moto.create_bucket("ccm-rebuild").await;
    let table = moto::unique_name("ccm-index");
    // Written behind the index's back (an operator's restore): two objects.
    let s3 = moto.s3_client();
    for (id, title) in [("CHG-r1", "One"), ("CHG-r2", "Two")] {
        let body =
            json!({"changeId": id, "changeTitle": title, "status": "submitted", "version": 2, "customers": ["acme"]});
        s3.put_object()
            .bucket(&bucket)
            .key(format!("archive/{id}.json"))
            .body(body.to_string().into_bytes().into())
            .send()
            .await
            .unwrap();
    }
    let client = aws_sdk_dynamodb::Client::new(&moto.sdk_config());
    ccm_aws::IndexTable::new(client, &table).ensure_exists().await.unwrap();

    let w = support::World::new(1, 0).await.unwrap();
    let verify = w.json(&["index", "verify", "--bucket", &bucket, "--table", &table]).await;
    assert_eq!(verify.code, std::process::ExitCode::FAILURE, "{}", verify.stdout);
    let report: Value = serde_json::from_str(&verify.stdout).unwrap();
    assert_eq!(report["differences"].as_array().unwrap().len(), 2, "{report}");
    assert!(report["differences"].as_array().unwrap().iter().all(|d| d["standing"] == "missing"));

    let rebuild = w.json(&["index", "rebuild", "--bucket", &bucket, "--table", &table]).await;
    assert_eq!(rebuild.code, std::process::ExitCode::SUCCESS, "{}", rebuild.stdout);
    let out: Value = serde_json::from_str(&rebuild.stdout).unwrap();
    assert_eq!((out["written"].as_u64(), out["objects"].as_u64()), (Some(2), Some(2)), "{out}");
    let again = w.json(&["index", "verify", "--bucket", &bucket, "--table", &table]).await;
    assert_eq!(again.code, std::process::ExitCode::SUCCESS, "{}", again.stdout);
    let snapshot = s3.head_object().bucket(&bucket).key("index/snapshot.json.gz").send().await;
    assert!(snapshot.is_ok(), "the snapshot was written");
}
