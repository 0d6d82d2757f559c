#!/usr/bin/env python3
"""Creates the translated stack in moto's CloudFormation and checks the data plane as designed.

    moto_smoke.py TRANSLATED.json CONFIG.json

Run with the project's .venv (moto + boto3) by scripts/check-infra.sh, after translate.py. Exits 1
naming every check that failed; a resource missing from the stack is a failure.

What moto's CloudFormation does not apply from a template, this script applies from the same
translated template through the S3 API, as CloudFormation would (bucket notifications, versioning,
public access block); those checks say "applied from the template". The event routing is then
proven by behaviour: a trigger for each customer lands in that customer's queue and no other, the
index prefixes reach the index queue, a logo under customers/ reaches none, and a message received
five times without being deleted moves to its dead-letter queue. The SSM step and the config upload
of scripts/deploy.sh run against the same server with the AWS CLI.
"""

import json
import logging
import os
import re
import socket
import subprocess
import sys
import time
import zipfile
from io import BytesIO
from urllib.parse import unquote_plus

import warnings

import boto3
from moto.cloudformation.parsing import resource_class_from_type
from moto.moto_server.threaded_moto_server import ThreadedMotoServer

warnings.filterwarnings("ignore")  # moto warns about every resource type it skips; for_moto() says which

REGION = "us-east-1"
STACK = "ccm-smoke"
BUCKET = "ccm-smoke-metadata"
ARTIFACTS = "ccm-lambda-artifacts"
REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

failures: list[str] = []
passed = 0


def check(ok: bool, what: str) -> bool:
    global passed
    if ok:
        passed += 1
        print(f"  ok    {what}")
    else:
        failures.append(what)
        print(f"  FAIL  {what}")
    return ok


def camel(code: str) -> str:
    return "".join(p[:1].upper() + p[1:] for p in code.split("-"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bootstrap_zip() -> bytes:
    buf = BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("bootstrap", "#!/bin/sh\n")
    return buf.getvalue()


def references(value) -> set[str]:
    """The logical ids a value refers to (Ref, Fn::GetAtt, ${X} in Fn::Sub)."""
    found: set[str] = set()
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "Ref" and isinstance(v, str):
                found.add(v)
            elif k == "Fn::GetAtt" and isinstance(v, list):
                found.add(v[0])
            elif k == "Fn::Sub":
                text = v if isinstance(v, str) else v[0]
                found |= {m.split(".")[0] for m in re.findall(r"\$\{([^}!]+)\}", text)}
                if not isinstance(v, str):
                    found |= references(v[1])
            else:
                found |= references(v)
    elif isinstance(value, list):
        for v in value:
            found |= references(v)
    return found


def replace_refs(value, old: str, new: str):
    if isinstance(value, dict):
        if value == {"Ref": old}:
            return {"Ref": new}
        return {k: replace_refs(v, old, new) for k, v in value.items()}
    if isinstance(value, list):
        return [replace_refs(v, old, new) for v in value]
    return value


def for_moto(template: dict) -> tuple[dict, list[str]]:
    """The template as moto's CloudFormation can create it, and what was left out (with why).

    moto has no AWS::Lambda::Alias: references to an alias point at its function instead. Types moto
    does not know (CloudFront, Function URLs, alarms, policies, the schedule) are left out, with every
    resource that refers to one; the static checks (cfn-lint, checkov) cover those.
    """
    t = json.loads(json.dumps(template))
    res = t["Resources"]
    notes = []
    for name, r in list(res.items()):
        if r["Type"] == "AWS::Lambda::Alias":
            function = r["Properties"]["FunctionName"]["Ref"]
            t = replace_refs(t, name, function)
            res = t["Resources"]
    dropped = {n: f"{r['Type']} is not in moto's CloudFormation" for n, r in res.items() if not resource_class_from_type(r["Type"])}
    # The bucket's CORS origin is the distribution's domain; the rest of the bucket stays.
    for name, r in res.items():
        props = r.get("Properties", {})
        if "CorsConfiguration" in props and references(props["CorsConfiguration"]) & dropped.keys():
            del props["CorsConfiguration"]
            notes.append(f"{name}: without CorsConfiguration (its origin is the distribution's domain)")
    changed = True
    while changed:
        changed = False
        for name, r in res.items():
            if name in dropped:
                continue
            gone = references({k: v for k, v in r.items() if k != "DependsOn"}) & dropped.keys()
            if gone:
                dropped[name] = f"refers to {sorted(gone)[0]}"
                changed = True
    for name in dropped:
        del res[name]
    for r in res.values():
        if "DependsOn" in r:
            deps = [d for d in ([r["DependsOn"]] if isinstance(r["DependsOn"], str) else r["DependsOn"]) if d not in dropped]
            r["DependsOn"] = deps
    t["Outputs"] = {k: v for k, v in t.get("Outputs", {}).items() if not references(v) & dropped.keys()}
    notes += [f"{n}: {why}" for n, why in sorted(dropped.items())]
    return t, notes


class Stack:
    def __init__(self, session: boto3.Session, template: dict):
        self.template = template
        self.cfn = session.client("cloudformation")
        self.sqs = session.client("sqs")
        self.resources: dict[str, str] = {}

    def create(self, parameters: dict[str, str]) -> None:
        emulated, notes = for_moto(self.template)
        print(f"  not emulated here ({len(notes)}; cfn-lint and checkov check them):")
        for note in notes:
            print(f"    {note}")
        self.cfn.create_stack(
            StackName=STACK,
            TemplateBody=json.dumps(emulated),
            Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
            Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"],
        )
        status = self.cfn.describe_stacks(StackName=STACK)["Stacks"][0]["StackStatus"]
        check(status == "CREATE_COMPLETE", f"the stack is created ({status})")
        for r in self.cfn.list_stack_resources(StackName=STACK)["StackResourceSummaries"]:
            self.resources[r["LogicalResourceId"]] = r["PhysicalResourceId"]

    def physical(self, logical: str) -> str | None:
        return self.resources.get(logical)

    def queue_arn(self, logical: str) -> str:
        url = self.resources[logical]
        return self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    def resolve(self, value):
        """Fn::GetAtt [Queue, Arn] and Ref, as CloudFormation resolves them, for what the bucket names."""
        if isinstance(value, dict) and "Fn::GetAtt" in value:
            logical, attribute = value["Fn::GetAtt"]
            if attribute != "Arn":
                raise ValueError(f"unexpected GetAtt {value}")
            return self.queue_arn(logical)
        if isinstance(value, dict) and "Ref" in value:
            return self.resources[value["Ref"]]
        if isinstance(value, dict):
            return {k: self.resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        return value


def drain(sqs, url: str) -> list[dict]:
    """Every message now on the queue (received, then deleted), test events excluded."""
    out = []
    for _ in range(10):
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
        if not got:
            break
        for m in got:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
            body = json.loads(m["Body"])
            if body.get("Event") != "s3:TestEvent":
                out.append(body)
    return out


def keys_of(messages: list[dict]) -> list[str]:
    return [unquote_plus(r["s3"]["object"]["key"]) for m in messages for r in m.get("Records", [])]


def check_resources(stack: Stack, session: boto3.Session, customers: list[str]) -> None:
    print("resources")
    t = stack.template["Resources"]
    for logical in ["MetadataBucket", "PortalBucket", "IndexTable", "IndexQueue", "IndexDeadLetterQueue",
                    "ApiFunction", "AuthFunction", "ProcessorFunction", "IndexerFunction", "RemindersFunction", "RemindersRole",
                    "ProcessorRole", "DataKey"]:
        check(stack.physical(logical) is not None, f"{logical} exists")
    check(stack.physical("MetadataBucket") == BUCKET, "the metadata bucket has the configured name")

    s3 = session.client("s3")
    enc = s3.get_bucket_encryption(Bucket=BUCKET)["ServerSideEncryptionConfiguration"]["Rules"][0]
    check(enc["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms", "the metadata bucket is encrypted with KMS")

    ddb = session.client("dynamodb").describe_table(TableName=stack.physical("IndexTable"))["Table"]
    check(ddb["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}], "the index table's key is id (S), no sort key")
    gsis = {g["IndexName"]: g for g in ddb.get("GlobalSecondaryIndexes", [])}
    feed = gsis.get("feed", {})
    check(
        feed.get("KeySchema") == [{"AttributeName": "feed", "KeyType": "HASH"}, {"AttributeName": "seq", "KeyType": "RANGE"}]
        and feed.get("Projection", {}).get("ProjectionType") == "ALL",
        "the index table has the GSI feed (feed S, seq N), projection ALL",
    )
    types = {a["AttributeName"]: a["AttributeType"] for a in ddb["AttributeDefinitions"]}
    check(types == {"id": "S", "feed": "S", "seq": "N"}, f"attribute types {types}")
    check(ddb.get("BillingModeSummary", {}).get("BillingMode") == "PAY_PER_REQUEST", "the index table is PAY_PER_REQUEST")
    props = t["IndexTable"]["Properties"]
    check(props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True, "the template enables point-in-time recovery")
    check(props["SSESpecification"]["SSEEnabled"] is True, "the template encrypts the table (SSE)")

    sqs = session.client("sqs")
    for queue, dlq in [("IndexQueue", "IndexDeadLetterQueue"), ("FeedbackQueue", "FeedbackDeadLetterQueue")] + [(f"Customer{camel(c)}Queue", f"Customer{camel(c)}DeadLetterQueue") for c in customers]:
        if not check(stack.physical(queue) is not None and stack.physical(dlq) is not None, f"{queue} and {dlq} exist"):
            continue
        attrs = sqs.get_queue_attributes(QueueUrl=stack.physical(queue), AttributeNames=["All"])["Attributes"]
        redrive = json.loads(attrs.get("RedrivePolicy", "{}"))
        check(redrive.get("deadLetterTargetArn") == stack.queue_arn(dlq) and int(redrive.get("maxReceiveCount", 0)) == 5,
              f"{queue} redrives to {dlq} after 5 receives")

    lam = session.client("lambda")
    mappings = lam.list_event_source_mappings()["EventSourceMappings"]
    processor = stack.physical("ProcessorFunction")
    for c in customers:
        arn = stack.queue_arn(f"Customer{camel(c)}Queue")
        ms = [m for m in mappings if m["EventSourceArn"] == arn]
        check(len(ms) == 1 and processor in ms[0]["FunctionArn"], f"customer {c}'s queue feeds the processor (one mapping)")
        declared = t[f"Customer{camel(c)}EventSourceMapping"]["Properties"]
        check(declared["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
              and declared["ScalingConfig"]["MaximumConcurrency"] == {"Ref": "ProcessorMaxConcurrencyPerQueue"},
              f"customer {c}'s mapping reports batch item failures with a maximum concurrency (template)")
    check(sum(1 for m in mappings if stack.physical("IndexerFunction") in m["FunctionArn"]) == 1, "the index queue feeds the indexer")
    feedback = [m for m in mappings if m["EventSourceArn"] == stack.queue_arn("FeedbackQueue")]
    check(len(feedback) == 1 and processor in feedback[0]["FunctionArn"], "the feedback queue feeds the processor (one mapping)")
    check_feedback(stack, session)

    env = lam.get_function_configuration(FunctionName=stack.physical("ApiFunction"))["Environment"]["Variables"]
    check(env.get("CCM_BUCKET") == BUCKET and env.get("CCM_INDEX_TABLE") == stack.physical("IndexTable"),
          "ccm-api is told the bucket and the table")
    check(env.get("CCM_CONFIG") == f"s3://{BUCKET}/config/config.json", "ccm-api reads config.json from the bucket")


def check_feedback(stack: Stack, session: boto3.Session) -> None:
    """The feedback topic delivers an SES event to the feedback queue, in SNS's envelope, and only
    the customer accounts' SES may publish to it (the template's policy)."""
    sns, sqs = session.client("sns"), session.client("sqs")
    topic = stack.physical("FeedbackTopic")
    if not check(topic is not None, "FeedbackTopic exists"):
        return
    # moto's CloudFormation skips AWS::SNS::Subscription: check what the template declares and make
    # that subscription here, as the stack would.
    declared = stack.template["Resources"]["FeedbackSubscription"]["Properties"]
    check(declared == {"TopicArn": {"Ref": "FeedbackTopic"}, "Protocol": "sqs", "Endpoint": {"Fn::GetAtt": ["FeedbackQueue", "Arn"]}},
          "the template subscribes the feedback queue to the feedback topic")
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=stack.queue_arn("FeedbackQueue"))
    # moto would invoke the processor through Docker for the message; this test reads the queue.
    lam = session.client("lambda")
    for m in lam.list_event_source_mappings()["EventSourceMappings"]:
        if m["EventSourceArn"] == stack.queue_arn("FeedbackQueue"):
            lam.update_event_source_mapping(UUID=m["UUID"], Enabled=False)
    event = {"eventType": "Bounce", "mail": {"messageId": "smoke-1", "destination": ["bounce@simulator.amazonses.com"]},
             "bounce": {"bounceType": "Permanent", "bouncedRecipients": [{"emailAddress": "bounce@simulator.amazonses.com"}]}}
    sns.publish(TopicArn=topic, Message=json.dumps(event))
    got = drain(sqs, stack.physical("FeedbackQueue"))
    bodies = got
    check(len(bodies) == 1 and bodies[0].get("Type") == "Notification" and json.loads(bodies[0]["Message"]) == event,
          "an SES event published to the topic arrives on the feedback queue in SNS's envelope")
    policy = stack.template["Resources"]["FeedbackTopicPolicy"]["Properties"]["PolicyDocument"]["Statement"][0]
    accounts = policy["Condition"]["StringEquals"]["aws:SourceAccount"]
    check(policy["Principal"] == {"Service": "ses.amazonaws.com"} and isinstance(accounts, list) and len(accounts) > 0,
          "only SES on behalf of the customer accounts may publish to the feedback topic (template)")


def check_routing(stack: Stack, session: boto3.Session, customers: list[str]) -> None:
    print("event routing (applied from the template, then exercised)")
    s3, sqs = session.client("s3"), session.client("sqs")
    # moto would invoke the functions through Docker for every message; this test reads the queues.
    lam = session.client("lambda")
    for m in lam.list_event_source_mappings()["EventSourceMappings"]:
        lam.update_event_source_mapping(UUID=m["UUID"], Enabled=False)
    bucket = stack.template["Resources"]["MetadataBucket"]["Properties"]
    notifications = stack.resolve(bucket["NotificationConfiguration"])
    queue_configs = [
        {"QueueArn": q["Queue"], "Events": [q["Event"]],
         **({"Filter": {"Key": {"FilterRules": q["Filter"]["S3Key"]["Rules"]}}} if "Filter" in q else {})}
        for q in notifications["QueueConfigurations"]
    ]
    s3.put_bucket_notification_configuration(Bucket=BUCKET, NotificationConfiguration={"QueueConfigurations": queue_configs})
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration=bucket["VersioningConfiguration"])
    s3.put_public_access_block(Bucket=BUCKET, PublicAccessBlockConfiguration=bucket["PublicAccessBlockConfiguration"])
    check(s3.get_bucket_versioning(Bucket=BUCKET).get("Status") == "Enabled", "the metadata bucket is versioned")
    check(all(s3.get_public_access_block(Bucket=BUCKET)["PublicAccessBlockConfiguration"].values()), "public access is blocked")
    expiring = {r.get("Prefix") for r in bucket["LifecycleConfiguration"]["Rules"] if "ExpirationInDays" in r}
    check(expiring == {"ledger/", "versions/", "deleted/"}, f"ledger/, versions/, deleted/ expire (template: {sorted(expiring)})")

    queues = {c: stack.physical(f"Customer{camel(c)}Queue") for c in customers}
    index = stack.physical("IndexQueue")
    for url in list(queues.values()) + [index]:
        drain(sqs, url)
    for c in customers:
        s3.put_object(Bucket=BUCKET, Key=f"customers/{c}/CHG-smoke.json", Body=b"{}")
    s3.put_object(Bucket=BUCKET, Key=f"customers/{customers[0]}/logo.svg", Body=b"<svg/>")
    for prefix in ["archive", "drafts", "results", "deleted"]:
        s3.put_object(Bucket=BUCKET, Key=f"{prefix}/CHG-smoke.json", Body=b"{}")
    for c, url in queues.items():
        got = keys_of(drain(sqs, url))
        check(got == [f"customers/{c}/CHG-smoke.json"], f"customer {c}'s queue gets its trigger and nothing else ({got})")
    # The reminder sweep's hand-off: a reminder trigger reaches its customer's queue like any trigger.
    for c in customers:
        s3.put_object(Bucket=BUCKET, Key=f"customers/{c}/reminders/CHG-smoke/v2/reminder.json", Body=b"{}")
    for c, url in queues.items():
        got = keys_of(drain(sqs, url))
        check(got == [f"customers/{c}/reminders/CHG-smoke/v2/reminder.json"], f"customer {c}'s queue gets its reminder triggers ({got})")
    got = sorted(keys_of(drain(sqs, index)))
    check(got == sorted(f"{p}/CHG-smoke.json" for p in ["archive", "deleted", "drafts", "results"]),
          f"the index queue gets archive/, drafts/, results/, deleted/ ({got})")

    # The redrive policy as SQS applies it: five receives without a delete, then the dead-letter queue.
    c = customers[0]
    s3.put_object(Bucket=BUCKET, Key=f"customers/{c}/CHG-poison.json", Body=b"{}")
    url = queues[c]
    for _ in range(5):
        for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1).get("Messages", []):
            sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0)
    check(not sqs.receive_message(QueueUrl=url).get("Messages"), "after five receives the message leaves the queue")
    dead = keys_of(drain(sqs, stack.physical(f"Customer{camel(c)}DeadLetterQueue")))
    check(dead == [f"customers/{c}/CHG-poison.json"], f"... and waits in customer {c}'s dead-letter queue ({dead})")


def check_deploy_steps(stack: Stack, session: boto3.Session, endpoint: str, config_path: str) -> None:
    print("deploy steps of scripts/deploy.sh against the emulator")
    metadata = os.path.join(REPO, ".tmp", "infra", "idp-metadata.xml")
    with open(metadata, "w", encoding="utf-8") as f:
        f.write("<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" entityID=\"https://idp.test\"/>")
    # The operator's config.json names the metadata bucket: here, the smoke stack's.
    with open(config_path, encoding="utf-8") as f:
        config = json.load(f)
    config.setdefault("s3_config", {})["bucket_name"] = BUCKET
    smoke_config = os.path.join(REPO, ".tmp", "infra", "config.json")
    with open(smoke_config, "w", encoding="utf-8") as f:
        json.dump(config, f)
    # A session key that starts with '-' (as token_urlsafe's may): the CLI must not take it for an option.
    session_key = "-" + "k" * 47
    env = dict(os.environ, STACK=STACK, AWS_REGION=REGION, AWS_ENDPOINT_URL=endpoint, CCM_CONFIG=smoke_config,
               SAML_IDP_METADATA_FILE=metadata, SESSION_KEY=session_key)
    for step in ["ensure-secrets", "upload-config"]:
        run = subprocess.run([os.path.join(REPO, "scripts", "deploy.sh"), step], env=env, capture_output=True, text=True)
        check(run.returncode == 0, f"deploy.sh {step} succeeds" + ("" if run.returncode == 0 else f": {run.stderr.strip()}"))
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.cfn.describe_stacks(StackName=STACK)["Stacks"][0].get("Outputs", [])}
    ssm = session.client("ssm")
    for output in ["SessionKeyParameter", "SessionKeyPreviousParameter", "SamlIdpMetadataParameter"]:
        name = outputs.get(output, "")
        try:
            p = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]
            check(p["Type"] == "SecureString" and len(p["Value"]) >= 32 or output == "SamlIdpMetadataParameter",
                  f"{name} is a SecureString ({output})")
            if output != "SamlIdpMetadataParameter":
                check(p["Value"] == session_key, f"{name} holds SESSION_KEY, leading '-' and all")
        except Exception as e:  # noqa: BLE001 - any failure is the check failing
            check(False, f"{output} {name!r} exists: {e}")
    names = set(outputs.values())
    lam = session.client("lambda")
    for fn in ["ApiFunction", "AuthFunction", "ProcessorFunction", "IndexerFunction"]:
        env_vars = lam.get_function_configuration(FunctionName=stack.physical(fn))["Environment"]["Variables"]
        for k, v in env_vars.items():
            if k.endswith("_PARAMETER"):
                check(v in names, f"{fn} {k}={v} is a parameter the stack names in its outputs")
    s3 = session.client("s3")
    for key in ["config/config.json", "config/SESConfig.json"]:
        try:
            s3.head_object(Bucket=BUCKET, Key=key)
            check(True, f"s3://{BUCKET}/{key} uploaded")
        except Exception as e:  # noqa: BLE001
            check(False, f"s3://{BUCKET}/{key} uploaded: {e}")


def main(translated: str, config_path: str) -> None:
    with open(translated, encoding="utf-8") as f:
        template = json.load(f)
    with open(config_path, encoding="utf-8") as f:
        customers = sorted(json.load(f)["customer_mappings"])
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    logging.getLogger("moto").setLevel(logging.ERROR)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION=REGION,
                      AWS_ENDPOINT_URL=endpoint)
    os.environ.pop("AWS_PROFILE", None)
    try:
        session = boto3.Session(region_name=REGION)
        s3 = session.client("s3")
        s3.create_bucket(Bucket=ARTIFACTS)
        for name, r in template["Resources"].items():
            if r["Type"] == "AWS::Lambda::Function":
                s3.put_object(Bucket=ARTIFACTS, Key=r["Properties"]["Code"]["S3Key"], Body=bootstrap_zip())
        stack = Stack(session, template)
        started = time.monotonic()
        stack.create({"MetadataBucketName": BUCKET, "CustomerRoleExternalId": "ccm-smoke-external-id"})
        print(f"  (created in {time.monotonic() - started:.1f} s: {len(stack.resources)} resources of "
              f"{len(template['Resources'])} in the template; moto skips the types it does not know)")
        check_resources(stack, session, customers)
        check_routing(stack, session, customers)
        check_deploy_steps(stack, session, endpoint, config_path)
    finally:
        server.stop()
    print(f"{passed} passed, {len(failures)} failed")
    if failures:
        sys.exit(1)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    main(sys.argv[1], sys.argv[2])
