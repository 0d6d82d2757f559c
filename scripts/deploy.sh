#!/usr/bin/env bash
# Deploys ccm to an AWS account (make deploy), or removes it (make destroy). See docs/deploy.md.
#
#   scripts/deploy.sh deploy          package, render, sam deploy, upload config + portal, secrets
#   scripts/deploy.sh destroy         delete the stack (the metadata bucket, logs and key are kept)
#   scripts/deploy.sh render          only infra/build/template.yaml from config.json
#   scripts/deploy.sh upload-config   config.json + SESConfig.json -> s3://{bucket}/config/
#   scripts/deploy.sh upload-portal   html/ -> the portal bucket, then a CloudFront invalidation
#   scripts/deploy.sh ensure-secrets  the SSM SecureStrings: session keys made if missing, IdP metadata
#                                     from SAML_IDP_METADATA_FILE; never overwrites a session key
#
# Settings (environment): STACK (default ccm), ARCH (arm64 | x86-64, default arm64), CCM_CONFIG
# (default config.json), CCM_SES_CONFIG (default SESConfig.json), CUSTOMER_ROLE_EXTERNAL_ID
# (required by deploy), SAML_IDP_METADATA_FILE, SESSION_KEY (the first session key, when none exists
# yet; otherwise random), PARAMETERS (more "Key=Value" overrides for sam
# deploy, e.g. "SyncImageUri=… SyncVpcId=vpc-… SyncSubnetIds=subnet-a,subnet-b AlarmEmail=ops@…").
# The region is config.json's aws_region unless AWS_REGION is set. The AWS CLI and SAM CLI use the
# usual credentials (AWS_PROFILE, …); AWS_ENDPOINT_URL points the CLI steps at an emulator (the
# smoke test runs ensure-secrets and upload-config against moto that way).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"

STACK="${STACK:-ccm}"
ARCH="${ARCH:-arm64}"
CONFIG="${CCM_CONFIG:-config.json}"
SES_CONFIG="${CCM_SES_CONFIG:-SESConfig.json}"
BUILD_DIR="$repo/infra/build"

fail() {
  echo "deploy: $*" >&2
  exit 1
}
say() { echo "deploy: $*" >&2; }

need() {
  command -v "$1" >/dev/null 2>&1 || fail "$1 not found: $2"
}

# A field of config.json (dotted path), or empty.
config_field() {
  python3 -c 'import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    v = v.get(k) if isinstance(v, dict) else None
print(v if isinstance(v, str) else "")' "$CONFIG" "$1"
}

region() {
  local r="${AWS_REGION:-$(config_field aws_region)}"
  [[ -n "$r" ]] || fail "no region: set aws_region in $CONFIG or AWS_REGION"
  echo "$r"
}

bucket() {
  local b
  b="$(config_field s3_config.bucket_name)"
  [[ -n "$b" ]] || fail "$CONFIG has no s3_config.bucket_name (the metadata bucket's name)"
  echo "$b"
}

stack_output() {
  aws cloudformation describe-stacks --region "$(region)" --stack-name "$STACK" \
    --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue | [0]" --output text
}

parameter_exists() {
  aws ssm get-parameter --region "$(region)" --name "$1" >/dev/null 2>&1
}

put_secret() { # name value-or-file:// [--overwrite]
  aws ssm put-parameter --region "$(region)" --name "$1" --type SecureString --key-id "$DATA_KEY" \
    --value="$2" ${3:+"$3"} >/dev/null # "=": a random value may start with '-'
}

random_key() {
  python3 -c 'import secrets; print(secrets.token_urlsafe(48))'
}

ccm() {
  cargo run --quiet -p ccm-cli --bin ccm -- --config "$CONFIG" --ses-config "$SES_CONFIG" "$@"
}

cmd_render() {
  local code_dir="${1:-}"
  mkdir -p "$BUILD_DIR"
  ccm infra render --template infra/template.yaml --out "$BUILD_DIR/template.yaml" ${code_dir:+--code-dir "$code_dir"}
}

cmd_upload_config() {
  need aws "install the AWS CLI (docs/deploy.md, prerequisites)"
  local b
  b="$(bucket)"
  aws s3 cp --region "$(region)" --only-show-errors "$CONFIG" "s3://$b/config/config.json"
  aws s3 cp --region "$(region)" --only-show-errors "$SES_CONFIG" "s3://$b/config/SESConfig.json"
  say "uploaded $CONFIG and $SES_CONFIG to s3://$b/config/"
}

cmd_upload_portal() {
  need aws "install the AWS CLI (docs/deploy.md, prerequisites)"
  local portal distribution
  portal="$(stack_output PortalBucketName)"
  distribution="$(stack_output DistributionId)"
  # no-cache: browsers revalidate (ETag) so a deploy is seen at once; the modules are not fingerprinted.
  aws s3 sync --region "$(region)" --only-show-errors --delete --cache-control no-cache html/ "s3://$portal/"
  aws cloudfront create-invalidation --distribution-id "$distribution" --paths '/*' >/dev/null
  say "uploaded html/ to s3://$portal/ and invalidated CloudFront $distribution"
}

cmd_ensure_secrets() {
  need aws "install the AWS CLI (docs/deploy.md, prerequisites)"
  DATA_KEY="$(stack_output DataKeyArn)"
  local key previous metadata
  key="$(stack_output SessionKeyParameter)"
  previous="$(stack_output SessionKeyPreviousParameter)"
  metadata="$(stack_output SamlIdpMetadataParameter)"
  if parameter_exists "$key"; then
    say "$key exists (rotate with docs/deploy.md, 'Secrets and rotating keys')${SESSION_KEY:+; SESSION_KEY ignored}"
  else
    local value="${SESSION_KEY:-}"
    if [[ -n "$value" ]]; then
      ((${#value} >= 32)) || fail "SESSION_KEY has ${#value} characters; it needs at least 32"
    else
      value="$(random_key)"
    fi
    put_secret "$key" "$value"
    # The previous key starts equal to the current one; rotation moves the current one here.
    parameter_exists "$previous" || put_secret "$previous" "$value"
    say "created $key and $previous"
  fi
  parameter_exists "$previous" || put_secret "$previous" "$(random_key)"
  if [[ -n "${SAML_IDP_METADATA_FILE:-}" ]]; then
    [[ -f "$SAML_IDP_METADATA_FILE" ]] || fail "SAML_IDP_METADATA_FILE=$SAML_IDP_METADATA_FILE is not a file"
    put_secret "$metadata" "file://$SAML_IDP_METADATA_FILE" --overwrite
    say "stored the IdP metadata in $metadata"
  elif ! parameter_exists "$metadata"; then
    say "sign-in needs the IAM Identity Center SAML metadata: rerun with SAML_IDP_METADATA_FILE=path/to/metadata.xml"
  fi
  for optional in GraphClientSecretParameter WebhookSecretParameter TypeformApiTokenParameter; do
    local name
    name="$(stack_output "$optional")"
    parameter_exists "$name" || say "optional secret $name is not set (docs/deploy.md, 'Secrets')"
  done
}

cmd_deploy() {
  need aws "install the AWS CLI (docs/deploy.md, prerequisites)"
  need sam "install the AWS SAM CLI (docs/deploy.md, prerequisites)"
  need python3 "install Python 3"
  [[ -n "${CUSTOMER_ROLE_EXTERNAL_ID:-}" ]] ||
    fail "set CUSTOMER_ROLE_EXTERNAL_ID (the sts:ExternalId every customer role requires; docs/deploy.md)"
  local arch
  case "$ARCH" in
    arm64) arch=arm64 ;;
    x86-64 | x86_64) arch=x86_64 ;;
    *) fail "ARCH=$ARCH: use arm64 or x86-64" ;;
  esac
  ccm config validate
  make package ARCH="$ARCH"
  local target_dir
  target_dir="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
  cmd_render "$target_dir/lambda"
  local b version
  b="$(bucket)"
  version="$(cat "$CONFIG" "$SES_CONFIG" | sha256sum | cut -c1-16)"
  # An update: the new configuration is in place before new execution environments read it.
  if aws s3api head-bucket --bucket "$b" >/dev/null 2>&1; then cmd_upload_config; fi
  # shellcheck disable=SC2086 # PARAMETERS is a list of Key=Value words
  sam deploy --template-file "$BUILD_DIR/template.yaml" --stack-name "$STACK" --region "$(region)" \
    --capabilities CAPABILITY_IAM --resolve-s3 --no-fail-on-empty-changeset \
    --tags "ccm:stack=$STACK" \
    --parameter-overrides "MetadataBucketName=$b" "Architecture=$arch" "ConfigVersion=$version" \
    "CustomerRoleExternalId=$CUSTOMER_ROLE_EXTERNAL_ID" ${PARAMETERS:-}
  cmd_upload_config
  cmd_ensure_secrets
  cmd_upload_portal
  say "done. Portal: $(stack_output PortalUrl)  ACS: $(stack_output SamlAcsUrl)"
  say "customer roles (infra/customer-role.yaml) trust: $(stack_output ProcessorRoleArn)"
}

cmd_destroy() {
  need aws "install the AWS CLI"
  need sam "install the AWS SAM CLI"
  local portal
  portal="$(stack_output PortalBucketName 2>/dev/null || true)"
  if [[ -n "$portal" && "$portal" != "None" ]]; then
    aws s3 rm --region "$(region)" --only-show-errors --recursive "s3://$portal/"
  fi
  sam delete --stack-name "$STACK" --region "$(region)" --no-prompts
  say "stack $STACK deleted. Kept on purpose: the metadata bucket s3://$(bucket) (the data), the access-log"
  say "bucket, the KMS key that encrypts them (alias removed) and the SSM parameters under /ccm/$STACK/."
  say "docs/deploy.md ('Removing everything') says how to delete those too."
}

case "${1:-}" in
  deploy) cmd_deploy ;;
  destroy) cmd_destroy ;;
  render) cmd_render "${2:-}" ;;
  upload-config) cmd_upload_config ;;
  upload-portal) cmd_upload_portal ;;
  ensure-secrets) cmd_ensure_secrets ;;
  *) sed -n '2,21p' "$0" >&2; exit 2 ;;
esac
