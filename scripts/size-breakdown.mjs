// Where the bytes of the wasm go (called by scripts/size-breakdown): reads `twiggy top --format
// csv` of a wasm that kept its function names and prints the largest crates and functions.
//
//   node scripts/size-breakdown.mjs <twiggy csv> <Cargo.lock> [top N]
//
// A function is counted for the first crate of Cargo.lock its name mentions (so
// `core::ptr::drop_in_place<aws_sdk_s3::…>` counts for aws_sdk_s3, generic std code for the
// crate of the type it was instantiated with), else for core/alloc/std. Data segments cannot be
// attributed (the linker merges every crate's constants) and are listed as such. The names
// section exists only in this analysis build; the shipped wasm has none.
import { readFileSync } from 'node:fs';

const [csvFile, lockFile, topArg] = process.argv.slice(2);
const top = Number(topArg || 25);

function parseCsv(text) {
  const rows = [];
  for (const line of text.split('\n').slice(1)) {
    if (!line.trim()) continue;
    const cells = [];
    let cur = '';
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (quoted) {
        if (c === '"' && line[i + 1] === '"') (cur += '"'), i++;
        else if (c === '"') quoted = false;
        else cur += c;
      } else if (c === '"') quoted = true;
      else if (c === ',') cells.push(cur), (cur = '');
      else cur += c;
    }
    cells.push(cur);
    rows.push({ name: cells[0], size: Number(cells[1]) });
  }
  return rows.filter((r) => Number.isFinite(r.size) && !r.name.startsWith('Σ') && !r.name.startsWith('... and'));
}

const crates = new Set(
  [...readFileSync(lockFile, 'utf8').matchAll(/^name = "([^"]+)"$/gm)].map((m) => m[1].replaceAll('-', '_')),
);
const STD = new Set(['core', 'alloc', 'std']);

// Only in the analysis build: the names section (the shipped wasm is built with --strip-debug).
const NOT_SHIPPED = /names?" subsection|custom section 'name'/;

function owner(name) {
  if (NOT_SHIPPED.test(name)) return '[names section]';
  if (name.startsWith('data segment')) return '[data segments]';
  // Paths look like `aws_sdk_s3::…`, std's like `core[c5930c85a12de822]::…`.
  const ids = [...name.matchAll(/([A-Za-z_][A-Za-z0-9_]*)(?:\[[0-9a-f]+\])?::/g)].map((m) => m[1]);
  const crate = ids.find((id) => crates.has(id) && !STD.has(id)) || ids.find((id) => STD.has(id));
  if (crate) return crate;
  if (/^<(str|char|[iuf](8|16|32|64|128|size)|bool)[ >]/.test(name)) return 'core';
  if (name.includes(' section') || name.startsWith('elem[')) return '[wasm sections and tables]';
  return ids.length ? '[other]' : '[unnamed functions, imports, shims]';
}

const rows = parseCsv(readFileSync(csvFile, 'utf8'));
const sections = rows.filter((r) => owner(r.name) === '[names section]');
const shipped = rows.filter((r) => owner(r.name) !== '[names section]');
const total = shipped.reduce((n, r) => n + r.size, 0);
const byCrate = new Map();
for (const r of shipped) byCrate.set(owner(r.name), (byCrate.get(owner(r.name)) || 0) + r.size);

const pct = (n) => `${((100 * n) / total).toFixed(1).padStart(5)}%`;
const bytes = (n) => String(n).padStart(9);
const short = (s) => (s.length > 150 ? `${s.slice(0, 147)}...` : s);

console.log(`\n== Largest crates (${total} bytes of code and data, without the names section)`);
for (const [crate, size] of [...byCrate].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`${bytes(size)} ${pct(size)}  ${crate}`);
}
console.log(`\n== Largest functions and data segments`);
for (const r of shipped.sort((a, b) => b.size - a.size).slice(0, top)) {
  console.log(`${bytes(r.size)} ${pct(r.size)}  ${short(r.name)}`);
}
if (sections.length) {
  const names = sections.reduce((n, r) => n + r.size, 0);
  console.log(`\n(left out: the names section this analysis keeps, ${names} bytes; the shipped wasm has none)`);
}
