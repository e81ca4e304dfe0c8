/**
 * Hostile input at the wire, for every transport: random mutations of valid
 * cookie and header values, in every segment, never throw out of `get` and
 * never turn into a 5xx from `handler`; what reads back is either nothing or
 * the value that was issued.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Sessions, cookie, defineSessions, encrypted, header, memoryStorage, signed } from '../index.ts';
import { SECRET, type User, cookieAfterSet, exchange } from '../../test/helpers.ts';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 120);
/** Room for the runs on a busy CI machine; nothing here measures time. */
const TIMEOUT_MS = 60_000;
const ISSUED: User = { id: 'issued', name: 'ünï "q" ;,' };

/** Characters a header can carry (Headers rejects NUL, CR, LF and code points over 0xFF). */
const HOSTILE = [...'%;=,"\\ \t.-_~/+:*!AZaz09', '\u007f', '\u00a0', '\u00ff', '%00', '%0A', '%E0%A4%A', '%25', '%2E', '=='];
const hostileChunk = fc.oneof(fc.constantFrom(...HOSTILE), fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).map((c) => String.fromCharCode(c)), maxLength: 6 }));

/** One edit in one segment (split at dots and percent-escapes) or of the whole value. */
function mutated(valid: string): fc.Arbitrary<string> {
  const segments = valid.split('.');
  const segment = fc.nat({ max: segments.length - 1 });
  const edit = (s: string) =>
    fc.oneof(
      fc.tuple(fc.nat({ max: Math.max(0, s.length - 1) }), hostileChunk).map(([i, c]) => s.slice(0, i) + c + s.slice(i + 1)),
      fc.tuple(fc.nat({ max: s.length }), hostileChunk).map(([i, c]) => s.slice(0, i) + c + s.slice(i)),
      fc.nat({ max: s.length }).map((i) => s.slice(0, i)),
      fc.constant(''),
      fc.constant(s + s),
      fc.constant(encodeURIComponent(s)),
      fc.constant(s.toUpperCase()),
      fc.constant(`"${s}"`),
    );
  const inSegment = segment.chain((i) =>
    edit(segments[i] as string).map((replacement) => segments.map((s, j) => (j === i ? replacement : s)).join('.')),
  );
  const whole = fc.oneof(
    edit(valid),
    fc.constant(segments.slice(0, -1).join('.')),
    fc.constant(`${valid}.`),
    fc.constant([...segments].reverse().join('.')),
    fc.constant(valid.repeat(40)),
  );
  return fc.oneof(inSegment, whole).filter((value) => value !== valid);
}

const storage = () => memoryStorage();
const cookieConfigs = {
  'cookie plain': cookie<User>(),
  'cookie encrypted': cookie<User>({ transform: encrypted({ secret: SECRET }) }),
  'cookie signed': cookie<User>({ transform: signed({ secret: SECRET }) }),
  'cookie by id': cookie<User>({ storage: storage() }),
  'cookie by id, signed': cookie<User>({ storage: storage(), transform: signed({ secret: SECRET }) }),
};
const headerConfigs = {
  'header plain': header<User>({ name: 'X-S' }),
  'header encrypted': header<User>({ name: 'X-S', transform: encrypted({ secret: SECRET }) }),
  'header by id, signed': header<User>({ name: 'X-S', storage: storage(), transform: signed({ secret: SECRET }) }),
};

/** Reads the session, then writes it: the demo counter's shape. */
function route(sessions: Sessions<{ s: User }>) {
  return sessions.handler(async (_request, { session }) => {
    const current = await session.get('s');
    await session.set('s', { id: current?.id ?? 'new' });
    return Response.json({ read: current ?? null });
  });
}

async function check(sessions: Sessions<{ s: User }>, init: { cookie?: string; header?: string; protectedValue: boolean }): Promise<void> {
  const headers: Record<string, string> = {};
  if (init.cookie !== undefined) headers.cookie = init.cookie;
  if (init.header !== undefined) headers['X-S'] = init.header;
  const { result } = await exchange(sessions, { headers }, (s) => s.get('s'));
  // A plain value carries no protection: an edit may parse as other data. A protected one reads as
  // nothing, or as the original when the edit decodes back to it (`%41` for `A`).
  if (init.protectedValue && result !== undefined) expect(result).toEqual(ISSUED);
  for (const method of ['GET', 'POST']) {
    const response = await route(sessions)(new Request('https://app.example/', { method, headers }), {});
    expect(response.status, `${method} ${JSON.stringify(init)}`).toBeLessThan(500);
  }
}

describe('mutated cookie values', { timeout: TIMEOUT_MS }, () => {
  for (const [label, definition] of Object.entries(cookieConfigs)) {
    it(`${label}: get never throws, handler never answers 5xx`, async () => {
      const sessions = defineSessions({ s: definition });
      const pair = await cookieAfterSet(sessions, 's', ISSUED);
      const valid = pair.slice(2);
      await fc.assert(
        fc.asyncProperty(mutated(valid), fc.constantFrom('alone', 'twice', 'beside'), async (value, placement) => {
          const cookieHeader =
            placement === 'alone' ? `s=${value}` : placement === 'twice' ? `s=${value}; s=${valid}` : `a=1; s=${value}; b=2`;
          await check(sessions, { cookie: cookieHeader, protectedValue: !label.endsWith('plain') });
        }),
        { numRuns: RUNS },
      );
    });
  }

  it('a random Cookie header never throws', async () => {
    const sessions = defineSessions({ s: cookieConfigs['cookie encrypted'] });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(hostileChunk, fc.constant('s='), fc.constant('; ')), { maxLength: 20 }), async (parts) => {
        await check(sessions, { cookie: parts.join(''), protectedValue: true });
      }),
      { numRuns: RUNS },
    );
  });
});

describe('mutated header values', { timeout: TIMEOUT_MS }, () => {
  for (const [label, definition] of Object.entries(headerConfigs)) {
    it(`${label}: get never throws, handler never answers 5xx`, async () => {
      const sessions = defineSessions({ s: definition });
      const { response } = await exchange(sessions, {}, (s) => s.set('s', ISSUED));
      const valid = response.headers.get('X-S') ?? '';
      expect(valid).not.toBe('');
      await fc.assert(
        fc.asyncProperty(mutated(valid), async (value) => {
          await check(sessions, { header: value, protectedValue: !label.endsWith('plain') });
        }),
        { numRuns: RUNS },
      );
    });
  }
});
