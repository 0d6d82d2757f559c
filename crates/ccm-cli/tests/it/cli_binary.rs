//! The `ccm` binary as the scheduled task runs it: against the emulator through `AWS_ENDPOINT_URL`
//! and static credentials, JSON logs on stderr, one JSON document on stdout, and the exit code.

use crate::support;

use std::process::Command;

use support::World;

fn ccm(w: &World, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_ccm"))
        .args(["--config", w.config.to_str().unwrap(), "--ses-config", w.ses_config.to_str().unwrap()])
        .args(args)
        .env("AWS_ENDPOINT_URL", &w.moto.endpoint)
        .env("AWS_ACCESS_KEY_ID", ccm_testkit::moto::TEST_ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", ccm_testkit::moto::TEST_SECRET_KEY)
        .env("AWS_REGION", ccm_testkit::moto::TEST_REGION)
        .env_remove("AWS_PROFILE")
        .env_remove("CCM_LOG")
        .output()
        .expect("running ccm")
}

#[tokio::test]
async fn the_scheduled_sync_logs_json_prints_one_document_and_exits_1_when_a_customer_fails() {
    let Some(w) = World::new(1, 1).await else { return };
    let good = w.customer(0);
    let ok = ccm(&w, &["--output", "json", "ses", "list", "create", "--customer", &good.code]);
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    let dir = w.directory(good).await;
    dir.user("ann", &good.address("ann")).await;
    dir.user("bob", &good.address("bob")).await;

    let out = ccm(&w, &["--log-format", "json", "--output", "json", "sync", "--all-customers"]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is one JSON document");
    assert_eq!(doc["summary"]["failed"], 1);
    assert_eq!(doc["summary"]["succeeded"], 1);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<serde_json::Value> = stderr
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not a JSON log line ({e}): {line}")))
        .collect();
    assert!(lines.iter().all(|v| v.get("level").is_some()), "{stderr}");
    let done = lines.iter().find(|v| v["item"] == good.code.as_str()).unwrap_or_else(|| panic!("{stderr}"));
    assert_eq!(
        (done["added"].as_u64(), done["updated"].as_u64(), done["removed"].as_u64()),
        (Some(2), Some(0), Some(0))
    );
    let denied = w.customer(1);
    let failed: Vec<&serde_json::Value> = lines.iter().filter(|v| v["level"] == "ERROR").collect();
    assert_eq!(failed.len(), 1, "the refused AssumeRole is reported once: {stderr}");
    assert_eq!(failed[0]["item"], denied.code.as_str());
    assert!(failed[0]["error"].as_str().unwrap().starts_with("STS AssumeRole of"), "{stderr}");
    assert!(!stderr.contains("STS refused to grant"), "the SDK's own warning is not repeated: {stderr}");
}

#[tokio::test]
async fn text_logs_carry_no_colour_when_stderr_is_not_a_terminal() {
    let Some(w) = World::new(0, 1).await else { return };
    let out = ccm(&w, &["ses", "list", "create", "--all-customers"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("STS AssumeRole of"), "{stderr}");
    assert!(!stderr.contains('\u{1b}'), "no ANSI escape: {stderr:?}");
}

#[tokio::test]
async fn config_validate_prints_one_json_document_naming_every_conflict() {
    let Some(w) = World::new(2, 0).await else { return };
    let ok = ccm(&w, &["--output", "json", "config", "validate"]);
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stdout));
    let doc: serde_json::Value = serde_json::from_slice(&ok.stdout).expect("one JSON document");
    assert_eq!(doc["ok"], true);

    let (first, second) = (w.customer(0), w.customer(1));
    w.write_config(|doc| {
        doc["customer_mappings"][&second.code]["ses_role_arn"] =
            serde_json::json!(format!("arn:aws:iam::{}:role/ccm-ses", first.account));
        doc["customer_mappings"][&first.code]["additional_contacts"] =
            serde_json::json!([{"email": first.address("noc"), "topics": ["aws-calendar", "wiz-calendar"]}]);
    });
    let bad = ccm(&w, &["--output", "json", "config", "validate"]);
    assert_eq!(bad.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&bad.stdout).expect("one JSON document");
    assert_eq!(doc["ok"], false);
    let fields: Vec<&str> = doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["problems"].as_array().unwrap())
        .map(|p| p["field"].as_str().unwrap())
        .collect();
    for field in [
        format!("customer_mappings.{}.ses_role_arn", first.code),
        format!("customer_mappings.{}.ses_role_arn", second.code),
        format!("customer_mappings.{}.additional_contacts.0.topics.1", first.code),
    ] {
        assert!(fields.contains(&field.as_str()), "{field} not in {fields:?}");
    }
}

#[test]
fn errors_before_any_customer_runs_are_one_json_document_with_json_output() {
    let config = support::repo().join("config.json");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_ccm"))
            .args(["--config", config.to_str().unwrap(), "--output", "json"])
            .args(args)
            .env_remove("CCM_LOG")
            .output()
            .unwrap()
    };
    let unknown = run(&["ses", "list", "describe", "--customer", "nobody"]);
    assert_eq!(unknown.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&unknown.stdout).expect("one JSON document");
    assert!(doc["error"].as_str().unwrap().contains("nobody"), "{doc}");

    let usage = run(&["sync", "--all-customers", "--requests-per-second", "NaN"]);
    assert_eq!(usage.status.code(), Some(2), "a usage error");
    let doc: serde_json::Value = serde_json::from_slice(&usage.stdout).expect("one JSON document");
    assert!(doc["error"].as_str().unwrap().contains("positive, finite"), "{doc}");
    let stderr = String::from_utf8_lossy(&usage.stderr);
    assert!(stderr.trim().is_empty(), "nothing else: {stderr}");

    let logged = run(&["--log-format", "json", "sync", "--all-customers", "--requests-per-second", "-1"]);
    assert_eq!(logged.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&logged.stderr);
    let lines: Vec<serde_json::Value> =
        stderr.lines().map(|l| serde_json::from_str(l).expect("a JSON log line")).collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert_eq!(lines[0]["level"], "ERROR");
}

#[tokio::test]
async fn table_output_ends_with_a_summary_and_a_good_run_exits_0() {
    let Some(w) = World::new(2, 0).await else { return };
    let out = ccm(&w, &["ses", "list", "create", "--all-customers"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.trim_end().lines().last().unwrap().starts_with("Summary: 2 customer(s): 2 succeeded"), "{stdout}");
    assert!(!stdout.contains('\u{1b}'), "no progress bar or colour in non-TTY output: {stdout:?}");
}

#[test]
fn an_unknown_customer_is_refused_before_anything_runs() {
    let out = Command::new(env!("CARGO_BIN_EXE_ccm"))
        .args([
            "--config",
            support::repo().join("config.json").to_str().unwrap(),
            "ses",
            "list",
            "describe",
            "--customer",
            "nobody",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nobody"));
}
