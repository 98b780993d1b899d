// The table of scripts/size-floor: raw, gzip -9, brotli q11 of each layer's wasm + JS glue, the
// growth from the layer below, and the app's own wasm + JS glue + CSS + HTML for comparison.
//
//   node scripts/size-floor.mjs <out dir> <app dist> <layer>...
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotli, gzip } from './precompress.mjs';

const [out, appDist, ...layers] = process.argv.slice(2);
const measure = (files) => files.reduce((t, f) => {
  const raw = readFileSync(f);
  return { raw: t.raw + raw.length, gz: t.gz + gzip(raw).length, br: t.br + brotli(raw, f).length };
}, { raw: 0, gz: 0, br: 0 });
const kb = (n) => (n / 1000).toFixed(1);

const rows = layers.map((name) => {
  const dir = join(out, name);
  return { name, ...measure(['pail_size_floor_bg.wasm', 'pail_size_floor.js'].map((f) => join(dir, f))) };
});
const appFiles = readdirSync(appDist).filter((f) => /\.(wasm|js|css|html)$/.test(f)).map((f) => join(appDist, f));
const app = { name: 'the app (scripts/size)', ...measure(appFiles) };

console.log('layer                        raw KB   gzip KB  brotli KB  +brotli KB');
let below = 0;
for (const r of rows) {
  console.log(`${r.name.padEnd(26)} ${kb(r.raw).padStart(8)} ${kb(r.gz).padStart(9)} ${kb(r.br).padStart(10)} ${kb(r.br - below).padStart(11)}`);
  below = r.br;
}
console.log(`${app.name.padEnd(26)} ${kb(app.raw).padStart(8)} ${kb(app.gz).padStart(9)} ${kb(app.br).padStart(10)}`);
const floor = rows[rows.length - 1].br;
console.log(`\nfloor (every layer): ${kb(floor)} KB brotli = ${(floor / app.br * 100).toFixed(0)} % of the app; ` +
  `the app's own code and UI on top of it: ${kb(app.br - floor)} KB; issue 7's milestone: 400 KB, ` +
  `the JavaScript reference: 108 KB`);
