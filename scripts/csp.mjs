// Makes a release build run under a strict Content-Security-Policy (README, "Security"):
//
// 1. Trunk starts the app with an inline <script type="module"> in index.html. This moves it
//    into start-<hash>.js, loaded with an SRI integrity like Trunk's own files, so the policy
//    needs neither 'unsafe-inline' nor a hash for scripts.
// 2. Puts the policy in a <meta http-equiv="Content-Security-Policy"> as the first element of
//    <head>, before anything it governs.
//
//   node scripts/csp.mjs <dir>
//
// Trunk runs it on release builds (Trunk.toml, post_build hook, TRUNK_STAGING_DIR; a no-op for
// debug builds: `trunk serve` reloads the page with an inline script). connect-src and
// frame-src here allow any https: origin (and the loopback stack); once the app knows its
// provider, STS and S3 it adds a second policy naming exactly those (src/csp.rs). A host should
// send the same policy as a header, plus `frame-ancestors 'self'`, which a <meta> cannot carry
// ('self', not 'none': the silent sign-in renewal lands on the app's /callback in a frame of
// the app itself).
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const POLICY = [
  "default-src 'none'",
  // 'wasm-unsafe-eval': compiling the app's own WebAssembly; nothing else is evaluated.
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self' https: http://127.0.0.1:* http://localhost:*",
  // The silent sign-in renewal: the provider's authorization endpoint in a hidden frame; blob:
  // for PDF previews (the object's bytes as a blob: document the browser's viewer renders).
  "frame-src 'self' blob: https: http://127.0.0.1:* http://localhost:*",
  // The CRC32 workers start from a blob: URL (src/platform/crc.rs).
  'worker-src blob:',
  "manifest-src 'self'",
  // Sign-out posts a form to the provider's end-session endpoint (no token in a URL).
  "form-action 'self' https: http://127.0.0.1:* http://localhost:*",
  "base-uri 'none'",
  "object-src 'none'",
].join('; ');

const LOADER = /<script type="module">([\s\S]*?)<\/script>/;

export function harden(html, write) {
  const m = LOADER.exec(html);
  if (!m) throw new Error('index.html has no inline module script: has Trunk changed its loader?');
  const code = `${m[1].trim()}\n`;
  const name = `start-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.js`;
  const integrity = `sha384-${createHash('sha384').update(code).digest('base64')}`;
  write(name, code);
  // The loader imports '/pail-….js': the same root Trunk uses for its own files.
  const root = /import init, \* as bindings from '([^']*\/)[^/']+'/.exec(code)?.[1] ?? '/';
  const tag = `<script type="module" src="${root}${name}" integrity="${integrity}" crossorigin="anonymous"></script>`;
  let out = html.replace(LOADER, tag);
  if (LOADER.test(out)) throw new Error('index.html has more than one inline module script');
  if (/<script(?![^>]*\ssrc=)[^>]*>/.test(out)) throw new Error('index.html still has an inline script');
  out = out.replace(/<head>/, `<head>\n    <meta http-equiv="Content-Security-Policy" content="${POLICY}" />`);
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = process.argv[2] || process.env.TRUNK_STAGING_DIR;
  if (!dir) throw new Error('usage: node scripts/csp.mjs <dist dir>');
  if (process.env.TRUNK_PROFILE && process.env.TRUNK_PROFILE !== 'release') process.exit(0);
  const index = join(dir, 'index.html');
  const html = readFileSync(index, 'utf8');
  if (html.includes('http-equiv="Content-Security-Policy"')) process.exit(0);
  writeFileSync(index, harden(html, (name, code) => writeFileSync(join(dir, name), code)));
  console.log(`csp: ${index}: loader moved to a file, policy in a <meta>`);
}
