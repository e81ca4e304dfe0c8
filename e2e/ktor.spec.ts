import { expect, test } from '@playwright/test';

// Ktor's SessionTransportTransformerEncrypt test vector: this exact value is what Ktor writes for
// {"userId":"id2","cart":[]} with these keys (the server runs with them, see playwright.config.ts).
const KTOR_VALUE =
  '00112233445566778899aabbccddeeff/9b8cf9900ff0f63849cb7a2ad71ed8a1ac9f0e2735492d2a5129cf278d70ab27:40af9f393a00034b53d2267251047259005bdf5ff104eede599149e80e6fee13';

test('reads a cookie written by Ktor, URI-encoded as Ktor sends it or raw', async ({ request }) => {
  const encoded = KTOR_VALUE.replace('/', '%2F').replace(':', '%3A');
  for (const value of [encoded, KTOR_VALUE]) {
    const response = await request.get('/api/ktor', { headers: { cookie: `ktor_session=${value}` } });
    expect(await response.json()).toEqual({ session: { userId: 'id2', cart: [] } });
    expect(response.headers()['set-cookie']).toBeUndefined();
  }
});

test('writes a cookie in Ktor format that reads back; tampering reads as no session', async ({ request }) => {
  const written = await request.post('/api/ktor', { data: { userId: 'ada' } });
  expect(await written.json()).toEqual({ session: { userId: 'ada', cart: [] } });
  const value = /ktor_session=([^;]+)/.exec(written.headers()['set-cookie'] ?? '')?.[1] ?? '';
  expect(decodeURIComponent(value)).toMatch(/^[0-9a-f]{32}\/[0-9a-f]+:[0-9a-f]{64}$/);
  expect(value).toContain('%2F');
  expect(await (await request.get('/api/ktor')).json()).toEqual({ session: { userId: 'ada', cart: [] } });

  const flipped = `${KTOR_VALUE.slice(0, -1)}${KTOR_VALUE.endsWith('3') ? '4' : '3'}`;
  const tampered = await request.get('/api/ktor', { headers: { cookie: `ktor_session=${flipped}` } });
  expect(await tampered.json()).toEqual({ session: null });
});
