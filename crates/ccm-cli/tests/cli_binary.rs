//! The `ccm` binary as the scheduled task runs it: against the emulator through `AWS_ENDPOINT_URL`
//! and static credentials, JSON logs on stderr, one JSON document on stdout, and the exit code.

mod support;

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
    let ok = ccm(&w, &["--output", "json", "ses", "list", "create", "--customer", &w.customer(0).code]);
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));

    let out = ccm(&w, &["--log-format", "json", "--output", "json", "sync", "--all-customers"]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is one JSON document");
    assert_eq!(doc["summary"]["failed"], 1);
    assert_eq!(doc["summary"]["succeeded"], 1);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(!lines.is_empty());
    for line in lines {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not a JSON log line ({e}): {line}"));
        assert!(v.get("level").is_some(), "{line}");
    }
    assert!(stderr.contains("\"failed\""), "the failure is logged: {stderr}");
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
