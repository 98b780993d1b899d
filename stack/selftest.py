#!/usr/bin/env python3
"""Automated test of the running local stack (run `stack/up` first):

    stack/.venv/bin/python stack/selftest.py

One line per case, exit status 1 if any case fails. Real tokens come from the IdP through
stack/idp/login.mjs (the real code + PKCE flow); bad tokens are minted here, most of them
with the IdP's own signing key ($PAIL_STACK_DIR/idp-jwks.json) so that exactly one property
is wrong. Settings: the same env vars as stack/up (or target/stack/stack.env).
"""
import base64
import binascii
import contextlib
import email.utils
import hashlib
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import traceback
from datetime import datetime, timedelta, timezone
from pathlib import Path
from unittest import mock
from urllib.parse import urlencode

import boto3
import botocore.auth
import botocore.exceptions
import jwt
import requests
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives.asymmetric import rsa

STACK = Path(__file__).resolve().parent
STACK_DIR = Path(os.environ.get("PAIL_STACK_DIR", STACK.parent / "target" / "stack"))
ENV = dict(line.split("=", 1) for line in (STACK_DIR / "stack.env").read_text().split() if "=" in line) \
    if (STACK_DIR / "stack.env").exists() else {}
ISSUER = ENV.get("IDP_ISSUER", f"http://127.0.0.1:{os.environ.get('IDP_PORT', 9090)}")
S3 = ENV.get("S3_ENDPOINT", f"http://127.0.0.1:{os.environ.get('S3_PORT', 9000)}")
STS = ENV.get("STS_ENDPOINT", f"http://127.0.0.1:{os.environ.get('STS_PORT', 9001)}")
BUCKET = ENV.get("PAIL_BUCKET", os.environ.get("PAIL_BUCKET", "pail-demo"))
ROLE = "arn:aws:iam::123456789012:role/pail-web-user"
CLIENT_ID = "pail-local"
# The app origins the running stack allows (stack/up's PAIL_STACK_ORIGINS): the first plays
# the app, the second the other allowed origin (the wasm test runner's).
ORIGINS = [o.strip().rstrip("/") for o in ENV.get(
    "PAIL_STACK_ORIGINS", os.environ.get("PAIL_STACK_ORIGINS", "http://127.0.0.1:8080,http://127.0.0.1:8765")
).split(",") if o.strip()]
ALLOWED, EVIL = ORIGINS[0], "http://evil.example"
OTHER_ALLOWED = ORIGINS[1] if len(ORIGINS) > 1 else ORIGINS[0]
# The second configuration (stack/up with IDP2_PORT) and the deliberately broken setups.
ISSUER2 = ENV.get("IDP2_ISSUER")
PROXY = ENV.get("S3_PROXY_ENDPOINT")
CLIENT2_ID, BUCKET2, ROLE2 = ENV.get("IDP2_CLIENT_ID", "pail-second"), ENV.get("PAIL_BUCKET2", "pail-second"), \
    ENV.get("PAIL_ROLE2_ARN", "arn:aws:iam::123456789012:role/pail-second-user")
UNLISTED_CLIENT = ENV.get("IDP_UNLISTED_CLIENT_ID", "pail-unlisted")
NOCORS_BUCKET, NOCORS_ROLE = ENV.get("PAIL_NOCORS_BUCKET", "pail-nocors"), ENV.get("PAIL_NOCORS_ROLE_ARN", "")
NOETAG_BUCKET, NOETAG_ROLE = ENV.get("PAIL_NOETAG_BUCKET", "pail-noetag"), ENV.get("PAIL_NOETAG_ROLE_ARN", "")
NOLIST_ROLE = ENV.get("PAIL_NOLIST_ROLE_ARN", "")
VERSIONED_BUCKET = ENV.get("PAIL_VERSIONED_BUCKET", "pail-versioned")
VERSIONED_ROLE = ENV.get("PAIL_VERSIONED_ROLE_ARN", "arn:aws:iam::123456789012:role/pail-versioned-user")
MIN_DURATION = int(ENV.get("PAIL_STS_MIN_DURATION", os.environ.get("PAIL_STS_MIN_DURATION", 900)))
S3_CONFIG = Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}, signature_version="s3v4")
STS_CONFIG = Config(retries={"max_attempts": 1}, parameter_validation=False)  # let the server validate


# ---------------------------------------------------------------- helpers

def login(user, *args, issuer=None, client_id=CLIENT_ID):
    env = {**os.environ, "IDP_ISSUER": issuer or ISSUER, "IDP_CLIENT_ID": client_id, "PAIL_STACK_ORIGINS": ",".join(ORIGINS)}
    out = subprocess.run(["node", str(STACK / "idp" / "login.mjs"), user, *args], capture_output=True, text=True,
                         timeout=30, env=env)
    assert out.returncode == 0, f"login.mjs {user} failed: {out.stderr.strip()}"
    return out.stdout.strip()


def sts_client(**creds):
    return boto3.client("sts", endpoint_url=STS, region_name="us-east-1", config=STS_CONFIG, **creds)


def assume(token, session="selftest", duration=None, endpoint=None, role=ROLE):
    kwargs = {"DurationSeconds": duration} if duration else {}
    client = boto3.client("sts", endpoint_url=endpoint or STS, region_name="us-east-1", config=STS_CONFIG)
    return client.assume_role_with_web_identity(RoleArn=role, RoleSessionName=session, WebIdentityToken=token, **kwargs)["Credentials"]


def s3_for(creds, endpoint=None):
    return boto3.client("s3", endpoint_url=endpoint or S3, region_name="us-east-1", config=S3_CONFIG,
                        aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                        aws_session_token=creds["SessionToken"])


def error_code(fn):
    try:
        fn()
    except ClientError as e:
        return e.response["Error"]["Code"]
    return "no error"


def expect_error(fn, *codes):
    code = error_code(fn)
    assert code in codes, f"expected {' or '.join(codes)}, got {code}"


def idp_key():
    jwk = json.loads((STACK_DIR / "idp-jwks.json").read_text())["keys"][0]
    return jwt.PyJWK(jwk).key, jwk["kid"]


def mint(key=None, kid=None, alg="RS256", **overrides):
    """A token like the IdP's, with some claims overridden (None removes a claim)."""
    own_key, own_kid = idp_key()
    now = int(time.time())
    claims = {"iss": ISSUER, "sub": "alice", "aud": CLIENT_ID, "iat": now, "exp": now + 600, "name": "alice"}
    claims.update(overrides)
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, key or own_key, algorithm=alg, headers={"kid": kid or own_kid})


def signed(method, url, creds, body=b"", headers=None, when=None, send_body=None):
    """Sign with SigV4 (optionally at another time), send with requests (optionally another body)."""
    req = AWSRequest(method=method, url=url, data=body, headers=headers or {})
    auth = botocore.auth.S3SigV4Auth(Credentials(creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]), "s3", "us-east-1")
    with mock.patch.object(botocore.auth, "get_current_datetime", lambda: when) if when else contextlib.nullcontext():
        auth.add_auth(req)
    return requests.request(method, url, data=body if send_body is None else send_body, headers=dict(req.headers.items()), timeout=10)


def xml_code(resp):
    m = re.search(r"<Code>([^<]+)</Code>", resp.text)
    return m.group(1) if m else f"HTTP {resp.status_code} {resp.text[:80]!r}"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- fixtures shared by the cases

class Fx:
    alice_token = bob_token = alice = bob = None


def setup():
    Fx.alice_token, Fx.bob_token = login("alice"), login("bob")
    Fx.alice, Fx.bob = assume(Fx.alice_token, "alice-selftest"), assume(Fx.bob_token, "bob-selftest")
    s3_for(Fx.bob).put_object(Bucket=BUCKET, Key="users/bob/secret.txt", Body=b"bob's")
    s3_for(Fx.alice).put_object(Bucket=BUCKET, Key="users/alice/cors.txt", Body=b"x", Metadata={"description": "for cors"})


# ---------------------------------------------------------------- IdP cases

def case_idp_discovery():
    """IdP: discovery has the exact issuer, S256 PKCE, end_session; open CORS on discovery/JWKS."""
    r = requests.get(f"{ISSUER}/.well-known/openid-configuration", headers={"Origin": EVIL}, timeout=5)
    d = r.json()
    assert d["issuer"] == ISSUER and d["code_challenge_methods_supported"] == ["S256"], d
    assert d.get("end_session_endpoint"), "no end_session_endpoint"
    assert r.headers.get("Access-Control-Allow-Origin") in (EVIL, "*")
    assert requests.get(d["jwks_uri"], headers={"Origin": EVIL}, timeout=5).headers.get("Access-Control-Allow-Origin") in (EVIL, "*")


def case_idp_id_token_claims():
    """IdP: real ID token for alice carries sub, name, email, aud=pail-local, RS256."""
    claims = jwt.decode(Fx.alice_token, options={"verify_signature": False})
    assert jwt.get_unverified_header(Fx.alice_token)["alg"] == "RS256"
    assert (claims["sub"], claims["name"], claims["email"], claims["aud"], claims["iss"]) == \
        ("alice", "alice", "alice@example.test", CLIENT_ID, ISSUER), claims


def case_idp_silent_reauth():
    """IdP: prompt=none with the IdP session gives a new code; without a session -> login_required."""
    assert jwt.decode(login("carol", "--silent"), options={"verify_signature": False})["sub"] == "carol"
    q = {"client_id": CLIENT_ID, "response_type": "code", "redirect_uri": f"{ALLOWED}/callback", "scope": "openid",
         "prompt": "none", "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "code_challenge_method": "S256"}
    r = requests.get(f"{ISSUER}/auth?{urlencode(q)}", allow_redirects=False, timeout=5)
    assert r.status_code in (302, 303) and "error=login_required" in r.headers["Location"], r.headers.get("Location")


def case_idp_logout():
    """IdP: RP-initiated logout (end_session + confirm) redirects to the app and ends the IdP session."""
    login("dave", "--logout")  # login.mjs checks the redirect and that prompt=none then says login_required
    login("dave", "--logout", "--redirect-uri", f"{OTHER_ALLOWED}/callback")


def case_idp_token_cors():
    """IdP: /token CORS only for the client's origins (preflight and POST)."""
    pre = lambda origin: requests.options(f"{ISSUER}/token", timeout=5, headers={  # noqa: E731
        "Origin": origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"})
    assert pre(ALLOWED).headers.get("Access-Control-Allow-Origin") == ALLOWED
    assert "Access-Control-Allow-Origin" not in pre(EVIL).headers
    grant = json.loads(login("alice", "--print", "code"))
    form = {"grant_type": "authorization_code", "client_id": CLIENT_ID, **grant}
    bad = requests.post(f"{ISSUER}/token", data=form, headers={"Origin": EVIL}, timeout=5)
    assert bad.status_code == 400 and "Access-Control-Allow-Origin" not in bad.headers, bad.text
    grant = json.loads(login("alice", "--print", "code"))
    good = requests.post(f"{ISSUER}/token", data={**form, **grant}, headers={"Origin": ALLOWED}, timeout=5)
    assert good.ok and good.headers.get("Access-Control-Allow-Origin") == ALLOWED and "id_token" in good.json(), good.text


def case_idp_pkce_required():
    """IdP: a code without its code_verifier (or with a wrong one) is refused."""
    grant = json.loads(login("alice", "--print", "code"))
    r = requests.post(f"{ISSUER}/token", timeout=5, data={"grant_type": "authorization_code", "client_id": CLIENT_ID, "code": grant["code"],
                                                         "redirect_uri": grant["redirect_uri"], "code_verifier": "x" * 43})
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant", r.text


def case_idp_login_page_offline():
    """IdP: the login page references no external (web font) URL."""
    q = {"client_id": CLIENT_ID, "response_type": "code", "redirect_uri": f"{ALLOWED}/callback", "scope": "openid",
         "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", "code_challenge_method": "S256"}
    page = requests.get(f"{ISSUER}/auth?{urlencode(q)}", timeout=5).text
    assert 'name="login"' in page and "googleapis" not in page and not re.search(r"https?://(?!127\.0\.0\.1)", page)


def case_idp_refresh_tokens_rotate():
    """IdP: the code exchange gives a refresh token; using it gives a new one and spends the old (reuse -> invalid_grant)."""
    tokens = json.loads(login("ruth", "--print", "tokens"))
    doc = requests.get(f"{ISSUER}/.well-known/openid-configuration", timeout=5).json()
    refresh = lambda rt: requests.post(doc["token_endpoint"], timeout=5, data={  # noqa: E731
        "grant_type": "refresh_token", "refresh_token": rt, "client_id": CLIENT_ID})
    first = refresh(tokens["refresh_token"])
    assert first.ok and first.json()["refresh_token"] != tokens["refresh_token"], first.text
    claims = jwt.decode(first.json()["id_token"], options={"verify_signature": False})
    assert claims["sub"] == "ruth" and claims["aud"] == CLIENT_ID, claims
    again = refresh(tokens["refresh_token"])
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant", again.text


def case_idp_account_knobs():
    """IdP: per-account knobs (ID token lifetime, no refresh tokens) and counters of code/refresh grants."""
    knob = lambda body: requests.post(f"{ISSUER}/__idp/accounts/quinn", json=body, timeout=5).raise_for_status()  # noqa: E731
    counters = lambda: requests.get(f"{ISSUER}/__idp/counters/quinn", timeout=5).json()  # noqa: E731
    before = counters()
    knob({"id_token_ttl": 20, "refresh_tokens": False})
    try:
        tokens = json.loads(login("quinn", "--print", "tokens"))
        claims = jwt.decode(tokens["id_token"], options={"verify_signature": False})
        assert claims["exp"] - claims["iat"] == 20 and "refresh_token" not in tokens, (claims, sorted(tokens))
        assert counters()["code"] == before["code"] + 1, counters()
    finally:
        knob({})
    tokens = json.loads(login("quinn", "--print", "tokens"))
    assert "refresh_token" in tokens, sorted(tokens)


# ---------------------------------------------------------------- STS cases

def case_sts_real_token():
    """STS: real alice token -> temporary credentials (XML: subject, audience, provider, ISO-8601 Z expiry)."""
    body = {"Action": "AssumeRoleWithWebIdentity", "Version": "2011-06-15", "RoleArn": ROLE,
            "RoleSessionName": "alice-raw", "WebIdentityToken": Fx.alice_token}
    r = requests.post(STS, data=body, timeout=10)
    assert r.status_code == 200, r.text
    for needle in ("<SubjectFromWebIdentityToken>alice<", f"<Audience>{CLIENT_ID}<", "<Provider>", "<AccessKeyId>ASIA",
                   "assumed-role/pail-web-user/alice-raw"):
        assert needle in r.text, needle
    assert re.search(r"<Expiration>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ</Expiration>", r.text), r.text
    ident = sts_client(aws_access_key_id=Fx.alice["AccessKeyId"], aws_secret_access_key=Fx.alice["SecretAccessKey"],
                       aws_session_token=Fx.alice["SessionToken"]).get_caller_identity()
    assert ident["Arn"].endswith("assumed-role/pail-web-user/alice-selftest"), ident


def bad_token_case(token, *codes):
    expect_error(lambda: assume(token), *codes)


def case_sts_tampered_signature():
    """STS: real token with a modified payload (signature no longer matches) -> InvalidIdentityToken."""
    head, payload, sig = Fx.alice_token.split(".")
    claims = jwt.utils.base64url_decode(payload + "=" * (-len(payload) % 4))
    forged = jwt.utils.base64url_encode(claims.replace(b'"sub":"alice"', b'"sub":"bob"')).decode()
    bad_token_case(f"{head}.{forged}.{sig}", "InvalidIdentityToken")


def case_sts_forged_other_key():
    """STS: token signed with another RSA key under the IdP's kid -> InvalidIdentityToken."""
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    bad_token_case(mint(key=other), "InvalidIdentityToken")
    bad_token_case(mint(key=other, kid="unknown-kid"), "InvalidIdentityToken")


def case_sts_expired_token():
    """STS: expired (correctly signed) token -> ExpiredTokenException (AWS's code)."""
    now = int(time.time())
    bad_token_case(mint(iat=now - 7200, exp=now - 3600), "ExpiredTokenException")


def case_sts_wrong_audience():
    """STS: token for another client id -> InvalidIdentityToken."""
    bad_token_case(mint(aud="someone-else"), "InvalidIdentityToken")


def case_sts_unknown_issuer():
    """STS: token from an issuer with no IAM OIDC provider -> InvalidIdentityToken."""
    bad_token_case(mint(iss="http://127.0.0.1:1"), "InvalidIdentityToken")


def case_sts_alg_none():
    """STS: unsigned alg=none token -> InvalidIdentityToken."""
    bad_token_case(jwt.encode({"iss": ISSUER, "sub": "alice", "aud": CLIENT_ID, "exp": int(time.time()) + 600,
                               "iat": int(time.time())}, None, algorithm="none"), "InvalidIdentityToken")


def case_sts_hs256_with_public_key():
    """STS: HS256 token (alg confusion) -> InvalidIdentityToken."""
    bad_token_case(mint(key="not-the-rsa-key-but-a-shared-secret-of-some-length", alg="HS256"), "InvalidIdentityToken")


def case_sts_validation():
    """STS: bad RoleSessionName, DurationSeconds below PAIL_STS_MIN_DURATION or above 3600 -> ValidationError."""
    expect_error(lambda: assume(Fx.alice_token, session="a"), "ValidationError")
    expect_error(lambda: assume(Fx.alice_token, session="no spaces allowed"), "ValidationError")
    if MIN_DURATION > 1:
        expect_error(lambda: assume(Fx.alice_token, duration=MIN_DURATION - 1), "ValidationError")
    expect_error(lambda: assume(Fx.alice_token, duration=3601), "ValidationError")
    assert assume(Fx.alice_token, duration=max(MIN_DURATION, 900))["AccessKeyId"].startswith("ASIA")


def case_sts_cors():
    """STS: preflight and POST from an allowed origin get CORS headers; other origins do not."""
    pre = requests.options(STS, timeout=5, headers={"Origin": ALLOWED, "Access-Control-Request-Method": "POST",
                                                    "Access-Control-Request-Headers": "content-type,amz-sdk-invocation-id"})
    assert pre.status_code == 200 and pre.headers.get("Access-Control-Allow-Origin") == ALLOWED, pre.headers
    assert "POST" in pre.headers.get("Access-Control-Allow-Methods", "") and pre.headers.get("Access-Control-Allow-Headers")
    body = {"Action": "AssumeRoleWithWebIdentity", "Version": "2011-06-15", "RoleArn": ROLE, "RoleSessionName": "cors",
            "WebIdentityToken": Fx.alice_token}
    post = requests.post(STS, data=body, headers={"Origin": ALLOWED}, timeout=10)
    assert post.ok and post.headers.get("Access-Control-Allow-Origin") == ALLOWED, post.headers
    assert "x-amz-request-id" in post.headers.get("Access-Control-Expose-Headers", "").lower()
    err = requests.post(STS, data={**body, "WebIdentityToken": "x"}, headers={"Origin": ALLOWED}, timeout=10)
    assert err.status_code == 400 and err.headers.get("Access-Control-Allow-Origin") == ALLOWED, "errors must be readable too"
    evil = requests.options(STS, timeout=5, headers={"Origin": EVIL, "Access-Control-Request-Method": "POST"})
    assert evil.status_code == 403 and "Access-Control-Allow-Origin" not in evil.headers
    assert "Access-Control-Allow-Origin" not in requests.post(STS, data=body, headers={"Origin": EVIL}, timeout=10).headers


# ---------------------------------------------------------------- S3 cases

def case_s3_alice_own_prefix():
    """S3: alice can put/list/head/get/delete under users/alice/."""
    s3, key = s3_for(Fx.alice), "users/alice/dir/hello.txt"
    s3.put_object(Bucket=BUCKET, Key=key, Body=b"hello", Metadata={"description": "greeting"})
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix="users/alice/", Delimiter="/")
    assert [p["Prefix"] for p in listed.get("CommonPrefixes", [])] == ["users/alice/dir/"], listed
    assert s3.list_objects_v2(Bucket=BUCKET, Prefix="users/alice/dir/")["KeyCount"] == 1
    assert s3.head_object(Bucket=BUCKET, Key=key)["Metadata"] == {"description": "greeting"}
    assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == b"hello"
    s3.delete_object(Bucket=BUCKET, Key=key)
    # As AWS: without s3:ListBucket on the bucket for a request with no prefix (hers is
    # conditioned on s3:prefix), a missing key is 403 AccessDenied, not 404 NoSuchKey.
    assert error_code(lambda: s3.head_object(Bucket=BUCKET, Key=key)) == "403"
    assert error_code(lambda: s3.get_object(Bucket=BUCKET, Key=key)) == "AccessDenied"


def case_s3_alice_multipart():
    """S3: alice can run a multipart upload (create/upload part/list/complete, abort) in her prefix."""
    s3, key = s3_for(Fx.alice), "users/alice/big.bin"
    up = s3.create_multipart_upload(Bucket=BUCKET, Key=key)["UploadId"]
    part = s3.upload_part(Bucket=BUCKET, Key=key, UploadId=up, PartNumber=1, Body=b"a" * (5 * 1024 * 1024))
    assert s3.list_parts(Bucket=BUCKET, Key=key, UploadId=up)["Parts"][0]["PartNumber"] == 1
    assert any(u["Key"] == key for u in s3.list_multipart_uploads(Bucket=BUCKET, Prefix="users/alice/").get("Uploads", []))
    s3.complete_multipart_upload(Bucket=BUCKET, Key=key, UploadId=up,
                                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
    assert s3.head_object(Bucket=BUCKET, Key=key)["ContentLength"] == 5 * 1024 * 1024
    up2 = s3.create_multipart_upload(Bucket=BUCKET, Key=key)["UploadId"]
    s3.abort_multipart_upload(Bucket=BUCKET, Key=key, UploadId=up2)
    s3.delete_object(Bucket=BUCKET, Key=key)
    expect_error(lambda: s3.list_multipart_uploads(Bucket=BUCKET), "AccessDenied")


def case_s3_alice_denied_bob_prefix():
    """S3: alice is denied put/get/list/delete under users/bob/."""
    s3 = s3_for(Fx.alice)
    expect_error(lambda: s3.put_object(Bucket=BUCKET, Key="users/bob/evil.txt", Body=b"x"), "AccessDenied")
    expect_error(lambda: s3.get_object(Bucket=BUCKET, Key="users/bob/secret.txt"), "AccessDenied")
    expect_error(lambda: s3.list_objects_v2(Bucket=BUCKET, Prefix="users/bob/"), "AccessDenied")
    expect_error(lambda: s3.delete_object(Bucket=BUCKET, Key="users/bob/secret.txt"), "AccessDenied")
    assert s3_for(Fx.bob).get_object(Bucket=BUCKET, Key="users/bob/secret.txt")["Body"].read() == b"bob's"


def case_s3_alice_denied_bucket_root():
    """S3: alice is denied listing the bucket root, other prefixes, and users/ itself."""
    s3 = s3_for(Fx.alice)
    expect_error(lambda: s3.list_objects_v2(Bucket=BUCKET), "AccessDenied")
    expect_error(lambda: s3.list_objects_v2(Bucket=BUCKET, Prefix="users/"), "AccessDenied")
    expect_error(lambda: s3.list_objects_v2(Bucket=BUCKET, Prefix="users/alice"), "AccessDenied")  # would match users/alice2/
    expect_error(lambda: s3.list_buckets(), "AccessDenied")


def case_s3_prefix_header_is_not_s3_prefix():
    """S3: a `prefix` *header* on a root listing does not satisfy the s3:prefix condition."""
    r = signed("GET", f"{S3}/{BUCKET}", Fx.alice, headers={"prefix": "users/alice/"})
    assert r.status_code == 403 and xml_code(r) == "AccessDenied", r.text


def case_s3_policy_variable_is_literal():
    """S3: user "ali.e" (regex-looking sub) cannot reach users/alice/ (policy variables are literal)."""
    creds = assume(login("ali.e"), "ali.e")
    s3 = s3_for(creds)
    expect_error(lambda: s3.get_object(Bucket=BUCKET, Key="users/alice/cors.txt"), "AccessDenied")
    expect_error(lambda: s3.list_objects_v2(Bucket=BUCKET, Prefix="users/alice/"), "AccessDenied")
    s3.put_object(Bucket=BUCKET, Key="users/ali.e/ok.txt", Body=b"ok")


def case_s3_copy_needs_read_on_source():
    """S3: CopyObject needs s3:GetObject on the source: alice copies her own object, not bob's."""
    s3 = s3_for(Fx.alice)
    s3.copy_object(Bucket=BUCKET, Key="users/alice/copy.txt", CopySource={"Bucket": BUCKET, "Key": "users/alice/cors.txt"})
    expect_error(lambda: s3.copy_object(Bucket=BUCKET, Key="users/alice/stolen.txt",
                                        CopySource={"Bucket": BUCKET, "Key": "users/bob/secret.txt"}), "AccessDenied")


def case_s3_delete_objects():
    """S3: DeleteObjects works on alice's keys and deletes nothing when a key of bob's is listed."""
    s3 = s3_for(Fx.alice)
    for k in ("users/alice/m1", "users/alice/m2"):
        s3.put_object(Bucket=BUCKET, Key=k, Body=b"m")
    r = s3.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": "users/alice/m1"}, {"Key": "users/bob/secret.txt"}]})
    assert {e["Key"] for e in r.get("Errors", [])} >= {"users/bob/secret.txt"} and not r.get("Deleted"), r
    r = s3.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": "users/alice/m1"}, {"Key": "users/alice/m2"}]})
    assert sorted(d["Key"] for d in r["Deleted"]) == ["users/alice/m1", "users/alice/m2"] and not r.get("Errors"), r
    assert s3_for(Fx.bob).head_object(Bucket=BUCKET, Key="users/bob/secret.txt")["ContentLength"] == 5


def case_s3_presigned_urls():
    """S3: presigned GET/PUT work in alice's prefix; tampered, expired or bob's-object URLs are refused."""
    s3 = s3_for(Fx.alice)
    url = s3.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": "users/alice/cors.txt",
                                                           "ResponseContentDisposition": "attachment; filename=\"a b.txt\""}, ExpiresIn=60)
    r = requests.get(url, headers={"Origin": ALLOWED}, timeout=5)
    assert r.status_code == 200 and r.content == b"x" and r.headers.get("Access-Control-Allow-Origin") == ALLOWED, r.text
    assert r.headers.get("Content-Disposition") == 'attachment; filename="a b.txt"', r.headers
    put = s3.generate_presigned_url("put_object", Params={"Bucket": BUCKET, "Key": "users/alice/presigned put.txt"}, ExpiresIn=60)
    assert requests.put(put, data=b"via url", timeout=5).status_code == 200
    assert s3.get_object(Bucket=BUCKET, Key="users/alice/presigned put.txt")["Body"].read() == b"via url"
    assert xml_code(requests.get(url.replace("cors.txt", "copy.txt"), timeout=5)) == "SignatureDoesNotMatch"
    bobs = s3.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": "users/bob/secret.txt"}, ExpiresIn=60)
    assert xml_code(requests.get(bobs, timeout=5)) == "AccessDenied"
    expired = s3.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": "users/alice/cors.txt"}, ExpiresIn=1)
    time.sleep(2)
    r = requests.get(expired, timeout=5)
    assert r.status_code == 403 and xml_code(r) == "AccessDenied" and "expired" in r.text, r.text


def case_s3_unsigned_denied():
    """S3: unsigned GET of an object and of the bucket -> 403 AccessDenied (not 500)."""
    for url in (f"{S3}/{BUCKET}/users/alice/cors.txt", f"{S3}/{BUCKET}", f"{S3}/"):
        r = requests.get(url, timeout=5)
        assert r.status_code == 403 and xml_code(r) == "AccessDenied", (url, r.status_code, r.text[:200])


def case_s3_clock_skew():
    """S3: X-Amz-Date 20 minutes off -> RequestTimeTooSkewed."""
    from datetime import datetime, timedelta, timezone
    when = datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(minutes=20)
    r = signed("GET", f"{S3}/{BUCKET}/users/alice/cors.txt", Fx.alice, when=when)
    assert xml_code(r) == "RequestTimeTooSkewed", r.text
    when = datetime.now(timezone.utc).replace(tzinfo=None) + timedelta(minutes=10)
    assert signed("GET", f"{S3}/{BUCKET}/users/alice/cors.txt", Fx.alice, when=when).status_code == 200, "10 min is within AWS's 15"


def case_s3_payload_hash_mismatch():
    """S3: body differs from the signed x-amz-content-sha256 -> XAmzContentSHA256Mismatch; UNSIGNED-PAYLOAD passes."""
    url = f"{S3}/{BUCKET}/users/alice/hash.txt"
    r = signed("PUT", url, Fx.alice, body=b"what was signed", send_body=b"what was sent!!")
    assert r.status_code == 400 and xml_code(r) == "XAmzContentSHA256Mismatch", r.text
    r = signed("PUT", url, Fx.alice, body=b"fine", headers={"X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"})
    assert r.status_code == 200, r.text
    assert hashlib.md5(b"fine").hexdigest() in r.headers.get("ETag", "")


def case_s3_expired_session():
    """S3: requests with expired STS session credentials -> ExpiredToken.

    Waits for a real expiry: uses the running adapter if PAIL_STS_MIN_DURATION <= 2, otherwise a
    private adapter instance (same code, PAIL_STS_MIN_DURATION=2) on free ports."""
    with short_lived_adapter() as (s3_url, sts_url):
        creds = assume(Fx.alice_token, "short", duration=2, endpoint=sts_url)
        s3 = s3_for(creds, endpoint=s3_url)
        s3.put_object(Bucket=BUCKET, Key="users/alice/short.txt", Body=b"x")
        time.sleep(3)
        expect_error(lambda: s3.get_object(Bucket=BUCKET, Key="users/alice/short.txt"), "ExpiredToken")
        renewed = s3_for(assume(Fx.alice_token, "renewed", duration=2, endpoint=sts_url), endpoint=s3_url)
        assert renewed.get_object(Bucket=BUCKET, Key="users/alice/short.txt")["Body"].read() == b"x"


@contextlib.contextmanager
def short_lived_adapter():
    if MIN_DURATION <= 2:
        yield S3, STS
        return
    s3_port, sts_port = free_port(), free_port()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "S3_PORT": str(s3_port), "STS_PORT": str(sts_port), "PAIL_STS_MIN_DURATION": "2",
               "PAIL_STACK_DIR": tmp, "IDP_ISSUER": ISSUER, "PAIL_BUCKET": BUCKET}
        with open(Path(tmp) / "adapter.log", "w") as log:
            proc = subprocess.Popen([sys.executable, str(STACK / "s3" / "adapter.py")], env=env, stdout=log, stderr=log)
        try:
            for _ in range(100):
                with contextlib.suppress(requests.ConnectionError):
                    requests.get(f"http://127.0.0.1:{sts_port}/", timeout=1)
                    break
                time.sleep(0.1)
            yield f"http://127.0.0.1:{s3_port}", f"http://127.0.0.1:{sts_port}"
        finally:
            proc.terminate()
            proc.wait(10)


def preflight(origin, method="PUT", key="users/alice/cors.txt",
              headers="authorization,x-amz-date,x-amz-content-sha256,x-amz-security-token,x-amz-meta-description,amz-sdk-invocation-id"):
    return requests.options(f"{S3}/{BUCKET}/{key}", timeout=5, headers={
        "Origin": origin, "Access-Control-Request-Method": method, "Access-Control-Request-Headers": headers})


def case_s3_cors_preflight_allowed():
    """S3 CORS: preflight on an existing object from an allowed origin -> 200 with the allow headers."""
    for method in ("PUT", "GET", "HEAD", "DELETE"):
        r = preflight(ALLOWED, method)
        assert r.status_code == 200, (method, r.status_code, r.text)
        h = r.headers
        assert h.get("Access-Control-Allow-Origin") == ALLOWED and method in h.get("Access-Control-Allow-Methods", ""), h
        assert "x-amz-meta-description" in h.get("Access-Control-Allow-Headers", "") and h.get("Access-Control-Max-Age") == "3000", h
        assert "Origin" in h.get("Vary", ""), h


def case_s3_cors_preflight_denied():
    """S3 CORS: preflight from a disallowed origin (or a method not in the rule) -> 403."""
    r = preflight(EVIL)
    assert r.status_code == 403 and "Access-Control-Allow-Origin" not in r.headers and xml_code(r) == "AccessForbidden", r.text
    assert preflight(ALLOWED, method="PATCH").status_code == 403


def case_s3_cors_expose_headers_on_head():
    """S3 CORS: HEAD from an allowed origin exposes ETag, x-amz-meta-description, Content-Encoding; other origins get no CORS headers."""
    s3 = s3_for(Fx.alice)
    seen = {}

    def capture(http_response, **_):
        seen.update(http_response.headers)
    s3.meta.events.register("before-sign.s3.HeadObject", lambda request, **_: request.headers.__setitem__("Origin", ALLOWED))
    s3.meta.events.register("after-call.s3.HeadObject", capture)
    s3.head_object(Bucket=BUCKET, Key="users/alice/cors.txt")
    exposed = [x.strip().lower() for x in seen.get("Access-Control-Expose-Headers", "").split(",")]
    assert seen.get("Access-Control-Allow-Origin") == ALLOWED and "etag" in exposed and "x-amz-meta-description" in exposed, seen
    # A metadata edit gives every system header again (REPLACE): the browser must see them.
    assert "content-encoding" in exposed and "content-disposition" in exposed, seen
    r = signed("HEAD", f"{S3}/{BUCKET}/users/alice/cors.txt", Fx.alice, headers={"Origin": EVIL})
    assert r.status_code == 200 and not any(k.lower().startswith("access-control-") for k in r.headers), r.headers


def case_s3_cors_on_errors():
    """S3 CORS: an AccessDenied answer to an allowed origin still carries CORS headers (the app can read it)."""
    r = signed("GET", f"{S3}/{BUCKET}/users/bob/secret.txt", Fx.alice, headers={"Origin": ALLOWED})
    assert r.status_code == 403 and r.headers.get("Access-Control-Allow-Origin") == ALLOWED, r.headers


def case_s3_copy_source_if_match():
    """S3: CopyObject/UploadPartCopy with x-amz-copy-source-if-match: the current ETag copies, another gets 412 PreconditionFailed."""
    s3 = s3_for(Fx.alice)
    key = f"users/alice/guarded-{time.time_ns()}.txt"
    etag = s3.put_object(Bucket=BUCKET, Key=key, Body=b"v1", ContentType="text/plain", Metadata={"description": "one"})["ETag"]
    src = {"Bucket": BUCKET, "Key": key}
    s3.copy_object(Bucket=BUCKET, Key=key, CopySource=src, CopySourceIfMatch=etag, MetadataDirective="REPLACE",
                   ContentType="text/plain", Metadata={"description": "two"})
    assert s3.head_object(Bucket=BUCKET, Key=key)["Metadata"] == {"description": "two"}
    s3.put_object(Bucket=BUCKET, Key=key, Body=b"changed elsewhere", Metadata={"description": "other"})
    expect_error(lambda: s3.copy_object(Bucket=BUCKET, Key=key, CopySource=src, CopySourceIfMatch=etag,
                                        MetadataDirective="REPLACE", Metadata={"description": "lost"}), "PreconditionFailed")
    assert s3.head_object(Bucket=BUCKET, Key=key)["Metadata"] == {"description": "other"}, "nothing overwritten"
    upload = s3.create_multipart_upload(Bucket=BUCKET, Key="users/alice/guarded-copy.txt")["UploadId"]
    expect_error(lambda: s3.upload_part_copy(Bucket=BUCKET, Key="users/alice/guarded-copy.txt", UploadId=upload, PartNumber=1,
                                             CopySource=src, CopySourceIfMatch=etag), "PreconditionFailed")
    s3.abort_multipart_upload(Bucket=BUCKET, Key="users/alice/guarded-copy.txt", UploadId=upload)
    # An outsider learns nothing about the ETag: access is checked first.
    expect_error(lambda: s3_for(Fx.bob).copy_object(Bucket=BUCKET, Key="users/bob/x.txt", CopySource=src,
                                                    CopySourceIfMatch='"nope"'), "AccessDenied")


# ---------------------------------------------------------------- break-out catalogue (issue 19)
# Login names an attacker would pick (the IdP makes the name the sub): each signs in through the
# real IdP and STS, then calls S3 directly with its own credentials, not through the app.

ALICE_TARGET = "users/alice/breakout-target.txt"


def case_breakout_sts_refuses_nesting_subs():
    """Break-out: a sub with "/" (bob/evil, alice/x, alice/ ...) is refused at STS (AccessDenied) by every setup's role."""
    roles = [ROLE, VERSIONED_ROLE, NOCORS_ROLE, NOETAG_ROLE, NOLIST_ROLE]
    tokens = {sub: login(sub) for sub in ("bob/evil", "alice/x", "alice/")}
    tokens.update({sub: mint(sub=sub) for sub in ("/alice", "alice/../bob", "/")})
    for sub, token in tokens.items():
        assert jwt.decode(token, options={"verify_signature": False})["sub"] == sub, f"the IdP changed {sub!r}"
        for role in roles:
            code = error_code(lambda: assume(token, "breakout", role=role))
            assert code == "AccessDenied", f"sub {sub!r}, role {role}: {code}"
    if ISSUER2:
        token2 = login("bob/evil", issuer=ISSUER2, client_id=CLIENT2_ID)
        expect_error(lambda: assume(token2, "breakout", role=ROLE2), "AccessDenied")


def breaks_out(sub):
    """`sub` signs in and gets its own prefix; every way into alice's is AccessDenied, and alice's
    files are as she left them."""
    alice = s3_for(Fx.alice)
    alice.put_object(Bucket=BUCKET, Key=ALICE_TARGET, Body=b"alice's")  # seeded by alice, per attacker
    token = login(sub)
    assert jwt.decode(token, options={"verify_signature": False})["sub"] == sub, f"the IdP changed {sub!r}"
    s3, own = s3_for(assume(token, "breakout")), f"users/{sub}/probe.txt"
    s3.put_object(Bucket=BUCKET, Key=own, Body=sub.encode())
    assert s3.get_object(Bucket=BUCKET, Key=own)["Body"].read() == sub.encode(), sub
    assert own in [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix=f"users/{sub}/").get("Contents", [])], sub
    attempts = {
        "ListObjectsV2 users/alice/": lambda: s3.list_objects_v2(Bucket=BUCKET, Prefix="users/alice/"),
        "ListObjectsV2 users/alice": lambda: s3.list_objects_v2(Bucket=BUCKET, Prefix="users/alice"),
        "GetObject": lambda: s3.get_object(Bucket=BUCKET, Key=ALICE_TARGET),
        "PutObject": lambda: s3.put_object(Bucket=BUCKET, Key="users/alice/planted.txt", Body=b"x"),
        "DeleteObject": lambda: s3.delete_object(Bucket=BUCKET, Key=ALICE_TARGET),
        "ListMultipartUploads": lambda: s3.list_multipart_uploads(Bucket=BUCKET, Prefix="users/alice/"),
        "CreateMultipartUpload": lambda: s3.create_multipart_upload(Bucket=BUCKET, Key="users/alice/planted.bin"),
        "CopyObject from alice's key": lambda: s3.copy_object(Bucket=BUCKET, Key=f"users/{sub}/stolen.txt",
                                                              CopySource={"Bucket": BUCKET, "Key": ALICE_TARGET}),
    }
    wrong = {what: code for what, fn in attempts.items() if (code := error_code(fn)) != "AccessDenied"}
    # A HEAD answer has no body, so no error code: its status (403, not 200 or 404) is all there is.
    head = error_code(lambda: s3.head_object(Bucket=BUCKET, Key=ALICE_TARGET))
    if head != "403":
        wrong["HeadObject"] = head
    assert not wrong, f"sub {sub!r} was not refused: {wrong}"
    assert alice.get_object(Bucket=BUCKET, Key=ALICE_TARGET)["Body"].read() == b"alice's"
    # Not planted: missing (403 for alice as on AWS; the listing says so without doubt).
    assert "Contents" not in alice.list_objects_v2(Bucket=BUCKET, Prefix="users/alice/planted.txt")
    s3.delete_object(Bucket=BUCKET, Key=own)


def case_breakout_path_like_subs():
    """Break-out: subs "..", "alice%2Fx", "a%2F..%2Fbob" get their own prefix and nothing of alice's (S3 direct)."""
    for sub in ("..", "alice%2Fx", "a%2F..%2Fbob"):
        breaks_out(sub)


def case_breakout_wildcard_subs():
    """Break-out: subs "*" and "?" get their own prefix and nothing of alice's (policy variables are literal)."""
    for sub in ("*", "?"):
        breaks_out(sub)


def case_breakout_unicode_lookalikes():
    """Break-out: lookalikes of alice (Cyrillic а, U+2215 ∕, U+FF0F ／, zero width space) get nothing of alice's."""
    for sub in ("\u0430lice", "alice\u2215x", "alice\uff0fx", "alice\u200b"):
        breaks_out(sub)


def case_breakout_prefix_of_another_name():
    """Break-out: "alice-x" and "alic" (a name that extends or starts another) get nothing of alice's, nor alice of theirs."""
    for sub in ("alice-x", "alic"):
        breaks_out(sub)
    alice = s3_for(Fx.alice)
    expect_error(lambda: alice.list_objects_v2(Bucket=BUCKET, Prefix="users/alice-x/"), "AccessDenied")
    expect_error(lambda: alice.put_object(Bucket=BUCKET, Key="users/alice-x/planted.txt", Body=b"x"), "AccessDenied")


# ---------------------------------------------------------------- the versioned bucket

def case_versioned_bucket():
    """Versioned setup: own versions listed (s3:ListBucketVersions, prefix condition), read by versionId (GetObject, presigned), restored by copy; bob's refused."""
    s3 = s3_for(assume(Fx.alice_token, "alice-versions", role=VERSIONED_ROLE))
    key = f"users/alice/versions-{time.time_ns()}.txt"  # the stack keeps objects between runs
    first = s3.put_object(Bucket=VERSIONED_BUCKET, Key=key, Body=b"first", ContentType="text/plain",
                          Metadata={"description": "first"})["VersionId"]
    s3.put_object(Bucket=VERSIONED_BUCKET, Key=key, Body=b"second", ContentType="text/csv")
    s3.put_object(Bucket=VERSIONED_BUCKET, Key=key + ".bak", Body=b"other key")
    assert s3.head_object(Bucket=VERSIONED_BUCKET, Key=key)["VersionId"] not in (None, "null")
    listed = s3.list_object_versions(Bucket=VERSIONED_BUCKET, Prefix=key)
    mine = [v for v in listed["Versions"] if v["Key"] == key]
    assert len(mine) == 2 and [v["IsLatest"] for v in mine].count(True) == 1, listed
    assert s3.get_object(Bucket=VERSIONED_BUCKET, Key=key, VersionId=first)["Body"].read() == b"first"
    assert s3.head_object(Bucket=VERSIONED_BUCKET, Key=key, VersionId=first)["Metadata"] == {"description": "first"}
    url = s3.generate_presigned_url("get_object", Params={"Bucket": VERSIONED_BUCKET, "Key": key, "VersionId": first,
                                                           "ResponseContentDisposition": "attachment"}, ExpiresIn=60)
    r = requests.get(url, timeout=5)
    assert r.status_code == 200 and r.content == b"first" and r.headers.get("Content-Disposition") == "attachment", r.text
    s3.copy_object(Bucket=VERSIONED_BUCKET, Key=key, CopySource={"Bucket": VERSIONED_BUCKET, "Key": key, "VersionId": first})
    restored = s3.get_object(Bucket=VERSIONED_BUCKET, Key=key)
    assert restored["Body"].read() == b"first" and restored["ContentType"] == "text/plain", restored
    assert restored["Metadata"] == {"description": "first"}, restored["Metadata"]
    assert len([v for v in s3.list_object_versions(Bucket=VERSIONED_BUCKET, Prefix=key)["Versions"] if v["Key"] == key]) == 3
    s3.delete_object(Bucket=VERSIONED_BUCKET, Key=key)
    markers = s3.list_object_versions(Bucket=VERSIONED_BUCKET, Prefix=key).get("DeleteMarkers", [])
    assert [m["IsLatest"] for m in markers if m["Key"] == key] == [True], markers
    bob = s3_for(assume(Fx.bob_token, "bob-versions", role=VERSIONED_ROLE))
    expect_error(lambda: bob.list_object_versions(Bucket=VERSIONED_BUCKET, Prefix="users/alice/"), "AccessDenied")
    expect_error(lambda: bob.get_object(Bucket=VERSIONED_BUCKET, Key=key, VersionId=first), "AccessDenied")
    expect_error(lambda: bob.copy_object(Bucket=VERSIONED_BUCKET, Key="users/bob/stolen.txt",
                                         CopySource={"Bucket": VERSIONED_BUCKET, "Key": key, "VersionId": first}), "AccessDenied")
    # The main bucket does not keep versions: HeadObject gives no version id there.
    plain = s3_for(Fx.alice).head_object(Bucket=BUCKET, Key="users/alice/cors.txt")
    assert plain.get("VersionId") in (None, "null"), plain


# ---------------------------------------------------------------- the second configuration

def case_second_configuration():
    """Second setup: IdP 2 (client pail-second) -> role pail-second-user -> bucket pail-second under home/<sub>/."""
    assert ISSUER2, "stack.env has no IDP2_ISSUER: start the stack with IDP2_PORT set (scripts/test does)"
    d = requests.get(f"{ISSUER2}/.well-known/openid-configuration", timeout=5).json()
    assert d["issuer"] == ISSUER2 and d["jwks_uri"] != requests.get(f"{ISSUER}/.well-known/openid-configuration", timeout=5).json()["jwks_uri"]
    token = login("erin", issuer=ISSUER2, client_id=CLIENT2_ID)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert (claims["iss"], claims["aud"], claims["sub"]) == (ISSUER2, CLIENT2_ID, "erin"), claims
    own_kid = jwt.get_unverified_header(Fx.alice_token)["kid"]
    assert jwt.get_unverified_header(token)["kid"] != own_kid, "the second IdP must sign with a key of its own"
    s3 = s3_for(assume(token, "erin", role=ROLE2))
    s3.put_object(Bucket=BUCKET2, Key="home/erin/hello.txt", Body=b"hi", Metadata={"description": "second"})
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET2, Prefix="home/erin/")["Contents"]] == ["home/erin/hello.txt"]
    expect_error(lambda: s3.put_object(Bucket=BUCKET2, Key="users/erin/x.txt", Body=b"x"), "AccessDenied")
    expect_error(lambda: s3.list_objects_v2(Bucket=BUCKET, Prefix="users/erin/"), "AccessDenied")
    r = requests.options(f"{S3}/{BUCKET2}/home/erin/hello.txt", timeout=5, headers={
        "Origin": ALLOWED, "Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": "authorization"})
    assert r.status_code == 200 and r.headers.get("Access-Control-Allow-Origin") == ALLOWED, r.headers


def case_second_configuration_is_separate():
    """Second setup: each IdP's tokens are refused by the other setup's role (trust policy: AccessDenied)."""
    token2 = login("erin", issuer=ISSUER2, client_id=CLIENT2_ID)
    expect_error(lambda: assume(token2, "erin", role=ROLE), "AccessDenied")
    expect_error(lambda: assume(Fx.alice_token, "alice", role=ROLE2), "AccessDenied")


# ---------------------------------------------------------------- broken setups (for the setup doctor)

def case_broken_unlisted_audience():
    """Broken: IdP 1 client pail-unlisted signs in, but IAM does not list it as an audience -> InvalidIdentityToken."""
    token = login("alice", client_id=UNLISTED_CLIENT)
    assert jwt.decode(token, options={"verify_signature": False})["aud"] == UNLISTED_CLIENT
    try:
        assume(token)
        raise AssertionError("STS accepted an unlisted audience")
    except ClientError as e:
        assert e.response["Error"]["Code"] == "InvalidIdentityToken" and "audience" in e.response["Error"]["Message"], e.response


def case_broken_no_cors():
    """Broken: bucket pail-nocors has no CORS rules (preflights 403, no CORS headers); its role works outside a browser."""
    r = requests.options(f"{S3}/{NOCORS_BUCKET}/users/alice/x", timeout=5, headers={
        "Origin": ALLOWED, "Access-Control-Request-Method": "GET"})
    assert r.status_code == 403 and xml_code(r) == "AccessForbidden" and "Access-Control-Allow-Origin" not in r.headers, r.text
    s3 = s3_for(assume(Fx.alice_token, "alice", role=NOCORS_ROLE))
    s3.put_object(Bucket=NOCORS_BUCKET, Key="users/alice/x.txt", Body=b"x")
    assert s3.list_objects_v2(Bucket=NOCORS_BUCKET, Prefix="users/alice/")["KeyCount"] == 1


def case_broken_etag_not_exposed():
    """Broken: bucket pail-noetag's CORS rule exposes x-amz-meta-description but not ETag."""
    creds = assume(Fx.alice_token, "alice", role=NOETAG_ROLE)
    s3_for(creds).put_object(Bucket=NOETAG_BUCKET, Key="users/alice/e.txt", Body=b"e", Metadata={"description": "d"})
    r = signed("HEAD", f"{S3}/{NOETAG_BUCKET}/users/alice/e.txt", creds, headers={"Origin": ALLOWED})
    exposed = [x.strip().lower() for x in r.headers.get("Access-Control-Expose-Headers", "").split(",")]
    assert r.status_code == 200 and r.headers.get("ETag") and "etag" not in exposed and "x-amz-meta-description" in exposed, r.headers


def case_broken_no_list_permission():
    """Broken: role pail-nolist-user may read and write its prefix in pail-demo but not list it."""
    s3 = s3_for(assume(Fx.alice_token, "alice", role=NOLIST_ROLE))
    s3.put_object(Bucket=BUCKET, Key="users/alice/nolist.txt", Body=b"n")
    assert s3.get_object(Bucket=BUCKET, Key="users/alice/nolist.txt")["Body"].read() == b"n"
    expect_error(lambda: s3.list_objects_v2(Bucket=BUCKET, Prefix="users/alice/", Delimiter="/"), "AccessDenied")


# ---------------------------------------------------------------- checksums and multipart (adapter gaps)

def crc32_b64(data):
    return base64.b64encode(binascii.crc32(data).to_bytes(4, "big")).decode()


def case_s3_checksum_verified():
    """S3: a wrong x-amz-checksum-crc32 on PutObject/UploadPart -> BadDigest; a right one is stored and returned."""
    s3, key = s3_for(Fx.alice), "users/alice/checksum.txt"
    s3.put_object(Bucket=BUCKET, Key=key, Body=b"checked", ChecksumAlgorithm="CRC32")
    head = s3.head_object(Bucket=BUCKET, Key=key, ChecksumMode="ENABLED")
    assert head.get("ChecksumCRC32") == crc32_b64(b"checked"), head
    r = signed("PUT", f"{S3}/{BUCKET}/{key}", Fx.alice, body=b"checked", headers={"x-amz-checksum-crc32": crc32_b64(b"other")})
    assert r.status_code == 400 and xml_code(r) == "BadDigest", r.text
    up = s3.create_multipart_upload(Bucket=BUCKET, Key=key)["UploadId"]
    r = signed("PUT", f"{S3}/{BUCKET}/{key}?partNumber=1&uploadId={up}", Fx.alice, body=b"part",
               headers={"x-amz-checksum-crc32": crc32_b64(b"not the part")})
    assert r.status_code == 400 and xml_code(r) == "BadDigest", r.text
    s3.abort_multipart_upload(Bucket=BUCKET, Key=key, UploadId=up)


def case_s3_multipart_full_object_checksum():
    """S3: multipart with CRC32 FULL_OBJECT: ListPartsResult lists each part's CRC32; Complete checks part and whole CRCs."""
    s3, key = s3_for(Fx.alice), "users/alice/full-object.bin"
    parts_data = [bytes([65 + i]) * (5 * 1024 * 1024) for i in range(2)] + [b"tail"]
    up = s3.create_multipart_upload(Bucket=BUCKET, Key=key, ChecksumAlgorithm="CRC32", ChecksumType="FULL_OBJECT")["UploadId"]
    parts = []
    for n, data in enumerate(parts_data, 1):
        r = s3.upload_part(Bucket=BUCKET, Key=key, UploadId=up, PartNumber=n, Body=data, ChecksumCRC32=crc32_b64(data))
        parts.append({"PartNumber": n, "ETag": r["ETag"], "ChecksumCRC32": crc32_b64(data)})
    raw = {}
    s3.meta.events.register("after-call.s3.ListParts", lambda http_response, **_: raw.update(xml=http_response.content))
    listed = s3.list_parts(Bucket=BUCKET, Key=key, UploadId=up)["Parts"]
    assert [p.get("ChecksumCRC32") for p in listed] == [p["ChecksumCRC32"] for p in parts], listed
    assert b"<ListPartsResult" in raw["xml"] and b"</ListPartsResult>" in raw["xml"], raw["xml"][:200]
    whole = b"".join(parts_data)

    def complete(parts, checksum):
        return lambda: s3.complete_multipart_upload(Bucket=BUCKET, Key=key, UploadId=up, ChecksumType="FULL_OBJECT",
                                                    ChecksumCRC32=checksum, MultipartUpload={"Parts": parts})
    expect_error(complete(parts, crc32_b64(whole + b"!")), "BadDigest")
    wrong_part = [dict(parts[0], ChecksumCRC32=crc32_b64(b"x"))] + parts[1:]
    expect_error(complete(wrong_part, crc32_b64(whole)), "InvalidPart")
    complete(parts, crc32_b64(whole))()
    head = s3.head_object(Bucket=BUCKET, Key=key, ChecksumMode="ENABLED")
    assert (head.get("ChecksumCRC32"), head.get("ChecksumType")) == (crc32_b64(whole), "FULL_OBJECT"), head
    assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == whole
    s3.delete_object(Bucket=BUCKET, Key=key)


def case_s3_presigned_part_with_signed_checksum():
    """S3: a presigned UploadPart whose CRC32 header is signed: right bytes stored (ETag exposed to the app's origin), wrong bytes BadDigest."""
    s3, key = s3_for(Fx.alice), "users/alice/presigned-part.bin"
    up = s3.create_multipart_upload(Bucket=BUCKET, Key=key, ChecksumAlgorithm="CRC32")["UploadId"]
    data = b"p" * 1024
    url = s3.generate_presigned_url("upload_part", ExpiresIn=60, Params={
        "Bucket": BUCKET, "Key": key, "UploadId": up, "PartNumber": 1, "ChecksumCRC32": crc32_b64(data)})
    assert "x-amz-checksum-crc32" in url.lower(), "the checksum header is among the signed headers"
    headers = {"x-amz-checksum-crc32": crc32_b64(data), "Origin": ALLOWED}
    r = requests.put(url, data=data, headers=headers, timeout=10)
    assert r.status_code == 200 and r.headers.get("ETag"), r.text
    assert "etag" in r.headers.get("Access-Control-Expose-Headers", "").lower(), r.headers
    r = requests.put(url, data=b"q" * 1024, headers=headers, timeout=10)
    assert r.status_code == 400 and xml_code(r) == "BadDigest", r.text
    r = requests.put(url, data=data, headers={"x-amz-checksum-crc32": crc32_b64(b"q")}, timeout=10)
    assert xml_code(r) == "SignatureDoesNotMatch", "a checksum other than the signed one: " + r.text
    s3.abort_multipart_upload(Bucket=BUCKET, Key=key, UploadId=up)


def case_s3_list_multipart_uploads_prefix_condition():
    """S3: ListMultipartUploads only with prefix=users/<sub>/ (the s3:prefix condition); uploads show when they began."""
    s3 = s3_for(Fx.alice)
    s3.list_multipart_uploads(Bucket=BUCKET, Prefix="users/alice/")
    s3.list_multipart_uploads(Bucket=BUCKET, Prefix="users/alice/some/file.bin")
    expect_error(lambda: s3.list_multipart_uploads(Bucket=BUCKET, Prefix="users/bob/"), "AccessDenied")
    expect_error(lambda: s3.list_multipart_uploads(Bucket=BUCKET, Prefix="users/"), "AccessDenied")
    up = s3_for(Fx.bob).create_multipart_upload(Bucket=BUCKET, Key="users/bob/mine.bin")["UploadId"]
    listed = s3_for(Fx.bob).list_multipart_uploads(Bucket=BUCKET, Prefix="users/bob/mine.bin")["Uploads"]
    age = datetime.now(timezone.utc) - listed[0]["Initiated"]
    assert abs(age.total_seconds()) < 60, f"initiated {listed[0]['Initiated']}, not when it was created"
    expect_error(lambda: s3.list_parts(Bucket=BUCKET, Key="users/bob/mine.bin", UploadId=up), "AccessDenied")
    expect_error(lambda: s3.abort_multipart_upload(Bucket=BUCKET, Key="users/bob/mine.bin", UploadId=up), "AccessDenied")
    s3_for(Fx.bob).abort_multipart_upload(Bucket=BUCKET, Key="users/bob/mine.bin", UploadId=up)


def knob(name, **params):
    r = requests.post(f"{S3}/__pail/{name}", json=params, timeout=5)
    assert r.ok, r.text


def counters(key):
    return requests.get(f"{S3}/__pail/counters", params={"key": key}, timeout=5).json()


def case_knobs_fault_delay_counters():
    """Knobs: a fault fails the next UploadPart of a key once; a delay slows a prefix; counters count received/stored parts and presigned GETs."""
    s3, key = s3_for(Fx.alice), f"users/alice/knobs-{time.time_ns()}.bin"
    s3 = boto3.client("s3", endpoint_url=S3, region_name="us-east-1", aws_access_key_id=Fx.alice["AccessKeyId"],
                      aws_secret_access_key=Fx.alice["SecretAccessKey"], aws_session_token=Fx.alice["SessionToken"],
                      config=S3_CONFIG.merge(Config(retries={"total_max_attempts": 1})))  # see the fault itself
    up = s3.create_multipart_upload(Bucket=BUCKET, Key=key)["UploadId"]
    knob("faults", key=key, operation="UploadPart", part=2, status=500, code="InternalError")
    s3.upload_part(Bucket=BUCKET, Key=key, UploadId=up, PartNumber=1, Body=b"1" * 100)
    expect_error(lambda: s3.upload_part(Bucket=BUCKET, Key=key, UploadId=up, PartNumber=2, Body=b"2"), "InternalError")
    s3.upload_part(Bucket=BUCKET, Key=key, UploadId=up, PartNumber=2, Body=b"2")
    assert counters(key)["UploadPart"] == {"1": {"received": 1, "stored": 1}, "2": {"received": 2, "stored": 1}}, counters(key)
    knob("delays", prefix=key, operation="UploadPart", seconds=1.0)
    t0 = time.monotonic()
    s3.upload_part(Bucket=BUCKET, Key=key, UploadId=up, PartNumber=3, Body=b"3")
    assert time.monotonic() - t0 >= 1.0
    knob("delays", prefix=key, operation="UploadPart", seconds=0)
    s3.abort_multipart_upload(Bucket=BUCKET, Key=key, UploadId=up)
    assert counters("users/alice/never-touched") == {}
    # A GET by presigned URL (a download link) is told apart from one signed in headers.
    s3.put_object(Bucket=BUCKET, Key=key, Body=b"x")
    s3.get_object(Bucket=BUCKET, Key=key)
    assert requests.get(s3.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": key}), timeout=5).ok
    assert counters(key)["GET"] == {"0": {"received": 2, "presigned": 1}}, counters(key)


def case_knobs_seed_and_unseed():
    """Knobs: seed puts N objects under a prefix that list through S3 page by page; unseed removes exactly those."""
    s3, prefix = s3_for(Fx.alice), f"users/alice/seeded-{time.time_ns()}/"
    s3.put_object(Bucket=BUCKET, Key=prefix.rstrip("/") + "-sibling.txt", Body=b"stays")
    r = requests.post(f"{S3}/__pail/seed", json={"prefix": prefix, "count": 2500}, timeout=30)
    assert r.ok and r.json() == {"seeded": 2500}, r.text
    pages = list(s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix, Delimiter="/"))
    keys = [o["Key"] for p in pages for o in p.get("Contents", [])]
    assert len(pages) == 3 and len(keys) == 2500 and keys[0] == f"{prefix}file-000000.txt", (len(pages), len(keys))
    assert s3.head_object(Bucket=BUCKET, Key=f"{prefix}file-000001.txt")["ContentLength"] == 37
    assert requests.post(f"{S3}/__pail/seed", json={"prefix": "users/", "count": 1}, timeout=5).status_code == 400
    r = requests.post(f"{S3}/__pail/unseed", json={"prefix": prefix}, timeout=30)
    assert r.ok and r.json() == {"removed": 2500}, r.text
    assert s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix)["KeyCount"] == 0
    assert s3.get_object(Bucket=BUCKET, Key=prefix.rstrip("/") + "-sibling.txt")["Body"].read() == b"stays"


def case_knobs_delete_objects_fault():
    """Knobs: a DeleteObjects fault leaves that key in place and reports it per key; the other keys are deleted."""
    s3, base = s3_for(Fx.alice), f"users/alice/delfault-{time.time_ns()}/"
    keys = [f"{base}{n}" for n in ("a", "b & <c>", "d")]
    for k in keys:
        s3.put_object(Bucket=BUCKET, Key=k, Body=b"x")
    knob("faults", key=keys[1], operation="DeleteObjects", status=403, code="AccessDenied", message="Access Denied")
    r = s3.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": k} for k in keys]})
    assert [(e["Key"], e["Code"]) for e in r.get("Errors", [])] == [(keys[1], "AccessDenied")], r
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix=base).get("Contents", [])] == [keys[1]]
    r = s3.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": keys[1]}]})  # the fault was used up
    assert not r.get("Errors") and s3.list_objects_v2(Bucket=BUCKET, Prefix=base)["KeyCount"] == 0, r


def case_knobs_hidden_etag():
    """Knobs: under a prefix whose ETag is hidden, responses to the app's origin expose no ETag; elsewhere they do."""
    hidden, key = f"users/alice/noetag-{time.time_ns()}/", "users/alice/cors.txt"
    knob("cors", prefix=hidden, expose_etag=False)

    def exposed(k):
        r = signed("PUT", f"{S3}/{BUCKET}/{k}", Fx.alice, body=b"x", headers={"Origin": ALLOWED})
        assert r.status_code == 200, r.text
        return [h.strip().lower() for h in r.headers.get("Access-Control-Expose-Headers", "").split(",")]
    assert "etag" not in exposed(hidden + "a.txt") and "x-amz-meta-description" in exposed(hidden + "a.txt")
    assert "etag" in exposed(key)
    knob("cors", prefix=hidden, expose_etag=True)
    assert "etag" in exposed(hidden + "a.txt")
    s3_for(Fx.alice).delete_object(Bucket=BUCKET, Key=hidden + "a.txt")


def case_knobs_sts_faults():
    """Knobs: STS down for a subject: the next N sign-ins get 503 ServiceUnavailable (Receiver), others are unaffected, then it answers again."""
    token = login("sten")
    knob("sts-faults", sub="sten", count=2)
    for _ in range(2):
        r = requests.post(STS, timeout=5, data={"Action": "AssumeRoleWithWebIdentity", "Version": "2011-06-15",
                                                "RoleArn": ROLE, "RoleSessionName": "selftest", "WebIdentityToken": token})
        assert r.status_code == 503 and "<Code>ServiceUnavailable</Code>" in r.text and "<Type>Receiver</Type>" in r.text, r.text
    assert assume(Fx.alice_token)["AccessKeyId"]
    assert assume(token)["AccessKeyId"]


def case_knobs_clock():
    """Knobs: a server clock an hour ahead under a prefix: its Date says so, signatures at real time are RequestTimeTooSkewed, presigned URLs have expired, STS Expiration is shifted for the subject."""
    prefix = f"users/alice/clock-{time.time_ns()}/"
    knob("clock", prefix=prefix, sub="alice", seconds=3600)
    try:
        r = signed("PUT", f"{S3}/{BUCKET}/{prefix}a.txt", Fx.alice, body=b"a", headers={"Origin": ALLOWED})
        assert r.status_code == 403 and xml_code(r) == "RequestTimeTooSkewed", r.text
        server = email.utils.parsedate_to_datetime(r.headers["Date"])
        assert 3590 < (server - datetime.now(timezone.utc)).total_seconds() < 3610, r.headers["Date"]
        assert "date" in r.headers.get("Access-Control-Expose-Headers", "").lower(), "Date must be readable by the app"
        later = datetime.now(timezone.utc) + timedelta(hours=1)
        r = signed("PUT", f"{S3}/{BUCKET}/{prefix}a.txt", Fx.alice, body=b"a", when=later)
        assert r.status_code == 200, r.text
        url = s3_for(Fx.alice).generate_presigned_url("get_object", ExpiresIn=900, Params={"Bucket": BUCKET, "Key": f"{prefix}a.txt"})
        r = requests.get(url, timeout=5)
        assert r.status_code == 403 and "expired" in r.text, r.text
        # Presigned on the server's clock, the same URL works: its window is what counts.
        with mock.patch.object(botocore.auth, "get_current_datetime", lambda: later.replace(tzinfo=None)):
            url = s3_for(Fx.alice).generate_presigned_url("get_object", ExpiresIn=900, Params={"Bucket": BUCKET, "Key": f"{prefix}a.txt"})
        r = requests.get(url, timeout=5)
        assert r.status_code == 200 and r.content == b"a", r.text
        # Elsewhere the clock is right.
        r = signed("PUT", f"{S3}/{BUCKET}/users/alice/clock-elsewhere.txt", Fx.alice, body=b"b")
        assert r.status_code == 200 and abs((email.utils.parsedate_to_datetime(r.headers["Date"]) - datetime.now(timezone.utc)).total_seconds()) < 10
        creds = assume(Fx.alice_token)
        assert (creds["Expiration"] - datetime.now(timezone.utc)).total_seconds() > 3600, creds["Expiration"]
    finally:
        knob("clock", prefix=prefix, sub="alice", seconds=0)
    creds = assume(Fx.alice_token)
    assert (creds["Expiration"] - datetime.now(timezone.utc)).total_seconds() < 3600, creds["Expiration"]
    s3_for(Fx.alice).delete_object(Bucket=BUCKET, Key=f"{prefix}a.txt")
    s3_for(Fx.alice).delete_object(Bucket=BUCKET, Key="users/alice/clock-elsewhere.txt")


def proxy_fault(**fault):
    r = requests.post(f"{PROXY}/__proxy/faults", json=fault, timeout=5)
    assert r.ok, r.text


def case_fault_proxy():
    """Fault proxy: passes signed requests through unchanged; drops a PUT mid-body, drops an answer after S3 acted, stalls."""
    assert PROXY, "stack.env has no S3_PROXY_ENDPOINT: start the stack with S3_PROXY_PORT set (scripts/test does)"
    requests.post(f"{PROXY}/__proxy/reset", timeout=5)
    key = f"users/alice/proxy-{time.time_ns()}.bin"
    s3 = boto3.client("s3", endpoint_url=PROXY, region_name="us-east-1", aws_access_key_id=Fx.alice["AccessKeyId"],
                      aws_secret_access_key=Fx.alice["SecretAccessKey"], aws_session_token=Fx.alice["SessionToken"],
                      config=S3_CONFIG.merge(Config(retries={"total_max_attempts": 1})))
    body = os.urandom(3 * 1024 * 1024)
    s3.put_object(Bucket=BUCKET, Key=key, Body=body)
    assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == body
    # Dropped after 1 MiB of the body: the client sees a broken connection, S3 stores nothing.
    proxy_fault(kind="drop", match=key.split("/")[-1], method="PUT", after_bytes=1 << 20)
    other = os.urandom(2 * 1024 * 1024)
    try:
        s3.put_object(Bucket=BUCKET, Key=key, Body=other)
        raise AssertionError("the dropped PUT succeeded")
    except (botocore.exceptions.ConnectionError, botocore.exceptions.HTTPClientError, ClientError) as e:
        assert not isinstance(e, ClientError), e
    assert s3_for(Fx.alice).get_object(Bucket=BUCKET, Key=key)["Body"].read() == body, "a half-sent PUT changed the object"
    requests.post(f"{PROXY}/__proxy/reset", timeout=5)
    # The answer dropped after S3 acted: the client sees an error, the object changed.
    proxy_fault(kind="drop_response", match=key.split("/")[-1], method="PUT")
    try:
        s3.put_object(Bucket=BUCKET, Key=key, Body=other)
        raise AssertionError("the answer was not dropped")
    except (botocore.exceptions.ConnectionError, botocore.exceptions.HTTPClientError):
        pass
    assert s3_for(Fx.alice).get_object(Bucket=BUCKET, Key=key)["Body"].read() == other
    # Stalled for a second after 1 MiB, then completed.
    proxy_fault(kind="stall", match=key.split("/")[-1], method="PUT", after_bytes=1 << 20, seconds=1)
    t0 = time.monotonic()
    s3.put_object(Bucket=BUCKET, Key=key, Body=body)
    assert time.monotonic() - t0 >= 1.0
    assert s3_for(Fx.alice).get_object(Bucket=BUCKET, Key=key)["Body"].read() == body
    fired = requests.get(f"{PROXY}/__proxy/fired", timeout=5).json()
    assert [f["kind"] for f in fired] == ["drop_response", "stall"], fired
    requests.post(f"{PROXY}/__proxy/reset", timeout=5)
    s3.delete_object(Bucket=BUCKET, Key=key)


# ---------------------------------------------------------------- runner

def main():
    try:
        setup()
    except Exception as e:
        print(f"FAIL  setup (is the stack up? run stack/up): {e}")
        return 1
    cases = [(n, f) for n, f in globals().items() if n.startswith("case_")]
    failed = 0
    for name, fn in cases:
        t0 = time.monotonic()
        try:
            fn()
            status, detail = "PASS", ""
        except Exception as e:
            failed += 1
            status, detail = "FAIL", f"  -> {type(e).__name__}: {e}"
            if os.environ.get("SELFTEST_TRACEBACK"):
                traceback.print_exc()
        print(f"{status}  {fn.__doc__.strip().splitlines()[0]}  ({time.monotonic() - t0:.1f}s){detail}", flush=True)
    print(f"{len(cases) - failed}/{len(cases)} passed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
