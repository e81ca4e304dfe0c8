/**
 * The header transport: the value in a response header, exposed to
 * cross-origin scripts, the empty header as the clear signal, the size limit.
 */
import { describe, expect, it } from 'vitest';
import { defineSessions, encrypted, header } from '../index.ts';
import { SECRET, type User, exchange, makeRequest } from '../../test/helpers.ts';

describe('header sessions', () => {
  const sessions = defineSessions({
    h: header<User>({ name: 'X-Session', transform: encrypted({ secret: SECRET }) }),
    p: header<User>(),
  });

  it('set puts the value in the response header and exposes it', async () => {
    const { response } = await exchange(sessions, {}, (s) => s.set('h', { id: 'api' }));
    const value = response.headers.get('X-Session');
    expect(value).toMatch(/^[A-Za-z0-9_-]+\.\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(response.headers.get('access-control-expose-headers')?.split(/\s*,\s*/)).toContain('X-Session');
    expect(response.headers.get('cache-control')).toBe('private, no-store');
    expect(response.headers.getSetCookie()).toEqual([]);

    const next = await exchange(sessions, { headers: { 'x-session': value ?? '' } }, (s) => s.get('h'));
    expect(next.result).toEqual({ id: 'api' });
    expect(next.response.headers.has('X-Session')).toBe(false);
  });

  it('the header name defaults to the session name; plain values round-trip, unicode included', async () => {
    const { response } = await exchange(sessions, {}, (s) => s.set('p', { id: 'plain 😀 %41 "q"' }));
    const value = response.headers.get('p');
    expect(value).not.toBeNull();
    const next = await exchange(sessions, { headers: { p: value ?? '' } }, (s) => s.get('p'));
    expect(next.result).toEqual({ id: 'plain 😀 %41 "q"' });
  });

  it('clear sends the header present and empty', async () => {
    const { response: first } = await exchange(sessions, {}, (s) => s.set('h', { id: 'api' }));
    const value = first.headers.get('X-Session') ?? '';
    const { response } = await exchange(sessions, { headers: { 'X-Session': value } }, (s) => s.clear('h'));
    expect(response.headers.has('X-Session')).toBe(true);
    expect(response.headers.get('X-Session')).toBe('');
    expect(response.headers.get('access-control-expose-headers')).toContain('X-Session');
  });

  it('appends to an existing Access-Control-Expose-Headers without duplicating', async () => {
    const s = sessions.forRequest(makeRequest());
    await s.set('h', { id: 'a' });
    await s.set('p', { id: 'b' });
    const response = s.applyTo(new Response('ok', { headers: { 'Access-Control-Expose-Headers': 'X-Request-Id, x-session' } }));
    const exposed = (response.headers.get('access-control-expose-headers') ?? '').split(/\s*,\s*/).map((t) => t.toLowerCase());
    expect(exposed.sort()).toEqual(['p', 'x-request-id', 'x-session']);
  });

  it('garbage in the header reads as no session and the response clears it', async () => {
    const { response, result } = await exchange(sessions, { headers: { 'X-Session': 'INVALID' } }, (s) => s.get('h'));
    expect(result).toBeUndefined();
    expect(response.headers.get('X-Session')).toBe('');
  });

  it('a value over 4096 bytes throws SessionTooLargeError at set', async () => {
    const big = defineSessions({ h: header<string>({ name: 'X-Session' }) });
    const s = big.forRequest(makeRequest());
    await expect(s.set('h', 'x'.repeat(5000))).rejects.toMatchObject({ code: 'ERR_SESSION_TOO_LARGE', limit: 4096 });
  });
});
