// The bundle-size check (called by scripts/size): raw, gzip -9 and brotli q11 of every file the
// browser loads at start-up from a release dist (index.html and what it names: JS, wasm, CSS),
// the total, and a failure when the brotli total is over the budget.
//
//   node scripts/size.mjs <dist dir> <budget file>
//
// Also checks that the build left pre-compressed .br/.gz files next to each of those files
// (scripts/precompress.mjs, run by Trunk) and that they decode to the file: they are what the
// host sends.
import { existsSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { brotli, gzip } from './precompress.mjs';

const [dist, budgetFile] = process.argv.slice(2);
if (!dist || !budgetFile) {
  console.error('usage: node scripts/size.mjs <dist dir> <budget file>');
  process.exit(2);
}

// What index.html names (Trunk writes every asset into it: preloads, the module, the CSS).
const html = join(dist, 'index.html');
if (!existsSync(html)) {
  console.error(`size: no ${html} (build the release dist first)`);
  process.exit(1);
}
const named = new Set([...readFileSync(html, 'utf8').matchAll(/[\w.-]+\.(?:js|wasm|css)\b/g)].map((m) => m[0]));
const files = [html, ...[...named].sort().map((name) => join(dist, name)).filter((f) => existsSync(f))];

const problems = [];
const rows = files.map((f) => {
  const raw = readFileSync(f);
  const row = { file: relative(dist, f), raw: raw.length, gz: gzip(raw).length, br: brotli(raw, f).length };
  for (const [ext, decode] of [['.br', brotliDecompressSync], ['.gz', gunzipSync]]) {
    if (!existsSync(f + ext)) problems.push(`${basename(f)}${ext} is missing (the release build writes it)`);
    else if (!decode(readFileSync(f + ext)).equals(raw)) problems.push(`${basename(f)}${ext} does not decode to ${basename(f)}`);
  }
  return row;
});
const total = { file: `total (${rows.length} files)`, raw: 0, gz: 0, br: 0 };
for (const r of rows) for (const k of ['raw', 'gz', 'br']) total[k] += r[k];

const budget = Number(readFileSync(budgetFile, 'utf8').split('\n').find((l) => /^\s*\d+\s*$/.test(l)));
if (!Number.isSafeInteger(budget)) {
  console.error(`size: ${budgetFile} has no budget line (a number of bytes on a line of its own)`);
  process.exit(1);
}

const width = Math.max(...[...rows, total].map((r) => r.file.length));
const line = (r) => `${r.file.padEnd(width)}  ${String(r.raw).padStart(9)}  ${String(r.gz).padStart(9)}  ${String(r.br).padStart(9)}`;
console.log(`${'file'.padEnd(width)}  ${'raw'.padStart(9)}  ${'gzip -9'.padStart(9)}  ${'brotli 11'.padStart(9)}`);
for (const r of rows) console.log(line(r));
console.log(line(total));
const kib = (n) => (n / 1024).toFixed(1);
console.log(`total: ${kib(total.raw)} KiB raw, ${kib(total.gz)} KiB gzip, ${kib(total.br)} KiB brotli; budget ${budget} bytes brotli (${relative(process.cwd(), budgetFile) || budgetFile})`);

for (const p of problems) console.error(`size: ${p}`);
if (total.br > budget) {
  console.error(`size: over budget: ${total.br} bytes brotli > ${budget} (${total.br - budget} too many)`);
  process.exit(1);
}
if (problems.length) process.exit(1);
console.log(`size: within budget (${budget - total.br} bytes to spare)`);
