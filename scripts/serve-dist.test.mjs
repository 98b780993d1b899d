// scripts/serve-dist.mjs stays inside the folder it serves (issue 19): a temporary dist/ with a
// sibling folder whose name starts with the dist's (`<dist>-secret/x.txt`), the server started
// as a child process on a free loopback port, and requests an attacker would send, written on
// the wire exactly as given (node:http, not fetch, which would normalise the path first).
//
//   node --test scripts/serve-dist.test.mjs
//
// What a refused path gets: 404 "not found" when the decoded path leaves the folder, holds a
// NUL or a backslash; 400 when its percent-encoding is malformed. A `..` the URL parser already
// removes (`/../x`, `/%2e%2e/x`, a raw `\`) never reaches the file system: that is just a path
// inside the folder, and like every path that names no file it gets index.html (app routes).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';

const SERVER = join(dirname(fileURLToPath(import.meta.url)), 'serve-dist.mjs');
const INDEX = '<!DOCTYPE html><title>the app</title>\n';
const ASSET = 'console.log("asset");\n';
const SECRET = 'the sibling folder must stay unreadable\n';

let root;
let dist;
let name;
let port;
let child;

function freePort() {
  return new Promise((res, rej) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port: p } = probe.address();
      probe.close(() => res(p));
    });
    probe.on('error', rej);
  });
}

// One request with `path` sent as it is; resolves to { status, body }.
function get(path) {
  return new Promise((res, rej) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET' }, (r) => {
      const chunks = [];
      r.on('data', (c) => chunks.push(c));
      r.on('end', () => res({ status: r.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', rej);
    req.end();
  });
}

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'pail-serve-dist-'));
  dist = join(root, 'dist');
  name = basename(dist);
  mkdirSync(join(dist, 'assets'), { recursive: true });
  writeFileSync(join(dist, 'index.html'), INDEX);
  writeFileSync(join(dist, 'assets', 'app-1a2b.js'), ASSET);
  mkdirSync(join(root, `${name}-secret`));
  writeFileSync(join(root, `${name}-secret`, 'x.txt'), SECRET);
  port = await freePort();
  child = spawn(process.execPath, [SERVER, dist, String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c) => { stderr += c; });
  await new Promise((res, rej) => {
    child.stdout.on('data', (c) => { if (String(c).includes('serving')) res(); });
    child.on('exit', (code) => rej(new Error(`serve-dist.mjs exited (${code}): ${stderr}`)));
  });
});

after(() => {
  child?.kill();
  if (root) rmSync(root, { recursive: true, force: true });
});

test('serves the files of the folder, and index.html for app routes', async () => {
  assert.deepEqual(await get('/'), { status: 200, body: INDEX });
  assert.deepEqual(await get('/index.html'), { status: 200, body: INDEX });
  assert.deepEqual(await get('/assets/app-1a2b.js'), { status: 200, body: ASSET });
  assert.deepEqual(await get('/assets%2Fapp-1a2b.js'), { status: 200, body: ASSET });
  assert.deepEqual(await get('/callback?code=x&state=y'), { status: 200, body: INDEX });
  assert.deepEqual(await get('/folder/sub%20dir/'), { status: 200, body: INDEX });
});

test('a decoded path that leaves the folder is 404 (the sibling <dist>-secret too)', async () => {
  for (const path of [
    `/..%2F${name}-secret%2Fx.txt`,
    `/%2e%2e%2F${name}-secret%2Fx.txt`,
    `/%2E%2E%2F${name}-secret%2Fx.txt`,
    `/assets/..%2F..%2F${name}-secret%2Fx.txt`,
    `/..%2F..%2F..%2F..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd`,
  ]) {
    assert.deepEqual(await get(path), { status: 404, body: 'not found' }, path);
  }
});

test('a backslash or a NUL in the decoded path is 404', async () => {
  for (const path of [
    `/..%5C${name}-secret%5Cx.txt`,
    `/..%5c${name}-secret%5cx.txt`,
    '/assets%5Capp-1a2b.js',
    '/index.html%00',
    `/..%2F${name}-secret%2Fx.txt%00.html`,
    '/%00',
  ]) {
    assert.deepEqual(await get(path), { status: 404, body: 'not found' }, path);
  }
});

test('a `..` the URL parser removes stays inside the folder: index.html, not the secret', async () => {
  for (const path of [
    `/../${name}-secret/x.txt`,
    `/%2e%2e/${name}-secret/x.txt`,
    `/assets/../../${name}-secret/x.txt`,
    `/..\\${name}-secret\\x.txt`,
    `/%2F${root.slice(1)}%2F${name}-secret%2Fx.txt`, // an absolute path, encoded
  ]) {
    assert.deepEqual(await get(path), { status: 200, body: INDEX }, path);
  }
});

test('malformed percent-encoding is 400, and the server keeps serving', async () => {
  assert.deepEqual(await get('/%E0%A4%A'), { status: 400, body: 'bad request' });
  assert.deepEqual(await get('/%'), { status: 400, body: 'bad request' });
  assert.deepEqual(await get('/assets/app-1a2b.js'), { status: 200, body: ASSET });
});
