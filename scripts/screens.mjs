// Screenshots of the main screens, as a person sees them: each screen at 1280 × 800 in the light
// and the dark theme and at 375 × 812 (a phone), written as PNGs to look at (scripts/screens).
//
//   node scripts/screens.mjs --app <origin> --issuer <idp origin> --out <dir> [--only a,b]
//
// Signs in through the IdP's own login form, like a user. The files it shows were seeded by
// scripts/screens (scripts/screens-seed.py). Drives /usr/bin/chromium with playwright-core (no
// debugging of timings here: only pictures). Exits 1 when a screen cannot be reached, or when
// a visible text node looks like source code (`#[`, `clippy`, `=>`, `::`): a DOM assertion
// cannot see stray text, but this catches the kind seen before.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(new URL('../bench/package.json', import.meta.url));
const { chromium } = require('playwright-core');

const opts = { only: null };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) opts[argv[i].replace(/^--/, '')] = argv[i + 1];
if (!opts.app || !opts.issuer || !opts.out || !opts.s3) {
  console.error('usage: screens.mjs --app <origin> --issuer <idp origin> --s3 <S3 origin> --out <dir> [--only a,b]');
  process.exit(2);
}
const only = opts.only ? new Set(opts.only.split(',')) : null;
mkdirSync(opts.out, { recursive: true });

const VARIANTS = [
  { name: '1280-light', viewport: { width: 1280, height: 800 }, colorScheme: 'light' },
  { name: '1280-dark', viewport: { width: 1280, height: 800 }, colorScheme: 'dark' },
  { name: '375-light', viewport: { width: 375, height: 812 }, colorScheme: 'light', isMobile: true, hasTouch: true },
];
const HOME = 'users/alice/';
const files = (key) => `/?path=${encodeURIComponent(HOME)}&key=${encodeURIComponent(HOME + key)}`;

// The local stack's test knobs (stack/s3/adapter.py): here, to hold uploads while they are shown.
async function knob(name, params) {
  const r = await fetch(`${opts.s3}/__pail/${name}`, { method: 'POST', body: JSON.stringify(params) });
  if (!r.ok) throw new Error(`knob ${name}: HTTP ${r.status}`);
}

/// Offers files to the upload panel's picker and presses Upload.
async function upload(page, files) {
  await page.setInputFiles('#file-input', files);
  await page.locator('.upload-actions .button-primary').click();
}

// Each screen: how to get there from a signed-in (or signed-out) page, and what to wait for.
const SCREENS = [
  { name: 'sign-in', user: null, path: '/', ready: 'button:has-text("Sign in")' },
  { name: 'files', user: 'alice', path: '/', ready: '[role=grid] [role=row] >> nth=3' },
  { name: 'details-image', user: 'alice', path: files('Photos/harbour.png'), ready: '[data-testid=preview-image]' },
  { name: 'details-pdf', user: 'alice', path: files('Q4 report.pdf'), ready: '[data-testid=preview-pdf-note]' },
  { name: 'details-text', user: 'alice', path: files('notes.md'), ready: '[data-testid=preview] pre' },
  // A user id the app refuses: the notice shows right after the sign-in, on its own page.
  { name: 'error-user-id', user: null, signInAs: 'bob/evil', path: '/', ready: '[role=alert] .notice-title' },
  { name: 'doctor', user: 'alice', path: '/doctor', ready: 'text=Copy report', settle: 1500 },
  // A file whose name is taken: the question, before anything is sent.
  {
    name: 'upload-question',
    user: 'alice',
    path: '/',
    act: (page) => upload(page, [{ name: 'notes.md', mimeType: 'text/markdown', buffer: Buffer.from('# new notes\n') }]),
    ready: '[data-testid=overwrite-dialog] h3',
  },
  // A big file mid-upload: its parts are held at the store for a while.
  {
    name: 'uploading',
    user: 'alice',
    path: '/',
    act: async (page) => {
      await knob('delays', { prefix: 'users/alice/Holiday video', operation: 'UploadPart', seconds: 20 });
      const name = `Holiday video ${Date.now()}.mp4`;
      await upload(page, [{ name, mimeType: 'video/mp4', buffer: Buffer.alloc(40 * 1024 * 1024, 7) }]);
    },
    ready: '[data-testid=upload-overall]',
    settle: 1500,
    // Cancelled afterwards, so the next screens show no unfinished upload.
    after: async (page) => {
      await page.locator('.upload-item button:has-text("Cancel")').first().click();
      await page.locator('[data-testid=upload-status]:has-text("Cancelled")').waitFor({ timeout: 60000 });
    },
  },
];

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

async function signIn(page, user) {
  await page.goto(`${opts.app}/`);
  await page.locator('button:has-text("Sign in")').first().click();
  await page.waitForURL((u) => u.href.startsWith(opts.issuer), { timeout: 30000 });
  await page.fill('input[name=login]', user);
  await page.fill('input[name=password]', 'any password');
  await page.click('button[type=submit]');
  await page.waitForURL((u) => u.href.startsWith(opts.app), { timeout: 30000 });
  // Signed in (or refused): the session is set up before the page goes.
  await page.locator('[data-testid=user-name], [role=alert]').first().waitFor({ timeout: 30000 });
}

// Rust paths (`storage::keys`), not ARNs (`arn:aws:iam::123…:role`).
const SOURCE_LIKE = /#\[|clippy|=>|[A-Za-z_]::[A-Za-z_]/;
let failures = 0;
const written = [];
for (const variant of VARIANTS) {
  const sessions = new Map(); // user -> context, so each user signs in once per variant
  for (const screen of SCREENS) {
    if (only && !only.has(screen.name)) continue;
    const file = join(opts.out, `${screen.name}-${variant.name}.png`);
    try {
      let context = sessions.get(screen.user);
      if (!context) {
        context = await browser.newContext({
          viewport: variant.viewport,
          colorScheme: variant.colorScheme,
          isMobile: variant.isMobile ?? false,
          hasTouch: variant.hasTouch ?? false,
          deviceScaleFactor: 1,
        });
        sessions.set(screen.user, context);
        if (screen.user) {
          const page = await context.newPage();
          await signIn(page, screen.user);
          await page.close();
        }
      }
      const page = await context.newPage();
      if (screen.signInAs) await signIn(page, screen.signInAs);
      else await page.goto(`${opts.app}${screen.path}`);
      if (screen.act) {
        await page.locator('[data-testid=user-name]').waitFor({ timeout: 30000 });
        await screen.act(page);
      }
      await page.locator(screen.ready).first().waitFor({ timeout: 30000 });
      await page.waitForTimeout(screen.settle ?? 400);
      await page.screenshot({ path: file });
      const stray = await page.evaluate((re) => {
        const pattern = new RegExp(re);
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        const found = [];
        for (let n = walker.nextNode(); n; n = walker.nextNode()) {
          const el = n.parentElement;
          if (!el || el.closest('pre, code, details:not([open])')) continue;
          const style = getComputedStyle(el);
          if (style.display === 'none' || style.visibility === 'hidden' || el.closest('[hidden]')) continue;
          if (pattern.test(n.textContent)) found.push(n.textContent.trim().slice(0, 80));
        }
        return found;
      }, SOURCE_LIKE.source);
      if (stray.length) {
        failures += 1;
        console.log(`✗ ${file}: text that looks like source code: ${JSON.stringify(stray)}`);
      } else {
        console.log(`  ${file}`);
      }
      written.push(file);
      if (screen.after) await screen.after(page);
      await page.close();
    } catch (e) {
      failures += 1;
      console.log(`✗ ${screen.name} (${variant.name}): ${e.message.split('\n')[0]}`);
    }
  }
  for (const c of sessions.values()) await c.close();
}
await browser.close();
console.log(`${written.length} screenshots in ${opts.out}${failures ? `, ${failures} problems` : ''}`);
process.exit(failures ? 1 : 0);
