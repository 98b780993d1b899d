#!/usr/bin/env python3
"""Security self-test of Pail's setup on Ceph RGW (run `stack/up`, then `stack/rgw/up` first):

    stack/.venv/bin/python stack/rgw/selftest.py

RGW's own STS validates the tokens here (no adapter in between). Real tokens come from our IdP
through stack/idp/login.mjs; bad tokens are minted with the IdP's own key
($PAIL_STACK_DIR/idp-jwks.json) so that exactly one property is wrong, and a control token
minted the same way with nothing wrong must be accepted. One PASS/FAIL line per case, exit 1 on
any failure. INFO lines are measured facts about RGW (the differences from AWS that issue 12
lists): they never fail the run, each says whether it is what issue 12 reported.
Settings: $PAIL_STACK_DIR/rgw.env (written by stack/rgw/provision.py).
"""
import base64
import fnmatch
import json
import os
import re
import subprocess
import sys
import time
import traceback
import zlib
from pathlib import Path
from urllib.parse import quote

import boto3
import botocore.auth
import jwt
import requests
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives.asymmetric import rsa

HERE = Path(__file__).resolve().parent
STACK = HERE.parent
STACK_DIR = Path(os.environ.get("PAIL_STACK_DIR", STACK.parent / "target" / "stack"))
ENV = dict(line.split("=", 1) for line in (STACK_DIR / "rgw.env").read_text().splitlines() if "=" in line) \
    if (STACK_DIR / "rgw.env").exists() else {}
RGW = ENV.get("RGW_ENDPOINT", "http://127.0.0.1:9100")
STS_FRONT = ENV.get("RGW_STS_ENDPOINT", "http://127.0.0.1:9101")
BUCKET = ENV.get("RGW_BUCKET", "pail-demo")
ISSUER = ENV.get("IDP_ISSUER", "http://127.0.0.1:9090")
CLIENT_ID = ENV.get("IDP_CLIENT_ID", "pail-local")
ROLE_PATTERN = ENV.get("RGW_ROLE_ARN_PATTERN", "arn:aws:iam:::role/pail-{sub}")
ORIGINS = [o for o in ENV.get("PAIL_STACK_ORIGINS", "http://127.0.0.1:8080").split(",") if o]
ALLOWED, EVIL = ORIGINS[0], "http://evil.example"
UNLISTED_CLIENT = "pail-unlisted"  # a client the IdP has (stack/up) and RGW's provider does not list
S3_CONFIG = Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}, signature_version="s3v4")


def role(sub):
    return ROLE_PATTERN.format(sub=sub)


# ---------------------------------------------------------------- helpers

def login(user, client_id=CLIENT_ID):
    env = {**os.environ, "IDP_ISSUER": ISSUER, "IDP_CLIENT_ID": client_id, "PAIL_STACK_ORIGINS": ",".join(ORIGINS)}
    out = subprocess.run(["node", str(STACK / "idp" / "login.mjs"), user], capture_output=True, text=True, timeout=30, env=env)
    assert out.returncode == 0, f"login.mjs {user} failed: {out.stderr.strip()}"
    return out.stdout.strip()


class StsAnswer:
    def __init__(self, r):
        self.status, self.text = r.status_code, r.text
        self.root = (re.match(r"\s*(?:<\?xml[^>]*>\s*)?<(\w+)", r.text) or [None, None])[1]
        m = re.search(r"<Code>([^<]+)</Code>", r.text)
        self.code = m.group(1) if m else None
        self.headers = r.headers

    def creds(self):
        assert self.status == 200, f"STS refused: HTTP {self.status} {self.code} {self.text[:200]!r}"
        get = lambda tag: re.search(f"<{tag}>([^<]*)</{tag}>", self.text).group(1)  # noqa: E731
        return {"AccessKeyId": get("AccessKeyId"), "SecretAccessKey": get("SecretAccessKey"), "SessionToken": get("SessionToken")}


def sts(token, role_arn, session="selftest", endpoint=RGW, origin=None):
    """AssumeRoleWithWebIdentity, raw (RGW's error shape is part of what is tested)."""
    r = requests.post(f"{endpoint}/", timeout=30, headers={"Origin": origin} if origin else {}, data={
        "Action": "AssumeRoleWithWebIdentity", "Version": "2011-06-15", "RoleArn": role_arn,
        "RoleSessionName": session, "WebIdentityToken": token})
    return StsAnswer(r)


def refused(token, role_arn):
    a = sts(token, role_arn)
    assert a.status != 200 and "AccessKeyId" not in a.text, f"STS gave credentials (HTTP {a.status})"
    return f"HTTP {a.status} {a.code}"


def s3_for(creds):
    return boto3.client("s3", endpoint_url=RGW, region_name="us-east-1", config=S3_CONFIG,
                        aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                        aws_session_token=creds.get("SessionToken"))


def error_code(fn):
    try:
        fn()
    except ClientError as e:
        return e.response["Error"]["Code"]
    return "no error"


def denied(fn, what):
    code = error_code(fn)
    assert code in ("AccessDenied", "403"), f"{what}: expected AccessDenied, got {code}"


def signed(method, key, creds, body=b"", headers=None, query=""):
    url = f"{RGW}/{BUCKET}/{quote(key)}" + (f"?{query}" if query else "")
    req = AWSRequest(method=method, url=url, data=body, headers=headers or {})
    botocore.auth.S3SigV4Auth(Credentials(creds["AccessKeyId"], creds["SecretAccessKey"], creds.get("SessionToken")),
                              "s3", "us-east-1").add_auth(req)
    return requests.request(method, url, data=body, headers=dict(req.headers.items()), timeout=10)


def idp_key():
    jwk = json.loads((STACK_DIR / "idp-jwks.json").read_text())["keys"][0]
    return jwt.PyJWK({k: v for k, v in jwk.items() if k != "x5c"}).key, jwk["kid"]


def mint(key=None, kid=None, alg="RS256", **overrides):
    """A token like the IdP's, with some claims overridden (None removes a claim)."""
    own_key, own_kid = idp_key()
    now = int(time.time())
    claims = {"iss": ISSUER, "sub": "alice", "aud": CLIENT_ID, "iat": now, "exp": now + 600, "name": "alice"}
    claims.update(overrides)
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, key or own_key, algorithm=alg, headers={"kid": kid or own_kid})


def admin():
    kw = dict(endpoint_url=RGW, region_name="us-east-1", aws_access_key_id=ENV["RGW_ADMIN_ACCESS_KEY"],
              aws_secret_access_key=ENV["RGW_ADMIN_SECRET_KEY"])
    return boto3.client("iam", **kw), boto3.client("s3", config=S3_CONFIG, **kw)


INFO = []


def info(fact):
    INFO.append(fact)
    print(f"INFO  {fact}", flush=True)


class Fx:
    tokens = {}
    creds = {}


def setup():
    for user in ("alice", "bob", "alice-x", "alic", "bob/evil"):
        Fx.tokens[user] = login(user)
    for user in ("alice", "bob", "alice-x", "alic"):
        Fx.creds[user] = sts(Fx.tokens[user], role(user), f"{user}-selftest").creds()
    s3_for(Fx.creds["bob"]).put_object(Bucket=BUCKET, Key="users/bob/secret.txt", Body=b"bob's")
    s3_for(Fx.creds["bob"]).put_object(Bucket=BUCKET, Key="users/bob/evil/planted.txt", Body=b"bob's too")
    s3_for(Fx.creds["alice"]).put_object(Bucket=BUCKET, Key="users/alice/secret.txt", Body=b"alice's")


# ---------------------------------------------------------------- STS

def case_sts_real_token():
    """STS: alice's real ID token with role pail-alice -> credentials (RGW's own STS)."""
    a = sts(Fx.tokens["alice"], role("alice"), "alice")
    a.creds()
    assert "<SubjectFromWebIdentityToken>alice</SubjectFromWebIdentityToken>" in a.text, a.text[:300]


def case_sts_minted_control():
    """STS: a token minted here with the IdP's key and nothing wrong -> credentials (so the refusals below are for the one wrong property)."""
    sts(mint(sub="bob"), role("bob")).creds()


def case_sts_tampered_signature():
    """STS: alice's real token with sub changed to bob (signature no longer matches), for pail-bob -> refused."""
    head, payload, sig = Fx.tokens["alice"].split(".")
    claims = jwt.utils.base64url_decode(payload + "=" * (-len(payload) % 4))
    forged = jwt.utils.base64url_encode(claims.replace(b'"sub":"alice"', b'"sub":"bob"')).decode()
    return refused(f"{head}.{forged}.{sig}", role("bob"))


def case_sts_forged_other_key():
    """STS: token signed with another RSA key under the IdP's kid (and an unknown kid) -> refused."""
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return refused(mint(key=other), role("alice")) + ", " + refused(mint(key=other, kid="unknown-kid"), role("alice"))


def case_sts_alg_none():
    """STS: unsigned alg=none token and an HS256 token -> refused."""
    now = int(time.time())
    none = jwt.encode({"iss": ISSUER, "sub": "alice", "aud": CLIENT_ID, "exp": now + 600, "iat": now}, None, algorithm="none")
    return refused(none, role("alice")) + ", " + refused(mint(key="a-shared-secret-of-some-length-0123456789", alg="HS256"), role("alice"))


def case_sts_expired_token():
    """STS: expired token signed with the IdP's key -> refused."""
    now = int(time.time())
    return refused(mint(iat=now - 7200, exp=now - 3600), role("alice"))


def case_sts_wrong_audience():
    """STS: token for another client id (minted, and a real one from the IdP's client pail-unlisted) -> refused."""
    return refused(mint(aud="someone-else"), role("alice")) + ", " + refused(login("alice", UNLISTED_CLIENT), role("alice"))


def case_sts_unknown_issuer():
    """STS: token naming an issuer with no OIDC provider in RGW (signed with the IdP's key) -> refused."""
    return refused(mint(iss="http://127.0.0.1:1"), role("alice"))


def case_sts_other_users_role():
    """STS: bob's real token for pail-alice, alice's for pail-bob -> refused (trust: sub must equal the role's user)."""
    return refused(Fx.tokens["bob"], role("alice")) + ", " + refused(Fx.tokens["alice"], role("bob"))


def case_sts_cors_front():
    """STS CORS front: preflight and POST from an app origin get Allow-Origin; another origin, other actions and RGW itself get none."""
    pre = lambda url, origin: requests.options(f"{url}/", timeout=5, headers={  # noqa: E731
        "Origin": origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"})
    ok = pre(STS_FRONT, ALLOWED)
    assert ok.status_code in (200, 204) and ok.headers.get("Access-Control-Allow-Origin") == ALLOWED, (ok.status_code, ok.headers)
    assert "content-type" in ok.headers.get("Access-Control-Allow-Headers", "").lower()
    bad = pre(STS_FRONT, EVIL)
    assert bad.status_code == 403 and "Access-Control-Allow-Origin" not in bad.headers, (bad.status_code, bad.headers)
    a = sts(Fx.tokens["alice"], role("alice"), endpoint=STS_FRONT, origin=ALLOWED)
    a.creds()
    assert a.headers.get("Access-Control-Allow-Origin") == ALLOWED, a.headers
    e = sts(Fx.tokens["alice"], role("alice"), endpoint=STS_FRONT, origin=EVIL)
    assert "Access-Control-Allow-Origin" not in e.headers, e.headers
    r = requests.post(f"{STS_FRONT}/", data={"Action": "ListRoles", "Version": "2010-05-08"}, headers={"Origin": ALLOWED}, timeout=5)
    assert r.status_code == 400 and "AccessKeyId" not in r.text and "<Role" not in r.text, (r.status_code, r.text[:200])
    direct = pre(RGW, ALLOWED)
    assert "Access-Control-Allow-Origin" not in direct.headers
    return f"RGW's own STS preflight: HTTP {direct.status_code}, no CORS headers"


# ---------------------------------------------------------------- S3 with alice's credentials

def case_s3_alice_own_prefix():
    """S3: alice puts, gets, heads, lists and deletes in users/alice/."""
    s3 = s3_for(Fx.creds["alice"])
    key = "users/alice/selftest/own.txt"
    s3.put_object(Bucket=BUCKET, Key=key, Body=b"mine")
    assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == b"mine"
    s3.head_object(Bucket=BUCKET, Key=key)
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix="users/alice/").get("Contents", [])]
    assert key in keys, keys
    keys = [p["Prefix"] for p in s3.list_objects_v2(Bucket=BUCKET, Prefix="users/alice/", Delimiter="/").get("CommonPrefixes", [])]
    assert "users/alice/selftest/" in keys, keys
    s3.delete_object(Bucket=BUCKET, Key=key)
    assert key not in [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix="users/alice/").get("Contents", [])]


def case_s3_alice_not_bob():
    """S3: alice is refused in users/bob/: list, get, head, put, delete, copy from; and a list of the whole bucket."""
    s3 = s3_for(Fx.creds["alice"])
    denied(lambda: s3.list_objects_v2(Bucket=BUCKET, Prefix="users/bob/"), "list users/bob/")
    denied(lambda: s3.list_objects_v2(Bucket=BUCKET), "list without prefix")
    denied(lambda: s3.list_objects_v2(Bucket=BUCKET, Prefix="users/"), "list users/")
    denied(lambda: s3.get_object(Bucket=BUCKET, Key="users/bob/secret.txt"), "get")
    denied(lambda: s3.head_object(Bucket=BUCKET, Key="users/bob/secret.txt"), "head")
    denied(lambda: s3.put_object(Bucket=BUCKET, Key="users/bob/planted.txt", Body=b"x"), "put")
    denied(lambda: s3.delete_object(Bucket=BUCKET, Key="users/bob/secret.txt"), "delete")
    denied(lambda: s3.copy_object(Bucket=BUCKET, Key="users/alice/stolen.txt",
                                  CopySource={"Bucket": BUCKET, "Key": "users/bob/secret.txt"}), "copy from")
    assert s3_for(Fx.creds["bob"]).get_object(Bucket=BUCKET, Key="users/bob/secret.txt")["Body"].read() == b"bob's"


def case_s3_unsigned_refused():
    """S3: an unsigned GET of alice's object and an unsigned list -> 403."""
    r = requests.get(f"{RGW}/{BUCKET}/users/alice/secret.txt", timeout=5)
    assert r.status_code == 403 and b"alice's" not in r.content, r.status_code
    r = requests.get(f"{RGW}/{BUCKET}?list-type=2&prefix=users/alice/", timeout=5)
    assert r.status_code == 403 and "secret.txt" not in r.text, r.status_code


def case_s3_bucket_cors():
    """S3 bucket CORS: preflight from an app origin -> 200 with Allow-Origin; from another origin -> 403 without."""
    pre = lambda origin: requests.options(f"{RGW}/{BUCKET}/users/alice/x.txt", timeout=5, headers={  # noqa: E731
        "Origin": origin, "Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": "content-type,x-amz-date"})
    ok, bad = pre(ALLOWED), pre(EVIL)
    assert ok.status_code == 200 and ok.headers.get("Access-Control-Allow-Origin") == ALLOWED, (ok.status_code, ok.headers)
    assert bad.status_code == 403 and "Access-Control-Allow-Origin" not in bad.headers, (bad.status_code, bad.headers)


# ---------------------------------------------------------------- break-out catalogue (issue 19)

def case_breakout_slash_sub_refused():
    """Break-out: login bob/evil gets no role that reaches bob's folder: refused for pail-bob (and every other role) at STS."""
    token = Fx.tokens["bob/evil"]
    assert jwt.decode(token, options={"verify_signature": False})["sub"] == "bob/evil"
    out = [refused(token, role(u)) for u in ("bob", "alice", "alice-x", "alic")]
    # RGW's ARN for a role name with '/' would be a role path; there is no such role either.
    out.append(refused(token, "arn:aws:iam:::role/pail-bob/evil"))
    return "; ".join(out)


def case_breakout_no_role_grants_nested():
    """Break-out: of all roles in RGW only pail-bob's policy reaches users/bob/evil/, and its trust requires sub == "bob" exactly."""
    iam, _ = admin()
    target = f"arn:aws:s3:::{BUCKET}/users/bob/evil/planted.txt"
    reaching, roles = [], iam.list_roles()["Roles"]
    assert roles, "no roles listed"
    for r in roles:
        for name in iam.list_role_policies(RoleName=r["RoleName"])["PolicyNames"]:
            doc = iam.get_role_policy(RoleName=r["RoleName"], PolicyName=name)["PolicyDocument"]
            doc = json.loads(doc) if isinstance(doc, str) else doc
            for st in doc["Statement"]:
                res = st.get("Resource", [])
                for pattern in [res] if isinstance(res, str) else res:
                    if st["Effect"] == "Allow" and fnmatch.fnmatchcase(target, pattern):
                        reaching.append(r["RoleName"])
    assert sorted(set(reaching)) == ["pail-bob"], reaching
    bob = next(r for r in roles if r["RoleName"] == "pail-bob")
    trust = bob["AssumeRolePolicyDocument"]
    trust = json.loads(trust) if isinstance(trust, str) else trust
    host = ISSUER.split("://", 1)[1]
    conds = [st["Condition"] for st in trust["Statement"] if st["Effect"] == "Allow"]
    assert conds and all(c.get("StringEquals", {}).get(f"{host}:sub") == "bob" and not c.get("StringLike") for c in conds), trust
    return f"{len(roles)} roles checked"


def case_breakout_prefix_names():
    """Break-out: alice-x and alic (names that share a prefix with alice) get their own folders and nothing of alice's."""
    for user in ("alice-x", "alic"):
        s3 = s3_for(Fx.creds[user])
        s3.put_object(Bucket=BUCKET, Key=f"users/{user}/own.txt", Body=b"ok")
        assert s3.get_object(Bucket=BUCKET, Key=f"users/{user}/own.txt")["Body"].read() == b"ok"
        s3.list_objects_v2(Bucket=BUCKET, Prefix=f"users/{user}/")
        for prefix in ("users/alice/", "users/alice", "users/alic", "users/ali"):
            denied(lambda: s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix), f"{user}: list {prefix!r}")
        denied(lambda: s3.get_object(Bucket=BUCKET, Key="users/alice/secret.txt"), f"{user}: get")
        denied(lambda: s3.head_object(Bucket=BUCKET, Key="users/alice/secret.txt"), f"{user}: head")
        denied(lambda: s3.put_object(Bucket=BUCKET, Key="users/alice/planted.txt", Body=b"x"), f"{user}: put")
        denied(lambda: s3.delete_object(Bucket=BUCKET, Key="users/alice/secret.txt"), f"{user}: delete")
        denied(lambda: s3.create_multipart_upload(Bucket=BUCKET, Key="users/alice/mp.bin"), f"{user}: multipart")
        denied(lambda: s3.copy_object(Bucket=BUCKET, Key=f"users/{user}/stolen.txt",
                                      CopySource={"Bucket": BUCKET, "Key": "users/alice/secret.txt"}), f"{user}: copy from")
        refused(Fx.tokens[user], role("alice"))
    assert s3_for(Fx.creds["alice"]).get_object(Bucket=BUCKET, Key="users/alice/secret.txt")["Body"].read() == b"alice's"


# ---------------------------------------------------------------- RGW behaviours of issue 12 (measured, INFO)

def case_info_issue12():
    """RGW behaviours that differ from AWS (issue 12), measured; INFO lines, each compared with what the issue reported."""
    c = Fx.creds["alice"]
    s3 = s3_for(c)
    hdr = lambda r: "with" if r.headers.get("Access-Control-Allow-Origin") else "without"  # noqa: E731

    # 1. CORS preflight of presigned PUT URLs (X-Amz-Signature in the query) vs of the plain URL.
    #    RGW checks the query signature on the preflight itself: a URL that signs only `host`
    #    passes; one that also signs a header the real PUT sends (here x-amz-checksum-crc32, as an
    #    SDK that computes checksums presigns it) or whose signature is wrong does not.
    key = {"Bucket": BUCKET, "Key": "users/alice/presigned.bin"}
    pre = {"Origin": ALLOWED, "Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": "content-type"}
    host_only = s3.generate_presigned_url("put_object", Params=key, ExpiresIn=300)
    with_header = s3.generate_presigned_url("put_object", Params={**key, "ChecksumCRC32": "AAAAAA=="}, ExpiresIn=300)
    tampered = host_only[:-4] + ("0000" if not host_only.endswith("0000") else "1111")
    answers = {name: requests.options(u, headers=pre, timeout=5) for name, u in (
        ("plain URL", host_only.split("?")[0]), ("presigned, SignedHeaders=host", host_only),
        ("presigned, SignedHeaders=host;x-amz-checksum-crc32", with_header), ("presigned, wrong signature", tampered))}
    as_reported = answers["plain URL"].status_code == 200 and any(
        r.status_code == 403 and hdr(r) == "without" for n, r in answers.items() if n != "plain URL")
    info("preflight of a PUT URL: " + "; ".join(
        f"{n}: HTTP {r.status_code} {hdr(r)} CORS headers" + (f" ({(re.search(r'<Code>([^<]+)', r.text) or [0, ''])[1]})" if r.status_code != 200 else "")
        for n, r in answers.items()) + (" (as issue 12 reported, for presigned URLs that sign more than host)" if as_reported
                                       else " (NOT as issue 12 reported)"))

    # 2. ListMultipartUploads with the user's own prefix.
    code = error_code(lambda: s3.list_multipart_uploads(Bucket=BUCKET, Prefix="users/alice/"))
    info(f"ListMultipartUploads prefix=users/alice/ with alice's role: {code} ("
         + ("as issue 12 reported" if code == "AccessDenied" else "NOT as issue 12 reported") + ")")

    # 3. DeleteObjects of two own keys vs single DeleteObject.
    for k in ("users/alice/d1.txt", "users/alice/d2.txt"):
        s3.put_object(Bucket=BUCKET, Key=k, Body=b"d")
    try:
        out = s3.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": "users/alice/d1.txt"}, {"Key": "users/alice/d2.txt"}]})
        multi = f"deleted {len(out.get('Deleted', []))}, errors {[e['Code'] for e in out.get('Errors', [])]}"
    except ClientError as e:
        multi = e.response["Error"]["Code"]
    single = error_code(lambda: s3.delete_object(Bucket=BUCKET, Key="users/alice/d1.txt"))
    single = "OK" if single == "no error" else single
    info(f"DeleteObjects of 2 own keys: {multi}; single DeleteObject: {single} ("
         + ("as issue 12 reported" if multi == "AccessDenied" and single == "OK" else "NOT as issue 12 reported") + ")")
    s3.delete_object(Bucket=BUCKET, Key="users/alice/d2.txt")

    # 4. HEAD of a missing key in the own prefix (the role has ListBucket only with an s3:prefix condition).
    r = signed("HEAD", "users/alice/no-such-key.txt", c)
    info(f"HEAD of a missing own key without unconditioned s3:ListBucket: HTTP {r.status_code} ("
         + ("as issue 12 reported; AWS documents 403 too" if r.status_code == 403 else "NOT as issue 12 reported") + ")")

    # 5. Copy guarded by x-amz-copy-source-if-match with a wrong ETag (and RGW's legacy x-amz-copy-if-match).
    s3.put_object(Bucket=BUCKET, Key="users/alice/src.txt", Body=b"source")
    src = {"x-amz-copy-source": f"/{BUCKET}/users/alice/src.txt"}
    std = signed("PUT", "users/alice/copy1.txt", c, headers={**src, "x-amz-copy-source-if-match": '"0123456789abcdef0123456789abcdef"'})
    legacy = signed("PUT", "users/alice/copy2.txt", c, headers={**src, "x-amz-copy-if-match": '"0123456789abcdef0123456789abcdef"'})
    info(f"CopyObject with a wrong x-amz-copy-source-if-match: HTTP {std.status_code}; with a wrong x-amz-copy-if-match: "
         f"HTTP {legacy.status_code} ("
         + ("as issue 12 reported: the standard header is ignored" if std.status_code == 200 and legacy.status_code == 412
            else "NOT as issue 12 reported") + ")")

    # 6. PutObject with a wrong x-amz-checksum-crc32.
    body = b"checksum probe"
    wrong = base64.b64encode((zlib.crc32(body) ^ 0xFFFFFFFF).to_bytes(4, "big")).decode()
    r = signed("PUT", "users/alice/crc.txt", c, body=body, headers={"x-amz-checksum-crc32": wrong})
    info(f"PutObject with a wrong x-amz-checksum-crc32: HTTP {r.status_code}"
         + (" (stored)" if r.status_code == 200 else f" {r.text[:80]!r}") + " ("
         + ("as issue 12 reported: not checked" if r.status_code == 200 else "NOT as issue 12 reported") + ")")

    # 7. STS error shape.
    a = sts(Fx.tokens["bob"], role("alice"))
    info(f"STS error answer: HTTP {a.status}, root element <{a.root}>, code {a.code} ("
         + ("as issue 12 reported: S3's <Error> shape, not <ErrorResponse>" if a.root == "Error" else "NOT as issue 12 reported") + ")")
    for k in ("users/alice/src.txt", "users/alice/copy1.txt", "users/alice/copy2.txt", "users/alice/crc.txt"):
        s3.delete_object(Bucket=BUCKET, Key=k)


def main():
    try:
        setup()
    except Exception as e:
        print(f"FAIL  setup (are the stack and RGW up? stack/up, stack/rgw/up): {type(e).__name__}: {e}")
        if os.environ.get("SELFTEST_TRACEBACK"):
            traceback.print_exc()
        return 1
    cases = [(n, f) for n, f in globals().items() if n.startswith("case_")]
    failed = 0
    for name, fn in cases:
        t0 = time.monotonic()
        try:
            note = fn()
            status, detail = "PASS", f"  [{note}]" if note else ""
        except Exception as e:
            failed += 1
            status, detail = "FAIL", f"  -> {type(e).__name__}: {e}"
            if os.environ.get("SELFTEST_TRACEBACK"):
                traceback.print_exc()
        print(f"{status}  {fn.__doc__.strip().splitlines()[0]}  ({time.monotonic() - t0:.1f}s){detail}", flush=True)
    print(f"{len(cases) - failed}/{len(cases)} passed ({len(INFO)} INFO facts)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
