// The upload benchmark (called by scripts/bench-upload, which builds the page, starts the
// stack and gets a token):
//
//   node bench/upload.mjs --page <dir> --port P --user U --token T --sizes 64,256,1024
//        [--transports presigned,sdk,single] [--part MiB] [--parallel N] [--runs R]
//        [--native "<command>"] [--stack-env stack.env] [--out report.json]
//
// The transport `lib-storage` loads `lib-storage.html` (bench/upload-js, built by Vite) instead
// of the Rust page: the JavaScript reference, given the stack's endpoints from --stack-env.
//
// 1. Serves the page (bench/upload, wasm-bindgen output) and generated files (`/data?size=N`:
//    a 16 MiB block of random bytes, repeated) on 127.0.0.1:P, and collects what the page
//    reports (`POST /report`).
// 2. Starts Chromium on the page *without* any debugging client (no WebDriver, no DevTools
//    port): an attached client copies request bodies into its events and slows uploads down.
//    The page uploads each size with each transport, timing from the first request to the
//    completed object (the Blob is already fetched), and reports.
// 3. Meanwhile samples the resident memory (VmRSS) of the page's renderer process(es) from
//    /proc every 50 ms: the peak per upload is "page memory" (wasm, JS heap, workers, buffers).
// 4. Writes the same bytes to a file and runs the native clients on it (`--native`, run with
//    `--file F` appended), for the server's own limit on this machine.
// Prints one table; MB = 10^6 bytes.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, createReadStream, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { createServer } from 'node:http';
import os from 'node:os';
import { extname, join } from 'node:path';

const argv = process.argv.slice(2);
const opt = { transports: 'presigned,sdk,single', part: 16, parallel: 4, runs: 1, sizes: '64,256', source: 'input' };
for (let i = 0; i < argv.length; i += 2) opt[argv[i].replace(/^--/, '')] = argv[i + 1];
for (const k of ['page', 'port', 'user', 'token']) if (!opt[k]) die(`--${k} is required`);
const MIB = 1024 * 1024;
const sizes = opt.sizes.split(',').map((s) => Number(s) * MIB);
const transports = opt.transports.split(',');
const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-dev-shm-usage', '--enable-precise-memory-info'];
const BLOCK = randomBytes(16 * MIB);

function die(msg) {
  console.error(`bench/upload.mjs: ${msg}`);
  process.exit(1);
}

// ------------------------------------------------------------------ server and collector

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };
const reports = [];
let onReport = () => {};
let detached = false;

function sendData(res, size) {
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(size), 'cache-control': 'no-store' });
  let sent = 0;
  const more = () => {
    while (sent < size) {
      const n = Math.min(BLOCK.length, size - sent);
      sent += n;
      if (!res.write(n === BLOCK.length ? BLOCK : BLOCK.subarray(0, n))) return res.once('drain', more);
    }
    res.end();
  };
  more();
}

const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (req.method === 'POST' && url.pathname === '/report') {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      res.writeHead(204, { 'access-control-allow-origin': '*' }).end();
      try {
        const r = { ...JSON.parse(body), at: performance.now() };
        reports.push(r);
        onReport(r);
      } catch (e) {
        console.error('bad report', body);
      }
    });
    return;
  }
  if (url.pathname === '/data') return sendData(res, Number(url.searchParams.get('size')));
  if (url.pathname === '/go') return res.writeHead(detached ? 200 : 503, { 'cache-control': 'no-store' }).end();
  const file = url.pathname === '/' ? 'index.html' : url.pathname.slice(1);
  if (file.includes('..') || !readdirSync(opt.page).includes(file)) return res.writeHead(404).end();
  res.writeHead(200, { 'content-type': TYPES[extname(file)] || 'application/octet-stream', 'cache-control': 'no-store' });
  createReadStream(join(opt.page, file)).pipe(res);
});
await new Promise((resolve) => server.listen(Number(opt.port), '127.0.0.1', resolve));

// ------------------------------------------------------------------ page memory from /proc

const profile = join(mkdtempSync(join(os.tmpdir(), 'pail-bench-upload-')), 'profile');
function rendererRssKb() {
  let total = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes('--type=renderer')) continue;
      // Renderers of the browser started here (others may run on the machine): its process
      // is among their ancestors (through the zygote).
      if (!ours(Number(pid))) continue;
      const status = readFileSync(`/proc/${pid}/status`, 'latin1');
      total += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] || 0);
    } catch (_) {
      /* gone meanwhile */
    }
  }
  return total;
}
let browserPid = 0;
function ours(pid) {
  for (let p = pid, i = 0; p > 1 && i < 10; i++) {
    if (p === browserPid) return true;
    try {
      p = Number(/PPid:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'latin1'))[1]);
    } catch (_) {
      return false;
    }
  }
  return false;
}
let peakKb = 0;
let baseKb = 0;
const sampler = setInterval(() => {
  const kb = rendererRssKb();
  if (kb > peakKb) peakKb = kb;
}, 50);

// ------------------------------------------------------------------ the files

// The same bytes for the browser (as Files chosen in the page, or fetched as Blobs) and for
// the native clients.
const dataDir = mkdtempSync(join(os.tmpdir(), 'pail-bench-data-'));
const files = sizes.map((size) => {
  const file = join(dataDir, `data-${size}.bin`);
  const fd = openSync(file, 'w');
  for (let sent = 0; sent < size; sent += BLOCK.length) writeSync(fd, BLOCK, 0, Math.min(BLOCK.length, size - sent));
  closeSync(fd);
  return file;
});

// ------------------------------------------------------------------ the browser runs

// One fresh browser per transport, so that what one leaves in memory (wasm memory only grows)
// does not count against the next.
const results = [];
const errors = [];
for (const transport of transports) {
  console.log(`${transport}:`);
  await runBrowser(transport);
}
clearInterval(sampler);

async function runBrowser(transport) {
  const plan = { token: opt.token, user: opt.user, sizes, transports: [transport], part_size: Number(opt.part) * MIB, parallel: Number(opt.parallel), runs: Number(opt.runs), source: opt.source, ...stackSettings() };
  const page = transport === 'lib-storage' ? '/lib-storage.html' : '/';
  const pageUrl = `http://127.0.0.1:${opt.port}${page}#${encodeURIComponent(JSON.stringify(plan))}`;
  const chromium = opt.source === 'input' ? await launchWithFiles(pageUrl) : launch(pageUrl);
  let loadedKb = 0;
  let fetchedKb = 0;
  const done = new Promise((resolve) => {
    onReport = (r) => {
      if (r.event === 'fetching') {
        loadedKb = rendererRssKb();
      } else if (r.event === 'fetched') {
        fetchedKb = rendererRssKb();
      } else if (r.event === 'start') {
        baseKb = rendererRssKb();
        peakKb = baseKb;
      } else if (r.event === 'end') {
        const kb = Math.max(peakKb, rendererRssKb());
        const mbps = r.size / 1e6 / (r.ms / 1000);
        results.push({ ...r, peakKb: kb, baseKb, loadedKb, fetchedKb, mbps });
        console.log(`  ${String(r.size / MIB).padStart(5)} MiB  ${(r.ms / 1000).toFixed(2).padStart(6)} s  ${mbps.toFixed(1).padStart(6)} MB/s  page: loaded ${Math.round(loadedKb / 1024)} MiB, with the Blob ${Math.round(fetchedKb / 1024)} MiB, peak while uploading ${Math.round(kb / 1024)} MiB; wasm ${Math.round(r.memory.wasm_bytes / MIB)} MiB, JS heap ${Math.round(r.memory.js_heap_bytes / MIB)} MiB${r.error ? `  ERROR ${r.error}` : ''}`);
        if (r.error) errors.push(r.error);
      } else if (r.event === 'error') {
        errors.push(r.message);
        console.log(`  page error: ${r.message}`);
      } else if (r.event === 'done') resolve();
    };
  });
  const timeout = setTimeout(() => {
    errors.push(`the ${transport} page did not finish within 20 minutes`);
    onReport({ event: 'done' });
  }, 20 * 60 * 1000);
  await done;
  clearTimeout(timeout);
  try {
    process.kill(chromium.pid, 'SIGTERM');
  } catch (_) {
    /* already gone */
  }
  await new Promise((r) => setTimeout(r, 1500));
  rmSync(profile, { recursive: true, force: true });
  detached = false;
}

// What the JavaScript page needs to know of the stack (the Rust page has it built in).
function stackSettings() {
  if (!opt['stack-env']) return {};
  const env = Object.fromEntries(readFileSync(opt['stack-env'], 'utf8').split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  return { region: 'us-east-1', sts_endpoint: env.STS_ENDPOINT, s3_endpoint: env.S3_ENDPOINT, role_arn: env.PAIL_ROLE_ARN, bucket: env.PAIL_BUCKET, prefix_template: env.PAIL_PREFIX };
}

// Chromium on the page, no debugging port, no client: the Blobs are fetched by the page.
function launch(pageUrl) {
  const chromium = spawn(CHROMIUM, [...FLAGS, `--user-data-dir=${profile}`, pageUrl], { stdio: 'ignore', detached: true });
  browserPid = chromium.pid;
  detached = true;
  return chromium;
}

// Chromium driven by chromedriver just long enough to put the files on the page's
// <input type=file> (a local path: nothing is copied), then chromedriver is stopped — with
// `detach`, the browser stays and no debugging client is attached while it uploads.
async function launchWithFiles(pageUrl) {
  const port = Number(opt.port) + 1;
  if (await fetch(`http://127.0.0.1:${port}/status`).then(() => true, () => false)) {
    throw new Error(`something already answers on port ${port}; the chromedriver of an earlier run?`);
  }
  const driver = spawn('chromedriver', [`--port=${port}`], { stdio: 'ignore' });
  const wd = async (method, path, body) => {
    const r = await fetch(`http://127.0.0.1:${port}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body && JSON.stringify(body) });
    const json = await r.json();
    if (!r.ok) throw new Error(`WebDriver ${path}: ${JSON.stringify(json)}`);
    return json.value;
  };
  for (let i = 0; ; i++) {
    try {
      await wd('GET', '/status');
      break;
    } catch (e) {
      if (i > 100) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const session = await wd('POST', '/session', { capabilities: { alwaysMatch: { browserName: 'chrome',
    'goog:chromeOptions': { binary: CHROMIUM, args: [...FLAGS, `--user-data-dir=${profile}`], detach: true } } } });
  const id = session.sessionId;
  await wd('POST', `/session/${id}/url`, { url: pageUrl });
  const input = await wd('POST', `/session/${id}/element`, { using: 'css selector', value: '#files' });
  await wd('POST', `/session/${id}/element/${Object.values(input)[0]}/value`, { text: files.join('\n') });
  if (driver.exitCode === null) {
    const exited = new Promise((r) => driver.once('exit', r));
    driver.kill('SIGTERM');
    await exited;
  }
  // The browser process: the one with our profile and no --type.
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'latin1');
      if (cmd.includes(`--user-data-dir=${profile}`) && !cmd.includes('--type=')) browserPid = Number(pid);
    } catch (_) {
      /* gone */
    }
  }
  if (!browserPid) throw new Error('the browser did not stay after chromedriver stopped');
  detached = true;
  return { pid: browserPid };
}

// ------------------------------------------------------------------ native clients

const native = [];
if (opt.native) {
  for (const [i, size] of sizes.entries()) {
    const file = files[i];
    const [cmd, ...args] = opt.native.split(' ');
    const out = await new Promise((resolve, reject) => {
      const p = spawn(cmd, [...args, '--file', file], { stdio: ['ignore', 'pipe', 'inherit'] });
      let text = '';
      p.stdout.on('data', (c) => (text += c));
      p.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`native client exited ${code}`))));
    });
    for (const line of out.trim().split('\n')) {
      const r = JSON.parse(line);
      r.mbps = r.size / 1e6 / (r.ms / 1000);
      native.push(r);
      console.log(`  ${r.client.padEnd(9)} ${String(r.size / MIB).padStart(5)} MiB  ${(r.ms / 1000).toFixed(2).padStart(6)} s  ${r.mbps.toFixed(1).padStart(6)} MB/s  (native)`);
    }
  }
}
server.close();
rmSync(dataDir, { recursive: true, force: true });

// ------------------------------------------------------------------ report

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};
const plan = { part_size: Number(opt.part) * MIB, parallel: Number(opt.parallel), runs: Number(opt.runs), sizes, transports };
console.log(`\nUpload throughput (MB = 10^6 bytes; median of ${opt.runs} run(s); parts of ${opt.part} MiB, ${opt.parallel} at once)\n`);
const header = ['size', ...transports.map((t) => `${t} MB/s`), ...transports.map((t) => `${t} page peak`), 'boto3 MB/s', 'curl MB/s', 'presigned / boto3', ...(transports.includes('lib-storage') ? ['presigned / lib-storage'] : [])];
const rows = sizes.map((size) => {
  const t = (name) => median(results.filter((r) => r.size === size && r.transport === name && !r.error).map((r) => r.mbps));
  const peak = (name) => Math.max(...results.filter((r) => r.size === size && r.transport === name).map((r) => r.peakKb / 1024));
  const n = (name) => median(native.filter((r) => r.size === size && r.client === name).map((r) => r.mbps));
  const fmt = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '-');
  return [`${size / MIB} MiB`, ...transports.map((x) => fmt(t(x))), ...transports.map((x) => `${fmt(peak(x), 0)} MiB`), fmt(n('boto3')), fmt(n('curl')), `${fmt(t('presigned') / n('boto3'), 2)}×`,
    ...(transports.includes('lib-storage') ? [`${fmt(t('presigned') / t('lib-storage'), 2)}×`] : [])];
});
const width = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
console.log(header.map((h, c) => h.padStart(width[c])).join('  '));
console.log(width.map((w) => '-'.repeat(w)).join('  '));
for (const r of rows) console.log(r.map((x, c) => x.padStart(width[c])).join('  '));
console.log(`\nChromium ${(await new Promise((r) => { const p = spawn(CHROMIUM, ['--version']); let t = ''; p.stdout.on('data', (c) => (t += c)); p.on('exit', () => r(t.trim())); }))}, ${os.cpus().length} × ${os.cpus()[0]?.model}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${new Date().toISOString().slice(0, 10)}`);
if (opt.out) writeFileSync(opt.out, JSON.stringify({ plan, results, native }, null, 2));
if (errors.length) {
  console.error(`\n${errors.length} error(s): ${errors.join('; ')}`);
  process.exit(1);
}
