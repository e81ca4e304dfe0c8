/** Bytes and text helpers: strict decoders (one spelling per value), BOM kept. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  assertWellFormedText,
  fromBase64url,
  fromHex,
  fromUtf8,
  isWellFormedText,
  toBase64url,
  toHex,
  utf8,
  utf8ToBase64url,
} from './encoding.ts';

describe('UTF-8', () => {
  it('keeps a leading byte-order mark: U+FEFF is data', () => {
    expect(fromUtf8(utf8('\uFEFFhello'))).toBe('\uFEFFhello');
    expect(fromUtf8(new Uint8Array([0xef, 0xbb, 0xbf]))).toBe('\uFEFF');
    expect(fromUtf8(new Uint8Array([0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf]))).toBe('\uFEFF\uFEFF');
  });

  it('refuses invalid UTF-8 instead of replacing it', () => {
    for (const bytes of [[0xc3, 0x28], [0xff], [0xed, 0xa0, 0x80], [0xe2, 0x82]]) expect(fromUtf8(new Uint8Array(bytes))).toBeUndefined();
  });

  it('finds lone surrogates, and refuses to protect text that has one', () => {
    expect(isWellFormedText('a😀b')).toBe(true);
    expect(isWellFormedText('a\uD800b')).toBe(false);
    expect(isWellFormedText('\uDC00')).toBe(false);
    expect(() => assertWellFormedText('a\uD800', 'signed()')).toThrow(expect.objectContaining({ code: 'ERR_SESSION_DATA' }));
    expect(() => assertWellFormedText('\uFEFFok', 'signed()')).not.toThrow();
  });

  it('round-trips any well-formed text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) => {
        expect(fromUtf8(utf8(text))).toBe(text);
      }),
    );
  });
});

describe('base64url', () => {
  it('round-trips any bytes, and text through utf8ToBase64url', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect([...(fromBase64url(toBase64url(bytes)) ?? [])]).toEqual([...bytes]);
      }),
    );
    expect(fromUtf8(fromBase64url(utf8ToBase64url('\uFEFFé')) ?? new Uint8Array())).toBe('\uFEFFé');
  });

  it('accepts only the canonical unpadded spelling', () => {
    expect([...(fromBase64url('AQ') ?? [])]).toEqual([1]);
    for (const other of ['AR', 'AQ=', 'AQ==', 'A', 'A+', 'A/', ' AQ', 'AQ\n', 'A.Q']) expect(fromBase64url(other), other).toBeUndefined();
  });

  it('accepts a text exactly when re-encoding what it decodes to gives the same text back', () => {
    // The definition of canonical, checked against any mix of the alphabet and the characters
    // decoders also take or skip (base64's `+` and `/`, padding, whitespace, other ASCII, non-ASCII).
    const char = fc.constantFrom(...'AQgwEIMUYcko048sB_-Zz9+/=. \n!é\u2028');
    fc.assert(
      fc.property(fc.array(char, { maxLength: 24 }), (chars) => {
        const text = chars.join('');
        const bytes = fromBase64url(text);
        const reference = Buffer.from(text, 'base64url');
        const canonical = reference.toString('base64url') === text;
        expect(bytes !== undefined, JSON.stringify(text)).toBe(canonical);
        if (bytes) expect([...bytes]).toEqual([...reference]);
      }),
      { numRuns: 5000 },
    );
  });
});

describe('hex', () => {
  it('writes lowercase; reads lowercase only unless anyCase', () => {
    expect(toHex(new Uint8Array([0, 15, 255]))).toBe('000fff');
    expect([...(fromHex('000fff') ?? [])]).toEqual([0, 15, 255]);
    expect(fromHex('000FFF')).toBeUndefined();
    expect([...(fromHex('000FFF', true) ?? [])]).toEqual([0, 15, 255]);
    for (const bad of ['0', 'zz', '0x00', ' 00', '00 ']) expect(fromHex(bad, true), bad).toBeUndefined();
    expect(fromHex('')).toEqual(new Uint8Array());
  });
});
