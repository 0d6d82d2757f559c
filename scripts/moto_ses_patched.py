#!/usr/bin/env python3
"""moto_server with the SES v2 gaps that break the AWS SDK for Rust closed, for ccm's tests.

Usage (same arguments as moto_server, plus one):

    .venv/bin/python scripts/moto_ses_patched.py -H 127.0.0.1 -p PORT [--exit-on-stdin-eof]

Pinned to moto 5.2.5: the patches replace moto internals, so another version is refused at start
(update the pin and re-check every patch together).

What is patched, and why:

- GetContact, ListContacts, GetContactList, ListContactLists: moto answers ISO-8601 strings for
  CreatedTimestamp/LastUpdatedTimestamp; SES (and so the SDK) uses epoch seconds. Converted.
- ListContacts: moto ignores Filter, PageSize and NextToken. Implemented: a contact matches a
  TopicFilter when its explicit preference for the topic (or, with UseDefaultIfPreferenceUnavailable,
  the topic's default) equals FilteredStatus, UnsubscribeAll counting as OPT_OUT for every topic;
  pages are in e-mail order with an opaque NextToken. TopicDefaultPreferences is filled from the
  list's topics, as SES does.
- GetContact: TopicDefaultPreferences filled the same way.
- GetAccount (not implemented by moto): a production account with SendQuota.MaxSendRate from
  CCM_MOTO_SES_MAX_SEND_RATE (default 14) and Max24HourSend 50000.
- CreateContactList with an existing name: moto silently replaces the list and drops its contacts;
  SES refuses with AlreadyExistsException. Refused.
- CreateContact with an existing address: moto silently replaces the contact (and its
  preferences); SES refuses with AlreadyExistsException. Refused.
- Suppression list (PutSuppressedDestination, GetSuppressedDestination,
  DeleteSuppressedDestination, ListSuppressedDestinations; not implemented by moto): kept per
  account and region, with the Reasons filter and paging (NextToken = the last address, base64).
- Domain identities (moto returns no DKIM tokens and routes none of the identity sub-resources):
  CreateEmailIdentity/GetEmailIdentity for a domain answer three DKIM tokens derived from the
  account and domain (Easy DKIM, status PENDING; a second CreateEmailIdentity is refused with
  AlreadyExistsException, as SES does), with the MAIL FROM attributes and configuration
  set recorded by PutEmailIdentityMailFromAttributes and PutEmailIdentityConfigurationSetAttributes
  (implemented). SES v1 VerifyDomainIdentity/GetIdentityVerificationAttributes answer a
  verification token derived from the account and domain (moto answers one constant token for
  every account).
- GetConfigurationSet: moto answers null or {} for unset options (an empty TrackingOptions lacks
  its required CustomRedirectDomain), and nests SendingOptions under SendingEnabled; the SDK
  cannot read either. Dropped and unnested.
- Configuration set event destinations (Create/Update/GetConfigurationSetEventDestination(s); not
  implemented by moto): kept per account and region.
  What moto does not model (suppression list, MAIL FROM, identity configuration sets, event
  destinations) lives in this wrapper, per account and region; `/moto-api/reset` does not clear it
  (tests use fresh random accounts instead of resetting).
- Read-back: `GET /ccm-moto/ses/sent` lists every message SES accepted with the account and region
  it was sent from (moto's `/moto-api/data.json` has the messages but not their account), and the
  ConfigurationSetName and EmailTags it was sent with (moto drops both).
- SendEmail naming a configuration set the account does not have: moto sends anyway; SES refuses
  with NotFoundException ("Configuration set <name> does not exist."). Refused.
- Test hooks, for failures moto never produces:
  - STS AssumeRole into a role whose name starts with `ccm-denied` answers 403 AccessDenied (moto
    grants any role), so tests can exercise a customer whose role is refused;
  - SES v2 SendEmail to a recipient whose address starts with `ccm-throttle` answers 429
    TooManyRequestsException, and with `ccm-unavailable` 503 ServiceUnavailable; nothing is sent.

--exit-on-stdin-eof: exit as soon as standard input reaches end-of-file. The Rust test harness keeps
the write end of that pipe for its whole life, so the server dies with the test process.
"""

import base64
import datetime
import hashlib
import json
import os
import sys
import threading
from io import BytesIO
from urllib.parse import parse_qs

MOTO_VERSION = "5.2.5"
DENIED_ROLE_PREFIX = "ccm-denied"
SEND_HOOKS = (
    ("ccm-throttle", "429 Too Many Requests", "TooManyRequestsException"),
    ("ccm-unavailable", "503 Service Unavailable", "ServiceUnavailable"),
)
TIMESTAMP_KEYS = ("CreatedTimestamp", "LastUpdatedTimestamp")


def check_moto_version():
    import importlib.metadata

    found = importlib.metadata.version("moto")
    if found != MOTO_VERSION:
        sys.exit(
            f"moto_ses_patched: moto {found} is installed but these patches are written for "
            f"moto {MOTO_VERSION}; run scripts/setup-python.sh"
        )


def to_epoch(value):
    if not isinstance(value, str):
        return value
    parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.timezone.utc)
    return parsed.timestamp()


def with_epoch_timestamps(obj):
    """A copy of a response object with its timestamps as epoch seconds."""
    out = dict(obj)
    for key in TIMESTAMP_KEYS:
        if key in out:
            out[key] = to_epoch(out[key])
    return out


def topic_defaults(contact_list):
    return {
        t["TopicName"]: t.get("DefaultSubscriptionStatus", "OPT_OUT")
        for t in (contact_list.topics or [])
    }


def contact_response(contact, contact_list):
    out = with_epoch_timestamps(contact.response_object)
    out["TopicDefaultPreferences"] = [
        {"TopicName": name, "SubscriptionStatus": status}
        for name, status in topic_defaults(contact_list).items()
    ]
    return out


def topic_status(contact, topic, defaults, use_default):
    """The contact's status for a topic as SES filters it, or None when it has none."""
    if contact.unsubscribe_all:
        return "OPT_OUT"
    for pref in contact.topic_preferences or []:
        if pref.get("TopicName") == topic:
            return pref.get("SubscriptionStatus")
    return defaults.get(topic) if use_default else None


def matches(contact, flt, defaults):
    wanted = flt.get("FilteredStatus")
    topic_filter = flt.get("TopicFilter") or {}
    topic = topic_filter.get("TopicName")
    if topic:
        use_default = topic_filter.get("UseDefaultIfPreferenceUnavailable", False)
        status = topic_status(contact, topic, defaults, use_default)
        return status is not None and (wanted is None or status == wanted)
    if wanted == "OPT_IN":
        return not contact.unsubscribe_all
    if wanted == "OPT_OUT":
        return bool(contact.unsubscribe_all)
    return True


def encode_token(email):
    return base64.urlsafe_b64encode(email.encode()).decode()


def decode_token(token):
    return base64.urlsafe_b64decode(token.encode()).decode()


def patch_sesv2():
    from moto.sesv2.responses import SESV2Response

    def get_contact(self):
        name = self._get_param("ContactListName")
        email = self._get_param("EmailAddress")
        contact_list = self.sesv2_backend.get_contact_list(name)
        contact = contact_list.get_contact(email)
        return json.dumps(contact_response(contact, contact_list))

    def list_contacts(self):
        name = self._get_param("ContactListName")
        params = json.loads(self.body) if self.body else {}
        contact_list = self.sesv2_backend.get_contact_list(name)
        defaults = topic_defaults(contact_list)
        flt = params.get("Filter") or {}
        contacts = sorted(contact_list.contacts.values(), key=lambda c: c.email_address)
        contacts = [c for c in contacts if matches(c, flt, defaults)]
        token = params.get("NextToken")
        if token:
            after = decode_token(token)
            contacts = [c for c in contacts if c.email_address > after]
        page_size = int(params.get("PageSize") or 1000)
        page, rest = contacts[:page_size], contacts[page_size:]
        body = {"Contacts": [contact_response(c, contact_list) for c in page]}
        if rest:
            body["NextToken"] = encode_token(page[-1].email_address)
        return json.dumps(body)

    def get_contact_list(self):
        name = self._get_param("ContactListName")
        contact_list = self.sesv2_backend.get_contact_list(name)
        return json.dumps(with_epoch_timestamps(contact_list.response_object))

    def list_contact_lists(self):
        lists = self.sesv2_backend.list_contact_lists()
        return json.dumps(
            {
                "ContactLists": [
                    {
                        "ContactListName": c.contact_list_name,
                        "LastUpdatedTimestamp": to_epoch(c.last_updated_timestamp),
                    }
                    for c in lists
                ]
            }
        )

    original_create_contact_list = SESV2Response.create_contact_list

    def create_contact_list(self):
        params = json.loads(self.body)
        if params.get("ContactListName") in self.sesv2_backend.core_backend.contacts_lists:
            return json.dumps(
                {"message": f"List with name {params['ContactListName']} already exists."}
            ), {"status": 400, "x-amzn-ErrorType": "AlreadyExistsException"}
        return original_create_contact_list(self)

    original_create_contact = SESV2Response.create_contact

    def create_contact(self):
        name = self._get_param("ContactListName")
        params = json.loads(self.body)
        contact_list = self.sesv2_backend.get_contact_list(name)
        if params.get("EmailAddress") in contact_list.contacts:
            return json.dumps(
                {"message": f"Contact already exists in list {name}."}
            ), {"status": 400, "x-amzn-ErrorType": "AlreadyExistsException"}
        return original_create_contact(self)

    SESV2Response.create_contact = create_contact
    SESV2Response.get_contact = get_contact
    SESV2Response.list_contacts = list_contacts
    SESV2Response.get_contact_list = get_contact_list
    SESV2Response.list_contact_lists = list_contact_lists
    SESV2Response.create_contact_list = create_contact_list


# State moto does not model (suppression list, ...), per (account, region), shared by the
# middleware and the patched responses.
EXTRA_STATE = {}
EXTRA_LOCK = threading.Lock()


def extra_state(account, region, name):
    with EXTRA_LOCK:
        return EXTRA_STATE.setdefault((account, region), {}).setdefault(name, {})


def caller(environ):
    """(account, region) of a SigV4-signed request, as moto derives them."""
    from moto.iam.models import get_account_id_from

    auth = environ.get("HTTP_AUTHORIZATION", "")
    scope = auth.split("Credential=", 1)[-1].split(",", 1)[0].split("/") if "Credential=" in auth else []
    access_key = scope[0] if scope else ""
    region = scope[2] if len(scope) > 2 else "us-east-1"
    return get_account_id_from(access_key), region


def not_found(start_response, message):
    return json_response(start_response, "404 Not Found", {"message": message}, "NotFoundException")


def derived(account, domain, salt, length):
    digest = hashlib.sha256(f"{account}:{domain}:{salt}".encode()).hexdigest()
    return digest[:length]


def dkim_tokens(account, domain):
    return [derived(account, domain, f"dkim{i}", 32) for i in range(3)]


def verification_token(account, domain):
    return base64.b64encode(bytes.fromhex(derived(account, domain, "verify", 64))).decode()


IDENTITY_PREFIX = "/v2/email/identities/"
CONFIG_SET_PREFIX = "/v2/email/configuration-sets/"


def identity_attributes(environ, start_response, method, path, body):
    """PutEmailIdentityMailFromAttributes and PutEmailIdentityConfigurationSetAttributes."""
    from urllib.parse import unquote

    account, region = caller(environ)
    identity, _, kind = path[len(IDENTITY_PREFIX) :].partition("/")
    identity = unquote(identity)
    params = json.loads(body or b"{}")
    if kind == "mail-from":
        extra_state(account, region, "mail_from")[identity] = params
    else:
        extra_state(account, region, "configuration_set")[identity] = params.get("ConfigurationSetName")
    return json_response(start_response, "200 OK", {})


def event_destinations(environ, start_response, method, path, body):
    from urllib.parse import unquote

    account, region = caller(environ)
    parts = [unquote(p) for p in path[len(CONFIG_SET_PREFIX) :].split("/")]
    config_set = parts[0]
    found = extra_state(account, region, "event_destinations").setdefault(config_set, {})
    if method == "GET":
        return json_response(start_response, "200 OK", {"EventDestinations": list(found.values())})
    params = json.loads(body or b"{}")
    if method == "POST":
        name = params["EventDestinationName"]
        if name in found:
            return json_response(
                start_response, "400 Bad Request", {"message": f"{name} exists"}, "AlreadyExistsException"
            )
    else:
        name = parts[2] if len(parts) > 2 else ""
        if name not in found:
            return not_found(start_response, f"event destination {name} does not exist")
    found[name] = {"Name": name, **params.get("EventDestination", {})}
    return json_response(start_response, "200 OK", {})


def patch_domain_identities():
    from moto.core.responses import ActionResult
    from moto.ses.models import SESBackend
    from moto.ses.responses import EmailResponse
    from moto.sesv2.responses import SESV2Response

    def with_domain_details(self, name, out):
        identity = self.sesv2_backend.core_backend.email_identities.get(name)
        if identity is None or identity.identity_type != "DOMAIN":
            return out
        dkim = dict(out.get("DkimAttributes") or {})
        dkim.update(
            {
                "SigningEnabled": True,
                "Status": "PENDING",
                "Tokens": dkim_tokens(self.current_account, name),
                "SigningAttributesOrigin": "AWS_SES",
            }
        )
        dkim.pop("LastKeyGenerationTimestamp", None)
        out["DkimAttributes"] = dkim
        mail_from = extra_state(self.current_account, self.region, "mail_from").get(name)
        if mail_from:
            out["MailFromAttributes"] = {
                "MailFromDomain": mail_from.get("MailFromDomain"),
                "MailFromDomainStatus": "PENDING",
                "BehaviorOnMxFailure": mail_from.get("BehaviorOnMxFailure", "USE_DEFAULT_VALUE"),
            }
        config_set = extra_state(self.current_account, self.region, "configuration_set").get(name)
        if config_set:
            out["ConfigurationSetName"] = config_set
        return out

    original_create = SESV2Response.create_email_identity
    original_get = SESV2Response.get_email_identity

    def create_email_identity(self):
        name = self._get_param("EmailIdentity")
        if name in self.sesv2_backend.core_backend.email_identities:
            return json.dumps({"message": f"{name} already exists"}), {
                "status": 400,
                "x-amzn-ErrorType": "AlreadyExistsException",
            }
        out = json.loads(original_create(self))
        return json.dumps(with_domain_details(self, name, out))

    def get_email_identity(self):
        from urllib.parse import unquote

        name = unquote(self.path.rstrip("/").split("/")[-1])
        result = original_get(self)
        if not isinstance(result, str):
            return result
        return json.dumps(with_domain_details(self, name, json.loads(result)))

    def verify_domain_identity(self):
        domain = self._get_param("Domain")
        self.backend.verify_domain(domain)
        return ActionResult({"VerificationToken": verification_token(self.current_account, domain.lower())})

    original_attributes = SESBackend.get_identity_verification_attributes

    def get_identity_verification_attributes(self, identities=None):
        out = original_attributes(self, identities)
        for name, attrs in out.items():
            if "@" not in name:
                attrs["VerificationToken"] = verification_token(self.account_id, name)
                attrs["VerificationStatus"] = "Pending"
            else:
                attrs.pop("VerificationToken", None)
        return out

    def get_configuration_set(self):
        from urllib.parse import unquote

        name = unquote(self.path.rstrip("/").split("/")[-1])
        config_set = self.sesv2_backend.get_configuration_set(name)
        out = {k: v for k, v in config_set.to_dict_v2().items() if v not in (None, {}, [])}
        # moto nests the whole SendingOptions it was given under SendingEnabled.
        sending = out.get("SendingOptions", {}).get("SendingEnabled")
        if isinstance(sending, dict):
            out["SendingOptions"] = {"SendingEnabled": bool(sending.get("SendingEnabled", True))}
        return json.dumps(out)

    SESV2Response.get_configuration_set = get_configuration_set
    SESV2Response.create_email_identity = create_email_identity
    SESV2Response.get_email_identity = get_email_identity
    EmailResponse.verify_domain_identity = verify_domain_identity
    SESBackend.get_identity_verification_attributes = get_identity_verification_attributes


SUPPRESSION_PATH = "/v2/email/suppression/addresses"


def suppression(environ, start_response, method, path, body):
    """PutSuppressedDestination, GetSuppressedDestination, DeleteSuppressedDestination,
    ListSuppressedDestinations."""
    from urllib.parse import unquote

    account, region = caller(environ)
    entries = extra_state(account, region, "suppressed")
    email = unquote(path[len(SUPPRESSION_PATH) + 1 :]) if len(path) > len(SUPPRESSION_PATH) else None
    if method == "PUT" and email is None:
        params = json.loads(body or b"{}")
        entries[params["EmailAddress"]] = {
            "EmailAddress": params["EmailAddress"],
            "Reason": params["Reason"],
            "LastUpdateTime": datetime.datetime.now(datetime.timezone.utc).timestamp(),
        }
        return json_response(start_response, "200 OK", {})
    if method == "GET" and email is not None:
        if email not in entries:
            return not_found(start_response, f"{email} is not on the suppression list")
        return json_response(start_response, "200 OK", {"SuppressedDestination": entries[email]})
    if method == "DELETE" and email is not None:
        if entries.pop(email, None) is None:
            return not_found(start_response, f"{email} is not on the suppression list")
        return json_response(start_response, "200 OK", {})
    if method == "GET":
        query = parse_qs(environ.get("QUERY_STRING", ""))
        reasons = query.get("Reason") or []
        found = sorted(entries.values(), key=lambda e: e["EmailAddress"])
        found = [e for e in found if not reasons or e["Reason"] in reasons]
        token = (query.get("NextToken") or [None])[0]
        if token:
            after = decode_token(token)
            found = [e for e in found if e["EmailAddress"] > after]
        page_size = int((query.get("PageSize") or ["1000"])[0])
        page, rest = found[:page_size], found[page_size:]
        out = {"SuppressedDestinationSummaries": page}
        if rest:
            out["NextToken"] = encode_token(page[-1]["EmailAddress"])
        return json_response(start_response, "200 OK", out)
    return not_found(start_response, f"{method} {path}")


def account_response():
    rate = float(os.environ.get("CCM_MOTO_SES_MAX_SEND_RATE", "14"))
    return {
        "DedicatedIpAutoWarmupEnabled": False,
        "EnforcementStatus": "HEALTHY",
        "ProductionAccessEnabled": True,
        "SendQuota": {"Max24HourSend": 50000.0, "MaxSendRate": rate, "SentLast24Hours": 0.0},
        "SendingEnabled": True,
    }


def send_with_options(app, environ, start_response, body):
    """SendEmail v2 with ConfigurationSetName and EmailTags: refused when the account has no such
    configuration set (as SES does), else sent by moto and the options kept for the read-back."""
    from moto.ses.models import ses_backends

    account, region = caller(environ)
    try:
        params = json.loads(body or b"{}")
    except ValueError:
        return app(environ, start_response)
    config_set = params.get("ConfigurationSetName")
    if config_set and config_set not in ses_backends[account][region].config_sets:
        return not_found(start_response, f"Configuration set <{config_set}> does not exist.")
    captured = {}

    def capture(status, headers, exc_info=None):
        captured["status"] = status
        return start_response(status, headers, exc_info)

    chunks = list(app(environ, capture))
    if captured.get("status", "").startswith("200"):
        try:
            message_id = json.loads(b"".join(chunks) or b"{}").get("MessageId")
        except ValueError:
            message_id = None
        if message_id:
            tags = {t.get("Name"): t.get("Value") for t in params.get("EmailTags") or []}
            extra_state(account, region, "send_options")[message_id] = {
                "configuration_set": config_set,
                "tags": tags,
            }
    return chunks


def sent_messages():
    from moto.ses.models import Message, RawMessage, ses_backends

    out = []
    for account_id, regions in list(ses_backends.items()):
        for region, backend in list(regions.items()):
            options = extra_state(account_id, region, "send_options")
            for m in list(backend.sent_messages):
                entry = {"account": account_id, "region": region, "id": m.id, "source": m.source}
                entry.update(options.get(m.id, {"configuration_set": None, "tags": {}}))
                if isinstance(m, RawMessage):
                    entry.update(kind="raw", destinations=list(m.destinations), raw_data=m.raw_data)
                elif isinstance(m, Message):
                    dest = m.destinations or {}
                    entry.update(
                        kind="simple",
                        destinations=[
                            *dest.get("ToAddresses", []),
                            *dest.get("CcAddresses", []),
                            *dest.get("BccAddresses", []),
                        ],
                        subject=m.subject,
                        body=m.body,
                    )
                else:
                    entry.update(kind=type(m).__name__, destinations=[])
                out.append(entry)
    return out


def json_response(start_response, status, body, error_type=None):
    payload = json.dumps(body).encode()
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))]
    if error_type:
        headers.append(("x-amzn-ErrorType", error_type))
    start_response(status, headers)
    return [payload]


def denied_assume_role(start_response, role_arn):
    payload = (
        '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
        "<Error><Type>Sender</Type><Code>AccessDenied</Code>"
        f"<Message>Not authorized to perform sts:AssumeRole on {role_arn}</Message></Error>"
        "<RequestId>ccm-moto-denied</RequestId></ErrorResponse>"
    ).encode()
    start_response(
        "403 Forbidden",
        [("Content-Type", "text/xml"), ("Content-Length", str(len(payload)))],
    )
    return [payload]


class Middleware:
    """Answers what moto cannot route (GetAccount), the read-back, and the test hooks."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        method = environ.get("REQUEST_METHOD")
        path = environ.get("PATH_INFO", "")
        if method == "GET" and path == "/ccm-moto/ses/sent":
            return json_response(start_response, "200 OK", {"messages": sent_messages()})
        if path.startswith(IDENTITY_PREFIX) and path.count("/") == 5 and method == "PUT" and (
            path.endswith("/mail-from") or path.endswith("/configuration-set")
        ):
            return identity_attributes(environ, start_response, method, path, self.buffered_body(environ))
        if path.startswith(CONFIG_SET_PREFIX) and "/event-destinations" in path:
            return event_destinations(environ, start_response, method, path, self.buffered_body(environ))
        if path.startswith(SUPPRESSION_PATH):
            return suppression(environ, start_response, method, path, self.buffered_body(environ))
        if method == "GET" and path == "/v2/email/account":
            return json_response(start_response, "200 OK", account_response())
        if method == "POST" and path == "/v2/email/outbound-emails":
            body = self.buffered_body(environ)
            try:
                recipients = json.loads(body or b"{}").get("Destination", {}).get("ToAddresses", [])
            except ValueError:
                recipients = []
            for hook, status, error_type in SEND_HOOKS:
                if any(r.lower().startswith(hook) for r in recipients):
                    return json_response(start_response, status, {"message": hook}, error_type)
            return send_with_options(self.app, environ, start_response, body)
        if method == "POST" and path == "/":
            body = self.buffered_body(environ)
            form = parse_qs(body.decode("utf-8", "replace"))
            if form.get("Action") == ["AssumeRole"]:
                role_arn = (form.get("RoleArn") or [""])[0]
                if role_arn.split("/")[-1].startswith(DENIED_ROLE_PREFIX):
                    return denied_assume_role(start_response, role_arn)
        return self.app(environ, start_response)

    @staticmethod
    def buffered_body(environ):
        """Reads the request body and puts it back for moto."""
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = BytesIO(body)
        return body


def exit_when_stdin_closes():
    def watch():
        try:
            sys.stdin.buffer.read()
        finally:
            os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


def main(argv):
    check_moto_version()
    if "--exit-on-stdin-eof" in argv:
        argv = [a for a in argv if a != "--exit-on-stdin-eof"]
        exit_when_stdin_closes()
    patch_sesv2()
    patch_domain_identities()

    from moto.moto_server import werkzeug_app
    from moto.server import main as moto_main

    original_call = werkzeug_app.DomainDispatcherApplication.__call__

    def patched_call(self, environ, start_response):
        return Middleware(lambda e, s: original_call(self, e, s))(environ, start_response)

    werkzeug_app.DomainDispatcherApplication.__call__ = patched_call
    moto_main(argv)


if __name__ == "__main__":
    main(sys.argv[1:])
