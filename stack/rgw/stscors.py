#!/usr/bin/env python3
"""CORS front for Ceph RGW's STS (stack/rgw/up starts it; loopback only).

RGW's STS answers no CORS at all (a preflight gets 405), so a browser app on another origin
cannot call AssumeRoleWithWebIdentity there. This front answers the preflight for the app's
origins and forwards the POST to RGW, adding Access-Control-Allow-Origin for those origins
only. It forwards nothing but `POST /` with `Action=AssumeRoleWithWebIdentity` (an unsigned
call whose answer is meant for the browser); everything else is refused here, so it does not
open RGW's S3 or IAM APIs to browsers. A deployment needs the same (any reverse proxy can do
it), or STS on the app's own origin.

Env: RGW_STS_CORS_PORT (listen port, 127.0.0.1), RGW_STS_ENDPOINT (RGW, e.g.
http://127.0.0.1:9100), PAIL_STACK_ORIGINS (the allowed origins, comma-separated).
"""
import http.client
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

PORT = int(os.environ.get("RGW_STS_CORS_PORT", "9101"))
UPSTREAM = urlsplit(os.environ.get("RGW_STS_ENDPOINT", "http://127.0.0.1:9100"))
ORIGINS = {o.strip().rstrip("/") for o in os.environ.get(
    "PAIL_STACK_ORIGINS", "http://127.0.0.1:8080,http://127.0.0.1:8765").split(",") if o.strip()}
MAX_BODY = 64 * 1024  # an ID token is a few KB
# What a browser's AWS SDK sends on AssumeRoleWithWebIdentity (unsigned: no authorization).
ALLOWED_HEADERS = {"content-type", "amz-sdk-invocation-id", "amz-sdk-request", "x-amz-user-agent"}
EXPOSE_HEADERS = "x-amz-request-id, Date"


class Front(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "pail-rgw-sts-cors"

    def log_message(self, fmt, *args):
        sys.stdout.write(f"stscors: {self.command} {self.path.split('?')[0]} {fmt % args}\n")
        sys.stdout.flush()

    def reply(self, status, body=b"", ctype="text/plain", extra=()):
        self.send_response(status)
        origin = self.headers.get("Origin")
        if origin in ORIGINS:
            self.send_header("Access-Control-Allow-Origin", origin)
            self.send_header("Access-Control-Expose-Headers", EXPOSE_HEADERS)
        self.send_header("Vary", "Origin")
        for k, v in extra:
            self.send_header(k, v)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_OPTIONS(self):
        origin = self.headers.get("Origin")
        method = self.headers.get("Access-Control-Request-Method", "")
        wanted = [h.strip().lower() for h in self.headers.get("Access-Control-Request-Headers", "").split(",") if h.strip()]
        if origin not in ORIGINS or method != "POST" or any(h not in ALLOWED_HEADERS for h in wanted):
            self.send_response(403)
            self.send_header("Vary", "Origin")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(204)
        self.send_header("Access-Control-Allow-Origin", origin)
        self.send_header("Access-Control-Allow-Methods", "POST")
        if wanted:
            self.send_header("Access-Control-Allow-Headers", ", ".join(wanted))
        self.send_header("Access-Control-Max-Age", "600")
        self.send_header("Vary", "Origin")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):
        self.reply(405, b"only POST Action=AssumeRoleWithWebIdentity\n", extra=[("Allow", "POST, OPTIONS")])

    do_PUT = do_DELETE = do_HEAD = do_PATCH = do_GET

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY or self.headers.get("Transfer-Encoding"):
            return self.reply(413, b"body too large\n")
        body = self.rfile.read(length)
        ctype = self.headers.get("Content-Type", "")
        params = parse_qs(body.decode("utf-8", "replace")) if ctype.startswith("application/x-www-form-urlencoded") else {}
        if urlsplit(self.path).path != "/" or urlsplit(self.path).query or params.get("Action") != ["AssumeRoleWithWebIdentity"]:
            return self.reply(400, b"only POST / with a form body Action=AssumeRoleWithWebIdentity\n")
        try:
            conn = http.client.HTTPConnection(UPSTREAM.hostname, UPSTREAM.port, timeout=30)
            conn.request("POST", "/", body=body, headers={"Content-Type": ctype, "Content-Length": str(len(body))})
            resp = conn.getresponse()
            data = resp.read()
            extra = [(k, v) for k, v in resp.getheaders() if k.lower() == "x-amz-request-id"]
            self.reply(resp.status, data, resp.getheader("Content-Type", "application/xml"), extra)
            conn.close()
        except OSError as e:
            self.reply(502, f"RGW STS unreachable: {e}\n".encode())


def main():
    server = ThreadingHTTPServer(("127.0.0.1", PORT), Front)
    server.daemon_threads = True
    print(f"stscors: http://127.0.0.1:{PORT} -> {UPSTREAM.geturl()} for {sorted(ORIGINS)} (pid {os.getpid()})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    import signal
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    main()
