/** Session ids: format, randomness, and the check that runs before anything touches storage. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cookie, defineSessions } from '../index.ts';
import { exchange, fromB64url, wireValue } from '../../test/helpers.ts';
import { ID_SHAPE, type User } from '../../test/by-id.ts';
import { SESSION_ID_PATTERN, isSessionId, newSessionId } from './session-id.ts';
import { keyOf, spyStorage } from '../../test/spy-storage.ts';

describe('session ids', () => {
  it('are 32 CSPRNG bytes, base64url: 43 characters, all distinct over 1000 sets', async () => {
    const spy = spyStorage();
    const sessions = defineSessions({ s: cookie<User>({ storage: spy.storage }) });
    const ids = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const { response, result } = await exchange(sessions, {}, async (s) => {
        await s.set('s', { id: `u${i}` });
        return s.id('s');
      });
      const id = wireValue(response, 's');
      expect(id).toMatch(ID_SHAPE);
      expect(result).toBe(id);
      expect(fromB64url(id)).toHaveLength(32);
      expect(spy.map.has(keyOf(id))).toBe(true);
      ids.add(id);
    }
    expect(ids.size).toBe(1000);
    expect(spy.map.size).toBe(1000);
    expect(new Set(spy.stores.map((w) => w.key)).size).toBe(1000);
  });

  it('newSessionId() matches SESSION_ID_PATTERN and never repeats', () => {
    expect(SESSION_ID_PATTERN.source).toBe(ID_SHAPE.source);
    const ids = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const id = newSessionId();
      expect(id).toMatch(ID_SHAPE);
      expect(isSessionId(id)).toBe(true);
      ids.add(id);
    }
    expect(ids.size).toBe(1000);
  });

  it('isSessionId refuses anything but 43 base64url characters (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (s) => {
        expect(isSessionId(s)).toBe(ID_SHAPE.test(s));
      }),
    );
    expect(isSessionId(`${'A'.repeat(43)}\n`)).toBe(false);
    expect(isSessionId('A'.repeat(42))).toBe(false);
    expect(isSessionId('A'.repeat(44))).toBe(false);
    expect(isSessionId(`${'A'.repeat(42)}=`)).toBe(false);
    expect(isSessionId(`${'A'.repeat(42)}+`)).toBe(false);
  });
});
