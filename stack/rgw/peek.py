#!/usr/bin/env python3
"""Looks at what a user has in the running Ceph RGW (stack/rgw/up), through its own S3 API with
that user's credentials from RGW's STS (their own token from our IdP, their own role) — for the
end-to-end tests that check what the app did on a store we did not write:

    stack/.venv/bin/python stack/rgw/peek.py object USER KEY    # size, sha256, type, metadata
    stack/.venv/bin/python stack/rgw/peek.py keys   USER PREFIX # every key under the prefix

Prints one JSON document. Settings: $PAIL_STACK_DIR/rgw.env (stack/rgw/provision.py).
"""
import hashlib
import json
import sys
from pathlib import Path

from botocore.exceptions import ClientError

sys.path.insert(0, str(Path(__file__).resolve().parent))
import selftest as rgw  # noqa: E402  (login, sts, s3_for and the settings)


def main(argv):
    if len(argv) != 4 or argv[1] not in ("object", "keys"):
        print(__doc__, file=sys.stderr)
        return 2
    what, user, target = argv[1:]
    s3 = rgw.s3_for(rgw.sts(rgw.login(user), rgw.role(user), session=f"peek-{user}").creds())
    if what == "keys":
        pages = s3.get_paginator("list_objects_v2").paginate(Bucket=rgw.BUCKET, Prefix=target)
        print(json.dumps([o["Key"] for p in pages for o in p.get("Contents", [])]))
        return 0
    try:
        head = s3.head_object(Bucket=rgw.BUCKET, Key=target)
    except ClientError as e:
        print(json.dumps({"error": e.response["Error"]["Code"]}))
        return 0
    body = s3.get_object(Bucket=rgw.BUCKET, Key=target)["Body"].read()
    print(json.dumps({
        "size": len(body), "sha256": hashlib.sha256(body).hexdigest(),
        "content_type": head.get("ContentType"), "metadata": head.get("Metadata", {}),
        "cache_control": head.get("CacheControl"),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
