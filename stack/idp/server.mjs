// Local OpenID Connect provider for Pail (oidc-provider 9, panva).
//
//   node stack/idp/server.mjs
//
// Env: IDP_PORT (9090), PAIL_STACK_DIR (<repo>/target/stack), IDP_ID_TOKEN_TTL (3600 s),
// PAIL_STACK_ORIGINS (app origins: redirect URIs <origin>/callback, post-logout <origin>/),
// IDP_CLIENT_ID (pail-local), IDP_EXTRA_CLIENTS (more public clients with the same settings,
// comma-separated; none by default), IDP_NAME (idp: names the key file <name>-jwks.json and
// the log lines, so a second instance has keys of its own).
// Issuer is exactly http://127.0.0.1:$IDP_PORT. Binds 127.0.0.1 only. Everything but the
// signing key is in memory: sessions, grants and codes are gone after a restart.
//
// Refresh tokens: issued with every code exchange (as Keycloak does; no offline_access needed)
// and rotated on every use (oidc-provider's default for public clients: a reused one revokes
// the grant). Test knobs, per account (login name), for the session-renewal tests:
//   POST /__idp/accounts/<name>  {"id_token_ttl": s, "refresh_tokens": bool}  (null/{} = defaults)
//   GET  /__idp/counters/<name>  {"code": n, "refresh": n, "silent": n, "silent_ok": n,
//                                 "end_session_get": n, "end_session_post": n, "token_in_url": n}
// `code`/`refresh`: successful token-endpoint grants; `silent`: prompt=none authorization
// requests with this account's session, `silent_ok` those answered with a code;
// `end_session_*`: RP-initiated logout requests by method, `token_in_url` those whose URL
// carried an ID token (an `id_token_hint`, or anything shaped like a JWT).
import { X509Certificate, createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import Provider from 'oidc-provider';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '..', '..');
const PORT = Number(process.env.IDP_PORT || 9090);
const ISSUER = `http://127.0.0.1:${PORT}`;
const STACK_DIR = process.env.PAIL_STACK_DIR || join(REPO, 'target', 'stack');
const ID_TOKEN_TTL = Number(process.env.IDP_ID_TOKEN_TTL || 3600);
const NAME = process.env.IDP_NAME || 'idp';
const CLIENT_IDS = [process.env.IDP_CLIENT_ID || 'pail-local',
  ...(process.env.IDP_EXTRA_CLIENTS || '').split(',').map((c) => c.trim()).filter(Boolean)];
// The app origins allowed to use the client (the same list the S3/STS adapter allows in CORS).
const ORIGINS = (process.env.PAIL_STACK_ORIGINS || 'http://127.0.0.1:8080,http://127.0.0.1:8765')
  .split(',')
  .map((o) => o.trim().replace(/\/$/, ''))
  .filter(Boolean);

const client = (clientId) => ({
  client_id: clientId,
  client_name: `Pail (local, ${clientId})`,
  token_endpoint_auth_method: 'none', // public client: browser app, PKCE instead of a secret
  application_type: 'web',
  redirect_uris: ORIGINS.map((o) => `${o}/callback`),
  post_logout_redirect_uris: ORIGINS.map((o) => `${o}/`),
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  id_token_signed_response_alg: 'RS256',
});
const CLIENTS = CLIENT_IDS.map(client);
const CLIENT_ORIGINS = new Set(ORIGINS.map((o) => new URL(o).origin));

// RS256 signing key: generated once, kept in $PAIL_STACK_DIR so the JWKS (and tokens
// issued before a restart) stay valid across restarts. The JWKS also carries `x5c`, a
// self-signed certificate for the key: Ceph RGW's STS validates ID tokens only against x5c
// (stack/rgw). A key file without one (written before) gets one added, once.
function loadSigningKey() {
  const file = join(STACK_DIR, `${NAME}-jwks.json`);
  if (!existsSync(file)) {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = privateKey.export({ format: 'jwk' });
    const kid = createHash('sha256').update(jwk.n).digest('base64url').slice(0, 16);
    mkdirSync(STACK_DIR, { recursive: true });
    writeFileSync(file, JSON.stringify({ keys: [{ ...jwk, kid, alg: 'RS256', use: 'sig' }] }, null, 2), { mode: 0o600 });
    console.log(`${NAME}: generated signing key ${kid} -> ${file}`);
  }
  const jwks = JSON.parse(readFileSync(file, 'utf8'));
  if (jwks.keys.some((k) => !k.x5c)) {
    jwks.keys = jwks.keys.map((k) => (k.x5c ? k : { ...k, x5c: [selfSignedCertificate(k, ISSUER)] }));
    writeFileSync(file, JSON.stringify(jwks, null, 2), { mode: 0o600 });
    console.log(`${NAME}: added a self-signed x5c certificate to ${file}`);
  }
  return jwks;
}

// A minimal X.509 v3 certificate (DER, base64 as x5c wants) for an RSA private JWK, signed by
// itself with SHA-256: subject = issuer = CN=<the issuer URL's host>, valid 10 years. Node can
// parse certificates but not make them, hence these few lines of DER.
function selfSignedCertificate(privateJwk, issuerUrl) {
  const der = (tag, ...parts) => {
    const body = Buffer.concat(parts);
    const n = body.length;
    const len = n < 0x80 ? Buffer.from([n])
      : n < 0x100 ? Buffer.from([0x81, n]) : n < 0x10000 ? Buffer.from([0x82, n >> 8, n & 0xff])
        : Buffer.from([0x83, n >> 16, (n >> 8) & 0xff, n & 0xff]);
    return Buffer.concat([Buffer.from([tag]), len, body]);
  };
  const seq = (...p) => der(0x30, ...p);
  const oid = (hex) => der(0x06, Buffer.from(hex, 'hex'));
  const utcTime = (d) => der(0x17, Buffer.from(`${d.toISOString().slice(2, 19).replace(/[-:T]/g, '')}Z`, 'ascii'));
  const name = seq(der(0x31, seq(oid('550403'), der(0x0c, Buffer.from(new URL(issuerUrl).host, 'utf8'))))); // CN
  const sha256WithRsa = seq(oid('2a864886f70d01010b'), der(0x05));
  const serial = randomBytes(16);
  serial[0] &= 0x7f; // positive
  const now = new Date();
  const key = createPrivateKey({ key: privateJwk, format: 'jwk' });
  const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
  const tbs = seq(
    der(0xa0, der(0x02, Buffer.from([2]))), // v3
    der(0x02, serial),
    sha256WithRsa,
    name,
    seq(utcTime(new Date(now.getTime() - 3600e3)), utcTime(new Date(now.getTime() + 3650 * 86400e3))),
    name,
    spki,
  );
  const cert = seq(tbs, sha256WithRsa, der(0x03, Buffer.from([0]), sign('sha256', tbs, key)));
  const parsed = new X509Certificate(cert); // refuses malformed DER
  if (!parsed.verify(parsed.publicKey) || !parsed.checkPrivateKey(key)) throw new Error('x5c: certificate does not match the key');
  return cert.toString('base64');
}

// Per-account test knobs and counters (see the header).
const knobs = new Map();
const counters = new Map();
const NO_COUNTS = { code: 0, refresh: 0, silent: 0, silent_ok: 0, end_session_get: 0, end_session_post: 0, token_in_url: 0 };
const count = (id, what) => {
  if (!id) return;
  const c = counters.get(id) || { ...NO_COUNTS };
  c[what] += 1;
  counters.set(id, c);
};
const idTokenTtl = (id) => knobs.get(id)?.id_token_ttl ?? ID_TOKEN_TTL;

const account = (id) => ({
  accountId: id,
  // devInteractions accept any login name; it becomes `sub`.
  async claims() {
    return { sub: id, name: id, email: `${id}@example.test`, email_verified: true };
  },
});

const configuration = {
  clients: CLIENTS,
  jwks: loadSigningKey(),
  cookies: {
    keys: ['pail-local-stack-cookie-key-1', 'pail-local-stack-cookie-key-0'],
    // RP-initiated logout by form POST (RP-Initiated Logout 1.0 §2: a provider must accept it;
    // Pail posts so that the ID token is in no URL). oidc-provider serves POST only with
    // SameSite=None session cookies, as hosted providers (Okta, Auth0, Keycloak) set them: a
    // POST navigation from another site carries no Lax cookie. See the rewrite below.
    long: { sameSite: 'none' },
  },
  enableHttpPostMethods: true,
  findAccount: (_ctx, id) => account(id),
  responseTypes: ['code'],
  scopes: ['openid', 'profile', 'email', 'offline_access'],
  claims: { openid: ['sub'], profile: ['name'], email: ['email', 'email_verified'] },
  // Put the scope claims (name, email) into the ID token, not only into userinfo.
  conformIdTokenClaims: false,
  pkce: { required: () => true }, // oidc-provider 9 accepts S256 only
  features: {
    devInteractions: { enabled: true }, // built-in login form, any login name
    rpInitiatedLogout: { enabled: true }, // end_session_endpoint
    userinfo: { enabled: true },
    revocation: { enabled: true },
  },
  // Token endpoint and userinfo: only the origins of the client's redirect URIs.
  clientBasedCORS: (_ctx, origin, client) => client.redirectUris.some((u) => new URL(u).origin === origin),
  // Skip consent: every login gets (or extends) a grant for the requested scopes.
  async loadExistingGrant(ctx) {
    const { client, session } = ctx.oidc;
    const grantId = ctx.oidc.result?.consent?.grantId || session.grantIdFor(client.clientId);
    let grant = grantId ? await ctx.oidc.provider.Grant.find(grantId) : undefined;
    if (!grant) grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
    grant.addOIDCScope(ctx.oidc.requestParamScopes ? [...ctx.oidc.requestParamScopes].join(' ') : 'openid');
    grant.addOIDCClaims(['sub', 'name', 'email', 'email_verified']);
    await grant.save();
    return grant;
  },
  // Every code exchange of a client allowed the refresh_token grant gets a refresh token,
  // unless the account's knob says otherwise.
  async issueRefreshToken(_ctx, client, code) {
    return client.grantTypeAllowed('refresh_token') && knobs.get(code.accountId)?.refresh_tokens !== false;
  },
  ttl: {
    IdToken: (_ctx, token) => idTokenTtl(token?.available?.sub),
    AccessToken: (_ctx, token) => idTokenTtl(token?.accountId),
    AuthorizationCode: 60,
    Interaction: 600,
    Session: 14 * 24 * 3600,
    Grant: 14 * 24 * 3600,
    RefreshToken: 14 * 24 * 3600,
  },
  renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>oops! something went wrong</title></head>
<body><h1>oops! something went wrong</h1><pre>${Object.entries(out)
      .map(([k, v]) => `${k}: ${String(v).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)}`)
      .join('\n')}</pre></body></html>`;
  },
};

const provider = new Provider(ISSUER, configuration);

// SameSite=None needs Secure, which plain-http loopback cannot set, so the browser would drop
// these cookies. The app and this IdP share the loopback site (ports do not count), so Lax
// cookies reach a POST from the app as None ones reach a hosted provider from another site.
provider.use(async (ctx, next) => {
  await next();
  const cookies = ctx.response.get('Set-Cookie');
  if (Array.isArray(cookies) && cookies.length) {
    ctx.set('Set-Cookie', cookies.map((c) => c.replace(/;\s*samesite=none/i, '; samesite=lax')));
  }
});

// Stricter preflights than the library's default (which answers any origin): token,
// userinfo and revocation preflights from origins outside the client's get no CORS grant.
const CLIENT_CORS_PATHS = new Set(['/token', '/me', '/token/revocation']);
provider.use(async (ctx, next) => {
  if (ctx.method === 'OPTIONS' && CLIENT_CORS_PATHS.has(ctx.path) && ctx.get('Origin') && !CLIENT_ORIGINS.has(ctx.get('Origin'))) {
    ctx.status = 403;
    ctx.body = '';
    return;
  }
  await next();
  // The built-in pages (login form, logout confirmation) @import a Google web font that
  // cannot load offline; drop it so a browser test sees no failed request.
  if (typeof ctx.body === 'string' && ctx.response.is('html')) {
    ctx.body = ctx.body.replace(/@import url\(https:\/\/fonts\.googleapis\.com[^)]*\);?/g, '');
  }
});

// The test knobs (header). Not part of any OpenID protocol; loopback only like the rest.
provider.use(async (ctx, next) => {
  const m = /^\/__idp\/(accounts|counters)\/([^/]+)$/.exec(ctx.path);
  if (!m) return next();
  const id = decodeURIComponent(m[2]);
  if (m[1] === 'counters' && ctx.method === 'GET') {
    ctx.body = counters.get(id) || { ...NO_COUNTS };
    return undefined;
  }
  if (m[1] === 'accounts' && ctx.method === 'POST') {
    const chunks = [];
    for await (const chunk of ctx.req) chunks.push(chunk);
    const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null') : null;
    if (body && Object.keys(body).length) knobs.set(id, body);
    else knobs.delete(id);
    ctx.body = { account: id, knobs: knobs.get(id) || {} };
    return undefined;
  }
  ctx.status = 405;
  return undefined;
});

provider.on('grant.success', (ctx) => {
  const { grant_type: grantType } = ctx.oidc.params;
  if (grantType === 'authorization_code') count(ctx.oidc.entities.AuthorizationCode?.accountId, 'code');
  if (grantType === 'refresh_token') count(ctx.oidc.entities.RefreshToken?.accountId, 'refresh');
});
provider.use(async (ctx, next) => {
  await next();
  if (ctx.path !== '/auth' || ctx.query.prompt !== 'none') return;
  const session = ctx.oidc?.session;
  const id = session?.accountId;
  count(id, 'silent');
  if (String(ctx.response.get('Location')).includes('code=')) count(id, 'silent_ok');
});

provider.use(async (ctx, next) => {
  if (ctx.path !== '/session/end') return next();
  const tokenInUrl = /id_token_hint|eyJ[\w-]*\.eyJ/.test(decodeURIComponent(ctx.querystring));
  await next();
  const id = ctx.oidc?.session?.accountId;
  count(id, ctx.method === 'POST' ? 'end_session_post' : 'end_session_get');
  if (tokenInUrl) count(id, 'token_in_url');
  return undefined;
});

// One line per request.
provider.use(async (ctx, next) => {
  const start = Date.now();
  await next();
  const loc = ctx.status >= 300 && ctx.status < 400 ? ` -> ${String(ctx.response.get('Location')).split('?')[0]}` : '';
  console.log(`${NAME}: ${ctx.method} ${ctx.path} ${ctx.status} ${Date.now() - start}ms${loc}`);
});

provider.on('server_error', (_ctx, err) => console.error(`${NAME}: server_error`, err));

const server = provider.listen(PORT, '127.0.0.1', () => {
  console.log(`${NAME}: issuer ${ISSUER} (clients ${CLIENT_IDS.join(', ')}, id token ttl ${ID_TOKEN_TTL}s, pid ${process.pid})`);
});
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => server.close(() => process.exit(0)));
}
