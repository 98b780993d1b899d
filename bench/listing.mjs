// Big listings in headless Chromium against the local stack (called by scripts/bench-listing,
// which builds the app, starts the stack and the static server, and seeds the folders):
//
//   node bench/listing.mjs --origin <app origin> --user <login> --sizes 1000,10000,100000
//                          [--runs N]
//
// For each size, a folder `users/<user>/n<size>/` holding that many objects; per run, signed
// in at home, the user clicks the folder's row and:
//   first rows   from the click to the animation frame after the first page's rows render
//                (the app's `pail:listing-rows` mark)
//   full list    the same to the last page (`pail:listing-complete`), with "Load all" clicked
//                as soon as the first rows show (the user does not scroll meanwhile)
//   S3 share     the summed duration of the ListObjectsV2 requests (Resource Timing) in that
//                time: what the server took, not the app
//   longest task the longest main-thread task (Long Tasks API, > 50 ms) while loading, and
//                while scrolling through everything: 120 jumps across the list then 120 steps
//                of 700 px, one per animation frame
//   DOM rows     table rows in the document at the end (virtualized: a screenful)
// No debugging client is attached beyond Playwright's own connection.
import os from 'node:os';
import { execFileSync } from 'node:child_process';
import { chromium } from 'playwright-core';

const argv = process.argv.slice(2);
const opts = { runs: 3, sizes: [1000, 10000, 100000], user: 'bench-listing', origin: '' };
for (let i = 0; i < argv.length; i += 2) {
  const [k, v] = [argv[i], argv[i + 1]];
  if (v === undefined) die(`missing value for ${k}`);
  if (k === '--runs') opts.runs = Number(v);
  else if (k === '--sizes') opts.sizes = v.split(',').map(Number);
  else if (k === '--user') opts.user = v;
  else if (k === '--origin') opts.origin = v;
  else die(`unknown argument ${k}`);
}
if (!opts.origin || !(opts.runs >= 1) || opts.sizes.some((n) => !(n >= 1))) die('usage: listing.mjs --origin O --user U --sizes a,b,c [--runs N]');

function die(msg) {
  console.error(`listing.mjs: ${msg}`);
  process.exit(1);
}

const TIMEOUT = 300_000;
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmt = (n) => Math.round(n).toLocaleString('en-US');

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
await context.addInitScript(() => {
  window.__longTasks = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__longTasks.push([e.startTime, e.duration]);
  }).observe({ type: 'longtask', buffered: true });
  performance.setResourceTimingBufferSize(100000);
});
const page = await context.newPage();
const errors = [];
page.on('pageerror', (e) => errors.push(e.message));

await page.goto(`${opts.origin}/`);
await page.getByRole('button', { name: 'Sign in' }).click({ timeout: 30_000 });
await page.locator('input[name=login]').fill(opts.user, { timeout: 30_000 });
await page.locator('input[name=password]').fill('bench');
await page.locator('button[type=submit]').click();

const home = `users/${opts.user}/`;
const results = [];
for (const size of opts.sizes) {
  const prefix = `${home}n${size}/`;
  for (let run = 0; run < opts.runs; run++) {
    // Home, with the folder's row on screen.
    if (run > 0 || size !== opts.sizes[0]) await page.locator('.breadcrumbs a', { hasText: 'My files' }).click();
    await page.locator(`a[data-prefix="${prefix}"]`).waitFor({ timeout: 60_000 });
    const t0 = await page.evaluate((p) => {
      performance.clearMarks();
      performance.clearResourceTimings();
      const t = performance.now();
      document.querySelector(`a[data-prefix="${p}"]`).click();
      return t;
    }, prefix);
    await page.waitForFunction(() => performance.getEntriesByName('pail:listing-rows').length > 0, null, { timeout: TIMEOUT, polling: 16 });
    const all = page.getByRole('button', { name: 'Load all' });
    if (size > 1000) await all.click({ timeout: 30_000 });
    await page.waitForFunction(() => performance.getEntriesByName('pail:listing-complete').length > 0, null, { timeout: TIMEOUT, polling: 100 });
    const loaded = await page.evaluate((t) => {
      const at = (n) => performance.getEntriesByName(n)[0].startTime - t;
      const lists = performance.getEntriesByType('resource').filter((r) => r.name.includes('list-type=2'));
      const tasks = window.__longTasks.filter(([s]) => s >= t);
      return {
        rows: at('pail:listing-rows'),
        full: at('pail:listing-complete'),
        pages: lists.length,
        s3: lists.reduce((a, r) => a + r.duration, 0),
        longest: tasks.reduce((m, [, d]) => Math.max(m, d), 0),
        count: document.querySelector('[data-testid=item-count]')?.innerText,
      };
    }, t0);
    const expected = size === 1 ? '1 item' : `${size.toLocaleString('en-US')} items`;
    if (loaded.count !== expected) die(`n${size}: the count says ${JSON.stringify(loaded.count)}, expected ${expected}`);
    const scroll = await page.evaluate(
      () =>
        new Promise((resolve) => {
          const el = document.querySelector('.file-scroll');
          const t = performance.now();
          let i = 0;
          const step = () => {
            if (i < 120) el.scrollTop = (el.scrollHeight * ((i * 37) % 120)) / 120;
            else el.scrollTop += 700;
            if (++i < 240) requestAnimationFrame(step);
            else
              setTimeout(() => {
                const tasks = window.__longTasks.filter(([s]) => s >= t);
                resolve({
                  ms: performance.now() - t,
                  longest: tasks.reduce((m, [, d]) => Math.max(m, d), 0),
                  dom: document.querySelectorAll('.file-table tbody tr:not(.spacer)').length,
                });
              }, 200);
          };
          requestAnimationFrame(step);
        }),
    );
    results.push({ size, run, ...loaded, scroll });
    process.stderr.write(`n${size} run ${run + 1}: rows ${fmt(loaded.rows)} ms, full ${fmt(loaded.full)} ms (${loaded.pages} pages, S3 ${fmt(loaded.s3)} ms), longest task ${fmt(loaded.longest)} / ${fmt(scroll.longest)} ms\n`);
  }
}
await browser.close();

const chromium_version = (() => {
  try {
    return execFileSync('/usr/bin/chromium', ['--version']).toString().trim();
  } catch {
    return 'chromium ?';
  }
})();
console.log(`\n== Big listings (${opts.runs} runs per size; medians, longest tasks are the maximum over runs)`);
const header = ['objects', 'first rows ms', 'full list ms', 'pages', 'S3 ms (sum)', 'longest task loading ms', 'longest task scrolling ms', 'DOM rows'];
const rows = opts.sizes.map((size) => {
  const r = results.filter((x) => x.size === size);
  return [
    fmt(size),
    fmt(median(r.map((x) => x.rows))),
    fmt(median(r.map((x) => x.full))),
    String(r[0].pages),
    fmt(median(r.map((x) => x.s3))),
    fmt(Math.max(...r.map((x) => x.longest))),
    fmt(Math.max(...r.map((x) => x.scroll.longest))),
    String(Math.max(...r.map((x) => x.scroll.dom))),
  ];
});
const width = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
console.log(header.map((h, c) => h.padStart(width[c])).join('  '));
for (const r of rows) console.log(r.map((v, c) => v.padStart(width[c])).join('  '));
console.log(`(0 = no task over 50 ms. ${os.cpus().length} × ${os.cpus()[0]?.model}, ${chromium_version}, ${new Date().toISOString().slice(0, 10)})`);
if (errors.length) die(`script errors on the page: ${errors.slice(0, 5).join(' | ')}`);
