#!/usr/bin/env python3
"""Looks at what a user has in the running local stack, through the real S3 API (the user's
own token from the IdP, STS credentials, boto3) — for tests that check what the app uploaded:

    stack/.venv/bin/python stack/peek.py object  USER KEY      # size, sha256, type, metadata, CRC32
    stack/.venv/bin/python stack/peek.py uploads USER PREFIX   # unfinished multipart uploads
    stack/.venv/bin/python stack/peek.py keys    USER PREFIX   # every key under the prefix
    stack/.venv/bin/python stack/peek.py versions USER KEY     # the key's versions, newest first
    stack/.venv/bin/python stack/peek.py put     USER KEY TEXT # write TEXT (body and description)
    stack/.venv/bin/python stack/peek.py delete  USER KEY      # DeleteObject (a delete marker if versioned)

With `--versioned` at the end, in the versioned setup's bucket (its role, the same prefix).

Prints one JSON document. Settings as for selftest.py (target/stack/stack.env or the env vars).
"""
import email.header
import hashlib
import json
import sys

from botocore.exceptions import ClientError

import selftest as stack  # login, assume, s3_for and the stack's settings


def main(argv):
    versioned = argv[-1:] == ["--versioned"]
    argv = argv[:-1] if versioned else argv
    text = argv.pop() if len(argv) == 5 and argv[1] == "put" else None
    if len(argv) != 4 or argv[1] not in ("object", "uploads", "keys", "versions", "put", "delete"):
        print(__doc__, file=sys.stderr)
        return 2
    what, user, target = argv[1:]
    bucket, role = (stack.VERSIONED_BUCKET, stack.VERSIONED_ROLE) if versioned else (stack.BUCKET, stack.ROLE)
    s3 = stack.s3_for(stack.assume(stack.login(user), f"peek-{user}"[:64], role=role))
    if what == "object":
        try:
            head = s3.head_object(Bucket=bucket, Key=target, ChecksumMode="ENABLED")
        except ClientError as e:
            code = e.response["Error"]["Code"]
            # A missing key answers 403 to a user without an unconditioned s3:ListBucket (as on
            # AWS): her listing says whether it is there.
            listed = s3.list_objects_v2(Bucket=bucket, Prefix=target, MaxKeys=1).get("Contents", [])
            missing = code in ("403", "404") and not any(o["Key"] == target for o in listed)
            print(json.dumps({"error": "missing" if missing else code}))
            return 0
        body = s3.get_object(Bucket=bucket, Key=target)["Body"].read()
        print(json.dumps({
            "size": len(body), "sha256": hashlib.sha256(body).hexdigest(),
            "content_type": head.get("ContentType"), "metadata": head.get("Metadata", {}),
            "checksum_crc32": head.get("ChecksumCRC32"), "checksum_type": head.get("ChecksumType"),
            "etag": head.get("ETag"), "version_id": head.get("VersionId"),
            "cache_control": head.get("CacheControl"), "content_disposition": head.get("ContentDisposition"),
            "content_language": head.get("ContentLanguage"), "content_encoding": head.get("ContentEncoding"),
            # Values as written: S3 returns non-ASCII ones as RFC 2047 encoded words.
            "metadata_text": {k: str(email.header.make_header(email.header.decode_header(v)))
                              for k, v in head.get("Metadata", {}).items()},
        }))
    elif what == "delete":
        print(json.dumps({"version_id": s3.delete_object(Bucket=bucket, Key=target).get("VersionId")}))
    elif what == "put":
        out = s3.put_object(Bucket=bucket, Key=target, Body=text.encode(), ContentType="text/plain",
                            Metadata={"description": text})
        print(json.dumps({"etag": out["ETag"], "version_id": out.get("VersionId")}))
    elif what == "keys":
        pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=target)
        print(json.dumps([o["Key"] for p in pages for o in p.get("Contents", [])]))
    elif what == "versions":
        listed = s3.list_object_versions(Bucket=bucket, Prefix=target)
        entries = [{"version_id": v["VersionId"], "latest": v["IsLatest"], "delete_marker": False, "size": v["Size"],
                    "etag": v["ETag"], "when": v["LastModified"].isoformat()} for v in listed.get("Versions", []) if v["Key"] == target]
        entries += [{"version_id": m["VersionId"], "latest": m["IsLatest"], "delete_marker": True,
                     "when": m["LastModified"].isoformat()} for m in listed.get("DeleteMarkers", []) if m["Key"] == target]
        print(json.dumps(sorted(entries, key=lambda e: (e["latest"], e["when"]), reverse=True)))
    else:
        listed = s3.list_multipart_uploads(Bucket=bucket, Prefix=target).get("Uploads", [])
        print(json.dumps([{"key": u["Key"], "upload_id": u["UploadId"]} for u in listed]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
