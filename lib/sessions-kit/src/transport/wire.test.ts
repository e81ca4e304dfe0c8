/**
 * Sessions on the wire: the 4096-byte bound, and our Cookie parser and Set-Cookie writer
 * checked against the `cookie` package (what Next's cookie store and most servers use) on
 * generated names, values and attributes.
 */
import { parse, parseSetCookie, serialize } from 'cookie';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CookieWriteOptions,
  MAX_WIRE_BYTES,
  assertFitsWire,
  encodeCookieValue,
  formatSetCookie,
  parseCookieHeader,
  singleValue,
} from './wire.ts';

const codeOf = (fn: () => void) => {
  try {
    fn();
  } catch (error) {
    return (error as { code?: string }).code ?? (error as Error).name;
  }
  return undefined;
};

describe('the 4096-byte bound', () => {
  it('a cookie: name, "=" and the encoded value; 4096 fit, 4097 are SessionTooLargeError with size and limit', () => {
    const fits = 'a'.repeat(MAX_WIRE_BYTES - 2);
    expect(codeOf(() => assertFitsWire('s', 'cookie', 's', fits))).toBeUndefined();
    expect(() => assertFitsWire('s', 'cookie', 's', `${fits}a`)).toThrow(
      expect.objectContaining({ code: 'ERR_SESSION_TOO_LARGE', size: 4097, limit: 4096 }),
    );
    // Counted encoded: one "é" is six bytes on the wire (%C3%A9).
    expect(() => assertFitsWire('s', 'cookie', 's', `${'a'.repeat(MAX_WIRE_BYTES - 7)}é`)).toThrow(
      expect.objectContaining({ size: 4097 }),
    );
  });

  it('a header: name, ": " and the encoded value', () => {
    const fits = 'a'.repeat(MAX_WIRE_BYTES - 'X-S'.length - 2);
    expect(codeOf(() => assertFitsWire('s', 'header', 'X-S', fits))).toBeUndefined();
    expect(() => assertFitsWire('s', 'header', 'X-S', `${fits}a`)).toThrow(
      expect.objectContaining({ code: 'ERR_SESSION_TOO_LARGE', size: 4097, limit: 4096 }),
    );
  });
});

// ---- against the `cookie` package ------------------------------------------------------------------

/** RFC 9110 token characters: what a session's cookie name may use. */
const TOKEN_CHARS = [..."!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"];
const name = fc.string({ unit: fc.constantFrom(...TOKEN_CHARS), minLength: 1, maxLength: 12 });

/** What a Cookie header value may hold between separators: printable ASCII but ";", percent escapes, some UTF-8. */
const rawValue = fc.string({
  unit: fc.oneof(
    fc.integer({ min: 0x21, max: 0x7e }).filter((c) => c !== 0x3b).map((c) => String.fromCharCode(c)),
    fc.constantFrom(' ', '%20', '%25', '%3B', '%E2%82%AC', '%E0%A4%A', '%', '%zz', 'é', '😀'),
  ),
  maxLength: 20,
});
/** Space and tab: the whitespace both parsers trim around names and values. */
const pad = fc.constantFrom('', ' ', '\t', '  ');

interface Pair {
  name: string;
  value: string;
  valueless: boolean;
  padding: [string, string, string, string];
}

const pair: fc.Arbitrary<Pair> = fc.record({
  name,
  value: rawValue,
  // A segment without "=" is skipped by both.
  valueless: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
  padding: fc.tuple(pad, pad, pad, pad),
});

const headerOf = (pairs: Pair[], separator: string) =>
  pairs
    .map(({ name, value, valueless, padding: [a, b, c, d] }) => (valueless ? `${a}${name}${b}` : `${a}${name}${b}=${c}${value}${d}`))
    .join(separator);

describe('parseCookieHeader and singleValue against cookie.parse', () => {
  it('without duplicate names: the same cookies with the same decoded values', () => {
    fc.assert(
      fc.property(fc.uniqueArray(pair, { selector: (p) => p.name, maxLength: 8 }), fc.constantFrom(';', '; ', ';\t'), (pairs, separator) => {
        const header = headerOf(pairs, separator);
        const ours = parseCookieHeader(header);
        const theirs = parse(header);
        expect(Object.fromEntries([...ours].map(([k, values]) => [k, singleValue(values)]))).toEqual({ ...theirs });
        for (const values of ours.values()) expect(values).toHaveLength(1);
      }),
      { numRuns: 500 },
    );
  });

  it('with duplicate names: cookie.parse keeps the first; we keep all, in order, and singleValue refuses different ones', () => {
    fc.assert(
      fc.property(fc.array(pair, { minLength: 1, maxLength: 8 }), fc.nat(), (generated, at) => {
        // Repeat one name at least once, sometimes with the same value.
        const first = generated[at % generated.length] as Pair;
        const pairs = [...generated, { ...first, value: at % 2 === 0 ? first.value : `${first.value}x`, valueless: false }];
        const header = headerOf(pairs, '; ');
        const ours = parseCookieHeader(header);
        const theirs = parse(header);
        expect([...ours.keys()].sort()).toEqual(Object.keys(theirs).sort());
        for (const [key, values] of ours) {
          expect(values[0]).toBe(theirs[key]);
          const sent = pairs.filter((p) => p.name === key && !p.valueless);
          expect(values).toHaveLength(sent.length);
          expect(singleValue(values)).toBe(values.every((v) => v === values[0]) ? values[0] : undefined);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('where they differ: an empty name, and whitespace other than space and tab around a value', () => {
    // cookie.parse keeps a cookie named ""; we skip it (no session is named "").
    expect(parse('=a; b=c')).toEqual({ '': 'a', b: 'c' });
    expect([...parseCookieHeader('=a; b=c')]).toEqual([['b', ['c']]]);
    // cookie.parse trims only SP and HTAB; we trim all whitespace (a browser sends neither NBSP nor a newline there).
    expect(parse('a=\u00a0x\u00a0').a).toBe('\u00a0x\u00a0');
    expect(parseCookieHeader('a=\u00a0x\u00a0').get('a')).toEqual(['x']);
  });

  it('decode once, and leave a malformed escape as it came, like cookie.parse', () => {
    for (const header of ['s=a%2541', 's=%E0%A4%A', 's=100%', 's=%zz', 's=%E2%82%AC']) {
      expect(parseCookieHeader(header).get('s'), header).toEqual([parse(header).s]);
    }
    expect(parseCookieHeader('s=a%2541').get('s')).toEqual(['a%41']);
  });
});

/** Valid Set-Cookie attributes, as `cookieWriteOptions` builds them. */
const options: fc.Arbitrary<CookieWriteOptions> = fc.record(
  {
    maxAge: fc.oneof(fc.constant(undefined), fc.constant(0), fc.integer({ min: 1, max: 400 * 24 * 3600 })),
    expires: fc.oneof(fc.constant(undefined), fc.constant(new Date(0)), fc.date({ min: new Date(0), max: new Date(Date.UTC(2100, 0, 1)), noInvalidDate: true })),
    path: fc.oneof(fc.constant('/'), fc.stringMatching(/^\/[a-z0-9\-._~/]{0,20}$/)),
    domain: fc.oneof(fc.constant(undefined), fc.stringMatching(/^\.?[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?){0,3}$/)),
    secure: fc.boolean(),
    httpOnly: fc.boolean(),
    sameSite: fc.constantFrom('lax', 'strict', 'none'),
    partitioned: fc.boolean(),
  },
  { requiredKeys: ['path', 'secure', 'httpOnly', 'sameSite', 'partitioned'] },
);

/** Any session text (well-formed: the transformers refuse lone surrogates before it gets here). */
const anyValue = fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.stringMatching(/^[A-Za-z0-9_.-]{0,60}$/), rawValue);

describe('formatSetCookie against cookie.serialize', () => {
  it('the same line, byte for byte and in the same attribute order, given our value encoder', () => {
    fc.assert(
      fc.property(name, anyValue, options, (n, value, o) => {
        expect(formatSetCookie(n, value, o)).toBe(serialize(n, value, { ...o, encode: encodeCookieValue }));
      }),
      { numRuns: 1000 },
    );
  });

  it('the value is a valid cookie-octet string that cookie.serialize accepts, and reads back as it was written', () => {
    fc.assert(
      fc.property(name, anyValue, (n, value) => {
        const encoded = encodeCookieValue(value);
        expect(encoded).toMatch(/^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*$/);
        // `serialize` re-validates the value after encoding: it would throw on anything else.
        expect(() => serialize(n, value, { encode: encodeCookieValue })).not.toThrow();
        expect(parseCookieHeader(`${n}=${encoded}`).get(n)).toEqual([value]);
        expect(parse(`${n}=${encoded}`)[n]).toBe(value);
      }),
      { numRuns: 1000 },
    );
  });

  it("cookie.parseSetCookie reads our line back: name, value and every attribute", () => {
    fc.assert(
      fc.property(name, anyValue, options, (n, value, o) => {
        const parsed = parseSetCookie(formatSetCookie(n, value, o));
        expect(parsed).toEqual({
          name: n,
          value,
          path: o.path,
          sameSite: o.sameSite,
          ...(o.maxAge === undefined ? {} : { maxAge: o.maxAge }),
          ...(o.domain ? { domain: o.domain } : {}),
          // Expires travels with one-second precision.
          ...(o.expires ? { expires: new Date(Math.floor(o.expires.getTime() / 1000) * 1000) } : {}),
          ...(o.httpOnly ? { httpOnly: true } : {}),
          ...(o.secure ? { secure: true } : {}),
          ...(o.partitioned ? { partitioned: true } : {}),
        });
      }),
      { numRuns: 500 },
    );
  });

  it('encodes all but A-Za-z0-9-._~ (Ktor URI_ENCODING): stricter than cookie’s default encodeURIComponent', () => {
    expect(formatSetCookie('s', "a!'()*b", { path: '/', secure: false, httpOnly: false, sameSite: 'lax', partitioned: false })).toBe(
      's=a%21%27%28%29%2Ab; Path=/; SameSite=Lax',
    );
    expect(serialize('s', "a!'()*b", { path: '/', sameSite: 'lax' })).toBe("s=a!'()*b; Path=/; SameSite=Lax");
  });
});
