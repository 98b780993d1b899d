"""A small fault-injecting HTTP proxy for the local S3, on loopback only (stack/up starts it
when S3_PROXY_PORT is set). Point the app's `s3_endpoint` at it and it passes every request
through to the adapter unchanged (the Host header too, so SigV4 signatures still match) —
until a test asks for a fault:

    POST /__proxy/faults {"match": "partNumber=2", "method": "PUT", "kind": "drop",
                          "after_bytes": 1048576, "count": 1}
        kind "drop": forward `after_bytes` of the request body, then reset both connections
                     (the browser sees a network error in the middle of its upload);
        kind "drop_response": forward the whole request and let the server act on it, then
                     reset the browser's connection before it gets the answer;
        kind "stall": forward `after_bytes` of the body, hold everything for `seconds`, then go on.
        `match` is a substring of the request target (path and query), `method` optional.
    GET  /__proxy/fired   what fired so far: [{"kind", "method", "target"}]
    POST /__proxy/reset   no faults, nothing fired

One request per connection (the proxy asks both sides for `Connection: close`), so a fault
never hits a request it was not meant for. Not AWS, not for production: a test tool.
"""
import asyncio
import json
import os
import signal
import sys

UPSTREAM = ("127.0.0.1", int(os.environ.get("S3_PORT", "9000")))
LISTEN = ("127.0.0.1", int(os.environ.get("S3_PROXY_PORT", "9002")))
ORIGINS = [o for o in os.environ.get("PAIL_STACK_ORIGINS", "").split(",") if o]
CONTROL = "/__proxy/"
CHUNK = 64 * 1024

faults, fired = [], []
# asyncio keeps only weak references to the connection handlers' tasks: hold them, or an idle
# connection's handler is collected while pending.
running = set()


def log(msg):
    print(msg, flush=True)


def take_fault(method, target):
    for f in faults:
        if f["remaining"] > 0 and f["match"] in target and f.get("method") in (None, method):
            f["remaining"] -= 1
            fired.append({"kind": f["kind"], "method": method, "target": target})
            log(f"faultproxy: {f['kind']} {method} {target[:120]}")
            return f
    return None


def parse_head(head):
    lines = head.decode("latin-1").split("\r\n")
    method, target, version = lines[0].split(" ", 2)
    headers = []
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers.append((name.strip(), value.strip()))
    return method, target, version, headers


def header(headers, name):
    return next((v for k, v in headers if k.lower() == name.lower()), None)


def answer(writer, status, body=b"", origin=None, content_type="application/json"):
    reason = {200: "OK", 204: "No Content", 400: "Bad Request", 404: "Not Found"}.get(status, "OK")
    cors = ""
    if origin in ORIGINS:
        cors = (f"Access-Control-Allow-Origin: {origin}\r\nAccess-Control-Allow-Methods: GET, POST\r\n"
                "Access-Control-Allow-Headers: content-type\r\n")
    writer.write(f"HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
                 f"{cors}Connection: close\r\n\r\n".encode() + body)


async def control(writer, method, target, headers, body):
    name, origin = target[len(CONTROL):].split("?", 1)[0], header(headers, "Origin")
    if method == "OPTIONS":
        return answer(writer, 204, origin=origin)
    if method == "POST" and name == "faults":
        try:
            f = json.loads(body or b"{}")
            assert f["kind"] in ("drop", "drop_response", "stall") and f.get("match")
        except (ValueError, KeyError, AssertionError):
            return answer(writer, 400, b'{"error": "need kind (drop, drop_response, stall) and match"}\n', origin)
        faults.append({"match": f["match"], "method": f.get("method"), "kind": f["kind"],
                       "after_bytes": int(f.get("after_bytes", 0)), "seconds": float(f.get("seconds", 0)),
                       "remaining": int(f.get("count", 1))})
        return answer(writer, 200, b"{}", origin)
    if method == "GET" and name == "fired":
        return answer(writer, 200, json.dumps(fired).encode(), origin)
    if method == "POST" and name == "reset":
        faults.clear()
        fired.clear()
        return answer(writer, 200, b"{}", origin)
    answer(writer, 404, b'{"error": "unknown control (see stack/faultproxy.py)"}\n', origin)


async def pipe_exactly(reader, writer, n):
    while n > 0:
        data = await reader.read(min(CHUNK, n))
        if not data:
            raise ConnectionError("the client closed before sending its whole body")
        writer.write(data)
        await writer.drain()
        n -= len(data)


async def handle(client_r, client_w):
    upstream_w = None
    task = asyncio.current_task()
    running.add(task)
    try:
        head = await client_r.readuntil(b"\r\n\r\n")
        method, target, version, headers = parse_head(head)
        length = int(header(headers, "Content-Length") or 0)
        if target.startswith(CONTROL):
            body = await client_r.readexactly(length) if length else b""
            await control(client_w, method, target, headers, body)
            await client_w.drain()
            return
        fault = None if method == "OPTIONS" else take_fault(method, target)
        kept = [(k, v) for k, v in headers if k.lower() not in ("connection", "keep-alive", "proxy-connection")]
        new_head = f"{method} {target} {version}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in kept) + "Connection: close\r\n\r\n"
        upstream_r, upstream_w = await asyncio.open_connection(*UPSTREAM)
        upstream_w.write(new_head.encode("latin-1"))
        first = min(length, fault["after_bytes"]) if fault and fault["kind"] in ("drop", "stall") else length
        await pipe_exactly(client_r, upstream_w, first)
        if fault and fault["kind"] == "drop":
            client_w.transport.abort()
            upstream_w.transport.abort()
            return
        if fault and fault["kind"] == "stall":
            await asyncio.sleep(fault["seconds"])
        await pipe_exactly(client_r, upstream_w, length - first)
        if fault and fault["kind"] == "drop_response":
            # Let the server finish acting on the request, then cut the browser off.
            while await upstream_r.read(CHUNK):
                pass
            client_w.transport.abort()
            return
        while data := await upstream_r.read(CHUNK):
            client_w.write(data)
            await client_w.drain()
    except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError) as e:
        log(f"faultproxy: connection ended: {type(e).__name__}: {e}")
    finally:
        running.discard(task)
        for w in (client_w, upstream_w):
            if w is not None and not w.transport.is_closing():
                w.close()


async def main():
    server = await asyncio.start_server(handle, *LISTEN, limit=1 << 20)
    log(f"faultproxy: http://{LISTEN[0]}:{LISTEN[1]} -> http://{UPSTREAM[0]}:{UPSTREAM[1]} pid={os.getpid()}")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()


if __name__ == "__main__":
    sys.stdout.reconfigure(line_buffering=True)
    asyncio.run(main())
