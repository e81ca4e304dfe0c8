import { afterEach, describe, expect, it, vi } from 'vitest';
import { SessionConfigError, SessionStorageError } from 'sessions-kit';
import { TWO_STORES_MESSAGE, checkOneStore, demoStorageKind, demoStorages } from './storage';

describe('the demo storage choice', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('is Redis with REDIS_URL, Postgres with DATABASE_URL, a directory with neither', () => {
    expect(demoStorageKind({ REDIS_URL: 'redis://127.0.0.1:6379' })).toBe('redis');
    expect(demoStorageKind({ DATABASE_URL: 'postgres://app@127.0.0.1/app' })).toBe('postgres');
    expect(demoStorageKind({})).toBe('directory');
    expect(demoStorageKind({ REDIS_URL: ' ', DATABASE_URL: '' })).toBe('directory');
  });

  it('refuses both URLs, with a message that says to pick one: demoStorages throws, start-up stops', () => {
    const both = { REDIS_URL: 'redis://127.0.0.1:6379', DATABASE_URL: 'postgres://app@127.0.0.1/app' };
    expect(() => demoStorageKind(both)).toThrow(SessionConfigError);
    expect(() => demoStorages(both)).toThrow(TWO_STORES_MESSAGE);
    expect(TWO_STORES_MESSAGE).toMatch(/unset DATABASE_URL to use Redis, or unset REDIS_URL to use Postgres/);
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    const error = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    checkOneStore(both);
    expect(exit).toHaveBeenCalledWith(1);
    expect(error.mock.calls.join(' ')).toContain(TWO_STORES_MESSAGE);
    exit.mockClear();
    checkOneStore({ DATABASE_URL: 'postgres://app@127.0.0.1/app' });
    expect(exit).not.toHaveBeenCalled();
  });

  it('with DATABASE_URL, keeps sessions in Postgres: an unreachable database is an outage, not "no session"', async () => {
    const { accounts, anonymous } = demoStorages({ DATABASE_URL: 'postgres://app@127.0.0.1:1/app' });
    await expect(accounts.read('key')).rejects.toBeInstanceOf(SessionStorageError);
    await expect(anonymous.create('key', 'value')).rejects.toMatchObject({ code: 'ERR_SESSION_STORAGE', message: expect.not.stringContaining('127.0.0.1') });
  });
});
