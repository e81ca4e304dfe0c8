/** ktorSigned: Ktor's SessionTransportTransformerMessageAuthentication format (HmacSHA256). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SessionConfigError, SessionDataError } from '../errors.ts';
import type { SessionTransformer } from '../types.ts';
import { type KtorSignedOptions, ktorSigned } from './ktor-signed.ts';
import {
  GARBAGE_10KB,
  anyUtf16,
  flipLastHexDigit,
  hmacHex,
  replaceAt,
  withoutNodeCrypto,
} from '../../test/ktor-vectors.ts';
import { ktorSignedLayout, mutationOf } from '../../test/mutations.ts';

const KEY = '0351560605861061056105800102030405060708090a0b0c0d0e0f1011121314';
const sig = (options: KtorSignedOptions): SessionTransformer => ktorSigned(options);
const signed = () => sig({ key: KEY });

describe('format', () => {
  it('matches an independently computed HMAC-SHA256', async () => {
    const value = '{"userId":"id2","cart":[]}';
    expect(await signed().write(value)).toBe(`${value}/${hmacHex(KEY, value)}`);
    expect(await signed().read(`${value}/${hmacHex(KEY, value)}`)).toBe(value);
  });

  it('signs the UTF-8 bytes of the value', async () => {
    const value = 'ünïcødé ✓ 😀';
    expect(await signed().write(value)).toBe(`${value}/${hmacHex(KEY, Buffer.from(value, 'utf8'))}`);
  });

  it('accepts the key as bytes', async () => {
    expect(await sig({ key: Buffer.from(KEY, 'hex') }).write('x')).toBe(await signed().write('x'));
  });

  it('round-trips a value containing slashes (split at the last one)', async () => {
    const value = 'a/b/c/';
    const wire = await signed().write(value);
    expect(wire).toBe(`${value}/${hmacHex(KEY, value)}`);
    expect(await signed().read(wire)).toBe(value);
  });

  it('round-trips a space, the empty string and a leading BOM (U+FEFF is data)', async () => {
    for (const value of ['id 2', '', '\uFEFFhello', '\uFEFF']) expect(await signed().read(await signed().write(value))).toBe(value);
    // The BOM is signed as its UTF-8 bytes, as Ktor's toByteArray(UTF_8) does.
    expect(await signed().write('\uFEFFhello')).toBe(`\uFEFFhello/${hmacHex(KEY, Buffer.from([0xef, 0xbb, 0xbf, ...Buffer.from('hello')]))}`);
  });
});

describe('hostile values read as undefined', () => {
  it('a tampered value', async () => {
    const wire = await signed().write('{"userId":"id2"}');
    expect(await signed().read(wire.replace('id2', 'id3'))).toBeUndefined();
    expect(await signed().read(`x${wire}`)).toBeUndefined();
    expect(await signed().read(`\uFEFF${wire}`)).toBeUndefined();
  });

  it('a tampered MAC', async () => {
    const wire = await signed().write('{"userId":"id2"}');
    expect(await signed().read(flipLastHexDigit(wire))).toBeUndefined();
    expect(await signed().read(replaceAt(wire, wire.length - 1, 'x'))).toBeUndefined();
  });

  it('a value signed with another key', async () => {
    expect(await signed().read(await sig({ key: 'ff' }).write('x'))).toBeUndefined();
  });

  it.each([
    ['no slash', 'INVALID'],
    ['empty', ''],
    ['empty MAC', 'value/'],
    ['short MAC', `value/${'0'.repeat(62)}`],
    ['long MAC', `value/${'0'.repeat(66)}`],
    ['non-hex MAC', `value/${'g'.repeat(64)}`],
    ['10 KB garbage', GARBAGE_10KB],
  ])('malformed input (%s)', async (_label, value) => {
    expect(await signed().read(value)).toBeUndefined();
  });

  it('an uppercase MAC (Ktor compares the lowercase hex text)', async () => {
    const wire = await signed().write('value');
    const slash = wire.lastIndexOf('/');
    expect(await signed().read(wire.slice(0, slash + 1) + wire.slice(slash + 1).toUpperCase())).toBeUndefined();
  });

  it('a value with a lone surrogate (it was never what was signed)', async () => {
    // UTF-8 would turn the lone surrogate into U+FFFD, so a MAC over '\uFFFD' must not vouch for it.
    const replacement = await signed().write('a\uFFFD');
    expect(await signed().read(replacement.replace('\uFFFD', '\uD800'))).toBeUndefined();
    await expect(signed().write('a\uD800')).rejects.toThrow(SessionDataError);
  });
});

describe('configuration', () => {
  it.each([
    ['an empty hex key', ''],
    ['empty key bytes', new Uint8Array(0)],
    ['an odd-length hex key', '03515606058610610561058'],
    ['a non-hex key', 'secret-password'],
  ])('throws SessionConfigError for %s', (_label, key) => {
    expect(() => sig({ key })).toThrow(expect.objectContaining({ code: 'ERR_SESSION_CONFIG' }));
  });

  it('throws SessionConfigError without node:crypto, naming the Node.js runtime', () => {
    withoutNodeCrypto(() => {
      expect(() => sig({ key: 'ff' })).toThrow(SessionConfigError);
      expect(() => sig({ key: 'ff' })).toThrow(/Node\.js runtime/);
    });
  });
});

describe('properties', () => {
  const t = signed();

  it('arbitrary Unicode strings round-trip', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 200 }), async (value) => {
        expect(await t.read(await t.write(value))).toBe(value);
      }),
      { numRuns: 200 },
    );
  });

  it('reading arbitrary strings never throws and never yields a session', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), anyUtf16), async (value) => {
        expect(await t.read(value)).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });

  it('mutations of the payload or the MAC never throw and never open', async () => {
    for (const original of ['{"userId":"id2","cart":[]}', 'a/b/c', '\uFEFFhello']) {
      const wire = await t.write(original);
      await fc.assert(
        fc.asyncProperty(mutationOf(wire, ktorSignedLayout), async (mutation) => {
          fc.pre(mutation.value !== wire);
          expect(await t.read(mutation.value)).toBeUndefined();
        }),
        { numRuns: 300 },
      );
    }
  });
});
