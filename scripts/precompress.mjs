// Writes <file>.br (brotli, quality 11) and <file>.gz (gzip -9) next to every file a browser
// fetches from a built app (html, js, wasm, css, svg), so a static host can send them as they
// are (Content-Encoding) instead of compressing on every request or not at all.
//
//   node scripts/precompress.mjs <dir>
//
// Trunk runs it on every release build (Trunk.toml, post_build hook; it gets the staging dir
// in TRUNK_STAGING_DIR and is a no-op for debug builds). scripts/size checks the results.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

export const COMPRESSIBLE = ['.html', '.js', '.wasm', '.css', '.svg'];

export function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : [full];
  });
}

export function gzip(raw) {
  return gzipSync(raw, { level: 9 });
}

export function brotli(raw, file) {
  return brotliCompressSync(raw, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 11,
      [constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
      [constants.BROTLI_PARAM_MODE]: file.endsWith('.wasm') ? constants.BROTLI_MODE_GENERIC : constants.BROTLI_MODE_TEXT,
    },
  });
}

export function precompress(dir) {
  const files = walk(dir).filter((f) => COMPRESSIBLE.includes(extname(f)));
  for (const f of files) {
    const raw = readFileSync(f);
    writeFileSync(`${f}.gz`, gzip(raw));
    writeFileSync(`${f}.br`, brotli(raw, f));
  }
  return files;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const fromTrunk = process.env.TRUNK_STAGING_DIR;
  if (fromTrunk && process.env.TRUNK_PROFILE !== 'release') process.exit(0);
  const dir = process.argv[2] || fromTrunk;
  if (!dir) {
    console.error('usage: node scripts/precompress.mjs <dir>');
    process.exit(2);
  }
  const files = precompress(dir);
  console.log(`precompress: .br and .gz for ${files.length} files in ${dir}`);
}
