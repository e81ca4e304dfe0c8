import { describe, expect, it } from 'vitest';
import { SessionConfigError } from '../errors.ts';
import { type ConnectionUrl, type UrlRule, checkConnectionUrl, checkExactlyOne, connectionUrl } from './connection-url.ts';

const RULE: UrlRule = {
  storage: 'redisStorage',
  variable: 'REDIS_URL',
  schemes: ['redis', 'rediss'],
  client: { option: 'client', is: 'a node-redis client' },
};
const POOL_RULE: UrlRule = {
  storage: 'postgresStorage',
  variable: 'DATABASE_URL',
  schemes: ['postgres', 'postgresql'],
  client: { option: 'pool', is: 'a client with query(text, values)' },
};

describe('checkExactlyOne (url or a client, when the storage is made)', () => {
  const client = {};

  it('refuses both and neither with a SessionConfigError naming the storage and saying what each option is', () => {
    for (const options of [{ url: 'redis://127.0.0.1:6379', client }, {}, { client: undefined }]) {
      expect(() => checkExactlyOne(RULE, options)).toThrow(SessionConfigError);
      expect(() => checkExactlyOne(RULE, options)).toThrow(
        'redisStorage: pass exactly one of `url` (a redis:// connection string, or a function returning one) or `client` (a node-redis client).',
      );
    }
    expect(() => checkExactlyOne(POOL_RULE, { url: () => 'postgres://db/x', pool: client })).toThrow(
      'postgresStorage: pass exactly one of `url` (a postgres:// connection string, or a function returning one) or `pool` (a client with query(text, values)).',
    );
    // The other storage's option is not this one's client.
    expect(() => checkExactlyOne(POOL_RULE, { client })).toThrow(SessionConfigError);
  });

  it('takes either one alone, and `url: process.env.X` unset (a build) as a url', () => {
    expect(() => checkExactlyOne(RULE, { url: 'redis://127.0.0.1:6379' })).not.toThrow();
    expect(() => checkExactlyOne(RULE, { url: undefined })).not.toThrow();
    expect(() => checkExactlyOne(RULE, { client })).not.toThrow();
    expect(() => checkExactlyOne(RULE, { url: undefined, client })).not.toThrow();
    expect(() => checkExactlyOne(POOL_RULE, { pool: client })).not.toThrow();
  });
});

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
