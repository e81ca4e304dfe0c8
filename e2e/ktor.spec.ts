import { createHmac } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { cookieName } from './helpers';

const KTOR = cookieName('ktor_session');

// Ktor's SessionTransportTransformerEncrypt test vector: this exact value is what Ktor writes for
// {"userId":"id2","cart":[]} with these keys (the server runs with them, see playwright.config.ts).
const ENCRYPTED =
  '00112233445566778899aabbccddeeff/9b8cf9900ff0f63849cb7a2ad71ed8a1ac9f0e2735492d2a5129cf278d70ab27:40af9f393a00034b53d2267251047259005bdf5ff104eede599149e80e6fee13';
// The demo layers Ktor's SessionTransportTransformerMessageAuthentication (HmacSHA256) on top, keyed
// with KTOR_SIGN_KEY (KTOR_AUTH_KEY is unset): Ktor appends "/" + hex(HMAC(value)).
const SIGN_KEY = '02030405060708090a0b0c';
const KTOR_VALUE = `${ENCRYPTED}/${createHmac('sha256', Buffer.from(SIGN_KEY, 'hex')).update(ENCRYPTED).digest('hex')}`;

test('reads a cookie written by Ktor, URI-encoded as Ktor sends it or raw', async ({ request }) => {
  const encoded = KTOR_VALUE.replaceAll('/', '%2F').replace(':', '%3A');
  for (const value of [encoded, KTOR_VALUE]) {
    const response = await request.get('/api/ktor', { headers: { cookie: `${KTOR}=${value}` } });
    expect(await response.json()).toEqual({ session: { userId: 'id2', cart: [] } });
    expect(response.headers()['set-cookie']).toBeUndefined();
  }
  // Without the outer signature the IV is unauthenticated: such a value is refused.
  const unsigned = await request.get('/api/ktor', { headers: { cookie: `${KTOR}=${ENCRYPTED}` } });
  expect(await unsigned.json()).toEqual({ session: null });
});

test('writes a cookie in Ktor format that reads back; tampering reads as no session', async ({ request }) => {
  const written = await request.post('/api/ktor', { data: { userId: 'ada' } });
  expect(await written.json()).toEqual({ session: { userId: 'ada', cart: [] } });
  const value = new RegExp(`${KTOR}=([^;]+)`).exec(written.headers()['set-cookie'] ?? '')?.[1] ?? '';
  expect(decodeURIComponent(value)).toMatch(/^[0-9a-f]{32}\/[0-9a-f]+:[0-9a-f]{64}\/[0-9a-f]{64}$/);
  expect(value).toContain('%2F');
  expect(await (await request.get('/api/ktor')).json()).toEqual({ session: { userId: 'ada', cart: [] } });

  for (const at of [0, 40, KTOR_VALUE.length - 1]) {
    const c = KTOR_VALUE[at] === '3' ? '4' : '3';
    const flipped = `${KTOR_VALUE.slice(0, at)}${c}${KTOR_VALUE.slice(at + 1)}`;
    const tampered = await request.get('/api/ktor', { headers: { cookie: `${KTOR}=${flipped}` } });
    expect(await tampered.json()).toEqual({ session: null });
  }
});
