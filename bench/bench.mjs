// Measures Pail against the JavaScript reference (called by scripts/bench, which builds both,
// starts the stack and the static servers, and seeds the listing):
//
//   node bench/bench.mjs --app Pail=<dist dir>=<origin> --app JS=<dist dir>=<origin>
//                        --user <login> --rows <expected listing rows> [--runs N]
//
// 1. Bundle size: every file of each dist a browser downloads (html, js, wasm, css; no source
//    maps), raw / gzip -9 / brotli q11 with Node's zlib. Writes <file>.gz and <file>.br next to
//    each file, so serve-dist.mjs serves both apps pre-compressed, as a static host would.
// 2. Time to the first painted listing (the app's `pail:first-listing` mark, set in the
//    animation frame after the rows render) in headless Chromium, one fresh browser context
//    per app and run:
//      sign-in       log in at the IdP; from the start of the /callback fetch (after the IdP's
//                    redirects) to the mark: document, JS/wasm (from the HTTP cache, loaded by
//                    the landing page just before, as for a real user), discovery (+ JWKS for
//                    Pail), code exchange, STS, ListObjectsV2, render
//      sign-in cold  the same with the browser cache disabled (DevTools' "Disable cache") for
//                    the callback page, so JS/wasm are downloaded and compiled from scratch
//      reload        signed in, reload the page: from the reload's navigation start to the mark
//                    on the page the prompt=none round trip returns to (two page loads: "/" then
//                    /callback)
// 3. The machine, the browser and the date.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { extname, join, relative } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';

// ------------------------------------------------------------------ arguments

const argv = process.argv.slice(2);
const apps = [];
const opts = { runs: 7, user: 'bench', rows: 0 };
for (let i = 0; i < argv.length; i += 2) {
  const [k, v] = [argv[i], argv[i + 1]];
  if (v === undefined) die(`missing value for ${k}`);
  if (k === '--app') {
    const [name, dist, origin] = v.split('=');
    apps.push({ name, dist, origin });
  } else if (k === '--runs') opts.runs = Number(v);
  else if (k === '--user') opts.user = v;
  else if (k === '--rows') opts.rows = Number(v);
  else die(`unknown argument ${k}`);
}
if (apps.length !== 2 || !(opts.runs >= 1)) die('usage: bench.mjs --app A=<dist>=<origin> --app B=<dist>=<origin> --user U --rows R [--runs N]');

function die(msg) {
  console.error(`bench.mjs: ${msg}`);
  process.exit(1);
}

const CHROMIUM = '/usr/bin/chromium';
const MARK = 'pail:first-listing';
const TIMEOUT = 30_000;

// ------------------------------------------------------------------ formatting

const kb = (n) => (n / 1024).toFixed(1);
const ms = (n) => (n === undefined || Number.isNaN(n) ? '-' : Math.round(n).toString());
const ratio = (a, b) => `${(a / b).toFixed(2)}×`;
function table(header, rows, align) {
  const all = [header, ...rows].map((r) => r.map(String));
  const width = header.map((_, c) => Math.max(...all.map((r) => r[c].length)));
  const line = (r) => r.map((cell, c) => ((align?.[c] ?? (c === 0 ? 'l' : 'r')) === 'l' ? cell.padEnd(width[c]) : cell.padStart(width[c]))).join('  ').trimEnd();
  console.log(line(all[0]));
  console.log(width.map((w) => '-'.repeat(w)).join('  '));
  for (const r of all.slice(1)) console.log(line(r));
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// ------------------------------------------------------------------ 1. bundle size

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : [full];
  });
}

// Files the browser fetches at start-up: what index.html names, and what those JS files import
// statically. Others (e.g. a chunk behind a dynamic import()) are listed as "lazy".
function startupFiles(dist, files) {
  const byName = new Map(files.map((f) => [f.split('/').pop(), f]));
  const seen = new Set();
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    const refs = file.endsWith('.html')
      ? [...text.matchAll(/[\w.-]+\.(?:js|wasm|css)\b/g)].map((m) => m[0])
      : [...text.matchAll(/(?:from|import)\s*["']\.?\/?([\w.-]+\.js)["']/g)].map((m) => m[1]);
    for (const r of refs) if (byName.has(r)) visit(byName.get(r));
  };
  visit(join(dist, 'index.html'));
  return seen;
}

function bundleSize(app) {
  const files = walk(app.dist).filter((f) => ['.html', '.js', '.wasm', '.css'].includes(extname(f)));
  const startup = startupFiles(app.dist, files);
  return files.sort().map((f) => {
    const raw = readFileSync(f);
    const gz = gzipSync(raw, { level: 9 });
    const br = brotliCompressSync(raw, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 11,
        [constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
        [constants.BROTLI_PARAM_MODE]: f.endsWith('.wasm') ? constants.BROTLI_MODE_GENERIC : constants.BROTLI_MODE_TEXT,
      },
    });
    writeFileSync(`${f}.gz`, gz);
    writeFileSync(`${f}.br`, br);
    return { file: relative(app.dist, f), raw: raw.length, gz: gz.length, br: br.length, lazy: !startup.has(f) };
  });
}

console.log('\n== Bundle size (bytes a browser downloads: html, js, wasm, css; gzip -9 and brotli q11 by Node zlib)');
const sizes = apps.map((app) => ({ app, files: bundleSize(app) }));
const rows = [];
const totals = {};
for (const { app, files } of sizes) {
  for (const f of files) rows.push([app.name, f.file + (f.lazy ? ' (lazy)' : ''), f.raw, f.gz, f.br]);
  const start = files.filter((f) => !f.lazy);
  const t = { raw: 0, gz: 0, br: 0 };
  for (const f of start) for (const k of Object.keys(t)) t[k] += f[k];
  totals[app.name] = t;
  rows.push([app.name, `total at start-up (${start.length} files)`, t.raw, t.gz, t.br]);
}
const [A, B] = apps.map((a) => a.name);
rows.push([`${A}/${B}`, 'ratio of the totals', ratio(totals[A].raw, totals[B].raw), ratio(totals[A].gz, totals[B].gz), ratio(totals[A].br, totals[B].br)]);
table(['app', 'file', 'raw', 'gzip', 'brotli'], rows, ['l', 'l']);
console.log(`(KiB: ${A} ${kb(totals[A].raw)} / ${kb(totals[A].gz)} / ${kb(totals[A].br)}, ${B} ${kb(totals[B].raw)} / ${kb(totals[B].gz)} / ${kb(totals[B].br)}; "lazy" = only behind a dynamic import(), not fetched in this flow, not in the total)`);

// ------------------------------------------------------------------ 2. timing

// For experiments, e.g. BENCH_CHROMIUM_ARGS=--js-flags=--no-wasm-lazy-compilation
const extraArgs = (process.env.BENCH_CHROMIUM_ARGS || '').split(' ').filter(Boolean);
const LOAD_BEFORE = os.loadavg()[0];
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  // ../shared/PEERS.md: what works here offline, as root (Playwright adds --no-sandbox and a
  // fresh --user-data-dir itself).
  args: ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', ...extraArgs],
});

// Every document reports its start; the one that sets the mark reports the mark and its
// navigation and resource timing entries.
function observeMarks() {
  const report = (data) => window.__benchReport({ href: location.href, timeOrigin: performance.timeOrigin, ...data });
  report({ kind: 'doc', navType: performance.getEntriesByType('navigation')[0]?.type });
  new PerformanceObserver((list, observer) => {
    for (const e of list.getEntries()) {
      if (e.name !== 'pail:first-listing') continue;
      observer.disconnect();
      report({
        kind: 'listing',
        mark: e.startTime,
        // The items listed: a virtualized grid (Pail) draws only the rows on screen and says
        // how many there are in aria-rowcount (the header row included); a plain table draws all.
        rows: (() => {
          const grid = document.querySelector('[role=grid][aria-rowcount]');
          return grid ? Number(grid.getAttribute('aria-rowcount')) - 1 : document.querySelectorAll('tbody tr').length;
        })(),
        drawn: document.querySelectorAll('tbody tr').length,
        nav: performance.getEntriesByType('navigation')[0].toJSON(),
        resources: performance.getEntriesByType('resource').map((r) => r.toJSON()),
      });
    }
  }).observe({ type: 'mark' });
}

const problems = new Map(); // app -> Map(console error, page error or failed request -> count)

async function newSession(app) {
  const context = await browser.newContext();
  const reports = [];
  const waiters = [];
  await context.exposeBinding('__benchReport', (_source, data) => {
    reports.push(data);
    for (const w of waiters.splice(0)) w();
  });
  await context.addInitScript(observeMarks);
  const page = await context.newPage();
  const note = (what) => {
    const seen = problems.get(app.name);
    seen.set(what, (seen.get(what) ?? 0) + 1);
  };
  const where = (url) => (url ? url.replace(/[?#].*/, '') : '?');
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') note(`console.${m.type()}: ${m.text().slice(0, 200)} [${where(m.location().url)}]`);
  });
  page.on('pageerror', (e) => note(`page error: ${e.message.slice(0, 200)} [${where(page.url())}]`));
  page.on('requestfailed', (r) => note(`request failed: ${r.method()} ${where(r.url())} ${r.failure()?.errorText}`));
  // The next report matching `pred` that arrives after index `from`.
  const next = async (pred, from, what) => {
    const deadline = Date.now() + TIMEOUT;
    for (;;) {
      const hit = reports.slice(from).find(pred);
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error(`${app.name}: no ${what} within ${TIMEOUT / 1000} s (at ${page.url()})`);
      await new Promise((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 250);
      });
    }
  };
  return { context, page, reports, next };
}

function checkListing(app, listing) {
  if (opts.rows && listing.rows !== opts.rows) throw new Error(`${app.name}: the listing shows ${listing.rows} rows, expected ${opts.rows}`);
  if (listing.drawn < 1) throw new Error(`${app.name}: the listing says ${listing.rows} rows but draws none`);
}

// Sign in through the IdP's form; returns the /callback page's report.
async function signIn(app, s, { cold }) {
  await s.page.goto(`${app.origin}/`);
  await s.page.getByRole('button', { name: 'Sign in' }).click({ timeout: TIMEOUT });
  await s.page.locator('input[name=login]').fill(opts.user, { timeout: TIMEOUT });
  await s.page.locator('input[name=password]').fill('bench');
  if (cold) {
    const cdp = await s.context.newCDPSession(s.page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  }
  const from = s.reports.length;
  await s.page.locator('button[type=submit]').click();
  const listing = await s.next((r) => r.kind === 'listing', from, 'listing after sign-in');
  checkListing(app, listing);
  if (!new URL(listing.nav.name).pathname.startsWith('/callback')) throw new Error(`${app.name}: listing on ${listing.nav.name}, expected /callback`);
  return listing;
}

// Reload while signed in; returns { ms, parts }.
async function reload(app, s) {
  const from = s.reports.length;
  await s.page.reload({ waitUntil: 'commit' });
  const doc = await s.next((r) => r.kind === 'doc' && r.navType === 'reload', from, 'reloaded page');
  const listing = await s.next((r) => r.kind === 'listing', from, 'listing after reload');
  checkListing(app, listing);
  if (!new URL(listing.nav.name).pathname.startsWith('/callback')) throw new Error(`${app.name}: reload listed on ${listing.nav.name}, expected the prompt=none round trip to end on /callback`);
  return {
    ms: listing.timeOrigin + listing.mark - doc.timeOrigin,
    // reloaded page until it leaves for the IdP; the IdP's prompt=none redirects; the callback page
    parts: [listing.timeOrigin - doc.timeOrigin, listing.nav.fetchStart, listing.mark - listing.nav.fetchStart],
  };
}

// From the start of the /callback fetch (after the IdP's redirects) to the mark.
const signInMs = (l) => l.mark - l.nav.fetchStart;

// Where the time goes on a callback page: [step, start, end] in ms from the /callback fetch,
// in the order of the flow; "… in the app" rows are the gaps between two requests (the app's
// own work: parsing, token checks, signing).
function breakdown(app, l) {
  const t0 = l.nav.fetchStart;
  const res = l.resources;
  const disc = res.find((r) => r.name.includes('/.well-known/openid-configuration'));
  const issuer = disc ? new URL(disc.name).origin : 'none';
  const own = (ext) => res.filter((r) => r.name.startsWith(app.origin) && new URL(r.name).pathname.endsWith(ext));
  const js = own('.js');
  const wasm = own('.wasm');
  const steps = [['document (/callback)', l.nav.fetchStart, l.nav.responseEnd]];
  if (js.length) steps.push(['app JS fetched', Math.min(...js.map((r) => r.startTime)), Math.max(...js.map((r) => r.responseEnd))]);
  if (wasm.length) steps.push(['app wasm fetched', wasm[0].startTime, wasm[0].responseEnd]);
  const lastAsset = Math.max(l.nav.responseEnd, ...js.map((r) => r.responseEnd), ...wasm.map((r) => r.responseEnd));
  const net = [
    ['discovery', disc],
    ['JWKS', res.find((r) => r.name.startsWith(issuer) && /jwks/.test(r.name))],
    ['token (code exchange)', res.find((r) => r.name.startsWith(issuer) && new URL(r.name).pathname === '/token')],
    // STS is the one request to a bare origin other than the app's and the IdP's.
    ['STS AssumeRoleWithWebIdentity', res.find((r) => /^https?:\/\/[^/]+\/?$/.test(r.name) && !r.name.startsWith(issuer) && !r.name.startsWith(app.origin))],
    ['S3 ListObjectsV2', res.find((r) => r.name.includes('list-type=2'))],
  ];
  let prev = lastAsset;
  for (const [name, r] of net) {
    if (!r) continue;
    steps.push([name === 'discovery' ? 'start-up (wasm compile / JS eval) … in the app' : `… in the app, before ${name}`, prev, r.startTime]);
    steps.push([name, r.startTime, r.responseEnd]);
    prev = r.responseEnd;
  }
  steps.push(['parse + render, next frame → mark', prev, l.mark]);
  const fromNet = (ext) => own(ext).some((r) => r.transferSize > 0);
  return {
    steps: steps.map(([name, a, b]) => [name, a - t0, b - t0]),
    cached: !(fromNet('.js') || fromNet('.wasm')),
  };
}

const results = Object.fromEntries(apps.map((a) => [a.name, { signin: [], cold: [], reload: [], warmDetail: [], coldDetail: [], reloadParts: [], cachedWarm: [], cachedCold: [] }]));
for (const app of apps) problems.set(app.name, new Map());

async function measureOnce(app, record) {
  const r = results[app.name];
  // sign-in, then reload, in one context
  let s = await newSession(app);
  try {
    const l = await signIn(app, s, { cold: false });
    const rl = await reload(app, s);
    if (record) {
      r.signin.push(signInMs(l));
      r.reload.push(rl.ms);
      r.reloadParts.push(rl.parts);
      const d = breakdown(app, l);
      r.warmDetail.push(d.steps);
      r.cachedWarm.push(d.cached);
    }
  } finally {
    await s.context.close();
  }
  // sign-in with the cache disabled, in a fresh context
  s = await newSession(app);
  try {
    const l = await signIn(app, s, { cold: true });
    if (record) {
      r.cold.push(signInMs(l));
      const d = breakdown(app, l);
      r.coldDetail.push(d.steps);
      r.cachedCold.push(d.cached);
    }
  } finally {
    await s.context.close();
  }
}

const version = browser.version();
console.log(`\n== Time to the first painted listing (${opts.runs} runs + 1 warm-up per app, alternating apps; ${opts.rows} rows in users/${opts.user}/)`);
try {
  for (const app of apps) await measureOnce(app, false); // warm-up: servers, moto, Chromium
  for (let run = 0; run < opts.runs; run++) {
    for (const app of run % 2 ? [...apps].reverse() : apps) await measureOnce(app, true);
    process.stderr.write(`  run ${run + 1}/${opts.runs} done\n`);
  }
} finally {
  await browser.close();
}

const trows = [];
for (const [key, label] of [['signin', 'sign-in (callback page)'], ['cold', 'sign-in, cache disabled'], ['reload', 'reload (prompt=none)']]) {
  for (const app of apps) {
    const xs = results[app.name][key];
    trows.push([label, app.name, ms(Math.min(...xs)), ms(median(xs)), ms(Math.max(...xs)), '']);
  }
  trows[trows.length - 1][5] = ratio(median(results[A][key]), median(results[B][key]));
}
table(['scenario', 'app', 'min ms', 'median ms', 'max ms', `${A}/${B} median`], trows, ['l', 'l']);
for (const app of apps) {
  const r = results[app.name];
  if (r.cachedWarm.some((c) => !c)) console.log(`note: ${app.name} sign-in fetched JS/wasm from the network in ${r.cachedWarm.filter((c) => !c).length} runs (expected: HTTP cache)`);
  if (r.cachedCold.some((c) => c)) throw new Error(`${app.name}: "cache disabled" runs still read JS/wasm from the cache`);
}

// Median start/end of each step over the runs.
function medianSteps(details) {
  const names = details[0].map((s) => s[0]);
  return names.map((name) => {
    const hits = details.map((d) => d.find((s) => s[0] === name)).filter(Boolean);
    return [name, median(hits.map((h) => h[1])), median(hits.map((h) => h[2]))];
  });
}
for (const [key, label] of [['warmDetail', 'sign-in'], ['coldDetail', 'sign-in, cache disabled']]) {
  console.log(`\n-- Where the time goes, ${label} (median ms from the start of the /callback fetch; resource timing)`);
  const cols = apps.map((a) => medianSteps(results[a.name][key]));
  // Flow order: each app's steps are in order; a step only one app has goes after its predecessor.
  const names = [];
  for (const c of cols) c.forEach(([name], i) => {
    if (names.includes(name)) return;
    const after = i ? names.indexOf(c[i - 1][0]) : -1;
    names.splice(after + 1, 0, name);
  });
  table(
    ['step', ...apps.flatMap((a) => [`${a.name} start`, 'took'])],
    names.map((name) => [name, ...cols.flatMap((c) => {
      const s = c.find((x) => x[0] === name);
      return s ? [ms(s[1]), ms(s[2] - s[1])] : ['', ''];
    })]),
    ['l'],
  );
}

console.log('\n-- Where the time goes, reload (median ms)');
table(
  ['part', ...apps.map((a) => a.name)],
  ['reloaded page, until it leaves for the IdP', "IdP's prompt=none redirects", 'callback page, to the mark'].map((name, i) => [name, ...apps.map((a) => ms(median(results[a.name].reloadParts.map((p) => p[i]))))]),
  ['l'],
);

console.log(`
Notes: sign-in is timed from the start of the /callback request (after the IdP's redirects),
reload from the reload's navigation start; both to the mark on the page that lists.
${A} verifies the ID token's signature against the IdP's JWKS (one more request); the JS
reference uses oidc-client-ts, which does NOT verify the ID token signature (STS does, when it
accepts the token). Both keep tokens in memory only and restore a session after a reload with a
full-page prompt=none redirect to the IdP (${B}: oidc-client-ts signinRedirect({ prompt: 'none' })).
Both apps are served by scripts/serve-dist.mjs from 127.0.0.1 with pre-compressed brotli files.
Timed through Playwright, i.e. with a CDP client attached (fine for these small requests, no
large request bodies; "cache disabled" also enables CDP's Network domain).
Marks: performance.mark("${MARK}") in the animation frame after the listing's rows render.`);

for (const app of apps) {
  const p = [...problems.get(app.name)];
  console.log(`${app.name}: ${p.length ? 'console errors/warnings and failed requests (× times seen, over all runs):' : 'no console errors or warnings, no failed requests'}`);
  for (const [what, n] of p.slice(0, 10)) console.log(`  ${n}× ${what}`);
}

// ------------------------------------------------------------------ 3. machine

const git = (...a) => {
  try {
    return execFileSync('git', a, { encoding: 'utf8' }).trim();
  } catch {
    return '?';
  }
};
const cpu = os.cpus()[0]?.model ?? '?';
const dirty = git('status', '--porcelain', '--untracked-files=no').split('\n').filter(Boolean).length;
console.log(`\n== Machine: ${os.availableParallelism()} CPUs (nproc; ${cpu}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.type()} ${os.release()}`);
console.log(`Load average (1 min) ${LOAD_BEFORE.toFixed(2)} before the measurements, ${os.loadavg()[0].toFixed(2)} after (other work on the machine adds noise)`);
console.log(`Chromium ${version} (${CHROMIUM}, headless${extraArgs.length ? `, extra flags: ${extraArgs.join(' ')}` : ''}), Node ${process.version}, playwright-core ${JSON.parse(readFileSync(new URL('./node_modules/playwright-core/package.json', import.meta.url))).version}`);
console.log(`Date ${new Date().toISOString()}; git ${git('rev-parse', '--short', 'HEAD')}${dirty ? ` + ${dirty} modified tracked files` : ''}`);
