import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const GOOD = 'a'.repeat(32);
const OTHER = 'b'.repeat(40);

let cwd: string;
let dir: string;

/** A fresh copy of the module: it caches the secrets and reads the working directory at import. */
async function load() {
  vi.resetModules();
  return import('./secret');
}

beforeEach(() => {
  cwd = process.cwd();
  dir = mkdtempSync(path.join(tmpdir(), 'demo-secret-'));
  process.chdir(dir);
});

afterEach(() => {
  process.chdir(cwd);
  rmSync(dir, { recursive: true, force: true });
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe('sessionSecrets', () => {
  it('reads SESSION_SECRET as a comma-separated list, current first', async () => {
    vi.stubEnv('NODE_ENV', 'production');
    vi.stubEnv('SESSION_SECRET', `${GOOD}, ${OTHER}`);
    const { sessionSecrets } = await load();
    expect(sessionSecrets()).toEqual([GOOD, OTHER]);
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['too short', 'tooshort'],
    ['one of two too short', `${GOOD},short`],
  ])('refuses a %s secret in production with ERR_SESSION_CONFIG', async (_, value) => {
    vi.stubEnv('NODE_ENV', 'production');
    vi.stubEnv('SESSION_SECRET', value);
    const { sessionSecrets } = await load();
    expect(() => sessionSecrets()).toThrow(expect.objectContaining({ code: 'ERR_SESSION_CONFIG' }));
  });

  it('generates a development secret once, private to the owner, with a warning', async () => {
    vi.stubEnv('NODE_ENV', 'development');
    vi.stubEnv('SESSION_SECRET', undefined);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const first = (await load()).sessionSecrets();
    const file = path.join(dir, '.sessions', 'dev-secret');
    expect(first).toHaveLength(1);
    expect(first[0]?.length).toBeGreaterThanOrEqual(32);
    expect(readFileSync(file, 'utf8').trim()).toBe(first[0]);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(warn).toHaveBeenCalledTimes(1);

    // A restart reuses it: sessions written before stay readable.
    expect((await load()).sessionSecrets()).toEqual(first);
    expect(warn).toHaveBeenCalledTimes(1);
  });
});

describe('checkProductionSecret', () => {
  function spyExit() {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    return { error, exit };
  }

  it.each([
    ['missing', undefined],
    ['too short', 'tooshort'],
  ])('stops a production server with a %s secret, saying how to make one', async (_, value) => {
    vi.stubEnv('NODE_ENV', 'production');
    vi.stubEnv('SESSION_SECRET', value);
    const { error, exit } = spyExit();
    (await load()).checkProductionSecret();
    expect(exit).toHaveBeenCalledWith(1);
    expect(String(error.mock.calls[0]?.[0])).toContain('openssl rand -base64 32');
  });

  it('lets a production server with valid secrets start', async () => {
    vi.stubEnv('NODE_ENV', 'production');
    vi.stubEnv('SESSION_SECRET', `${GOOD},${OTHER}`);
    const { exit } = spyExit();
    (await load()).checkProductionSecret();
    expect(exit).not.toHaveBeenCalled();
  });

  it('does nothing in development, where a secret is generated', async () => {
    vi.stubEnv('NODE_ENV', 'development');
    vi.stubEnv('SESSION_SECRET', undefined);
    const { exit } = spyExit();
    (await load()).checkProductionSecret();
    expect(exit).not.toHaveBeenCalled();
  });
});
