#!/usr/bin/env python3
"""Looks at what a user has in the running local stack, through the real S3 API (the user's
own token from the IdP, STS credentials, boto3) — for tests that check what the app uploaded:

    stack/.venv/bin/python stack/peek.py object  USER KEY      # size, sha256, type, metadata, CRC32
    stack/.venv/bin/python stack/peek.py uploads USER PREFIX   # unfinished multipart uploads
    stack/.venv/bin/python stack/peek.py keys    USER PREFIX   # every key under the prefix

Prints one JSON document. Settings as for selftest.py (target/stack/stack.env or the env vars).
"""
import hashlib
import json
import sys

from botocore.exceptions import ClientError

import selftest as stack  # login, assume, s3_for and the stack's settings


def main(argv):
    if len(argv) != 4 or argv[1] not in ("object", "uploads", "keys"):
        print(__doc__, file=sys.stderr)
        return 2
    what, user, target = argv[1:]
    s3 = stack.s3_for(stack.assume(stack.login(user), f"peek-{user}"[:64]))
    if what == "object":
        try:
            head = s3.head_object(Bucket=stack.BUCKET, Key=target, ChecksumMode="ENABLED")
        except ClientError as e:
            print(json.dumps({"error": e.response["Error"]["Code"]}))
            return 0
        body = s3.get_object(Bucket=stack.BUCKET, Key=target)["Body"].read()
        print(json.dumps({
            "size": len(body), "sha256": hashlib.sha256(body).hexdigest(),
            "content_type": head.get("ContentType"), "metadata": head.get("Metadata", {}),
            "checksum_crc32": head.get("ChecksumCRC32"), "checksum_type": head.get("ChecksumType"),
            "etag": head.get("ETag"),
        }))
    elif what == "keys":
        pages = s3.get_paginator("list_objects_v2").paginate(Bucket=stack.BUCKET, Prefix=target)
        print(json.dumps([o["Key"] for p in pages for o in p.get("Contents", [])]))
    else:
        listed = s3.list_multipart_uploads(Bucket=stack.BUCKET, Prefix=target).get("Uploads", [])
        print(json.dumps([{"key": u["Key"], "upload_id": u["UploadId"]} for u in listed]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
