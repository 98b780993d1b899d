// Pail's first screen, the usual JavaScript way: OIDC authorization code + PKCE with
// oidc-client-ts, STS AssumeRoleWithWebIdentity and S3 ListObjectsV2 with the AWS SDK v3,
// and the listing as a plain table.
//
// Like Pail: tokens stay in memory (userStore), only the pending sign-in (state, PKCE
// verifier, nonce) and a "this tab is signed in" flag go to sessionStorage, and a reload
// restores the session with a full-page prompt=none round trip to the provider.
// Unlike Pail: oidc-client-ts does not verify the ID token's signature (it never fetches the
// JWKS); STS does, when it accepts the token.
import { InMemoryWebStorage, UserManager, WebStorageStateStore } from 'oidc-client-ts';
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { config } from './config.js';

const SIGNED_IN = 'pail-js.session.active';
const app = document.getElementById('app');

const users = new UserManager({
  authority: config.issuer,
  client_id: config.clientId,
  redirect_uri: config.redirectUri,
  post_logout_redirect_uri: config.postLogoutRedirectUri,
  scope: 'openid profile email',
  userStore: new WebStorageStateStore({ store: new InMemoryWebStorage() }),
  stateStore: new WebStorageStateStore({ store: window.sessionStorage }),
  automaticSilentRenew: false,
});

function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

function show(...children) {
  app.replaceChildren(...children);
}

function signIn(silent) {
  const returnTo = window.location.pathname + window.location.search;
  return users.signinRedirect({ prompt: silent ? 'none' : undefined, state: { returnTo } });
}

function showSignIn(message) {
  show(
    el('h1', {}, 'Pail (JS reference)'),
    message ? el('p', { className: 'error' }, message) : '',
    el('button', { type: 'button', onclick: () => signIn(false) }, 'Sign in'),
  );
}

// Session credentials for the user's ID token; the SDK caches them until shortly before
// `expiration` and then calls this again.
function webIdentityCredentials(user) {
  const sts = new STSClient({ region: config.region, endpoint: config.stsEndpoint });
  return async () => {
    const { Credentials: c } = await sts.send(
      new AssumeRoleWithWebIdentityCommand({
        RoleArn: config.roleArn,
        RoleSessionName: user.profile.sub.replace(/[^\w+=,.@-]/g, '_').slice(0, 64).padEnd(2, '_'),
        WebIdentityToken: user.id_token,
        DurationSeconds: config.sessionDurationSeconds,
      }),
    );
    return {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
      expiration: c.Expiration,
    };
  };
}

function formatBytes(n) {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i += 1;
  }
  return i === 0 ? `${n} B` : `${n.toFixed(1)} ${units[i]}`;
}

async function showFiles(user) {
  const s3 = new S3Client({
    region: config.region,
    endpoint: config.s3Endpoint,
    forcePathStyle: true,
    credentials: webIdentityCredentials(user),
  });
  const prefix = `users/${user.profile.sub}/`;
  show(el('p', {}, 'Loading…'));
  const page = await s3.send(
    new ListObjectsV2Command({ Bucket: config.bucket, Prefix: prefix, Delimiter: '/' }),
  );
  const name = (key) => key.slice(prefix.length);
  const rows = [
    ...(page.CommonPrefixes ?? []).map((p) =>
      el('tr', {}, el('td', {}, `${name(p.Prefix)}`), el('td', { className: 'num' }, '—'), el('td', {}, 'Folder')),
    ),
    ...(page.Contents ?? []).map((o) =>
      el(
        'tr',
        {},
        el('td', {}, name(o.Key)),
        el('td', { className: 'num' }, formatBytes(o.Size ?? 0)),
        el('td', {}, o.LastModified ? o.LastModified.toLocaleString() : ''),
      ),
    ),
  ];
  show(
    el(
      'header',
      {},
      el('h1', {}, 'Pail (JS reference)'),
      el('span', {}, `${user.profile.name ?? user.profile.sub} `, el('button', { type: 'button', onclick: signOut }, 'Sign out')),
    ),
    rows.length
      ? el(
          'table',
          {},
          el('thead', {}, el('tr', {}, el('th', {}, 'Name'), el('th', { className: 'num' }, 'Size'), el('th', {}, 'Last modified'))),
          el('tbody', {}, ...rows),
        )
      : el('p', {}, 'No files here yet.'),
    el('p', {}, page.IsTruncated ? `${rows.length} items shown; more in this folder` : `${rows.length} items`),
  );
  requestAnimationFrame(() => performance.mark('pail:first-listing'));
}

async function signOut() {
  sessionStorage.removeItem(SIGNED_IN);
  const user = await users.getUser();
  await users.removeUser();
  if (user) await users.signoutRedirect({ id_token_hint: user.id_token });
  else showSignIn();
}

async function start() {
  if (window.location.pathname === '/callback') {
    let user;
    try {
      user = await users.signinRedirectCallback();
    } catch (e) {
      sessionStorage.removeItem(SIGNED_IN);
      window.history.replaceState(null, '', '/');
      // prompt=none without a provider session: just signed out.
      showSignIn(['login_required', 'interaction_required'].includes(e.error) ? '' : `Sign-in failed: ${e.message}`);
      return;
    }
    sessionStorage.setItem(SIGNED_IN, '1');
    window.history.replaceState(null, '', user.state?.returnTo || '/');
    await showFiles(user);
  } else if (sessionStorage.getItem(SIGNED_IN)) {
    await signIn(true);
  } else {
    showSignIn();
  }
}

start().catch((e) => {
  console.error(e);
  show(el('p', { className: 'error' }, `Error: ${e.message}`));
});
