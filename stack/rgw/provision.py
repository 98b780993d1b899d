#!/usr/bin/env python3
"""Provision a fresh Ceph RGW (stack/rgw/up runs this) for Pail:

- an admin user `pail-admin` (radosgw-admin) with caps roles=*;oidc-provider=*;users=*;buckets=*
- the IAM OIDC provider for our IdP: its issuer URL, client id `pail-local`, the SHA-1
  thumbprint of the `x5c` certificate the IdP publishes (RGW validates tokens against x5c only)
- the bucket `pail-demo` with the CORS rules of stack/s3/bucket-cors.json for PAIL_STACK_ORIGINS
- one role per user, `pail-<user>` (RGW refuses policy variables with `:` such as
  `${issuer:sub}` in Resources, so a shared role cannot confine each user to their prefix):
  trust = this provider, `<issuer-host>:sub` equal to the user and `<issuer-host>:aud` equal to
  the client id; permissions = stack/s3/permission-policy.json with the prefix `users/<user>/`
  written out. A user name must be usable in a role name and contain no `/`.

Writes $PAIL_STACK_DIR/rgw.env (what the app and stack/rgw/selftest.py need) and the documents
in effect to $PAIL_STACK_DIR/rgw/policies/. Policies go to RGW as compact JSON (it refuses some
documents with spaces).

Env: PAIL_STACK_DIR, IDP_PORT, RGW_PORT, RGW_STS_CORS_PORT, PAIL_BUCKET (pail-demo),
PAIL_STACK_ORIGINS, PAIL_METADATA_KEYS (description), PAIL_RGW_USERS (alice,bob,alice-x,alic).
"""
import argparse
import base64
import hashlib
import json
import os
import re
import secrets
import subprocess
import sys
import urllib.request
from pathlib import Path

import boto3
from botocore.config import Config

HERE = Path(__file__).resolve().parent
STACK = HERE.parent
STACK_DIR = Path(os.environ.get("PAIL_STACK_DIR", STACK.parent / "target" / "stack"))
ISSUER = f"http://127.0.0.1:{os.environ.get('IDP_PORT', '9090')}"
ISSUER_HOST = ISSUER.split("://", 1)[1]
CLIENT_ID = "pail-local"
RGW_PORT = int(os.environ.get("RGW_PORT", "9100"))
ENDPOINT = f"http://127.0.0.1:{RGW_PORT}"
CORS_ENDPOINT = f"http://127.0.0.1:{os.environ.get('RGW_STS_CORS_PORT', RGW_PORT + 1)}"
BUCKET = os.environ.get("PAIL_BUCKET", "pail-demo")
ORIGINS = [o.strip().rstrip("/") for o in os.environ.get(
    "PAIL_STACK_ORIGINS", "http://127.0.0.1:8080,http://127.0.0.1:8765").split(",") if o.strip()]
METADATA_KEYS = os.environ.get("PAIL_METADATA_KEYS", "description").replace(",", " ").split()
USERS = [u.strip() for u in os.environ.get("PAIL_RGW_USERS", "alice,bob,alice-x,alic").split(",") if u.strip()]
ROLE_ARN_PATTERN = "arn:aws:iam:::role/pail-{sub}"
PREFIX = "users/{sub}/"
# Role names: what IAM allows, minus `_` (RGW refused it here).
USER_NAME = re.compile(r"^[A-Za-z0-9+=,.@-]{1,59}$")


def compact(doc):
    return json.dumps(doc, separators=(",", ":"))


def render(name, values, lists):
    """stack/s3/<name> with its @PLACEHOLDER@s filled (as the moto adapter does)."""
    text = (STACK / "s3" / name).read_text()
    for key, value in values.items():
        text = text.replace(f"@{key}@", value)

    def expand(obj):
        return {k: [o for x in v for o in (lists[x] if isinstance(x, str) and x in lists else [x])]
                if isinstance(v, list) else v for k, v in obj.items()}
    return json.loads(text, object_hook=expand)


def trust_policy(provider_arn, user):
    return {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow",
        "Principal": {"Federated": [provider_arn]},
        "Action": ["sts:AssumeRoleWithWebIdentity"],
        "Condition": {"StringEquals": {f"{ISSUER_HOST}:sub": user, f"{ISSUER_HOST}:aud": CLIENT_ID}},
    }]}


def permission_policy(user):
    return render("permission-policy.json", {"BUCKET": BUCKET, "HOME": PREFIX.format(sub=user)}, {})


def in_effect(name, doc):
    (STACK_DIR / "rgw" / "policies").mkdir(parents=True, exist_ok=True)
    (STACK_DIR / "rgw" / "policies" / name).write_text(json.dumps(doc, indent=2) + "\n")
    return doc


def idp_certificate_thumbprint():
    """SHA-1 of the DER certificate in the IdP's JWKS (x5c[0]), upper-case hex as IAM shows it."""
    with urllib.request.urlopen(f"{ISSUER}/.well-known/openid-configuration", timeout=5) as r:
        jwks_uri = json.load(r)["jwks_uri"]
    with urllib.request.urlopen(jwks_uri, timeout=5) as r:
        keys = json.load(r)["keys"]
    certs = [k["x5c"][0] for k in keys if k.get("x5c")]
    if not certs:
        sys.exit(f"provision: the IdP's JWKS ({jwks_uri}) has no x5c - RGW cannot validate its tokens")
    return hashlib.sha1(base64.b64decode(certs[0])).hexdigest().upper()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--conf", default=str(STACK_DIR / "rgw" / "ceph.conf"))
    args = ap.parse_args()
    for user in USERS:
        if not USER_NAME.match(user):
            sys.exit(f"provision: user name {user!r} cannot be a role name (pail-<user>) - not provisioned")

    access, secret = "PAILADMIN" + secrets.token_hex(6).upper(), secrets.token_urlsafe(30)
    admin = ["radosgw-admin", "-c", args.conf, "-n", "client.rgw.pail"]
    subprocess.run(admin + ["user", "create", "--uid=pail-admin", "--display-name=Pail admin (local stack)",
                            f"--access-key={access}", f"--secret-key={secret}"], check=True, capture_output=True)
    subprocess.run(admin + ["caps", "add", "--uid=pail-admin", "--caps=roles=*;oidc-provider=*;users=*;buckets=*"],
                   check=True, capture_output=True)

    kw = dict(endpoint_url=ENDPOINT, region_name="us-east-1", aws_access_key_id=access, aws_secret_access_key=secret)
    iam = boto3.client("iam", **kw)
    s3 = boto3.client("s3", config=Config(signature_version="s3v4", s3={"addressing_style": "path"}), **kw)

    thumbprint = idp_certificate_thumbprint()
    provider_arn = iam.create_open_id_connect_provider(
        Url=ISSUER, ClientIDList=[CLIENT_ID], ThumbprintList=[thumbprint])["OpenIDConnectProviderArn"]
    print(f"provision: OIDC provider {provider_arn} (client {CLIENT_ID}, thumbprint {thumbprint})")

    s3.create_bucket(Bucket=BUCKET)
    cors = in_effect("bucket-cors.json", render("bucket-cors.json", {}, {
        "@ORIGINS@": ORIGINS, "@METADATA_HEADERS@": [f"x-amz-meta-{k}" for k in METADATA_KEYS]}))
    s3.put_bucket_cors(Bucket=BUCKET, CORSConfiguration=cors)
    print(f"provision: bucket {BUCKET}, CORS for {', '.join(ORIGINS)}")

    for user in USERS:
        role = f"pail-{user}"
        trust = in_effect(f"{role}-trust.json", trust_policy(provider_arn, user))
        perms = in_effect(f"{role}-permissions.json", permission_policy(user))
        iam.create_role(RoleName=role, Path="/", AssumeRolePolicyDocument=compact(trust), MaxSessionDuration=3600)
        iam.put_role_policy(RoleName=role, PolicyName="pail-s3", PolicyDocument=compact(perms))
    print(f"provision: roles {', '.join(ROLE_ARN_PATTERN.format(sub=u) for u in USERS)}")

    env = {
        "RGW_ENDPOINT": ENDPOINT,                  # S3 (path-style), IAM, and STS without CORS
        "RGW_STS_ENDPOINT": CORS_ENDPOINT,         # STS for browsers: the CORS front
        "RGW_BUCKET": BUCKET,
        "RGW_REGION": "us-east-1",
        "RGW_ROLE_ARN_PATTERN": ROLE_ARN_PATTERN,  # one role per user
        "RGW_PREFIX": PREFIX,
        "RGW_USERS": ",".join(USERS),
        "RGW_OIDC_PROVIDER_ARN": provider_arn,
        "IDP_ISSUER": ISSUER,
        "IDP_CLIENT_ID": CLIENT_ID,
        "PAIL_STACK_ORIGINS": ",".join(ORIGINS),
        "RGW_CEPH_CONF": args.conf,
        # The admin's keys (local, throwaway cluster): for tests that set up or inspect.
        "RGW_ADMIN_ACCESS_KEY": access,
        "RGW_ADMIN_SECRET_KEY": secret,
    }
    (STACK_DIR / "rgw.env").write_text("".join(f"{k}={v}\n" for k, v in env.items()))
    os.chmod(STACK_DIR / "rgw.env", 0o600)
    print(f"provision: settings in {STACK_DIR / 'rgw.env'}")


if __name__ == "__main__":
    main()
