#!/usr/bin/env python3
"""Fills users/<user>/ in the running bench stack with a realistic listing, the way the app
would: an ID token from the IdP (stack/idp/login.mjs, the real code + PKCE flow), STS
AssumeRoleWithWebIdentity, then PutObject with those session credentials.

    stack/.venv/bin/python bench/seed.py <user> <files> [<folders>]

<files> objects directly under the prefix (varied names, sizes 0 B - 64 KiB, deterministic)
and <folders> sub-folders of 5 objects each. Prints the number of rows the listing shows.
Settings from $PAIL_STACK_DIR/stack.env (written by stack/up).
"""
import os
import random
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3
from botocore.config import Config

REPO = Path(__file__).resolve().parent.parent
STACK_DIR = Path(os.environ["PAIL_STACK_DIR"])
ENV = dict(line.split("=", 1) for line in (STACK_DIR / "stack.env").read_text().split() if "=" in line)

user, files = sys.argv[1], int(sys.argv[2])
folders = int(sys.argv[3]) if len(sys.argv) > 3 else 0

token = subprocess.run(["node", str(REPO / "stack/idp/login.mjs"), user], check=True, capture_output=True,
                       text=True, env={**os.environ, "IDP_ISSUER": ENV["IDP_ISSUER"]}).stdout.strip()
creds = boto3.client("sts", endpoint_url=ENV["STS_ENDPOINT"], region_name="us-east-1").assume_role_with_web_identity(
    RoleArn=ENV["PAIL_ROLE_ARN"], RoleSessionName=user, WebIdentityToken=token)["Credentials"]
s3 = boto3.client("s3", endpoint_url=ENV["S3_ENDPOINT"], region_name="us-east-1",
                  aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                  aws_session_token=creds["SessionToken"],
                  config=Config(signature_version="s3v4", s3={"addressing_style": "path"},
                                max_pool_connections=8))

rng = random.Random(42)
kinds = [("IMG_{:04d}.jpg", 1.0), ("scan-{:04d}.pdf", 0.8), ("notes-{:04d}.md", 0.2),
         ("report {:04d} (final).docx", 0.6), ("data_{:04d}.csv", 0.5), ("clip-{:04d}.mp4", 1.0)]
prefix = f"users/{user}/"
keys = []
for i in range(files):
    pattern, scale = kinds[i % len(kinds)]
    keys.append((prefix + pattern.format(i), int(rng.random() ** 2 * 65536 * scale)))
for f in range(folders):
    for i in range(5):
        keys.append((f"{prefix}folder-{f + 1}/file-{i + 1}.txt", rng.randrange(1, 4096)))


def put(item):
    key, size = item
    s3.put_object(Bucket=ENV["PAIL_BUCKET"], Key=key, Body=rng.randbytes(size) if size else b"")


with ThreadPoolExecutor(8) as pool:
    list(pool.map(put, keys))
page = s3.list_objects_v2(Bucket=ENV["PAIL_BUCKET"], Prefix=prefix, Delimiter="/")
rows = len(page.get("Contents", [])) + len(page.get("CommonPrefixes", []))
assert rows == files + folders, f"listing shows {rows} rows, expected {files + folders}"
print(rows)
