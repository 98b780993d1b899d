#!/usr/bin/env python3
"""The native clients of the upload benchmark (scripts/bench-upload): the same file, the same
server, the same user, sent by boto3 (multipart: the same part size and parallelism as the
browser, CRC32 per part, payload not hashed — as presigned requests are not) and by curl (one
presigned PUT of the whole file).

    stack/.venv/bin/python bench/native_upload.py --user U --file F --part BYTES --parallel N --runs R

Prints one JSON line per run: {"client", "size", "ms"}.
"""
import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "stack"))
import boto3  # noqa: E402
from boto3.s3.transfer import TransferConfig  # noqa: E402
from botocore.config import Config  # noqa: E402

import selftest as stack  # noqa: E402  (login, assume, the stack's settings)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--user", required=True)
    p.add_argument("--file", required=True)
    p.add_argument("--part", type=int, required=True)
    p.add_argument("--parallel", type=int, required=True)
    p.add_argument("--runs", type=int, default=1)
    a = p.parse_args()
    creds = stack.assume(stack.login(a.user), f"bench-native-{a.user}"[:64], duration=3600)
    s3 = boto3.client("s3", endpoint_url=stack.S3, region_name="us-east-1",
                      aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                      aws_session_token=creds["SessionToken"],
                      config=Config(signature_version="s3v4",
                                    s3={"addressing_style": "path", "payload_signing_enabled": False},
                                    retries={"max_attempts": 1}, max_pool_connections=max(10, a.parallel)))
    size = os.path.getsize(a.file)
    transfer = TransferConfig(multipart_threshold=a.part, multipart_chunksize=a.part, max_concurrency=a.parallel,
                              use_threads=True)
    for run in range(a.runs):
        key = f"users/{a.user}/native-boto3-{size}-{run}.bin"
        t0 = time.perf_counter()
        s3.upload_file(a.file, stack.BUCKET, key, Config=transfer, ExtraArgs={"ChecksumAlgorithm": "CRC32"})
        ms = (time.perf_counter() - t0) * 1000
        assert s3.head_object(Bucket=stack.BUCKET, Key=key)["ContentLength"] == size
        s3.delete_object(Bucket=stack.BUCKET, Key=key)
        print(json.dumps({"client": "boto3", "size": size, "ms": ms}), flush=True)
        time.sleep(0.3)

        key = f"users/{a.user}/native-curl-{size}-{run}.bin"
        url = s3.generate_presigned_url("put_object", Params={"Bucket": stack.BUCKET, "Key": key}, ExpiresIn=3600)
        t0 = time.perf_counter()
        out = subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-T", a.file, url],
                             capture_output=True, text=True, check=True)
        ms = (time.perf_counter() - t0) * 1000
        assert out.stdout == "200", out
        s3.delete_object(Bucket=stack.BUCKET, Key=key)
        print(json.dumps({"client": "curl", "size": size, "ms": ms}), flush=True)
        time.sleep(0.3)


if __name__ == "__main__":
    main()
