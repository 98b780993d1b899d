#!/usr/bin/env python3
"""Puts the files scripts/screens shows into users/alice/ of the running stack, the way the app
would: an ID token from the IdP (stack/idp/login.mjs), STS AssumeRoleWithWebIdentity, then
PutObject with those session credentials. Deterministic: the same files every run.

    stack/.venv/bin/python scripts/screens-seed.py      (settings from $PAIL_STACK_DIR/stack.env)
"""
import os
import struct
import subprocess
import zlib
from pathlib import Path

import boto3
from botocore.config import Config

REPO = Path(__file__).resolve().parent.parent
ENV = dict(line.split("=", 1) for line in (Path(os.environ["PAIL_STACK_DIR"]) / "stack.env").read_text().split()
           if "=" in line)
USER, HOME = "alice", "users/alice/"


def png(width, height):
    """A landscape: sky, sea and a sun, as an RGB PNG."""
    rows = []
    for y in range(height):
        row = bytearray([0])
        for x in range(width):
            if (x - width * 0.7) ** 2 + (y - height * 0.3) ** 2 < (height * 0.12) ** 2:
                row += bytes((250, 200, 60))
            elif y < height * 0.55:
                row += bytes((110 + y * 100 // height, 160 + y * 60 // height, 230))
            else:
                row += bytes((20, 80 + (x * y) % 40, 130))
        rows.append(bytes(row))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + chunk(b"IEND", b""))


def pdf(lines):
    """A one-page PDF with `lines` of text and a correct cross-reference table."""
    text = " ".join(f"({line}) Tj 0 -28 Td" for line in lines)
    stream = f"BT /F1 20 Tf 50 740 Td {text} ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = "%PDF-1.4\n", []
    for i, o in enumerate(objects):
        offsets.append(len(out))
        out += f"{i + 1} 0 obj\n{o}\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n" + "".join(f"{o:010d} 00000 n \n" for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    return out.encode()


NOTES = """# Notes for the offsite

- Book the room for Thursday
- Ask Sam about the budget for Q1
- Photos from the harbour walk are in Photos/
""".encode()

FILES = [
    ("Q4 report.pdf", pdf(["Q4 report", "Revenue up 12 %", "Costs flat"]), "application/pdf", "Quarterly numbers"),
    ("notes.md", NOTES, "text/markdown", "Offsite planning"),
    ("budget 2027.csv", b"month,amount\nJan,1200\nFeb,1350\n", "text/csv", ""),
    ("Photos/harbour.png", png(480, 300), "image/png", "Harbour at dusk"),
    ("Photos/boats.png", png(320, 200), "image/png", ""),
    ("Projects/Website/brief.txt", b"A new site for the spring launch.\n", "text/plain", ""),
    ("Archive/2025 taxes.zip", bytes(range(256)) * 40, "application/zip", ""),
]

token = subprocess.run(["node", str(REPO / "stack/idp/login.mjs"), USER], check=True, capture_output=True, text=True,
                       env={**os.environ, "IDP_ISSUER": ENV["IDP_ISSUER"]}).stdout.strip()
creds = boto3.client("sts", endpoint_url=ENV["STS_ENDPOINT"], region_name="us-east-1").assume_role_with_web_identity(
    RoleArn=ENV["PAIL_ROLE_ARN"], RoleSessionName=USER, WebIdentityToken=token)["Credentials"]
s3 = boto3.client("s3", endpoint_url=ENV["S3_ENDPOINT"], region_name="us-east-1",
                  aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                  aws_session_token=creds["SessionToken"],
                  config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
for name, body, content_type, description in FILES:
    extra = {"Metadata": {"description": description}} if description else {}
    s3.put_object(Bucket=ENV["PAIL_BUCKET"], Key=HOME + name, Body=body, ContentType=content_type, **extra)
print(f"{len(FILES)} files in {HOME}")
