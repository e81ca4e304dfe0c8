#!/usr/bin/env node
// Screenshots for the README and the social image, made with Playwright in real Chromium.
//
//   node scripts/screenshots.mjs                 # against a running app (BASE_URL, default http://127.0.0.1:3100)
//   node scripts/screenshots.mjs --assets-only   # only public/og.png and public/favicon.ico (no server needed)
//
// The running app: `npm run build`, then `SESSION_SECRET=… npx next start -p 3100` (or `npm run dev -- -p 3100`).
// The script starts a counter, logs in as the demo user, fills the basket and the cart, and checks that
// each page's header shows the user signed in (no "Log in" in the nav) before it takes the picture.
//
// Writes docs/screenshot.png (desktop, light), docs/screenshot-inspector.png (desktop, dark),
// docs/screenshot-phone.png (390 px, dark), public/og.png (1200×630) and public/favicon.ico.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { chromium } from '@playwright/test';

const root = path.resolve(import.meta.dirname, '..');
const base = process.env.BASE_URL ?? 'http://127.0.0.1:3100';
const assetsOnly = process.argv.includes('--assets-only');
const executablePath = process.env.CHROMIUM_PATH ?? (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined);

const browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu'] });
try {
  await socialImage();
  await favicon();
  if (!assetsOnly) await screenshots();
} finally {
  await browser.close();
}

/** The 1200×630 card shown when a link to the app is shared. */
async function socialImage() {
  const page = await browser.newPage({ viewport: { width: 1200, height: 630 } });
  const icon = readFileSync(path.join(root, 'app/icon.svg'), 'utf8');
  await page.setContent(`<!doctype html><html><body style="margin:0">
    <div style="width:1200px;height:630px;box-sizing:border-box;padding:80px;display:flex;flex-direction:column;justify-content:space-between;
      font-family:system-ui,sans-serif;color:#e6eaf0;background:#0d1117;border-top:12px solid #3b5bdb">
      <div style="display:flex;align-items:center;gap:24px;font-size:44px;font-weight:700">
        <div style="width:88px;height:88px">${icon.replace('<svg ', '<svg width="88" height="88" ')}</div>Sessions Kit</div>
      <div style="font-size:64px;font-weight:800;line-height:1.1;letter-spacing:-1.5px;max-width:980px">
        Sessions for Next.js: one definition, five places to use it.</div>
      <div style="font-size:28px;color:#9aa5b5">Cookie or header · encrypted or signed · by value or by id · Redis, files or memory</div>
    </div></body></html>`);
  writeFileSync(path.join(root, 'public/og.png'), await page.screenshot({ type: 'png' }));
  await page.close();
}

/** public/favicon.ico: the SVG icon rendered at 32 px, stored as a PNG inside an ICO container. */
async function favicon() {
  const page = await browser.newPage({ viewport: { width: 32, height: 32 } });
  const icon = readFileSync(path.join(root, 'app/icon.svg'), 'utf8');
  await page.setContent(`<html><body style="margin:0;background:transparent">${icon.replace('<svg ', '<svg width="32" height="32" ')}</body></html>`);
  const png = await page.screenshot({ type: 'png', omitBackground: true });
  await page.close();
  const header = Buffer.alloc(22);
  header.writeUInt16LE(0, 0); // reserved
  header.writeUInt16LE(1, 2); // type: icon
  header.writeUInt16LE(1, 4); // one image
  header.writeUInt8(32, 6); // width
  header.writeUInt8(32, 7); // height
  header.writeUInt8(0, 8); // no palette
  header.writeUInt8(0, 9);
  header.writeUInt16LE(1, 10); // colour planes
  header.writeUInt16LE(32, 12); // bits per pixel
  header.writeUInt32LE(png.length, 14);
  header.writeUInt32LE(22, 18); // offset of the image data
  writeFileSync(path.join(root, 'public/favicon.ico'), Buffer.concat([header, png]));
}

/** Waits until the header shows the demo user signed in: the chip names them and the nav offers no "Log in". */
async function signedInHeader(page) {
  await page.getByTestId('signed-in').filter({ hasText: 'ada' }).waitFor();
  const nav = page.getByRole('navigation', { name: 'Demos' });
  await nav.getByRole('link', { name: 'Account' }).waitFor();
  if ((await nav.getByRole('link', { name: 'Log in' }).count()) > 0) throw new Error('The nav still offers "Log in" to a signed-in user.');
}

/** A screenshot once the page has settled (data loaded, header signed in). */
async function shoot(page, file) {
  await page.waitForLoadState('networkidle');
  await signedInHeader(page);
  await page.screenshot({ path: path.join(root, file) });
}

async function screenshots() {
  const desktop = await browser.newContext({ viewport: { width: 1280, height: 860 }, colorScheme: 'light' });
  const page = await desktop.newPage();
  await page.goto(`${base}/`);
  await page.getByLabel('Your name').fill('ada');
  await page.getByRole('button', { name: 'Start session' }).click();
  await page.getByRole('button', { name: 'Count a visit' }).click();
  await page.getByTestId('count').filter({ hasText: '1' }).waitFor();
  await page.goto(`${base}/login`);
  await page.getByLabel('Username').fill('ada');
  await page.getByLabel('Password').fill('ada');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL('**/account');
  await page.goto(`${base}/`);
  await page.getByTestId('count').waitFor();
  await shoot(page, 'docs/screenshot.png');

  // The theme is saved by a Server Action (a POST to the page): wait for it before leaving the page.
  const saved = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/');
  await page.getByRole('radio', { name: 'Dark theme' }).check();
  await saved;
  await page.goto(`${base}/basket`);
  await page.getByLabel('Item').fill('coffee');
  await page.getByRole('button', { name: 'Add' }).click();
  await page.getByTestId('items').waitFor();
  await page.goto(`${base}/cart`);
  await page.getByLabel('Item').fill('tea');
  await page.getByRole('button', { name: 'Add' }).click();
  await page.getByTestId('items').waitFor();
  await page.goto(`${base}/inspector`);
  await page.getByTestId('inspect-user_session').getByTestId('exp').waitFor();
  await page.getByTestId('inspect-basket').getByTestId('fingerprint').waitFor();
  await shoot(page, 'docs/screenshot-inspector.png');
  const cookies = await desktop.cookies();
  await desktop.close();

  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, isMobile: true, hasTouch: true });
  await phone.addCookies(cookies);
  const mobile = await phone.newPage();
  await mobile.goto(`${base}/cart`);
  await mobile.getByLabel('Item').fill('a-very-long-item-name-that-wraps');
  await mobile.getByRole('button', { name: 'Add' }).click();
  await mobile.getByTestId('items').waitFor();
  await shoot(mobile, 'docs/screenshot-phone.png');
  await phone.close();
  console.log('Wrote docs/screenshot.png, docs/screenshot-inspector.png, docs/screenshot-phone.png');
}
console.log('Wrote public/og.png and public/favicon.ico');
