"""S3 + STS for the Pail local stack: moto 5.2.5 in-process, wrapped to behave like AWS
where a browser app notices the difference (see stack/README.md, "Adapter patches").

    stack/.venv/bin/python stack/s3/adapter.py

S3 on 127.0.0.1:$S3_PORT (path-style, us-east-1), STS query API on 127.0.0.1:$STS_PORT.
At start-up it provisions each setup (`setups()`: the main one, the second configuration when
IDP2_ISSUER is set, and the deliberately broken ones): bucket, CORS rules, the IAM OIDC
provider for the IdP and the role users assume; then it turns moto's IAM checks on. One log
line per request.
"""
import base64
import binascii
import hashlib
import hmac
import io
import json
import os
import re
import secrets
import signal
import sys
import threading
import time
import traceback
from datetime import datetime, timedelta, timezone
from http import HTTPStatus
from pathlib import Path
from urllib.parse import parse_qs, parse_qsl, quote, unquote, urlparse
from xml.etree import ElementTree
from xml.sax.saxutils import escape

os.environ["MOTO_DISABLE_GLOBAL_CORS"] = "true"  # stock moto echoes any Origin; CORS is ours

import jwt  # noqa: E402  (PyJWT)
from botocore.auth import S3SigV4Auth  # noqa: E402
from botocore.awsrequest import AWSRequest  # noqa: E402
from botocore.credentials import Credentials  # noqa: E402
import requests  # noqa: E402
import moto  # noqa: E402
from moto import settings  # noqa: E402
from moto.core.authorization import ActionAuthenticatorMixin  # noqa: E402
from moto.iam.access_control import IAMPolicy, IAMPolicyStatement, IAMRequestBase, PermissionResult  # noqa: E402
from moto.iam.models import iam_backends  # noqa: E402
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app  # noqa: E402
from moto.s3.exceptions import PreconditionFailed  # noqa: E402
from moto.s3.models import s3_backends  # noqa: E402
from moto.s3.responses import ACTION_MAP as S3_ACTION_MAP, S3Response  # noqa: E402
from moto.sts.models import sts_backends  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

HERE = Path(__file__).resolve().parent
ACCOUNT, PARTITION, REGION = "123456789012", "aws", "us-east-1"
ROLE_NAME = "pail-web-user"
MAX_SKEW = timedelta(minutes=15)


class Config:
    s3_port = int(os.environ.get("S3_PORT", 9000))
    sts_port = int(os.environ.get("STS_PORT", 9001))
    issuer = os.environ.get("IDP_ISSUER", f"http://127.0.0.1:{os.environ.get('IDP_PORT', 9090)}").rstrip("/")
    issuer_host = issuer.split("://", 1)[-1]  # IAM's name for an OIDC provider: URL without scheme
    client_id = os.environ.get("IDP_CLIENT_ID", "pail-local")
    bucket = os.environ.get("PAIL_BUCKET", "pail-demo")
    prefix = os.environ.get("PAIL_PREFIX", "users/{sub}/")
    # The second configuration (stack/up sets IDP2_ISSUER when IDP2_PORT is set).
    issuer2 = os.environ.get("IDP2_ISSUER", "").rstrip("/") or None
    client2_id = os.environ.get("IDP2_CLIENT_ID", "pail-second")
    bucket2 = os.environ.get("PAIL_BUCKET2", "pail-second")
    versioned_bucket = os.environ.get("PAIL_VERSIONED_BUCKET", "pail-versioned")
    prefix2 = os.environ.get("PAIL_PREFIX2", "home/{sub}/")
    metadata_keys = os.environ.get("PAIL_METADATA_KEYS", "description").replace(",", " ").split()
    origins = [o.strip() for o in os.environ.get("PAIL_STACK_ORIGINS", "http://127.0.0.1:8080,http://127.0.0.1:8765").split(",") if o.strip()]
    sts_min_duration = int(os.environ.get("PAIL_STS_MIN_DURATION", 900))
    stack_dir = Path(os.environ.get("PAIL_STACK_DIR", HERE.parent.parent / "target" / "stack"))


C = Config
SESSIONS = {}  # access key id -> {"vars": policy variables from the ID token, "sub": ...}
_REQUEST = threading.local()  # .ctx: condition keys / policy variables of the request being authorised


def log(msg):
    print(msg, flush=True)


def request_id():
    return secrets.token_hex(8).upper()


def utcnow():
    return datetime.now(timezone.utc).replace(tzinfo=None)  # moto keeps naive UTC datetimes


# ---------------------------------------------------------------- provisioning

LIST_PLACEHOLDERS = {"@ORIGINS@": lambda: C.origins,
                     "@METADATA_HEADERS@": lambda: [f"x-amz-meta-{k}" for k in C.metadata_keys]}


def expand_lists(obj):
    """A list element "@ORIGINS@" stands for all PAIL_STACK_ORIGINS, "@METADATA_HEADERS@" for
    x-amz-meta-<key> of each PAIL_METADATA_KEYS."""
    return {k: [o for x in v for o in (LIST_PLACEHOLDERS[x]() if isinstance(x, str) and x in LIST_PLACEHOLDERS else [x])] if isinstance(v, list) else v
            for k, v in obj.items()}


def render(name, values):
    """Fill the @PLACEHOLDER@s of stack/s3/<name> (the documents the README, the CloudFormation
    template and the app's setup doctor use too)."""
    text = (HERE / name).read_text()
    for key, value in values.items():
        text = text.replace(f"@{key}@", value)
    return json.loads(text, object_hook=expand_lists)


def in_effect(name, doc):
    """Write a document as applied to $PAIL_STACK_DIR/policies/<name>, to see what is in effect."""
    (C.stack_dir / "policies").mkdir(parents=True, exist_ok=True)
    (C.stack_dir / "policies" / name).write_text(json.dumps(doc, indent=2) + "\n")
    return doc


class Setup:
    """One deployment of the app against this stack: an IdP client, a role, a bucket, a prefix.
    `cors` and `policy` say how the bucket's CORS rules and the role's permission policy differ
    from the documents (deliberately broken setups, for the setup doctor's tests)."""

    def __init__(self, name, role, issuer, client_id, bucket, prefix, cors="full", policy="full", owns_bucket=True,
                 versioned=False):
        self.name, self.role, self.issuer, self.client_id = name, role, issuer, client_id
        self.bucket, self.prefix, self.cors, self.policy, self.owns_bucket = bucket, prefix, cors, policy, owns_bucket
        self.versioned = versioned

    def values(self):
        host = self.issuer.split("://", 1)[-1]
        return dict(ACCOUNT_ID=ACCOUNT, ISSUER_HOST=host, CLIENT_ID=self.client_id, BUCKET=self.bucket,
                    HOME=self.prefix.replace("{sub}", "${" + host + ":sub}"))


def setups():
    main = Setup("main", ROLE_NAME, C.issuer, C.client_id, C.bucket, C.prefix)
    out = [main]
    if C.issuer2:
        out.append(Setup("second", "pail-second-user", C.issuer2, C.client2_id, C.bucket2, C.prefix2))
    # The main setup's documents on a bucket that keeps versions (object versions in the app).
    out.append(Setup("versioned", "pail-versioned-user", C.issuer, C.client_id, C.versioned_bucket, C.prefix,
                     versioned=True))
    # Each differs from the main setup in exactly one way (stack/README.md, "Broken setups").
    out += [
        Setup("nocors", "pail-nocors-user", C.issuer, C.client_id, "pail-nocors", C.prefix, cors="none"),
        Setup("noetag", "pail-noetag-user", C.issuer, C.client_id, "pail-noetag", C.prefix, cors="no-etag"),
        Setup("nolist", "pail-nolist-user", C.issuer, C.client_id, C.bucket, C.prefix, policy="no-list", owns_bucket=False),
    ]
    return out


def provision_setup(setup):
    values = setup.values()
    named = (lambda n: n) if setup.name == "main" else (lambda n: f"{setup.name}-{n}")
    s3 = s3_backends[ACCOUNT][PARTITION]
    if setup.owns_bucket:
        s3.create_bucket(setup.bucket, REGION)
        if setup.versioned:
            s3.put_bucket_versioning(setup.bucket, "Enabled")
        rules = render("bucket-cors.json", values)["CORSRules"]
        if setup.cors == "no-etag":
            rules = [{**r, "ExposeHeaders": [h for h in r["ExposeHeaders"] if h.lower() != "etag"]} for r in rules]
        elif setup.cors == "none":
            rules = []
        in_effect(named("bucket-cors.json"), {"CORSRules": rules})
        if rules:
            s3.put_bucket_cors(setup.bucket, [{  # moto wants the XML-shaped (singular) field names
                "AllowedOrigin": r["AllowedOrigins"], "AllowedMethod": r["AllowedMethods"],
                "AllowedHeader": r.get("AllowedHeaders", []), "ExposeHeader": r.get("ExposeHeaders", []),
                "MaxAgeSeconds": str(r.get("MaxAgeSeconds", 0)),
            } for r in rules])
    iam = iam_backends[ACCOUNT][PARTITION]
    if oidc_provider_for(setup.issuer) is None:
        iam.create_open_id_connect_provider(setup.issuer, [], [setup.client_id], [])
    trust = in_effect(named("trust-policy.json"), render("trust-policy.json", values))
    role = iam.create_role(setup.role, json.dumps(trust), "/", None, f"Pail browser users (web identity), setup {setup.name}", [], "3600")
    permissions = render("permission-policy.json", values)
    if setup.policy == "no-list":
        permissions["Statement"] = [st for st in permissions["Statement"] if st["Action"] != "s3:ListBucket"]
    in_effect(named("permission-policy.json"), permissions)
    policy = iam.create_policy(f"Pail users ({setup.name}): own prefix only", "/", json.dumps(permissions), f"{setup.role}-s3", [])
    iam.attach_role_policy(policy.arn, setup.role)
    return role


def provision():
    for setup in setups():
        provision_setup(setup)
    settings.INITIAL_NO_AUTH_ACTION_COUNT = 0  # IAM checks ON from here (same as POST /moto-api/reset-auth 0)
    ActionAuthenticatorMixin.request_count = 0


# ---------------------------------------------------------------- IAM policy evaluation (moto patches)

def pattern_regex(pattern, ctx, wildcards=True):
    """IAM pattern -> regex: `*`/`?` wildcards (Like/ARN matching only), `${var}` from ctx
    inserted literally. None if a variable is unknown (the element then matches nothing)."""
    out = []
    for tok in re.split(r"(\$\{[^}]*\}|\*|\?)", pattern):
        if tok.startswith("${") and tok.endswith("}"):
            name = tok[2:-1]
            value = name if name in ("*", "?", "$") else ctx.get(name.lower())
            if value is None or isinstance(value, list):
                return None
            out.append(re.escape(value))
        elif wildcards and tok in ("*", "?"):
            out.append(".*" if tok == "*" else ".")
        else:
            out.append(re.escape(tok))
    return re.compile("".join(out), re.S)


def matches(pattern, value, ctx, wildcards=True):
    rx = pattern_regex(pattern, ctx, wildcards)
    return bool(rx and rx.fullmatch(value))


CONDITION_OPS = {"StringEquals": (False, False), "StringNotEquals": (False, True),
                 "StringLike": (True, False), "StringNotLike": (True, True)}


def conditions_hold(condition, ctx, effect="Allow"):
    """Evaluate a Condition block against ctx (lower-cased keys). An operator this does not know
    fails safe: an Allow statement does not apply, a Deny statement does."""
    for op, pairs in (condition or {}).items():
        base, if_exists = (op[:-8], True) if op.endswith("IfExists") else (op, False)
        if base not in CONDITION_OPS:
            log(f"adapter: condition operator {op} not supported, treated as {effect == 'Deny'}")
            if effect != "Deny":
                return False
            continue
        like, negate = CONDITION_OPS[base]
        for key, expected in pairs.items():
            actual = ctx.get(key.lower())
            if actual is None:
                if if_exists or negate:
                    continue
                return False
            expected = expected if isinstance(expected, list) else [expected]
            actual = actual if isinstance(actual, list) else [actual]
            hit = any(matches(e, a, ctx, like) for e in expected for a in actual)
            if hit == negate:
                return False
    return True


def _match_with_variables(pattern, string):
    # Gap: moto's _match turns the pattern into a regex unescaped ("." and "+" are regex
    # syntax, a login name like "a.*" would widen access) and never substitutes ${...}
    # policy variables, so `users/${issuer:sub}/*` matched nobody.
    rx = pattern_regex(pattern, getattr(_REQUEST, "ctx", None) or {})
    return rx.fullmatch(string) if rx else None  # moto tests the result with `is not None`


def _statement_is_action_permitted(self, action, resource="*", principal=None, incoming_condition_values=None):
    # Gap: moto evaluates Condition only from the request's ExternalId (everything else is
    # treated as satisfied) and turns a failed condition into an explicit DENY. Here: every
    # condition key is looked up in the request context; a failed condition means "statement
    # does not apply" (NEUTRAL), as in IAM. NotResource is honoured (moto allowed everything).
    st = self._statement
    if "NotAction" in st:
        concerned = not self._check_element_matches("NotAction", action)
    else:
        concerned = self._check_element_matches("Action", action)
    if not concerned or self.is_unknown_principal(st.get("Principal")):
        return PermissionResult.NEUTRAL
    if principal and not self._check_principal(principal):
        return PermissionResult.DENIED  # unchanged moto behaviour (trust policies of sts:AssumeRole)
    ctx = dict(getattr(_REQUEST, "ctx", None) or {})
    ctx.update({k.lower(): v for k, v in (incoming_condition_values or {}).items()})
    if not conditions_hold(st.get("Condition"), ctx, st.get("Effect")):
        return PermissionResult.NEUTRAL
    if "NotResource" in st and self._check_element_matches("NotResource", resource):
        return PermissionResult.NEUTRAL
    if st.get("Resource") and not self._check_element_matches("Resource", resource):
        return PermissionResult.NEUTRAL
    return PermissionResult.PERMITTED if st["Effect"] == "Allow" else PermissionResult.DENIED


_orig_check_action_permitted = IAMRequestBase.check_action_permitted


def _check_action_permitted_in_context(self, resource):
    # Gap: moto has no request context for policies. Provide the web identity claims of the
    # session (${issuer:sub}, ${issuer:aud}) and, for S3, s3:prefix/delimiter/max-keys taken
    # from the real query string (moto's self._data falls back to the *headers* when there is
    # no query, so a "prefix" header could otherwise pose as s3:prefix).
    ctx = dict(SESSIONS.get(getattr(self._access_key, "_access_key_id", ""), {}).get("vars", {}))
    if self._service == "s3":
        query = parse_qs(urlparse(self._path).query, keep_blank_values=True)
        ctx.update({f"s3:{k}": query[k][0] for k in ("prefix", "delimiter", "max-keys") if k in query})
    _REQUEST.ctx = ctx
    saved = self._action
    try:
        for action, arn in s3_authorisation_checks(self, resource):
            self._action = action
            _orig_check_action_permitted(self, arn)
        if self._service == "s3" and saved in ("s3:GetObject", "s3:GetObjectVersion") and "/" in resource.split(":::", 1)[-1]:
            _REQUEST.may_list = may_list_bucket(self, resource.split(":::", 1)[1].split("/", 1)[0])
    finally:
        _REQUEST.ctx, self._action = None, saved


def may_list_bucket(iam_request, bucket):
    """Whether the caller holds s3:ListBucket on the bucket for a request that names no prefix,
    as a GET or HEAD of an object does (so a ListBucket conditioned on s3:prefix does not count).
    Gap: AWS answers a missing key 404 only to such a caller, 403 AccessDenied to everyone else
    (S3 API reference, GetObject/HeadObject "Permissions"); moto always answers 404."""
    saved = _REQUEST.ctx
    _REQUEST.ctx = {k: v for k, v in (saved or {}).items() if not k.startswith("s3:")}
    try:
        permitted = False
        for policy in iam_request._access_key.collect_policies():
            result = IAMPolicy(policy).is_action_permitted("s3:ListBucket", f"arn:aws:s3:::{bucket}")
            if result == PermissionResult.DENIED:
                return False
            permitted = permitted or result == PermissionResult.PERMITTED
        return permitted
    finally:
        _REQUEST.ctx = saved


def s3_authorisation_checks(iam_request, resource):
    """The (action, resource) pairs AWS authorises for this request; moto checks only the first
    of them, which misses:
    - CopyObject/UploadPartCopy: s3:GetObject on the copy source (else alice copies bob's files),
      s3:GetObjectVersion when it names a version;
    - DeleteObjects (POST ?delete): s3:DeleteObject on every listed key, not on the bucket ARN
      (a prefix-scoped user could never multi-delete). Here any denied key denies the request."""
    checks = [(iam_request._action, resource)]
    if iam_request._service != "s3":
        return checks
    source = iam_request._headers.get("x-amz-copy-source")
    if source and iam_request._action == "s3:PutObject":
        # A copy of one version reads it with s3:GetObjectVersion, as AWS authorises it.
        read = "s3:GetObjectVersion" if "?versionId=" in source else "s3:GetObject"
        checks.append((read, "arn:aws:s3:::" + unquote(source.split("?versionId=")[0]).lstrip("/")))
    elif iam_request._action == "s3:DeleteObject" and "/" not in resource.split(":::", 1)[1] and "delete" in parse_qs(
            urlparse(iam_request._path).query, keep_blank_values=True):
        try:
            keys = [el.text or "" for el in ElementTree.fromstring(iam_request._body).iter() if el.tag.split("}")[-1] == "Key"]
        except ElementTree.ParseError:
            keys = []
        checks = [("s3:DeleteObject", f"{resource}/{key}") for key in keys] or checks
    return checks


def _with_copy_source_if_match(handler):
    """Gap: moto checks x-amz-copy-source-if-none-match but ignores x-amz-copy-source-if-match,
    so a copy guarded by the ETag the client saw went through after a concurrent change. As S3
    does: 412 PreconditionFailed when the source's ETag differs. Runs inside moto's handler,
    after its IAM check (an outsider gets AccessDenied, not a hint about the ETag)."""
    def guarded(self):
        wanted = self.headers.get("x-amz-copy-source-if-match")
        if wanted:
            source = self.headers.get("x-amz-copy-source")
            parsed = urlparse(source.decode() if isinstance(source, bytes) else source)
            bucket, key = unquote(parsed.path).lstrip("/").split("/", 1)
            version = parse_qs(parsed.query).get("versionId", [None])[0]
            current = s3_backends[ACCOUNT][PARTITION].get_object(bucket, key, version_id=version)
            etags = [e.strip().strip('"') for e in wanted.split(",")]
            if current is not None and "*" not in etags and current.etag.strip('"') not in etags:
                raise PreconditionFailed("x-amz-copy-source-If-Match")
        return handler(self)
    return guarded


def install_moto_patches():
    S3Response.copy_object = _with_copy_source_if_match(S3Response.copy_object)
    S3Response.upload_part_copy = _with_copy_source_if_match(S3Response.upload_part_copy)
    # Gap: moto authorises HEAD ?versionId as s3:GetObject; AWS wants s3:GetObjectVersion (as
    # moto already does for GET ?versionId).
    S3_ACTION_MAP["KEY"]["HEAD"]["versionId"] = "GetObjectVersion"
    IAMPolicyStatement._match = staticmethod(_match_with_variables)
    IAMPolicyStatement.is_action_permitted = _statement_is_action_permitted
    IAMRequestBase.check_action_permitted = _check_action_permitted_in_context
    assert moto.__version__ == "5.2.5", f"these patches target moto 5.2.5, found {moto.__version__}"


# ---------------------------------------------------------------- HTTP helpers

class Reply(Exception):
    """Raised to answer a request directly: (status, headers, body)."""

    def __init__(self, status, body=b"", headers=None):
        super().__init__(status)
        self.status, self.body, self.headers = status, body, dict(headers or {})


def s3_error(status, code, message, **extra):
    fields = "".join(f"<{k}>{escape(str(v))}</{k}>" for k, v in extra.items())
    body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{escape(message)}</Message>'
            f"{fields}<RequestId>{request_id()}</RequestId><HostId>pail-local</HostId></Error>")
    return Reply(status, body.encode(), {"Content-Type": "application/xml"})


def sts_error(code, message, status=400):
    rid = request_id()
    kind = "Receiver" if status >= 500 else "Sender"
    body = (f'<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>{kind}</Type>'
            f"<Code>{code}</Code><Message>{escape(message)}</Message></Error><RequestId>{rid}</RequestId></ErrorResponse>")
    return Reply(status, body.encode(), {"Content-Type": "text/xml", "x-amzn-RequestId": rid})


def read_body(environ):
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def header(environ, name):
    key = name.upper().replace("-", "_")
    return environ.get(key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else "HTTP_" + key)


def access_key_of(environ):
    m = re.search(r"Credential=([A-Z0-9]+)/", header(environ, "Authorization") or "")
    return m.group(1) if m else None


def call_moto(app, environ):
    captured = {}

    def start_response(status, headers, exc_info=None):
        captured["status"], captured["headers"] = int(status.split()[0]), headers

    chunks = app(environ, start_response)
    try:
        body = b"".join(chunks)
    finally:
        getattr(chunks, "close", lambda: None)()
    return captured["status"], [(k, v) for k, v in captured["headers"] if not k.lower().startswith("access-control-")], body


# ---------------------------------------------------------------- signed-request checks moto skips

def clock_shift(environ):
    """How far this answer's server clock is ahead of the real one (the `clock` knob)."""
    return timedelta(seconds=environ.get("pail.clock_offset", 0))


def received_at(environ):
    """When the request arrived (its headers), which is when AWS checks credentials and expiry —
    not when a large body has finished arriving."""
    return environ.get("pail.received_at") or utcnow()


def check_signed_request(environ, body, error):
    """Session expiry, clock skew and payload hash: AWS checks these, moto does not."""
    key = access_key_of(environ)
    if not key:
        raise error(403, "AccessDenied", "Access Denied (request is not signed with AWS Signature Version 4)")
    role = sts_backends[ACCOUNT][PARTITION].get_assumed_role_from_access_key(key)
    if role and received_at(environ) >= role.expiration:
        raise error(400, "ExpiredToken", "The provided token has expired.")
    stamp = header(environ, "X-Amz-Date")
    try:
        signed_at = datetime.strptime(stamp or "", "%Y%m%dT%H%M%SZ")
    except ValueError:
        raise error(403, "AccessDenied", "AWS authentication requires a valid Date or x-amz-date header")
    server_now = utcnow() + clock_shift(environ)
    # A presigned request's time is checked against its X-Amz-Expires window instead
    # (presigned_to_header_auth), as S3 does; its header form here was signed just now.
    if not environ.get("pail.presigned") and abs(server_now - signed_at) > MAX_SKEW:
        raise error(403, "RequestTimeTooSkewed", "The difference between the request time and the current time is too large.",
                    RequestTime=stamp, ServerTime=server_now.strftime("%Y-%m-%dT%H:%M:%SZ"), MaxAllowedSkewMilliseconds=900000)
    claimed = header(environ, "X-Amz-Content-SHA256")
    if claimed is not None and re.fullmatch(r"[0-9a-fA-F]{64}", claimed) and claimed.lower() != hashlib.sha256(body).hexdigest():
        raise error(400, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not match what was computed.",
                    ClientComputedContentSHA256=claimed, S3ComputedContentSHA256=hashlib.sha256(body).hexdigest())


class UnsignedPayloadAuth(S3SigV4Auth):
    """Header-form SigV4 with `UNSIGNED-PAYLOAD`, as the presigned request itself was signed:
    hashing each (possibly large) body once more would only slow uploads down."""

    def _should_sha256_sign_payload(self, request):
        return False


def presigned_to_header_auth(environ, body):
    """Gap: with IAM checks on, moto answers every presigned URL with 500 (it reads the
    Authorization header). Verify the query-string signature here (SigV4, X-Amz-Expires), then
    give moto the same request signed with the same credentials in the usual header form, so
    its signature and policy checks run unchanged."""
    params = parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    q = dict(params)
    if "X-Amz-Signature" not in q or header(environ, "Authorization"):
        return
    try:
        assert q["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
        key_id, scope = q["X-Amz-Credential"].split("/", 1)
        signed_at, expires = datetime.strptime(q["X-Amz-Date"], "%Y%m%dT%H%M%SZ"), int(q["X-Amz-Expires"])
        signed_headers = q["X-Amz-SignedHeaders"]
        assert 1 <= expires <= 604800
    except (AssertionError, KeyError, ValueError):
        raise s3_error(400, "AuthorizationQueryParametersError", "Query-string authentication requires X-Amz-Algorithm=AWS4-HMAC-SHA256, "
                       "X-Amz-Credential, X-Amz-Date, X-Amz-Expires (1..604800), X-Amz-SignedHeaders and X-Amz-Signature")
    role = sts_backends[ACCOUNT][PARTITION].get_assumed_role_from_access_key(key_id)
    if role is None or q.get("X-Amz-Security-Token") != role.session_token:
        raise s3_error(403, "InvalidAccessKeyId" if role is None else "InvalidToken", "Unknown access key or session token")
    if received_at(environ) + clock_shift(environ) > signed_at + timedelta(seconds=expires):
        raise s3_error(403, "AccessDenied", "Request has expired", XAmzExpires=expires, Expires=str(signed_at + timedelta(seconds=expires)))
    path = (environ.get("RAW_URI") or environ.get("PATH_INFO", "/")).split("?", 1)[0]
    enc = lambda v: quote(v, safe="-_.~")  # noqa: E731
    canonical = "\n".join([
        environ["REQUEST_METHOD"], path,
        "&".join(f"{enc(k)}={enc(v)}" for k, v in sorted(params) if k != "X-Amz-Signature"),
        "".join(f"{h}:{' '.join((header(environ, h) or '').split())}\n" for h in signed_headers.split(";")),
        signed_headers, "UNSIGNED-PAYLOAD"])
    to_sign = "\n".join(["AWS4-HMAC-SHA256", q["X-Amz-Date"], scope, hashlib.sha256(canonical.encode()).hexdigest()])
    signing_key = ("AWS4" + role.secret_access_key).encode()
    for part in scope.split("/"):
        signing_key = hmac.new(signing_key, part.encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(hmac.new(signing_key, to_sign.encode(), hashlib.sha256).hexdigest(), q["X-Amz-Signature"]):
        raise s3_error(403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided.")
    rest = "&".join(f"{enc(k)}={enc(v)}" for k, v in params if not k.startswith("X-Amz-"))
    request = AWSRequest(method=environ["REQUEST_METHOD"], url=f"http://{environ['HTTP_HOST']}{path}" + (f"?{rest}" if rest else ""), data=body)
    UnsignedPayloadAuth(Credentials(key_id, role.secret_access_key, role.session_token), "s3", scope.split("/")[1]).add_auth(request)
    environ.update(QUERY_STRING=rest, RAW_URI=path + (f"?{rest}" if rest else ""), **{"pail.presigned": True})
    for name in ("Authorization", "X-Amz-Date", "X-Amz-Security-Token", "X-Amz-Content-SHA256"):
        environ["HTTP_" + name.upper().replace("-", "_")] = request.headers[name]


# ---------------------------------------------------------------- S3 CORS (from the bucket's rules)

def origin_allowed(origin, allowed):
    return any(matches(a, origin, {}) for a in allowed)


def bucket_cors_rules(bucket_name):
    try:
        return s3_backends[ACCOUNT][PARTITION].get_bucket(bucket_name).cors
    except Exception:
        return None


def rule_headers(rule, origin):
    headers = {"Access-Control-Allow-Origin": "*" if rule.allowed_origins == ["*"] else origin,
               "Access-Control-Allow-Methods": ", ".join(rule.allowed_methods)}
    if rule.exposed_headers:
        headers["Access-Control-Expose-Headers"] = ", ".join(rule.exposed_headers)
    if rule.max_age_seconds:
        headers["Access-Control-Max-Age"] = str(rule.max_age_seconds)
    if headers["Access-Control-Allow-Origin"] != "*":
        headers["Access-Control-Allow-Credentials"] = "true"
    return headers


def s3_preflight(environ, bucket_name):
    # Gap: moto runs its ACL/IAM check before the OPTIONS branch (preflights to existing
    # objects got 403, or 500 with IAM on) and applies every rule instead of the first match.
    origin, method = header(environ, "Origin"), header(environ, "Access-Control-Request-Method")
    if not origin or not method:
        raise s3_error(400, "BadRequest", "Insufficient information. Origin request header needed.")
    requested = [h.strip().lower() for h in (header(environ, "Access-Control-Request-Headers") or "").split(",") if h.strip()]
    rules = bucket_cors_rules(bucket_name) if bucket_name else None
    if not rules:
        raise s3_error(403, "AccessForbidden", "CORSResponse: CORS is not enabled for this bucket.", Method=method, ResourceType="BUCKET")
    for rule in rules:
        if (origin_allowed(origin, rule.allowed_origins) and method in rule.allowed_methods
                and all(any(matches(a.lower(), h, {}) for a in rule.allowed_headers or []) for h in requested)):
            headers = rule_headers(rule, origin)
            headers["Vary"] = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"
            if requested:
                headers["Access-Control-Allow-Headers"] = ", ".join(requested)
            raise Reply(200, b"", headers)
    raise s3_error(403, "AccessForbidden", "CORSResponse: This CORS request is not allowed. This is usually because the evalution of "
                   "Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted "
                   "by the resource's CORS spec.", Method=method, ResourceType="OBJECT")


def s3_cors_headers(environ):
    # Gap: moto adds Expose-Headers on some responses only (not HEAD) and its global CORS
    # echoed any origin. Here: the first rule matching origin + method, on every response
    # (errors included, so the app can read an AccessDenied).
    origin, bucket_name = header(environ, "Origin"), environ.get("PATH_INFO", "/").lstrip("/").split("/", 1)[0]
    for rule in (bucket_cors_rules(bucket_name) or []) if origin and bucket_name else []:
        if origin_allowed(origin, rule.allowed_origins) and environ["REQUEST_METHOD"] in rule.allowed_methods:
            headers = rule_headers(rule, origin)
            if "Access-Control-Expose-Headers" in headers and Knobs.hides_etag(s3_operation(environ)[1]):
                # Test knob: as if the rule did not list ETag (see Knobs).
                headers["Access-Control-Expose-Headers"] = ", ".join(
                    h for h in rule.exposed_headers if h.lower() != "etag")
            return list(headers.items()) + [("Vary", "Origin")]
    return [("Vary", "Origin")] if origin else []


# ---------------------------------------------------------------- STS: AssumeRoleWithWebIdentity

class Issuer:
    """JWKS of one OIDC issuer, found through its discovery document. PyJWKClient caches the
    keys and refetches once when a token names an unknown kid."""
    _cache, _lock = {}, threading.Lock()

    @classmethod
    def jwks_client(cls, iss):
        with cls._lock:
            if iss not in cls._cache:
                try:
                    doc = requests.get(f"{iss}/.well-known/openid-configuration", timeout=5).json()
                except Exception as e:
                    raise sts_error("IDPCommunicationError", f"Couldn't retrieve verification key from your identity provider: {e}")
                cls._cache[iss] = jwt.PyJWKClient(doc["jwks_uri"], cache_keys=True, lifespan=300, timeout=5)
            return cls._cache[iss]


def oidc_provider_for(iss):
    iam = iam_backends[ACCOUNT][PARTITION]
    host = iss.split("://", 1)[-1].rstrip("/")
    return next((p for p in iam.open_id_providers.values() if p.url.rstrip("/") == host), None)


def validate_web_identity_token(token):
    """Signature (RS256 only) against the issuer's JWKS, registered issuer, aud, exp/nbf/iat."""
    try:
        head, unverified = jwt.get_unverified_header(token), jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as e:
        raise sts_error("InvalidIdentityToken", f"The web identity token is not a valid JWT: {e}")
    if head.get("alg") != "RS256":
        raise sts_error("InvalidIdentityToken", f"Unsupported token signing algorithm: {head.get('alg')}")
    iss = str(unverified.get("iss", ""))
    provider = oidc_provider_for(iss) if iss.startswith(("https://", "http://")) else None
    if provider is None:
        raise sts_error("InvalidIdentityToken", f"No OpenIDConnect provider found in your account for {iss}")
    client = Issuer.jwks_client(iss)
    try:
        key = client.get_signing_key(head["kid"]).key if head.get("kid") else client.get_signing_keys()[0].key
    except jwt.PyJWKClientConnectionError as e:
        raise sts_error("IDPCommunicationError", f"Couldn't retrieve verification key from your identity provider: {e}")
    except (jwt.PyJWKClientError, IndexError):
        raise sts_error("InvalidIdentityToken", "Couldn't verify the token: no matching signing key in the provider's JWKS")
    try:
        return provider, jwt.decode(token, key, algorithms=["RS256"], audience=provider.client_id_list, issuer=iss,
                                    options={"require": ["exp", "iat", "iss", "aud", "sub"]}, leeway=5)
    except jwt.ExpiredSignatureError:
        raise sts_error("ExpiredTokenException", "Token expired: current date/time must be before the expiration date/time.")
    except jwt.InvalidAudienceError:
        raise sts_error("InvalidIdentityToken", "Incorrect token audience")
    except jwt.PyJWTError as e:
        raise sts_error("InvalidIdentityToken", f"The web identity token is not valid: {e}")


def trust_allows(role, provider, ctx):
    """The role's trust policy for sts:AssumeRoleWithWebIdentity by this Federated provider."""
    allowed = False
    for st in json.loads(role.assume_role_policy_document).get("Statement", []):
        actions = st.get("Action", [])
        federated = (st.get("Principal") or {}).get("Federated", [])
        if not any(matches(a, "sts:AssumeRoleWithWebIdentity", {}) for a in (actions if isinstance(actions, list) else [actions])):
            continue
        if provider.arn not in (federated if isinstance(federated, list) else [federated]):
            continue
        if not conditions_hold(st.get("Condition"), ctx, st.get("Effect")):
            continue
        if st.get("Effect") == "Deny":
            return False
        allowed = True
    return allowed


def assume_role_with_web_identity(params):
    role_arn, session_name = params.get("RoleArn", ""), params.get("RoleSessionName", "")
    if not re.fullmatch(r"[\w+=,.@-]{2,64}", session_name):
        raise sts_error("ValidationError", f"1 validation error detected: Value '{session_name}' at 'roleSessionName' failed to satisfy "
                        r"constraint: Member must satisfy regular expression pattern: [\w+=,.@-]* and have length 2..64")
    if "Policy" in params or any(k.startswith("PolicyArns") for k in params):
        raise sts_error("ValidationError", "Session policies (Policy, PolicyArns) are not supported by the Pail local stack")
    try:
        role = iam_backends[ACCOUNT][PARTITION].get_role_by_arn(role_arn)
    except Exception:
        raise sts_error("AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity", 403)
    max_duration = int(role.max_session_duration or 3600)
    try:
        duration = int(params.get("DurationSeconds") or 3600)
    except ValueError:
        raise sts_error("ValidationError", "DurationSeconds must be an integer")
    if duration < C.sts_min_duration:
        raise sts_error("ValidationError", f"1 validation error detected: Value '{duration}' at 'durationSeconds' failed to satisfy "
                        f"constraint: Member must have value greater than or equal to {C.sts_min_duration}")
    if duration > max_duration:
        raise sts_error("ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
    provider, claims = validate_web_identity_token(params.get("WebIdentityToken", ""))
    aud = claims["aud"] if isinstance(claims["aud"], str) else next(a for a in claims["aud"] if a in provider.client_id_list)
    variables = {f"{provider.url}:sub": claims["sub"], f"{provider.url}:aud": aud, f"{provider.url}:iss": claims["iss"]}
    variables = {k.lower(): str(v) for k, v in variables.items()}
    if not trust_allows(role, provider, variables):
        raise sts_error("AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity", 403)
    session = sts_backends[ACCOUNT][PARTITION].assume_role_with_web_identity(
        region_name=REGION, role_session_name=session_name, role_arn=role_arn, policy=None, duration=duration, external_id=None)
    SESSIONS[session.access_key_id] = {"vars": variables, "sub": claims["sub"], "iss": claims["iss"]}
    rid = request_id()
    body = f"""<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <SubjectFromWebIdentityToken>{escape(str(claims["sub"]))}</SubjectFromWebIdentityToken>
    <Audience>{escape(aud)}</Audience>
    <AssumedRoleUser><Arn>{escape(session.arn)}</Arn><AssumedRoleId>{escape(session.user_id)}</AssumedRoleId></AssumedRoleUser>
    <Credentials>
      <AccessKeyId>{session.access_key_id}</AccessKeyId>
      <SecretAccessKey>{escape(session.secret_access_key)}</SecretAccessKey>
      <SessionToken>{escape(session.session_token)}</SessionToken>
      <Expiration>{(session.expiration + Knobs.clock_for(sub=claims["sub"])).strftime("%Y-%m-%dT%H:%M:%SZ")}</Expiration>
    </Credentials>
    <Provider>{escape(provider.url)}</Provider>
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata><RequestId>{rid}</RequestId></ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>"""
    log(f"sts: AssumeRoleWithWebIdentity sub={claims['sub']} -> {session.access_key_id} for {duration}s")
    return 200, [("Content-Type", "text/xml"), ("x-amzn-RequestId", rid)], body.encode()


def sts_cors_headers(environ):
    origin, preflight = header(environ, "Origin"), environ["REQUEST_METHOD"] == "OPTIONS"
    if not origin or origin not in C.origins:
        return []
    headers = [("Access-Control-Allow-Origin", origin), ("Vary", "Origin")]
    if preflight:
        headers += [("Access-Control-Allow-Methods", "POST, GET, OPTIONS"), ("Access-Control-Max-Age", "3000"),
                    ("Access-Control-Allow-Headers", header(environ, "Access-Control-Request-Headers") or "*")]
    else:
        headers.append(("Access-Control-Expose-Headers", "x-amz-request-id, x-amzn-requestid"))
    return headers


# ---------------------------------------------------------------- flexible checksums (what moto skips)

def query_param(environ, name):
    values = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True).get(name)
    return values[0] if values else None


def s3_operation(environ):
    """(operation, key, part number) of an S3 request, for checksums, counters and faults."""
    method = environ["REQUEST_METHOD"]
    # PEP 3333: PATH_INFO is the URL-decoded path with its bytes as latin-1 characters.
    path = environ.get("PATH_INFO", "/").encode("latin-1").decode("utf-8", "replace")
    key = path.lstrip("/").split("/", 1)[1] if "/" in path.lstrip("/") else ""
    q = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    part = int(q["partNumber"][0]) if q.get("partNumber", [""])[0].isdigit() else None
    if not key:
        if method == "POST" and "delete" in q:
            return "DeleteObjects", "", None
        return ("ListMultipartUploads" if method == "GET" and "uploads" in q else "Bucket"), "", None
    if method == "PUT" and "uploadId" in q and part is not None:
        return "UploadPart", key, part
    if method == "PUT" and not header(environ, "x-amz-copy-source"):
        return "PutObject", key, None
    if method == "POST" and "uploads" in q:
        return "CreateMultipartUpload", key, None
    if method == "POST" and "uploadId" in q:
        return "CompleteMultipartUpload", key, None
    if method == "GET" and "uploadId" in q:
        return "ListParts", key, None
    if method == "DELETE" and "uploadId" in q:
        return "AbortMultipartUpload", key, None
    return method, key, None


def _crc32c(data):
    try:
        import crc32c  # optional, as for moto
        return crc32c.crc32c(data).to_bytes(4, "big")
    except ImportError:
        return None


CHECKSUM_FUNCTIONS = {
    "CRC32": lambda b: binascii.crc32(b).to_bytes(4, "big"),
    "CRC32C": _crc32c,
    "SHA1": lambda b: hashlib.sha1(b).digest(),
    "SHA256": lambda b: hashlib.sha256(b).digest(),
}


def verify_checksum(environ, body):
    """Gap: moto stores whatever `x-amz-checksum-<algorithm>` the client sends. AWS recomputes it
    and refuses a mismatch with BadDigest. AWS also infers the algorithm from the header alone
    (a presigned request carries no x-amz-sdk-checksum-algorithm); moto needs the latter to
    store the checksum with the object. Returns (algorithm, value) or None."""
    for algorithm, compute in CHECKSUM_FUNCTIONS.items():
        claimed = header(environ, f"x-amz-checksum-{algorithm.lower()}")
        if claimed is None:
            continue
        digest = compute(body)
        if digest is None:
            log(f"adapter: cannot verify {algorithm} (module missing); accepted unchecked")
        elif base64.b64encode(digest).decode() != claimed.strip():
            raise s3_error(400, "BadDigest", f"The {algorithm} you specified did not match the calculated checksum.")
        environ.setdefault("HTTP_X_AMZ_SDK_CHECKSUM_ALGORITHM", algorithm)
        return algorithm, claimed.strip()
    return None


class PartChecksums:
    """Gap: moto neither keeps a part's checksum nor lists it (ListParts `ChecksumCRC32`), and it
    never compares the checksums CompleteMultipartUpload names. Kept here per upload and part."""
    _lock, _parts = threading.Lock(), {}

    @classmethod
    def store(cls, upload_id, part, checksum):
        with cls._lock:
            cls._parts.setdefault(upload_id, {})[part] = checksum

    @classmethod
    def of(cls, upload_id):
        with cls._lock:
            return dict(cls._parts.get(upload_id, {}))

    @classmethod
    def forget(cls, upload_id):
        with cls._lock:
            cls._parts.pop(upload_id, None)

    @classmethod
    def add_to_list_parts(cls, upload_id, xml):
        # Gap: moto names the root element ListPartsResponse; S3's is ListPartsResult, and the
        # Rust SDK refuses anything else.
        xml = re.sub(rb"<(/?)ListPartsResponse\b", rb"<\1ListPartsResult", xml)
        stored = cls.of(upload_id)

        def add(match):
            block = match.group(0)
            number = re.search(rb"<PartNumber>(\d+)</PartNumber>", block)
            checksum = stored.get(int(number.group(1))) if number else None
            if not checksum:
                return block
            algorithm, value = checksum
            return block.replace(b"</Part>", f"<Checksum{algorithm}>{value}</Checksum{algorithm}></Part>".encode())
        return re.sub(rb"<Part>.*?</Part>", add, xml, flags=re.S)


class Initiated:
    """Gap: moto lists every multipart upload as initiated on 2010-11-10T20:48:33Z. The real
    time is noted when the upload is created and put into ListMultipartUploads."""
    _lock, _times = threading.Lock(), {}

    @classmethod
    def note(cls, xml):
        found = re.search(rb"<UploadId>([^<]+)</UploadId>", xml)
        if found:
            with cls._lock:
                cls._times[found.group(1)] = utcnow().strftime("%Y-%m-%dT%H:%M:%S.000Z").encode()

    @classmethod
    def fill_in(cls, xml):
        def fix(match):
            block = match.group(0)
            upload_id = re.search(rb"<UploadId>([^<]+)</UploadId>", block)
            with cls._lock:
                when = cls._times.get(upload_id.group(1)) if upload_id else None
            return re.sub(rb"<Initiated>[^<]*</Initiated>", b"<Initiated>" + when + b"</Initiated>", block) if when else block
        return re.sub(rb"<Upload>.*?</Upload>", fix, xml, flags=re.S)


def verify_complete(environ, bucket_name, body):
    """CompleteMultipartUpload as AWS checks it: each named part's checksum must be the stored
    one (else InvalidPart), and a whole-object checksum sent with it must match the parts —
    FULL_OBJECT: the checksum of all the bytes; COMPOSITE: the checksum of the parts' checksums,
    `-<count>` appended."""
    upload_id = query_param(environ, "uploadId")
    try:
        upload = s3_backends[ACCOUNT][PARTITION].get_bucket(bucket_name).multiparts[upload_id]
        listed = ElementTree.fromstring(body)
    except Exception:
        return  # moto answers NoSuchUpload / MalformedXML itself
    stored = PartChecksums.of(upload_id)
    named = []
    for el in listed.iter():
        if el.tag.split("}")[-1] != "Part":
            continue
        fields = {c.tag.split("}")[-1]: (c.text or "").strip() for c in el}
        number = int(fields.get("PartNumber", "0") or 0)
        named.append(number)
        for algorithm in CHECKSUM_FUNCTIONS:
            given = fields.get(f"Checksum{algorithm}")
            if given and stored.get(number) != (algorithm, given):
                raise s3_error(400, "InvalidPart", "One or more of the specified parts could not be found. The part may not "
                               "have been uploaded, or the specified checksum may not match the part's checksum.")
    for algorithm, compute in CHECKSUM_FUNCTIONS.items():
        claimed = header(environ, f"x-amz-checksum-{algorithm.lower()}")
        if claimed is None or any(n not in upload.parts for n in named):
            continue
        kind = (header(environ, "x-amz-checksum-type") or upload.metadata.get("x-amz-checksum-type") or "COMPOSITE").upper()
        if kind == "FULL_OBJECT":
            if algorithm != "CRC32":
                continue  # only CRC32 is combined here
            crc = 0
            for n in named:
                crc = binascii.crc32(upload.parts[n].value, crc)
            expected = base64.b64encode(crc.to_bytes(4, "big")).decode()
        else:
            digests = [compute(upload.parts[n].value) for n in named]
            if any(d is None for d in digests):
                continue
            expected = f"{base64.b64encode(compute(b''.join(digests))).decode()}-{len(named)}"
        if claimed.strip() != expected:
            raise s3_error(400, "BadDigest", f"The {algorithm} you specified did not match the calculated checksum.")


def delete_objects_faults(bucket, body):
    """Keys of a DeleteObjects request that have a DeleteObjects fault knob, each with its
    fault and its stored versions. The request goes to moto as signed (moto checks the
    signature over the body); the caller puts these keys back afterwards and reports them in
    the answer's <Error> list, as S3 does for a key it could not delete."""
    store = s3_backends[ACCOUNT][PARTITION].get_bucket(bucket).keys
    failed = []
    for key in re.findall(r"<Key>(.*?)</Key>", body.decode("utf-8", "replace")):
        raw = key.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&apos;", "'").replace("&amp;", "&")
        fault = Knobs.take(raw, "DeleteObjects")
        if fault:
            failed.append((raw, fault, list(store.getlist(raw, []))))
    return failed


# ---------------------------------------------------------------- test knobs (loopback only)

KNOBS_PATH = "/__pail/"


class Knobs:
    """Behaviour the tests switch on over HTTP, each scoped to one key (or key prefix) so that
    tests running one after another do not see each other's: make the next UploadPart of a key
    fail, slow a key's requests down, count the requests a key got, hide `ETag` from the
    browser under a prefix (a bucket whose CORS rules do not expose it). Not AWS: never expose
    this port beyond loopback."""
    _lock = threading.Lock()
    faults, delays, counters, etag_hidden, clocks = [], [], {}, set(), []
    # STS outages: the next AssumeRoleWithWebIdentity calls with a subject's token fail.
    sts_faults = []

    @classmethod
    def count(cls, key, operation, part, what):
        if not key:
            return
        with cls._lock:
            slot = cls.counters.setdefault(key, {}).setdefault(operation, {}).setdefault(str(part or 0), {})
            slot[what] = slot.get(what, 0) + 1

    @classmethod
    def apply(cls, key, operation, part):
        with cls._lock:
            fault = next((f for f in cls.faults if f["key"] == key and f["operation"] == operation
                          and f.get("part") in (None, part) and f["remaining"] > 0), None)
            if fault:
                fault["remaining"] -= 1
            delay = next((d for d in cls.delays if key.startswith(d["prefix"]) and d["operation"] in (operation, "*")), None)
        if delay:
            time.sleep(delay["seconds"])
        if fault:
            log(f"adapter: knob: failing {operation} {key} part {part} with {fault['code']}")
            raise s3_error(fault["status"], fault["code"], fault["message"])

    @classmethod
    def clock_for(cls, path="", sub=None):
        """The server clock's shift for an S3 key or listing prefix, or an STS subject."""
        with cls._lock:
            seconds = next((c["seconds"] for c in cls.clocks
                            if (sub is not None and c["sub"] == sub) or (sub is None and path.startswith(c["prefix"]))), 0)
        return timedelta(seconds=seconds)

    @classmethod
    def take(cls, key, operation):
        """The next fault for `key` and `operation`, used up; None if there is none."""
        with cls._lock:
            fault = next((f for f in cls.faults if f["key"] == key and f["operation"] == operation
                          and f["remaining"] > 0), None)
            if fault:
                fault["remaining"] -= 1
        return fault

    @classmethod
    def hides_etag(cls, key):
        with cls._lock:
            return any(key.startswith(p) for p in cls.etag_hidden)


def knob_app(environ):
    """POST /__pail/faults {"key", "operation" (UploadPart), "part"?, "count" (1), "status" (500),
         "code" (InternalError), "message"?}       the next matching requests fail
         With "operation": "DeleteObjects", the key is left out of the DeleteObjects request
         that lists it and reported as not deleted (S3 answers that request per key).
    POST /__pail/delays {"prefix", "operation" (UploadPart, or "*"), "seconds"}
    GET  /__pail/counters?key=K                  {"UploadPart": {"3": {"received": 2, "stored": 1}}, ...}
                                                 (a GET by presigned URL also counts as "presigned")
    POST /__pail/cors {"prefix", "expose_etag": false}   ETag not exposed under the prefix
    POST /__pail/clock {"prefix", "sub", "seconds"}   the server's clock is `seconds` ahead (or
         behind, negative) for S3 requests under the prefix and STS sign-ins of the subject:
         its Date header, skew and presigned-expiry checks, and the Expiration STS reports
    POST /__pail/seed {"prefix", "count"}        `count` objects `<prefix>file-NNNNNN.txt` (sizes 0-511 B)
                                                 written straight into moto's store, in seconds
    POST /__pail/unseed {"prefix"}               every object under the prefix removed the same way
    POST /__pail/reset                           all knobs off, counters cleared
    Seeding skips S3's API only to write: the app and the tests still list, read and delete
    through it. CORS for the stack's origins, so that browser tests can turn knobs too."""
    method, name = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")[len(KNOBS_PATH):]
    origin = header(environ, "Origin")
    cors = [("Access-Control-Allow-Origin", origin)] if origin in C.origins else []
    if method == "OPTIONS":
        raise Reply(204 if cors else 403, b"", dict(cors + [
            ("Access-Control-Allow-Methods", "GET, POST"), ("Access-Control-Allow-Headers", "content-type")]))
    result = knob_call(environ, method, name)
    return result[0], result[1] + cors, result[2]


def knob_call(environ, method, name):
    body = read_body(environ)
    try:
        params = json.loads(body or b"{}")
    except ValueError:
        raise Reply(400, b"body must be JSON\n", {"Content-Type": "text/plain"})
    ok = (200, [("Content-Type", "application/json")], b"{}")
    with Knobs._lock:
        if method == "POST" and name == "faults" and params.get("key"):
            Knobs.faults.append({"key": params["key"], "operation": params.get("operation", "UploadPart"),
                                 "part": params.get("part"), "remaining": int(params.get("count", 1)),
                                 "status": int(params.get("status", 500)), "code": params.get("code", "InternalError"),
                                 "message": params.get("message", "We encountered an internal error. Please try again.")})
            return ok
        if method == "POST" and name == "delays" and "prefix" in params:
            Knobs.delays.insert(0, {"prefix": params["prefix"], "operation": params.get("operation", "UploadPart"),
                                    "seconds": float(params.get("seconds", 1))})
            return ok
        if method == "GET" and name == "counters":
            key = query_param(environ, "key") or ""
            return 200, [("Content-Type", "application/json")], json.dumps(Knobs.counters.get(key, {})).encode()
        if method == "POST" and name == "cors" and "prefix" in params:
            (Knobs.etag_hidden.add if params.get("expose_etag") is False else Knobs.etag_hidden.discard)(params["prefix"])
            return ok
        if method == "POST" and name == "clock" and params.get("prefix") and params.get("sub"):
            Knobs.clocks = [c for c in Knobs.clocks if c["prefix"] != params["prefix"]]
            if float(params.get("seconds", 0)):
                Knobs.clocks.insert(0, {"prefix": params["prefix"], "sub": params["sub"], "seconds": float(params["seconds"])})
            return ok
        if method == "POST" and name == "sts-faults" and params.get("sub"):
            Knobs.sts_faults = [f for f in Knobs.sts_faults if f["sub"] != params["sub"]]
            Knobs.sts_faults.append({"sub": params["sub"], "remaining": int(params.get("count", 1)),
                                     "status": int(params.get("status", 503)),
                                     "code": params.get("code", "ServiceUnavailable"),
                                     "message": params.get("message", "Service is unavailable. Please try again.")})
            return ok
        if method == "POST" and name in ("seed", "unseed"):
            return seed(name, params)
        if method == "POST" and name == "reset":
            Knobs.faults, Knobs.delays, Knobs.counters, Knobs.etag_hidden, Knobs.clocks = [], [], {}, set(), []
            Knobs.sts_faults = []
            return ok
    raise Reply(404, b"unknown knob (see knob_app in stack/s3/adapter.py)\n", {"Content-Type": "text/plain"})


def seed(name, params):
    """Many objects fast (a 100,000-object folder for the listing tests and benchmark): 100,000
    PutObjects through the signed API take minutes here, moto's store takes them in seconds.
    Only under `users/…/`, so that a typo cannot touch the setups' fixtures."""
    prefix = params.get("prefix", "")
    if not re.fullmatch(r"users/[^/]+/.+/", prefix):
        raise Reply(400, b"prefix must be a folder inside users/<sub>/\n", {"Content-Type": "text/plain"})
    backend = s3_backends[ACCOUNT][PARTITION]
    if name == "seed":
        count = int(params.get("count", 0))
        if not 0 < count <= 200_000:
            raise Reply(400, b"count must be 1-200000\n", {"Content-Type": "text/plain"})
        for i in range(count):
            backend.put_object(C.bucket, f"{prefix}file-{i:06d}.txt", b"s" * ((i * 37) % 512),
                               disable_notification=True)
        answer = {"seeded": count}
    else:
        keys = backend.get_bucket(C.bucket).keys
        doomed = [k for k in list(keys.keys()) if k.startswith(prefix)]
        for k in doomed:
            keys.pop(k)
        answer = {"removed": len(doomed)}
    log(f"adapter: knob: {name} {prefix} {answer}")
    return 200, [("Content-Type", "application/json")], json.dumps(answer).encode()


# ---------------------------------------------------------------- the two WSGI apps

MOTO = DomainDispatcherApplication(create_backend_app)


def s3_app(environ):
    environ["pail.received_at"] = utcnow()
    path = environ.get("PATH_INFO", "/")
    bucket = path.lstrip("/").split("/", 1)[0] or None
    if path.startswith("/moto-api"):
        raise s3_error(403, "AccessDenied", "moto's management API is not exposed by the Pail stack")
    if path.startswith(KNOBS_PATH):
        return knob_app(environ)
    if environ["REQUEST_METHOD"] == "OPTIONS":
        s3_preflight(environ, bucket)
    operation, key, part = s3_operation(environ)
    environ["pail.clock_offset"] = Knobs.clock_for(key or query_param(environ, "prefix") or "").total_seconds()
    Knobs.count(key, operation, part, "received")
    body = read_body(environ)
    presigned_to_header_auth(environ, body)
    if environ.get("pail.presigned") and operation == "GET":
        Knobs.count(key, operation, part, "presigned")  # a download by link, not by the SDK
    check_signed_request(environ, body, s3_error)
    Knobs.apply(key, operation, part)
    checksum = verify_checksum(environ, body) if operation in ("PutObject", "UploadPart") else None
    if operation == "CompleteMultipartUpload":
        verify_complete(environ, bucket, body)
    not_deleted = delete_objects_faults(bucket, body) if operation == "DeleteObjects" else []
    _REQUEST.may_list = None
    status, headers, answer = call_moto(MOTO, environ)
    if status == 404 and operation in ("GET", "HEAD") and key and _REQUEST.may_list is False:
        # As AWS: a missing key is no one's business but a caller who may list the bucket.
        raise s3_error(403, "AccessDenied", "Access Denied")
    if status == 200 and not_deleted:
        store = s3_backends[ACCOUNT][PARTITION].get_bucket(bucket).keys
        for key, _, versions in not_deleted:
            if versions:
                store.setlist(key, versions)
        answer = re.sub(rb"<Deleted>\s*<Key>(.*?)</Key>.*?</Deleted>",
                        lambda m: b"" if m.group(1).decode() in {escape(k) for k, _, _ in not_deleted} else m.group(0),
                        answer, flags=re.S)
        errors = "".join(f"<Error><Key>{escape(k)}</Key><Code>{escape(f['code'])}</Code>"
                         f"<Message>{escape(f['message'])}</Message></Error>" for k, f, _ in not_deleted)
        answer = answer.replace(b"</DeleteResult>", errors.encode() + b"</DeleteResult>")
    if status == 200 and operation in ("PutObject", "UploadPart"):
        Knobs.count(key, operation, part, "stored")
        if operation == "UploadPart" and checksum:
            PartChecksums.store(query_param(environ, "uploadId"), part, checksum)
    if status == 200 and operation == "ListParts":
        answer = PartChecksums.add_to_list_parts(query_param(environ, "uploadId"), answer)
    if status == 200 and operation == "CreateMultipartUpload":
        Initiated.note(answer)
    if status == 200 and operation == "ListMultipartUploads":
        answer = Initiated.fill_in(answer)
    if status == 200 and operation in ("CompleteMultipartUpload", "AbortMultipartUpload"):
        PartChecksums.forget(query_param(environ, "uploadId"))
    return status, headers, answer


def sts_fault(token):
    """The `sts-faults` knob: STS down (503 ServiceUnavailable by default) for the next `count`
    sign-ins of a subject. The subject is read from the token unverified, only to pick it."""
    try:
        sub = jwt.decode(token, options={"verify_signature": False}).get("sub")
    except Exception:
        return
    with Knobs._lock:
        fault = next((f for f in Knobs.sts_faults if f["sub"] == sub and f["remaining"] > 0), None)
        if fault is None:
            return
        fault["remaining"] -= 1
    raise sts_error(fault["code"], fault["message"], fault["status"])


def sts_app(environ):
    if environ["REQUEST_METHOD"] == "OPTIONS":
        headers = sts_cors_headers(environ)
        raise Reply(200 if headers else 403, b"", dict(headers))
    body = read_body(environ)
    params = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True).items()}
    if body and (environ.get("CONTENT_TYPE") or "").startswith("application/x-www-form-urlencoded"):
        params.update({k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()})
    if params.get("Action") == "AssumeRoleWithWebIdentity":
        sts_fault(params.get("WebIdentityToken", ""))
        return assume_role_with_web_identity(params)
    if not header(environ, "Authorization"):
        raise sts_error("MissingAuthenticationToken", "Request is missing Authentication Token", 403)
    check_signed_request(environ, body, lambda status, code, message, **_: sts_error(code, message, status))
    return call_moto(MOTO, environ)


def serve(name, handler, cors):
    def wsgi(environ, start_response):
        try:
            status, headers, body = handler(environ)
        except Reply as r:
            status, headers, body = r.status, list(r.headers.items()), r.body
        except Exception as e:  # never leak a stack trace as HTML
            log(f"{name}: internal error {type(e).__name__}: {e}\n{traceback.format_exc()}")
            status, headers, body = 500, [("Content-Type", "text/plain")], b"internal error\n"
        method = environ["REQUEST_METHOD"]
        if method != "OPTIONS":  # preflight answers carry their own CORS headers
            headers = list(headers) + cors(environ)
        if method != "HEAD":  # HEAD keeps moto's Content-Length (the object's size)
            headers = [h for h in headers if h[0].lower() != "content-length"] + [("Content-Length", str(len(body)))]
        target = environ.get("PATH_INFO", "") + ("?" + environ["QUERY_STRING"] if environ.get("QUERY_STRING") else "")
        log(f"{name}: {method} {target[:160]} {status} key={(access_key_of(environ) or '-')[:8]}")
        start_response(f"{status} {HTTPStatus(status).phrase}", headers)
        return [b""] if method == "HEAD" else [body]
    return wsgi


class QuietHandler(MotoRequestHandler):
    def log_request(self, *args):  # we log one line per request ourselves
        pass

    def date_time_string(self, timestamp=None):
        """The Date header, on the server clock the `clock` knob may have shifted."""
        shift = getattr(self, "environ", {}).get("pail.clock_offset", 0)
        return super().date_time_string((timestamp or time.time()) + shift)


def main():
    sys.stdout.reconfigure(line_buffering=True)
    install_moto_patches()
    provision()
    servers = [make_server("127.0.0.1", C.s3_port, serve("s3", s3_app, s3_cors_headers), threaded=True, request_handler=QuietHandler),
               make_server("127.0.0.1", C.sts_port, serve("sts", sts_app, sts_cors_headers), threaded=True, request_handler=QuietHandler)]
    for s in servers:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    log(f"adapter: S3 http://127.0.0.1:{C.s3_port} STS http://127.0.0.1:{C.sts_port} bucket={C.bucket} "
        f"issuer={C.issuer} second={C.issuer2 or '-'} setups={','.join(s.name for s in setups())} "
        f"origins={','.join(C.origins)} min-duration={C.sts_min_duration}s pid={os.getpid()}")
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    for s in servers:
        s.shutdown()


if __name__ == "__main__":
    main()
