import { describe, expect, it } from 'vitest';
import { SessionConfigError } from '../errors.ts';
import { type ConnectionUrl, type UrlRule, checkConnectionUrl, connectionUrl } from './connection-url.ts';

const RULE: UrlRule = { storage: 'redisStorage', variable: 'REDIS_URL', schemes: ['redis', 'rediss'] };

describe('checkConnectionUrl (when the storage is made)', () => {
  it('lets a function or an unset variable wait for first use, and checks a string now', () => {
    expect(() => checkConnectionUrl(RULE, undefined)).not.toThrow();
    expect(() => checkConnectionUrl(RULE, () => 'not even a url')).not.toThrow();
    expect(() => checkConnectionUrl(RULE, 'redis://127.0.0.1:6379')).not.toThrow();
    expect(() => checkConnectionUrl(RULE, 'http://127.0.0.1:6379')).toThrow(/redisStorage: `url` must start with redis:\/\/ or rediss:\/\//);
    for (const bad of [6379, null, {}, ['redis://x']]) expect(() => checkConnectionUrl(RULE, bad)).toThrow(SessionConfigError);
  });
});

describe('connectionUrl (at first use)', () => {
  it('returns the trimmed string a function or a value gives', () => {
    expect(connectionUrl(RULE, () => '  redis://127.0.0.1:6379\n')).toBe('redis://127.0.0.1:6379');
    expect(connectionUrl(RULE, 'rediss://cache.example:6380')).toBe('rediss://cache.example:6380');
  });

  it('names the variable when nothing is set', () => {
    for (const url of [undefined, () => undefined, () => '   ', '']) {
      expect(() => connectionUrl(RULE, url)).toThrow(/`url` gave no connection string at run time. Set REDIS_URL/);
    }
  });

  it('refuses a function that returns something other than a string with a config error, not a TypeError', () => {
    for (const [value, shown] of [[6379, 'number'], [null, 'null'], [{ url: 'redis://x' }, 'object'], [true, 'boolean']] as const) {
      const url = (() => value) as unknown as ConnectionUrl;
      expect(() => connectionUrl(RULE, url)).toThrow(SessionConfigError);
      expect(() => connectionUrl(RULE, url)).toThrow(`redisStorage: \`url\` returned ${shown}, not a connection string.`);
    }
  });

  it('checks the scheme of what the function returns', () => {
    expect(() => connectionUrl(RULE, () => 'postgres://db/x')).toThrow(/must start with redis:\/\/ or rediss:\/\//);
  });
});
