/** The stored record of a by-id session: format, revision nonce, strict parsing. */
import { describe, expect, it } from 'vitest';
import { encodeRecord, parseRecord, recordTimes } from './record.ts';

describe('stored records', () => {
  it('hold the session name, a nonce, the payload and the deadlines (version 2)', () => {
    const text = encodeRecord('basket', '{"items":[]}', { createdAt: 100, expiresAt: 200 });
    const record = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(record).sort()).toEqual(['c', 'd', 'e', 'n', 'r', 'v']);
    expect(record).toMatchObject({ v: 2, n: 'basket', d: '{"items":[]}', c: 100, e: 200 });
    expect(record.r).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(parseRecord(text)).toEqual(record);
    expect(recordTimes(parseRecord(text) as NonNullable<ReturnType<typeof parseRecord>>)).toEqual({ createdAt: 100, expiresAt: 200 });
  });

  it('the same data written twice is two different records (no ABA for compare-and-set)', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) seen.add(encodeRecord('s', 'same', { createdAt: 1, expiresAt: 2 }));
    expect(seen.size).toBe(1000);
  });

  it('omits absent deadlines', () => {
    expect(JSON.parse(encodeRecord('s', 'x', {}))).not.toHaveProperty('e');
  });

  it.each([
    '',
    'not json',
    'null',
    '[]',
    '"string"',
    '{"v":2}',
    '{"v":1,"n":"s","d":"{}"}',
    '{"v":2,"n":"s","d":"{}"}',
    '{"v":2,"n":"s","r":5,"d":"{}"}',
    '{"v":2,"n":"s","r":"x","d":5}',
    '{"v":"2","n":"s","r":"x","d":"{}"}',
    '{"v":2,"n":"s","r":"x","d":"{}","e":"tomorrow"}',
    '{"v":2,"n":"s","r":"x","d":"{}","e":1.5}',
    '{"v":2,"n":"s","r":"x","d":"{}","c":"yesterday"}',
    '{"v":2,"r":"x","d":"{}"}',
  ])('refuses %s', (text) => {
    expect(parseRecord(text)).toBeUndefined();
  });
});
