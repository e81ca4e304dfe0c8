#!/usr/bin/env node
// End-to-end tests: a production build of the app, then Playwright in real Chromium.
// Uses Debian's Chromium (CHROMIUM_PATH, else /usr/bin/chromium) when present; otherwise
// installs Playwright's own browser once, so `npm test` also works on a laptop.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium } from '@playwright/test';

const env = {
  ...process.env,
  SESSION_SECRET: process.env.SESSION_SECRET ?? 'e2e-only-secret-0123456789abcdefghijklmnop',
  NEXT_TELEMETRY_DISABLED: '1',
};

function run(command, args) {
  const result = spawnSync(command, args, { stdio: 'inherit', env });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const systemChromium = process.env.CHROMIUM_PATH ?? (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined);
if (!systemChromium && !existsSync(chromium.executablePath())) {
  console.log('No Chromium found: installing Playwright\'s own (npx playwright install chromium).');
  run('npx', ['playwright', 'install', 'chromium']);
}

run('npx', ['next', 'build']);
run('npx', ['playwright', 'test', ...process.argv.slice(2)]);
