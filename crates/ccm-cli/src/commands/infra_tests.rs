//! Tests of `ccm infra render` (the regions, the code paths, the errors) and of the checked-in
//! template against the example config.json.

use super::*;

fn example() -> AppConfig {
    AppConfig::from_json(crate::config_files::EXAMPLE_CONFIG).unwrap()
}

fn repo_file(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(path)).unwrap()
}

fn all_regions(body: &str) -> String {
    REGIONS.iter().map(|(n, _)| format!("  {BEGIN}{n}\n{body}  {END}{n}\n")).collect()
}

#[test]
fn customer_codes_become_alphanumeric_logical_names() {
    assert_eq!(camel("acme"), "Acme");
    assert_eq!(camel("hts-nonprod"), "HtsNonprod");
    assert_eq!(camel("a1-b2-c"), "A1B2C");
}

#[test]
fn the_checked_in_template_is_rendered_from_the_example_config() {
    let template = repo_file("infra/template.yaml");
    let rendered = render(&template, &example(), None).unwrap();
    assert!(
        rendered == template,
        "infra/template.yaml is stale: run `cargo run -p ccm-cli --bin ccm -- infra render --in-place` (regions: {:?})",
        stale_regions(&template, &rendered)
    );
}

#[test]
fn every_customer_gets_a_queue_a_dead_letter_queue_a_mapping_an_alarm_and_a_route() {
    let rendered = render(&all_regions(""), &example(), None).unwrap();
    for (code, c) in &example().customer_mappings {
        let l = format!("Customer{}", camel(code.as_str()));
        for resource in ["DeadLetterQueue", "Queue", "EventSourceMapping", "DeadLetterAlarm"] {
            assert!(rendered.contains(&format!("\n  {l}{resource}:\n")), "{l}{resource}");
        }
        assert!(rendered.contains(&format!("Value: customers/{code}/ }}, {{ Name: suffix, Value: .json }}")), "{code}");
        assert!(rendered.contains(&format!("- !Ref {l}Queue\n")));
        assert!(rendered.contains(&format!("- !GetAtt {l}Queue.Arn\n")));
        assert!(rendered.contains(&format!("- \"{}\"\n", c.ses_role_arn)));
    }
    assert_eq!(rendered.matches("maxReceiveCount: 5").count(), example().customer_mappings.len());
    assert_eq!(rendered.matches("ReportBatchItemFailures").count(), example().customer_mappings.len());
}

#[test]
fn the_processor_may_assume_only_ses_roles_and_the_sync_also_identity_center_roles() {
    let rendered = render(&all_regions(""), &example(), None).unwrap();
    let region = |name: &str| {
        let start = rendered.find(&format!("{BEGIN}{name}\n")).unwrap();
        let end = rendered.find(&format!("{END}{name}\n")).unwrap();
        rendered[start..end].to_owned()
    };
    let ses = region("customer-ses-roles");
    assert!(ses.contains("role/ccm-ses-sender") && !ses.contains("identity-center"), "{ses}");
    let sync = region("customer-sync-roles");
    assert!(sync.contains("role/ccm-ses-sender") && sync.contains("role/ccm-identity-center-reader"), "{sync}");
}

#[test]
fn generated_lines_take_the_markers_indentation_and_old_bodies_are_replaced() {
    let template = format!("Resources:\n{}", all_regions("      stale: line\n"));
    let rendered = render(&template, &example(), None).unwrap();
    assert!(!rendered.contains("stale"));
    assert!(rendered.contains("\n  - !Ref CustomerAcmeQueue\n"));
    assert!(rendered.contains("\n  CustomerAcmeQueue:\n    Type: AWS::SQS::Queue\n"));
    // Rendering is idempotent.
    assert_eq!(render(&rendered, &example(), None).unwrap(), rendered);
}

#[test]
fn code_dir_points_each_marked_code_uri_at_its_zip_and_stays_renderable() {
    let template = format!("{}    CodeUri: .. {CODE}ccm-api\n    CodeUri: ../other\n", all_regions(""));
    let rendered = render(&template, &example(), Some(Path::new("/build/lambda/"))).unwrap();
    assert!(rendered.contains(&format!("    CodeUri: \"/build/lambda/ccm-api/bootstrap.zip\" {CODE}ccm-api\n")));
    assert!(rendered.contains("    CodeUri: ../other\n"), "unmarked lines are left alone");
    let again = render(&rendered, &example(), Some(Path::new("/elsewhere"))).unwrap();
    assert!(again.contains("\"/elsewhere/ccm-api/bootstrap.zip\""));
    // Without --code-dir the paths stay as they are.
    assert!(render(&template, &example(), None).unwrap().contains(&format!("\n    CodeUri: .. {CODE}ccm-api\n")));
}

#[test]
fn broken_templates_are_refused_with_the_line_and_region_named() {
    let config = example();
    let unknown = format!("{}  {BEGIN}customer-pets\n  {END}customer-pets\n", all_regions(""));
    assert!(matches!(
        render(&unknown, &config, None),
        Err(RenderError::UnknownRegion { ref name, .. }) if name == "customer-pets"
    ));
    let unclosed = format!("{}  {BEGIN}customer-queues\n", all_regions(""));
    assert!(matches!(render(&unclosed, &config, None), Err(RenderError::Duplicate { .. })));
    let never_closed = format!("  {BEGIN}customer-queues\n  x: 1\n");
    assert!(matches!(render(&never_closed, &config, None), Err(RenderError::Unclosed { .. })));
    let stray_end = format!("  {END}customer-queues\n");
    assert!(matches!(render(&stray_end, &config, None), Err(RenderError::Unopened { line: 1, .. })));
    let nested = format!("  {BEGIN}customer-queues\n  {BEGIN}customer-queue-arns\n");
    assert!(matches!(render(&nested, &config, None), Err(RenderError::Nested { line: 2, .. })));
    let missing = all_regions("").replace(&format!("  {BEGIN}customer-resources\n  {END}customer-resources\n"), "");
    assert!(matches!(
        render(&missing, &config, None),
        Err(RenderError::Missing { ref name }) if name == "customer-resources"
    ));
}

#[test]
fn customers_whose_names_collide_in_cloudformation_are_refused() {
    let mut config = example();
    let acme = config.customer_mappings.values().next().unwrap().clone();
    for code in ["a-1", "a1"] {
        let mut c = acme.clone();
        c.customer_code = ccm_core::CustomerCode::parse(code).unwrap();
        config.customer_mappings.insert(c.customer_code.clone(), c);
    }
    let err = render(&all_regions(""), &config, None).unwrap_err();
    assert_eq!(err, RenderError::Clash { a: "a-1".into(), b: "a1".into(), logical: "CustomerA1".into() });
}

#[test]
fn a_stale_region_is_named() {
    let template = all_regions("");
    let rendered = render(&template, &example(), None).unwrap();
    assert_eq!(stale_regions(&template, &rendered).len(), REGIONS.len());
    assert!(stale_regions(&rendered, &rendered).is_empty());
}
