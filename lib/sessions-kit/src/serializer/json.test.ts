/**
 * The default JSON serializer through real sessions: what `set` refuses,
 * prototype-pollution safety on read, Standard Schema validation, and a
 * property-based round trip.
 */
import type { StandardSchemaV1 } from '@standard-schema/spec';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  SessionDataError,
  cookie,
  defineSessions,
  encrypted,
  header,
  jsonSerializer,
} from '../index.ts';
import { type RequestInit2, SECRET, cookieHeaderFrom, isClearing, makeRequest, setCookieFor, setCookies, exchange } from '../../test/helpers.ts';

const anySessions = defineSessions({
  plain: cookie<unknown>(),
  enc: cookie<unknown>({ transform: encrypted({ secret: SECRET }) }),
  h: header<unknown>({ name: 'X-S' }),
});

describe('set refuses what JSON would change or cannot hold', () => {
  class Point {
    constructor(
      public x = 1,
      public y = 2,
    ) {}
  }
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = cyclic;
  const cyclicArray: unknown[] = [1];
  cyclicArray.push({ back: cyclicArray });

  const refused: [string, unknown][] = [
    ['Date', new Date()],
    ['nested Date', { at: new Date() }],
    ['BigInt', 10n],
    ['nested BigInt', { n: [1n] }],
    ['Map', new Map([['a', 1]])],
    ['Set', new Set([1])],
    ['class instance', new Point()],
    ['nested class instance', { p: new Point() }],
    ['NaN', Number.NaN],
    ['nested NaN', { n: Number.NaN }],
    ['Infinity', { n: Number.POSITIVE_INFINITY }],
    ['-Infinity', [Number.NEGATIVE_INFINITY]],
    ['cycle', cyclic],
    ['cycle through an array', cyclicArray],
    ['function', { f: () => 1 }],
    ['symbol', { s: Symbol('x') }],
    ['undefined at the top', undefined],
    ['undefined in an array', [1, undefined]],
    ['Uint8Array', new Uint8Array(2)],
    ['boxed string', { s: new String('x') }],
    ['RegExp', { r: /x/ }],
    ['Error', new Error('x')],
    ['too deep', JSON.parse(`${'['.repeat(70)}${']'.repeat(70)}`)],
  ];

  for (const [label, value] of refused) {
    it(`${label} → SessionDataError at set, nothing sent`, async () => {
      for (const name of ['plain', 'enc', 'h'] as const) {
        const s = anySessions.forRequest(makeRequest());
        const error = await s.set(name, value).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error, `${label} in ${name}`).toBeInstanceOf(SessionDataError);
        expect(error).toMatchObject({ code: 'ERR_SESSION_DATA' });
        expect(await s.get(name)).toBeUndefined();
        const response = s.applyTo(new Response('ok'));
        expect(setCookies(response)).toEqual([]);
        expect(response.headers.has('X-S')).toBe(false);
      }
    });
  }

  it('a sparse array (JSON would turn the hole into null) → SessionDataError', async () => {
    const s = anySessions.forRequest(makeRequest());
    // biome-ignore lint/suspicious/noSparseArray: the hole is the point
    const sparse = [1, , 3];
    await expect(s.set('plain', sparse)).rejects.toMatchObject({ code: 'ERR_SESSION_DATA' });
    await expect(s.set('plain', { list: new Array(3) })).rejects.toMatchObject({ code: 'ERR_SESSION_DATA' });
  });

  it('a failed set keeps the earlier value of the request', async () => {
    const s = anySessions.forRequest(makeRequest());
    await s.set('plain', { ok: true });
    await expect(s.set('plain', { bad: 1n })).rejects.toMatchObject({ code: 'ERR_SESSION_DATA' });
    expect(await s.get('plain')).toEqual({ ok: true });
  });

  it('accepts plain data: null-prototype objects, shared (acyclic) references, null, nesting to 64 levels', async () => {
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { a: 1 });
    const shared = { n: 1 };
    const deep = JSON.parse(`${'['.repeat(60)}${']'.repeat(60)}`);
    for (const value of [bare, { x: shared, y: shared }, null, deep, 0, '', false, [], {}]) {
      const { response } = await exchange(anySessions, {}, (s) => s.set('plain', value));
      const { result } = await exchange(anySessions, { cookies: cookieHeaderFrom(response, 'plain') }, (s) => s.get('plain'));
      expect(result).toEqual(JSON.parse(JSON.stringify(value)));
    }
  });

  it('drops object properties whose value is undefined (as JSON does)', async () => {
    const { response } = await exchange(anySessions, {}, (s) => s.set('plain', { a: 1, b: undefined }));
    const { result } = await exchange(anySessions, { cookies: cookieHeaderFrom(response, 'plain') }, (s) => s.get('plain'));
    expect(result).toEqual({ a: 1 });
  });
});

describe('__proto__ in incoming data', () => {
  const cookieValue = (json: string) => encodeURIComponent(json);

  const hostile = [
    '{"__proto__":{"polluted":"yes"},"a":1}',
    '{"a":{"__proto__":{"polluted":"yes"},"b":2}}',
    '[{"__proto__":{"polluted":"yes"}}]',
    '{"\\u005f_proto__":{"polluted":"yes"},"a":1}',
    '{"__pro\\u0074o__":{"polluted":"yes"},"a":1}',
    '{"constructor":{"prototype":{"polluted":"yes"}},"a":1}',
  ];

  for (const json of hostile) {
    it(`${json} never pollutes and __proto__ keys are dropped`, async () => {
      const { result } = await exchange(anySessions, { cookies: { plain: cookieValue(json) } }, (s) => s.get('plain'));
      expect(result).toBeDefined();
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
      const walk = (v: unknown): void => {
        if (typeof v !== 'object' || v === null) return;
        expect(Object.hasOwn(v, '__proto__')).toBe(false);
        const proto = Object.getPrototypeOf(v);
        expect(proto === Object.prototype || proto === Array.prototype).toBe(true);
        // An own "polluted" key is plain data; an inherited one would be pollution.
        if (!Object.hasOwn(v, 'polluted')) expect((v as Record<string, unknown>).polluted).toBeUndefined();
        for (const child of Object.values(v)) walk(child);
      };
      walk(result);
    });
  }

  it('the rest of the data survives', async () => {
    const { result } = await exchange(
      anySessions,
      { cookies: { plain: cookieValue('{"__proto__":{"isAdmin":true},"user":{"__proto__":{"isAdmin":true},"id":"u1"}}') } },
      (s) => s.get('plain'),
    );
    expect(result).toEqual({ user: { id: 'u1' } });
    expect((result as { user: { isAdmin?: boolean } }).user.isAdmin).toBeUndefined();
  });

  it('also inside protected values (jsonSerializer directly)', () => {
    const serializer = jsonSerializer<Record<string, unknown>>();
    const data = serializer.deserialize('{"__proto__":{"polluted":"yes"},"ok":true}') as Record<string, unknown>;
    expect(data).toEqual({ ok: true });
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
    expect(data.polluted).toBeUndefined();
  });

  it('a "__proto__" key a caller stored comes back dropped, not as a prototype', async () => {
    const value = JSON.parse('{"__proto__":{"polluted":"yes"},"a":1}') as Record<string, unknown>;
    const { response } = await exchange(anySessions, {}, (s) => s.set('plain', value));
    const { result } = await exchange(anySessions, { cookies: cookieHeaderFrom(response, 'plain') }, (s) => s.get('plain'));
    expect(result).toEqual({ a: 1 });
    expect((result as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('Standard Schema validation on read', () => {
  interface User {
    id: string;
    role: 'user' | 'admin';
  }

  const validateUser = (v: unknown): StandardSchemaV1.Result<User> => {
    if (typeof v !== 'object' || v === null) return { issues: [{ message: 'not an object' }] };
    const { id, role } = v as Record<string, unknown>;
    if (typeof id !== 'string') return { issues: [{ message: 'id', path: ['id'] }] };
    if (role !== undefined && role !== 'user' && role !== 'admin') return { issues: [{ message: 'role', path: ['role'] }] };
    // Schemas may transform: a default role.
    return { value: { id, role: role ?? 'user' } };
  };

  const syncSchema: StandardSchemaV1<unknown, User> = {
    '~standard': { version: 1, vendor: 'test', validate: validateUser },
  };
  const asyncSchema: StandardSchemaV1<unknown, User> = {
    '~standard': { version: 1, vendor: 'test', validate: async (v) => validateUser(v) },
  };

  for (const [label, schema] of [
    ['sync', syncSchema],
    ['async', asyncSchema],
  ] as const) {
    const sessions = defineSessions({
      u: cookie<User>({ serializer: jsonSerializer({ schema }), transform: encrypted({ secret: SECRET }) }),
    });
    // Writes any data under the same cookie name and secret, bypassing the schema's type.
    const writer = defineSessions({ u: cookie<unknown>({ transform: encrypted({ secret: SECRET }) }) });

    it(`${label}: valid data reads (with the schema's output)`, async () => {
      const { response } = await exchange(writer, {}, (s) => s.set('u', { id: 'u1' }));
      const { result } = await exchange(sessions, { cookies: cookieHeaderFrom(response, 'u') }, (s) => s.get('u'));
      expect(result).toEqual({ id: 'u1', role: 'user' });
    });

    it(`${label}: failing data reads as no session and the cookie is cleared`, async () => {
      for (const bad of [{ id: 1 }, { id: 'u1', role: 'root' }, 'string', null, [1]]) {
        const { response } = await exchange(writer, {}, (s) => s.set('u', bad));
        const read = await exchange(sessions, { cookies: cookieHeaderFrom(response, 'u') }, (s) => s.get('u'));
        expect(read.result, JSON.stringify(bad)).toBeUndefined();
        const c = setCookieFor(read.response, 'u');
        expect(c && isClearing(c)).toBe(true);
      }
    });
  }

  it('set does not validate against the schema (the type does), get after set returns what was set', async () => {
    const sessions = defineSessions({ u: cookie<User>({ serializer: jsonSerializer({ schema: syncSchema }) }) });
    const { result } = await exchange(sessions, {}, async (s) => {
      await s.set('u', { id: 'x', role: 'admin' });
      return s.get('u');
    });
    expect(result).toEqual({ id: 'x', role: 'admin' });
  });
});

describe('property: JSON values round-trip through set → Set-Cookie → Cookie → get', () => {
  const hasMinusZeroOrProto = (v: unknown): boolean => {
    if (Object.is(v, -0)) return true;
    if (typeof v !== 'object' || v === null) return false;
    if (Object.hasOwn(v, '__proto__')) return true;
    return Object.values(v).some(hasMinusZeroOrProto);
  };
  const jsonObject = fc
    .dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 })
    .filter((v) => !hasMinusZeroOrProto(v));

  const roundTrip = async (name: 'plain' | 'enc' | 'h', value: unknown): Promise<unknown> => {
    const first = anySessions.forRequest(makeRequest());
    try {
      await first.set(name, value);
    } catch (error) {
      // Too large for one cookie: not what this property is about.
      fc.pre((error as { code?: string }).code !== 'ERR_SESSION_TOO_LARGE');
      throw error;
    }
    const response = first.applyTo(new Response('ok'));
    const init: RequestInit2 =
      name === 'h' ? { headers: { 'X-S': response.headers.get('X-S') ?? '' } } : { cookies: cookieHeaderFrom(response, name) };
    return (await exchange(anySessions, init, (s) => s.get(name))).result;
  };

  it('encrypted cookie', async () => {
    await fc.assert(
      fc.asyncProperty(jsonObject, async (value) => {
        expect(await roundTrip('enc', value)).toEqual(value);
      }),
      { numRuns: 150 },
    );
  });

  it('header', async () => {
    await fc.assert(
      fc.asyncProperty(jsonObject, async (value) => {
        expect(await roundTrip('h', value)).toEqual(value);
      }),
      { numRuns: 150 },
    );
  });

  it('plain cookie (percent-looking text included)', async () => {
    const withPercent = fc.record({
      data: jsonObject,
      text: fc.stringMatching(/^(%[0-7][0-9A-F]|[a-z %])*$/),
    });
    await fc.assert(
      fc.asyncProperty(withPercent, async (value) => {
        expect(await roundTrip('plain', value)).toEqual(value);
      }),
      { numRuns: 150 },
    );
  });

  it('jsonSerializer alone: serialize then deserialize is the identity on JSON values', () => {
    const serializer = jsonSerializer<unknown>();
    fc.assert(
      fc.property(fc.jsonValue().filter((v) => !hasMinusZeroOrProto(v)), (value) => {
        expect(serializer.deserialize(serializer.serialize(value))).toEqual(value);
      }),
      { numRuns: 300 },
    );
  });
});
