#!/usr/bin/env node
// Headless user for the local IdP: runs the real authorization-code + PKCE flow over HTTP.
//
//   node stack/idp/login.mjs <user> [--redirect-uri URI] [--print id_token|code|tokens] [--silent]
//
//   --print id_token (default)  print the raw ID token JWT
//   --print code                print {"code","code_verifier","redirect_uri"} without exchanging
//   --print tokens              print the whole token response (JSON)
//   --silent                    after the interactive login, authorize again with prompt=none on
//                               the same IdP session (what the app does after a page reload) and
//                               use that second code instead; fails if silent re-auth fails
//   --logout                    after getting the tokens, sign out again (RP-initiated logout via
//                               end_session_endpoint with id_token_hint, confirm form, redirect to
//                               <redirect origin>/) and check that prompt=none then fails with
//                               login_required; fails if any of that does not happen
//   --scope "openid ..."        default "openid profile email"
//
// Env: IDP_ISSUER (default http://127.0.0.1:$IDP_PORT, IDP_PORT default 9090), IDP_CLIENT_ID
// (pail-local). Exit code 1 with a message on stderr if any step fails.
import { createHash, randomBytes } from 'node:crypto';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  if (i === -1) return dflt;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const flag = (name) => {
  const i = args.indexOf(name);
  if (i !== -1) args.splice(i, 1);
  return i !== -1;
};

const ISSUER = process.env.IDP_ISSUER || `http://127.0.0.1:${process.env.IDP_PORT || 9090}`;
const CLIENT_ID = process.env.IDP_CLIENT_ID || 'pail-local';
const firstOrigin = (process.env.PAIL_STACK_ORIGINS || 'http://127.0.0.1:8080').split(',')[0].trim();
const redirectUri = opt('--redirect-uri', `${firstOrigin}/callback`);
const print = opt('--print', 'id_token');
const scope = opt('--scope', 'openid profile email');
const silent = flag('--silent');
const logoutAfter = flag('--logout');
const [user] = args;

function die(msg) {
  console.error(`login.mjs: ${msg}`);
  process.exit(1);
}
if (!user || args.length !== 1 || !['id_token', 'code', 'tokens'].includes(print)) {
  die('usage: login.mjs <user> [--redirect-uri URI] [--print id_token|code|tokens] [--silent] [--logout] [--scope S]');
}

// Minimal cookie jar (one host, so name -> value is enough).
const jar = new Map();
function remember(res) {
  for (const c of res.headers.getSetCookie()) {
    const [pair, ...attrs] = c.split(';');
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    const expired = attrs.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a)) || value === '';
    if (expired) jar.delete(name);
    else jar.set(name, value);
  }
}
const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');

async function request(url, init = {}) {
  const res = await fetch(url, {
    ...init,
    redirect: 'manual',
    headers: { ...(init.headers || {}), cookie: cookieHeader() },
  });
  remember(res);
  return res;
}

// Follow redirects until one points at the redirect URI (never fetched) or a page is returned.
async function follow(url, init) {
  let res = await request(url, init);
  for (let hops = 0; hops < 10; hops += 1) {
    if (res.status < 300 || res.status >= 400) return { res };
    const location = new URL(res.headers.get('location'), url);
    if (location.href.startsWith(redirectUri.split('?')[0]) && location.origin === new URL(redirectUri).origin) {
      return { callback: location };
    }
    url = location.href;
    res = await request(url);
  }
  die('too many redirects');
}

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  return { verifier, challenge };
}

function authorizeUrl(discovery, challenge, state, nonce, prompt) {
  const u = new URL(discovery.authorization_endpoint);
  u.search = new URLSearchParams({
    client_id: CLIENT_ID,
    response_type: 'code',
    redirect_uri: redirectUri,
    scope,
    state,
    nonce,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...(prompt ? { prompt } : {}),
  });
  return u.href;
}

function codeFrom(callback, state) {
  const p = callback.searchParams;
  if (p.get('error')) die(`authorization error: ${p.get('error')}: ${p.get('error_description') || ''}`);
  if (p.get('state') !== state) die('state mismatch in callback');
  if (p.get('iss') && p.get('iss') !== ISSUER) die(`iss mismatch in callback: ${p.get('iss')}`);
  return p.get('code');
}

async function interactiveLogin(discovery) {
  const { verifier, challenge } = pkce();
  const state = randomBytes(12).toString('base64url');
  const url = authorizeUrl(discovery, challenge, state, randomBytes(12).toString('base64url'));
  const first = await follow(url);
  if (first.callback) return { code: codeFrom(first.callback, state), verifier }; // existing session
  const page = await first.res.text();
  const action = page.match(/<form[^>]*action="([^"]+)"[^>]*method="post"/i)?.[1];
  if (!action || !/name="login"/.test(page)) die(`no login form (HTTP ${first.res.status}): ${page.slice(0, 300)}`);
  const formUrl = new URL(action.replace(/&amp;/g, '&'), first.res.url || url).href;
  const submitted = await follow(formUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ prompt: 'login', login: user, password: 'any' }).toString(),
  });
  if (!submitted.callback) die(`login did not redirect to ${redirectUri} (HTTP ${submitted.res.status}): ${(await submitted.res.text()).slice(0, 300)}`);
  return { code: codeFrom(submitted.callback, state), verifier };
}

async function silentAuthorize(discovery) {
  const { verifier, challenge } = pkce();
  const state = randomBytes(12).toString('base64url');
  const result = await follow(authorizeUrl(discovery, challenge, state, randomBytes(12).toString('base64url'), 'none'));
  if (!result.callback) die(`prompt=none did not redirect back (HTTP ${result.res.status})`);
  return { callback: result.callback, state, verifier };
}

async function silentLogin(discovery) {
  const { callback, state, verifier } = await silentAuthorize(discovery);
  return { code: codeFrom(callback, state), verifier };
}

async function logout(discovery, idToken) {
  const postLogout = `${new URL(redirectUri).origin}/`;
  const url = new URL(discovery.end_session_endpoint);
  url.search = new URLSearchParams({ id_token_hint: idToken, post_logout_redirect_uri: postLogout, client_id: CLIENT_ID, state: 'bye' });
  const page = await (await request(url.href)).text();
  const action = page.match(/<form[^>]*action="([^"]+)"/)?.[1];
  const xsrf = page.match(/name="xsrf" value="([^"]+)"/)?.[1];
  if (!action || !xsrf) die(`no logout confirmation form: ${page.slice(0, 300)}`);
  const res = await request(new URL(action, url).href, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ xsrf, logout: 'yes' }).toString(),
  });
  const location = res.headers.get('location') || '';
  if (!location.startsWith(`${postLogout}?`) || new URL(location).searchParams.get('state') !== 'bye') {
    die(`logout did not redirect to ${postLogout} (HTTP ${res.status}, Location ${location})`);
  }
  const after = await silentAuthorize(discovery);
  if (after.callback.searchParams.get('error') !== 'login_required') die('IdP session still alive after logout');
}

async function exchange(discovery, code, verifier) {
  const res = await fetch(discovery.token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: CLIENT_ID, code_verifier: verifier,
    }).toString(),
  });
  const body = await res.json();
  if (!res.ok) die(`token endpoint: HTTP ${res.status} ${JSON.stringify(body)}`);
  return body;
}

try {
  const res = await fetch(`${ISSUER}/.well-known/openid-configuration`);
  if (!res.ok) die(`discovery: HTTP ${res.status}`);
  const discovery = await res.json();
  let grant = await interactiveLogin(discovery);
  if (silent) grant = await silentLogin(discovery);
  if (print === 'code') {
    console.log(JSON.stringify({ code: grant.code, code_verifier: grant.verifier, redirect_uri: redirectUri }));
  } else {
    const tokens = await exchange(discovery, grant.code, grant.verifier);
    if (logoutAfter) await logout(discovery, tokens.id_token);
    console.log(print === 'tokens' ? JSON.stringify(tokens) : tokens.id_token);
  }
} catch (e) {
  die(e?.cause ? `${e.message}: ${e.cause.message || e.cause}` : String(e?.stack || e));
}
