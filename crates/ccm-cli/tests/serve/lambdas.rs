//! The same system as three Lambdas: the real `ccm-auth`, `ccm-api` and `ccm-processor` binaries run
//! under a Lambda Runtime API emulator (`ccm_testkit::lambda_runtime`) against moto. Sign-in is SAML
//! with the test IdP, every HTTP call is a Function URL event (payload 2.0, what CloudFront's OAC
//! forwards), S3 notifies one queue per customer, and this test plays the SQS event source mapping:
//! batches of up to ten, partial batch responses honoured (failed ids stay, the rest are deleted),
//! the dead-letter queue after five receives. The mail lands in two customer accounts.
//!
//! Needs moto (else skips; `CCM_REQUIRE_MOTO=1` fails instead) and the three binaries in the target
//! directory (`scripts/lambda-e2e.sh` builds them; `cargo test --workspace` does too); missing
//! binaries skip, or fail with `CCM_REQUIRE_LAMBDAS=1`. The environment sets both the new variable
//! names and the old ones (`CCM_CONFIG`/`CCM_CONFIG_FILE`, `CCM_BUCKET`/`S3_BUCKET`).

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::time::Duration;

use aws_credential_types::provider::SharedCredentialsProvider;
use aws_sdk_s3::types::{
    Event, FilterRule, FilterRuleName, NotificationConfiguration, NotificationConfigurationFilter, QueueConfiguration,
    S3KeyFilter,
};
use aws_sdk_sesv2::types::{SubscriptionStatus, Topic, TopicPreference};
use aws_sdk_sqs::types::QueueAttributeName;
use base64::Engine;
use ccm_auth::saml::authn_request::inflate_request;
use ccm_auth::saml::test_idp::{TestIdp, TestUser};
use ccm_testkit::lambda_runtime::LambdaProcess;
use ccm_testkit::moto::{self, Moto};
use serde_json::{Value, json};

const PORTAL: &str = "https://ccm.example.com";
const SSO: &str = "https://idp.ccm.test/sso";
const SENDER_DOMAIN: &str = "ccm.example.com";
const FUNCTION_HOST: &str = "abcdefghijklmnop.lambda-url.us-east-1.on.aws";

fn target_debug() -> PathBuf {
    if let Ok(dir) = std::env::var("CCM_LAMBDA_BIN_DIR") {
        return PathBuf::from(dir);
    }
    // <target>/debug/deps/serve-<hash> → <target>/debug
    let exe = std::env::current_exe().unwrap();
    exe.parent().and_then(|deps| deps.parent()).unwrap().to_path_buf()
}

fn require_lambdas() -> bool {
    std::env::var("CCM_REQUIRE_LAMBDAS").is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
}

fn random_account() -> String {
    let n = u64::from_str_radix(&moto::unique_name("a")[2..14], 16).unwrap_or(1);
    format!("{:012}", 100_000_000_000 + n % 899_999_999_999)
}

/// A Function URL event (payload format 2.0), as CloudFront forwards it to the function.
fn url_event(method: &str, path_and_query: &str, jar: &Jar, headers: &[(&str, &str)], body: Option<&str>) -> Value {
    let (path, query) = path_and_query.split_once('?').unwrap_or((path_and_query, ""));
    let mut params = serde_json::Map::new();
    for (k, v) in form_urlencoded::parse(query.as_bytes()) {
        params.insert(k.into_owned(), Value::String(v.into_owned()));
    }
    let mut h = serde_json::Map::new();
    h.insert("host".into(), FUNCTION_HOST.into());
    h.insert("x-forwarded-proto".into(), "https".into());
    h.insert("user-agent".into(), "ccm-lambda-e2e".into());
    for (k, v) in headers {
        h.insert(k.to_lowercase(), Value::String((*v).to_owned()));
    }
    if let Some(b) = body {
        h.insert(
            "x-amz-content-sha256".into(),
            hex::encode(<sha2::Sha256 as sha2::Digest>::digest(b.as_bytes())).into(),
        );
    }
    let request_id = uuid::Uuid::new_v4().to_string();
    json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "cookies": jar.header_values(),
        "headers": h,
        "queryStringParameters": if params.is_empty() { Value::Null } else { Value::Object(params) },
        "requestContext": {
            "accountId": "123456789012", "apiId": "abcdefghijklmnop", "domainName": FUNCTION_HOST,
            "domainPrefix": "abcdefghijklmnop", "requestId": request_id, "routeKey": "$default", "stage": "$default",
            "time": "10/Jun/2026:10:00:00 +0000", "timeEpoch": 1_781_085_600_000_i64,
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "ccm-lambda-e2e"}
        },
        "body": body,
        "isBase64Encoded": false
    })
}

/// One browser's cookies.
#[derive(Default)]
struct Jar(BTreeMap<String, String>);

impl Jar {
    fn header_values(&self) -> Vec<String> {
        self.0.iter().map(|(k, v)| format!("{k}={v}")).collect()
    }
    fn take(&mut self, response: &Value) {
        let set = response["cookies"].as_array().cloned().unwrap_or_default();
        let from_headers = response["headers"]["set-cookie"].as_str().map(|s| Value::String(s.to_owned()));
        for c in set.into_iter().chain(from_headers) {
            let pair = c.as_str().unwrap_or_default().split(';').next().unwrap_or_default();
            if let Some((k, v)) = pair.split_once('=') {
                if v.is_empty() {
                    self.0.remove(k.trim());
                } else {
                    self.0.insert(k.trim().to_owned(), v.trim().to_owned());
                }
            }
        }
    }
}

fn header<'a>(response: &'a Value, name: &str) -> &'a str {
    response["headers"][name].as_str().unwrap_or_default()
}

fn body_json(response: &Value) -> Value {
    let body = response["body"].as_str().unwrap_or_default();
    let bytes = if response["isBase64Encoded"].as_bool() == Some(true) {
        base64::engine::general_purpose::STANDARD.decode(body).unwrap_or_default()
    } else {
        body.as_bytes().to_vec()
    };
    serde_json::from_slice(&bytes).unwrap_or(Value::Null)
}

/// The three functions and the browsers of two people.
struct Deployment {
    auth: LambdaProcess,
    api: LambdaProcess,
    processor: LambdaProcess,
}

impl Deployment {
    /// SAML sign-in through ccm-auth: /auth/login → the IdP (signs a response for `user`) → /saml/acs.
    async fn sign_in(&mut self, user: TestUser) -> (Jar, String) {
        let mut jar = Jar::default();
        let login = self.auth.invoke(&url_event("GET", "/auth/login?return=%2F", &jar, &[], None)).await.unwrap();
        assert_eq!(login["statusCode"], 303, "{login}");
        jar.take(&login);
        let location = header(&login, "location").to_owned();
        assert!(location.starts_with(SSO), "{location}");
        let query = location.split_once('?').unwrap().1;
        let params: HashMap<String, String> = form_urlencoded::parse(query.as_bytes()).into_owned().collect();
        let request = inflate_request(&params["SAMLRequest"]).expect("a deflated AuthnRequest");
        let request_id = roxmltree_id(&request);

        let idp = TestIdp::with_fixture_key(SSO, PORTAL, &format!("{PORTAL}/saml/acs"), user);
        let xml = idp.response_xml(&idp.spec(&request_id)).unwrap();
        let form: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("SAMLResponse", &base64::engine::general_purpose::STANDARD.encode(xml))
            .append_pair("RelayState", params.get("RelayState").map_or("", String::as_str))
            .finish();
        let headers = [("content-type", "application/x-www-form-urlencoded")];
        let acs = self.auth.invoke(&url_event("POST", "/saml/acs", &jar, &headers, Some(&form))).await.unwrap();
        assert_eq!(acs["statusCode"], 303, "{acs}\n{}", self.auth.logs());
        jar.take(&acs);

        let me = self.api.invoke(&url_event("GET", "/api/me", &jar, &[], None)).await.unwrap();
        assert_eq!(me["statusCode"], 200, "{me}\n{}", self.api.logs());
        let csrf = body_json(&me)["csrfToken"].as_str().unwrap_or_default().to_owned();
        assert!(!csrf.is_empty(), "{me}");
        (jar, csrf)
    }

    async fn api_call(&mut self, jar: &Jar, csrf: &str, method: &str, path: &str, body: Value) -> (u16, Value) {
        let text = body.to_string();
        let headers = [("content-type", "application/json"), ("x-csrf-token", csrf), ("accept", "application/json")];
        let response = self.api.invoke(&url_event(method, path, jar, &headers, Some(&text))).await.unwrap();
        let status = response["statusCode"].as_u64().unwrap_or_default() as u16;
        (status, body_json(&response))
    }
}

fn roxmltree_id(xml: &str) -> String {
    let start = xml.find(" ID=\"").expect("the AuthnRequest has an ID") + 5;
    xml[start..].split('"').next().unwrap().to_owned()
}

/// A verified sender, a contact list with the approval and announce topics, and one subscriber of both.
async fn set_up_customer(moto: &Moto, account: &str, code: &str, subscriber: &str) {
    let base = moto.sdk_config().into_builder().time_source(aws_smithy_async::time::SystemTimeSource::new()).build();
    let provider = aws_config::sts::AssumeRoleProvider::builder(format!("arn:aws:iam::{account}:role/ccm-test-admin"))
        .session_name("ccm-test-admin")
        .configure(&base)
        .build()
        .await;
    let conf = aws_sdk_sesv2::config::Builder::from(&base)
        .credentials_provider(SharedCredentialsProvider::new(provider))
        .build();
    let ses = aws_sdk_sesv2::Client::from_conf(conf);
    ses.create_email_identity().email_identity(SENDER_DOMAIN).send().await.expect("verifying the sender");
    let topic = |name: &str| {
        Topic::builder()
            .topic_name(name)
            .display_name(name)
            .default_subscription_status(SubscriptionStatus::OptOut)
            .build()
            .unwrap()
    };
    ses.create_contact_list()
        .contact_list_name(format!("{code}-contacts"))
        .topics(topic("aws-approval"))
        .topics(topic("aws-announce"))
        .send()
        .await
        .expect("creating the contact list");
    let opt_in = |t: &str| {
        TopicPreference::builder().topic_name(t).subscription_status(SubscriptionStatus::OptIn).build().unwrap()
    };
    ses.create_contact()
        .contact_list_name(format!("{code}-contacts"))
        .email_address(subscriber)
        .topic_preferences(opt_in("aws-approval"))
        .topic_preferences(opt_in("aws-announce"))
        .send()
        .await
        .expect("creating a contact");
}

/// One customer's queue and dead-letter queue (redrive after 5 receives), as infra/template.yaml makes them.
async fn customer_queue(sqs: &aws_sdk_sqs::Client, code: &str) -> (String, String, String) {
    let arn = |url: String| async move {
        let attrs = sqs
            .get_queue_attributes()
            .queue_url(&url)
            .attribute_names(QueueAttributeName::QueueArn)
            .send()
            .await
            .unwrap();
        (url, attrs.attributes.unwrap()[&QueueAttributeName::QueueArn].clone())
    };
    let dlq = sqs.create_queue().queue_name(moto::unique_name(&format!("{code}-dlq"))).send().await.unwrap();
    let (dlq_url, dlq_arn) = arn(dlq.queue_url.unwrap()).await;
    let queue = sqs
        .create_queue()
        .queue_name(moto::unique_name(code))
        .attributes(QueueAttributeName::VisibilityTimeout, "30")
        .attributes(
            QueueAttributeName::RedrivePolicy,
            json!({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 5}).to_string(),
        )
        .send()
        .await
        .unwrap();
    let (url, arn) = arn(queue.queue_url.unwrap()).await;
    (url, arn, dlq_url)
}

/// What the event source mapping does for one queue, once: receive a batch, invoke the processor,
/// delete what it did not report as failed, make the failed ones visible again at once (SQS would
/// after the visibility timeout). Returns (messages received, ids reported failed).
async fn poll_once(
    sqs: &aws_sdk_sqs::Client,
    processor: &mut LambdaProcess,
    url: &str,
    arn: &str,
) -> (usize, Vec<String>) {
    let got =
        sqs.receive_message().queue_url(url).max_number_of_messages(10).wait_time_seconds(0).send().await.unwrap();
    // S3's s3:TestEvent comes through as on AWS; the processor acknowledges it.
    let messages = got.messages.unwrap_or_default();
    if messages.is_empty() {
        return (0, Vec::new());
    }
    let records: Vec<Value> = messages
        .iter()
        .map(|m| {
            json!({"messageId": m.message_id(), "receiptHandle": m.receipt_handle(), "body": m.body(),
                   "attributes": {"ApproximateReceiveCount": "1"}, "messageAttributes": {}, "md5OfBody": m.md5_of_body(),
                   "eventSource": "aws:sqs", "eventSourceARN": arn, "awsRegion": "us-east-1"})
        })
        .collect();
    let response = processor.invoke(&json!({"Records": records})).await.unwrap();
    let failed: Vec<String> = response["batchItemFailures"]
        .as_array()
        .unwrap_or(&Vec::new())
        .iter()
        .filter_map(|f| f["itemIdentifier"].as_str().map(str::to_owned))
        .collect();
    for m in &messages {
        let handle = m.receipt_handle().unwrap_or_default();
        if failed.iter().any(|f| Some(f.as_str()) == m.message_id()) {
            sqs.change_message_visibility()
                .queue_url(url)
                .receipt_handle(handle)
                .visibility_timeout(0)
                .send()
                .await
                .unwrap();
        } else {
            sqs.delete_message().queue_url(url).receipt_handle(handle).send().await.unwrap();
        }
    }
    (messages.len(), failed)
}

/// Plays the event source mappings until every queue is quiet; the first two customers must never
/// fail. Returns how many of the third customer's messages were reported failed.
async fn drain(
    sqs: &aws_sdk_sqs::Client,
    processor: &mut LambdaProcess,
    queues: &[(String, String, String)],
    never_failed: &str,
) -> usize {
    let mut third = 0;
    for _round in 0..10 {
        let mut busy = false;
        for (i, (url, arn, _)) in queues.iter().enumerate() {
            let (received, failed) = poll_once(sqs, processor, url, arn).await;
            busy |= received > 0;
            assert!(!failed.iter().any(|f| f == never_failed), "an unreadable message is acknowledged, not retried");
            assert!(failed.len() <= received);
            if i < 2 {
                assert!(failed.is_empty(), "queue {i} failed: {failed:?}\n{}", processor.logs());
            } else {
                third += failed.len();
            }
        }
        if !busy {
            return third;
        }
    }
    panic!("the queues did not go quiet in ten rounds");
}

#[tokio::test]
async fn the_lambdas_sign_in_approve_a_change_and_mail_two_customer_accounts_through_their_queues() {
    let Some(moto) = moto::shared().await else { return };
    let bins = target_debug();
    let binary = |name: &str| bins.join(name);
    if ["ccm-api", "ccm-auth", "ccm-processor"].iter().any(|b| !binary(b).is_file()) {
        let hint =
            "cargo build -p ccm-api --bin ccm-api -p ccm-auth --bin ccm-auth -p ccm-processor --bin ccm-processor";
        assert!(
            !require_lambdas(),
            "CCM_REQUIRE_LAMBDAS=1 but the Lambda binaries are not in {}: {hint}",
            bins.display()
        );
        eprintln!("skipping: the Lambda binaries are not in {} ({hint})", bins.display());
        return;
    }

    // Three customers in three accounts: acme and globex receive, gamma's only subscriber is throttled.
    let suffix = &moto::unique_name("c")[2..8];
    let codes = [format!("acme{suffix}"), format!("globex{suffix}"), format!("gamma{suffix}")];
    let accounts = [random_account(), random_account(), random_account()];
    let subscribers = [
        format!("ops@{}.example.org", codes[0]),
        format!("ops@{}.example.org", codes[1]),
        format!("ccm-throttle@{}.example.org", codes[2]),
    ];
    for i in 0..3 {
        set_up_customer(moto, &accounts[i], &codes[i], &subscribers[i]).await;
    }

    // The bucket and one queue + DLQ per customer, routed by prefix as the template routes them.
    let sdk = moto.sdk_config();
    let s3 = moto.s3_client();
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let bucket = moto.create_bucket("ccm-lambdas").await;
    let mut queues = Vec::new();
    let mut routes = NotificationConfiguration::builder();
    for code in &codes {
        let (url, arn, dlq) = customer_queue(&sqs, code).await;
        let filter = NotificationConfigurationFilter::builder()
            .key(
                S3KeyFilter::builder()
                    .filter_rules(
                        FilterRule::builder().name(FilterRuleName::Prefix).value(format!("customers/{code}/")).build(),
                    )
                    .filter_rules(FilterRule::builder().name(FilterRuleName::Suffix).value(".json").build())
                    .build(),
            )
            .build();
        routes = routes.queue_configurations(
            QueueConfiguration::builder()
                .queue_arn(&arn)
                .events(Event::S3ObjectCreated)
                .filter(filter)
                .build()
                .unwrap(),
        );
        queues.push((url, arn, dlq));
    }
    s3.put_bucket_notification_configuration()
        .bucket(&bucket)
        .notification_configuration(routes.build())
        .send()
        .await
        .unwrap();

    // config.json: the repository's portal settings (roles from IdP groups), these customers.
    let dir = tempfile::tempdir().unwrap();
    let mut config: Value = serde_json::from_str(ccm_cli::config_files::EXAMPLE_CONFIG).unwrap();
    let mut mappings = serde_json::Map::new();
    for i in 0..3 {
        mappings.insert(
            codes[i].clone(),
            json!({"customer_code": codes[i], "customer_name": format!("Customer {}", codes[i]), "environment": "prod",
                   "region": "us-east-1", "ses_role_arn": format!("arn:aws:iam::{}:role/ccm-ses-sender", accounts[i])}),
        );
    }
    config["customer_mappings"] = Value::Object(mappings);
    // The example's approval policies name its own customers, which this deployment does not have.
    config["approval_policies"]["customers"] = json!({});
    config["s3_config"]["bucket_name"] = bucket.clone().into();
    config["email_config"]["portal_base_url"] = PORTAL.into();
    config["portal"]["demo_users"] = json!([]);
    let config_path = dir.path().join("config.json");
    std::fs::write(&config_path, config.to_string()).unwrap();
    let ses_config = moto::repo_root().join("SESConfig.json");
    let idp =
        TestIdp::with_fixture_key(SSO, PORTAL, &format!("{PORTAL}/saml/acs"), TestUser::new("x@example.com", &[]));

    let path = |p: &std::path::Path| p.display().to_string();
    let env: Vec<(String, String)> = [
        ("CCM_CONFIG", path(&config_path)),
        ("CCM_CONFIG_FILE", path(&config_path)),
        ("CCM_SES_CONFIG", path(&ses_config)),
        ("CCM_BUCKET", bucket.clone()),
        ("S3_BUCKET", bucket.clone()),
        ("CCM_SESSION_KEY", "lambda-e2e-session-key-of-at-least-32-characters".into()),
        ("CCM_SAML_IDP_METADATA", idp.metadata_xml()),
        ("CCM_LOG_FORMAT", "json".into()),
        ("RUST_LOG", "info".into()),
        ("AWS_ENDPOINT_URL", moto.endpoint.clone()),
        ("AWS_ACCESS_KEY_ID", moto::TEST_ACCESS_KEY.into()),
        ("AWS_SECRET_ACCESS_KEY", moto::TEST_SECRET_KEY.into()),
        ("AWS_REGION", moto::TEST_REGION.into()),
        ("AWS_DEFAULT_REGION", moto::TEST_REGION.into()),
        ("HOME", path(dir.path())),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let spawn = |name: &'static str| {
        let env = env.clone();
        let bin = binary(name);
        async move { LambdaProcess::spawn(&bin, name, &env).await.unwrap() }
    };
    let mut lambdas = Deployment {
        auth: spawn("ccm-auth").await,
        api: spawn("ccm-api").await,
        processor: spawn("ccm-processor").await,
    };
    for f in [&mut lambdas.auth, &mut lambdas.api, &mut lambdas.processor] {
        let init = f.init_duration(Duration::from_secs(30)).await.unwrap_or_else(|e| panic!("{}: {e}", f.name));
        eprintln!("{} ready after {init:?}", f.name);
    }

    // Alice writes and submits, Bob approves: through the Function URLs, signed in with SAML.
    let (alice, alice_csrf) = lambdas.sign_in(TestUser::new("alice@example.com", &["ccm-authors"])).await;
    let (bob, bob_csrf) = lambdas.sign_in(TestUser::new("bob@example.com", &["ccm-approvers"])).await;
    let change = json!({
        "changeTitle": "Rotate the database certificates", "changeReason": "They expire", "implementationPlan": "One node at a time",
        "customers": codes, "implementationStart": "2026-06-10T10:00:00Z", "implementationEnd": "2026-06-10T12:00:00Z",
    });
    let (status, created) = lambdas.api_call(&alice, &alice_csrf, "POST", "/api/changes", change).await;
    assert_eq!(status, 201, "{created}\n{}", lambdas.api.logs());
    let id = created["object"]["changeId"].as_str().unwrap().to_owned();
    // A message no processor can read, in gamma's queue: acknowledged in its batch, never retried.
    let garbage = sqs.send_message().queue_url(&queues[2].0).message_body("not an S3 event").send().await.unwrap();
    let garbage = garbage.message_id.unwrap();

    // Submitting notifies the approvers; the event source mapping runs as it would (at once).
    let (status, reply) =
        lambdas.api_call(&alice, &alice_csrf, "POST", &format!("/api/changes/{id}/submit"), json!({})).await;
    assert_eq!(status, 200, "{reply}");
    let mut gamma_failures = drain(&sqs, &mut lambdas.processor, &queues, &garbage).await;
    // Approving announces the change.
    let (status, reply) =
        lambdas.api_call(&bob, &bob_csrf, "POST", &format!("/api/changes/{id}/approve"), json!({})).await;
    assert_eq!(status, 200, "{reply}");
    gamma_failures += drain(&sqs, &mut lambdas.processor, &queues, &garbage).await;

    // Both the approval request (submitted) and the announcement (approved) reached acme and globex,
    // each from its own account.
    for i in 0..2 {
        let sent = moto.sent_to(&accounts[i], &subscribers[i]).await;
        assert_eq!(sent.len(), 2, "{} got the approval request and the announcement: {sent:?}", subscribers[i]);
        assert!(
            sent.iter().all(|m| m.subject.as_deref().unwrap_or_default().contains("Rotate the database certificates"))
        );
        let other = (i + 1) % 2;
        assert!(
            moto.sent_to(&accounts[other], &subscribers[i]).await.is_empty(),
            "no mail from another customer's account"
        );
    }
    // Gamma's sends were throttled every time: each of its two trigger events was reported failed
    // five times (partial batch responses; the unreadable message beside them was acknowledged) and
    // then moved to its dead-letter queue.
    assert_eq!(gamma_failures, 10, "gamma's two trigger events failed five times each");
    assert!(moto.sent_to(&accounts[2], &subscribers[2]).await.is_empty());
    let dead = sqs.receive_message().queue_url(&queues[2].2).max_number_of_messages(10).send().await.unwrap();
    let dead: Vec<String> = dead.messages.unwrap_or_default().into_iter().filter_map(|m| m.body).collect();
    assert_eq!(dead.len(), 2, "both gamma triggers wait in its dead-letter queue: {dead:?}");
    assert!(dead.iter().all(|b| b.contains(&format!("customers/{}/", codes[2])) || b.contains("customers%2F")));
    assert!(!dead.iter().any(|b| b == "not an S3 event"), "the unreadable message was acknowledged, not dead-lettered");
    for (url, _, dlq) in &queues[..2] {
        for q in [url, dlq] {
            let left = sqs.receive_message().queue_url(q).send().await.unwrap().messages.unwrap_or_default();
            assert!(left.is_empty(), "acme's and globex's queues and DLQs are empty");
        }
    }
}
