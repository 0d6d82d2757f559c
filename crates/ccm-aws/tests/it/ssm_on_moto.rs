//! Secret settings from SSM Parameter Store on the moto emulator: SecureStrings are decrypted, a
//! variable set directly wins, and a named parameter that does not exist is an error naming it.

use ccm_aws::ssm::{SettingError, SsmSecrets, secret_setting};
use ccm_core::ports::Secrets;
use ccm_testkit::moto;

#[tokio::test]
async fn secrets_come_from_the_variable_or_the_ssm_parameter_it_names() {
    let Some(moto) = moto::shared().await else {
        eprintln!("skipping: the moto emulator is not installed (scripts/setup-python.sh)");
        return;
    };
    let sdk = moto.sdk_config();
    let name = format!("/ccm/test/{}/session-key", moto::unique_name("p"));
    aws_sdk_ssm::Client::new(&sdk)
        .put_parameter()
        .name(&name)
        .value("s3cr3t-from-ssm-with-enough-length-000000")
        .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
        .send()
        .await
        .unwrap();
    let ssm = SsmSecrets::new(&sdk);
    assert_eq!(ssm.get(&name).await.unwrap().unwrap().expose(), "s3cr3t-from-ssm-with-enough-length-000000");
    assert!(ssm.get("/ccm/test/none").await.unwrap().is_none());

    let from_ssm = |k: &str| (k == "CCM_SESSION_KEY_PARAMETER").then(|| name.clone());
    let got = secret_setting(from_ssm, &ssm, "CCM_SESSION_KEY").await.unwrap().unwrap();
    assert_eq!(got.expose(), "s3cr3t-from-ssm-with-enough-length-000000");

    let direct = |k: &str| match k {
        "CCM_SESSION_KEY" => Some("direct".to_owned()),
        _ => Some(name.clone()),
    };
    assert_eq!(secret_setting(direct, &ssm, "CCM_SESSION_KEY").await.unwrap().unwrap().expose(), "direct");

    let missing = |k: &str| (k == "CCM_SESSION_KEY_PARAMETER").then(|| "/ccm/test/absent".to_owned());
    let err = secret_setting(missing, &ssm, "CCM_SESSION_KEY").await.unwrap_err();
    assert!(matches!(err, SettingError::MissingParameter { .. }) && err.to_string().contains("/ccm/test/absent"));
    assert!(secret_setting(|_| None, &ssm, "CCM_SESSION_KEY").await.unwrap().is_none());
}
