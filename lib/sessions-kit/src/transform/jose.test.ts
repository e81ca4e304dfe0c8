/** The strict protected-header parser shared by encrypted() and signed(). */
import { describe, expect, it } from 'vitest';
import { headerPrefix, headerTimes, parseProtectedHeader } from './protected-header.ts';
import { nonStrictHeaders } from '../../test/protected-values.ts';

const JWE = { alg: 'dir', enc: 'A256GCM' } as const;
const JWS = { alg: 'HS256' } as const;
const EXP = 1_900_000_000;
const b64 = (json: string) => Buffer.from(json, 'utf8').toString('base64url');

describe('what it writes', () => {
  it('is JSON.stringify output: fixed fields, kid, then iat and exp', () => {
    const json = headerPrefix(JWE, 'kid12345') + headerTimes({ createdAt: 1, expiresAt: 2 });
    expect(json).toBe('{"alg":"dir","enc":"A256GCM","kid":"kid12345","iat":1,"exp":2}');
    expect(json).toBe(JSON.stringify({ ...JWE, kid: 'kid12345', iat: 1, exp: 2 }));
    expect(headerPrefix(JWS, 'k') + headerTimes(undefined)).toBe('{"alg":"HS256","kid":"k"}');
  });

  it('reads back what it writes', () => {
    const json = headerPrefix(JWE, 'kid12345') + headerTimes({ createdAt: 0, expiresAt: EXP });
    expect(parseProtectedHeader(b64(json), JWE)).toEqual({ kid: 'kid12345', times: { createdAt: 0, expiresAt: EXP } });
  });
});

describe('accepts', () => {
  it.each([
    ['the fixed fields alone', '{"alg":"dir","enc":"A256GCM"}', { kid: undefined, times: {} }],
    ['members in any order (jose keeps the caller order)', `{"exp":${EXP},"enc":"A256GCM","kid":"k","alg":"dir"}`, { kid: 'k', times: { expiresAt: EXP } }],
    ['iat 0', '{"alg":"dir","enc":"A256GCM","iat":0}', { kid: undefined, times: { createdAt: 0 } }],
    ['a 64-character kid', `{"alg":"dir","enc":"A256GCM","kid":"${'k'.repeat(64)}"}`, { kid: 'k'.repeat(64), times: {} }],
    ['a non-ASCII kid written plainly', '{"alg":"dir","enc":"A256GCM","kid":"clé"}', { kid: 'clé', times: {} }],
    ['the largest safe integer', `{"alg":"dir","enc":"A256GCM","exp":${Number.MAX_SAFE_INTEGER}}`, { kid: undefined, times: { expiresAt: Number.MAX_SAFE_INTEGER } }],
  ])('%s', (_label, json, expected) => {
    expect(parseProtectedHeader(b64(json), JWE)).toEqual(expected);
  });
});

describe('refuses', () => {
  it.each(nonStrictHeaders('"alg":"dir","enc":"A256GCM"', EXP))('JWE header with %s', (_label, json) => {
    expect(parseProtectedHeader(b64(json), JWE)).toBeUndefined();
  });

  it.each(nonStrictHeaders('"alg":"HS256"', EXP))('JWS header with %s', (_label, json) => {
    expect(parseProtectedHeader(b64(json), JWS)).toBeUndefined();
  });

  it.each([
    ['a missing enc', '{"alg":"dir"}'],
    ['another alg', '{"alg":"A256KW","enc":"A256GCM"}'],
    ['another enc', '{"alg":"dir","enc":"A128GCM"}'],
    ['zip', '{"alg":"dir","enc":"A256GCM","zip":"DEF"}'],
    ['crit', '{"alg":"dir","enc":"A256GCM","crit":["exp"]}'],
    ['jku', '{"alg":"dir","enc":"A256GCM","jku":"https://evil.example"}'],
    ['jwk', '{"alg":"dir","enc":"A256GCM","jwk":{"kty":"oct"}}'],
    ['p2c', '{"alg":"dir","enc":"A256GCM","p2c":1000000000}'],
    ['a 65-character kid', `{"alg":"dir","enc":"A256GCM","kid":"${'k'.repeat(65)}"}`],
    ['an unsafe integer', `{"alg":"dir","enc":"A256GCM","exp":${2 ** 53}}`],
    ['seventeen digits', '{"alg":"dir","enc":"A256GCM","exp":12345678901234567}'],
    ['a control character in kid', '{"alg":"dir","enc":"A256GCM","kid":"a\u0001"}'],
    ['an array', '[{"alg":"dir","enc":"A256GCM"}]'],
    ['a string', '"{\\"alg\\":\\"dir\\"}"'],
    ['not JSON', 'alg=dir'],
    ['empty', ''],
    ['an unclosed object', '{"alg":"dir","enc":"A256GCM"'],
    ['a member without a value', '{"alg":"dir","enc":}'],
  ])('%s', (_label, json) => {
    expect(parseProtectedHeader(b64(json), JWE)).toBeUndefined();
  });

  it('non-canonical base64url, padding, invalid UTF-8 and over-long input', () => {
    const good = b64('{"alg":"dir","enc":"A256GCM"}');
    expect(parseProtectedHeader(good, JWE)).toBeDefined();
    expect(parseProtectedHeader(`${good}=`, JWE)).toBeUndefined();
    expect(parseProtectedHeader(Buffer.from('{"alg":"dir","enc":"A256GCM"}').toString('base64'), JWE)).toBeUndefined();
    expect(parseProtectedHeader(`${good} `, JWE)).toBeUndefined();
    expect(parseProtectedHeader(Buffer.from([0x7b, 0xc3, 0x28, 0x7d]).toString('base64url'), JWE)).toBeUndefined();
    expect(parseProtectedHeader(b64(`{"alg":"dir","enc":"A256GCM","kid":"${'k'.repeat(400)}"}`), JWE)).toBeUndefined();
  });
});
