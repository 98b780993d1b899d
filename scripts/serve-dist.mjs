// Serves a built app (Trunk's dist/) the way a static host should: long-lived caching for
// hashed assets, no caching for index.html and config.json (the deployment's settings, read
// at every start), index.html for every app route (the router runs in the browser),
// pre-compressed .br/.gz files when the browser accepts them, the right MIME type for .wasm
// (streaming compilation needs it), and the Content-Security-Policy as a header.
//
//   node scripts/serve-dist.mjs <dist dir> <port>      (binds 127.0.0.1 only)
import { createServer } from 'node:http';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, resolve, sep } from 'node:path';
import { POLICY } from './csp.mjs';

const [dir, port] = [resolve(process.argv[2] || 'dist'), Number(process.argv[3] || 8080)];
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
};

// Where a decoded URL path points inside `dir`, or null if it points outside. Confined by
// resolving first and then comparing with the folder plus a separator: a bare startsWith(dir)
// let `/..%2Fdist-secret%2Fx.txt` read the sibling folder `dist-secret`. A NUL or a backslash
// (a separator on Windows) is refused outright.
function inside(path) {
  if (path.includes('\0') || path.includes('\\')) return null;
  const full = resolve(dir, `.${path}`);
  return full === dir || full.startsWith(dir + sep) ? full : null;
}

function file(full) {
  return full && existsSync(full) && statSync(full).isFile() ? full : null;
}

// The URL's path, decoded: %2F and %2e%2e become `/` and `..` only here, after the URL parser
// has normalised the path, so `inside` must check what this returns. null if malformed.
function decoded(url) {
  try {
    return decodeURIComponent(new URL(url, 'http://x').pathname);
  } catch {
    return null;
  }
}

createServer((req, res) => {
  const path = decoded(req.url);
  if (path === null) {
    res.writeHead(400).end('bad request');
    return;
  }
  const target = inside(path);
  if (target === null) {
    res.writeHead(404).end('not found'); // not the app's index.html: it is no app route
    return;
  }
  let full = path === '/' ? null : file(target);
  const isIndex = !full;
  if (isIndex) full = file(inside('/index.html')); // app routes such as /callback
  if (!full) {
    res.writeHead(404).end('not found');
    return;
  }
  const headers = {
    'content-type': TYPES[extname(full)] || 'application/octet-stream',
    // Trunk's file names carry a content hash; index.html names them.
    'cache-control': isIndex || ['.html', '.json'].includes(extname(full)) ? 'no-cache' : 'public, max-age=31536000, immutable',
    vary: 'accept-encoding',
  };
  // A page built with its policy (scripts/csp.mjs) gets it as a header too, with what only a
  // header can say.
  if (extname(full) === '.html' && readFileSync(full, 'utf8').includes('http-equiv="Content-Security-Policy"')) {
    headers['content-security-policy'] = `${POLICY}; frame-ancestors 'self'`;
    headers['x-content-type-options'] = 'nosniff';
    headers['referrer-policy'] = 'no-referrer';
  }
  const accepts = req.headers['accept-encoding'] || '';
  let body = full;
  for (const [enc, ext] of [['br', '.br'], ['gzip', '.gz']]) {
    if (accepts.includes(enc) && existsSync(full + ext)) {
      body = full + ext;
      headers['content-encoding'] = enc;
      break;
    }
  }
  res.writeHead(200, headers);
  res.end(req.method === 'HEAD' ? undefined : readFileSync(body));
}).listen(port, '127.0.0.1', () => console.log(`serving ${dir} at http://127.0.0.1:${port}`));
