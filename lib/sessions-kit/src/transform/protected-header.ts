/**
 * The JOSE protected header shared by `encrypted` (JWE) and `signed` (JWS).
 * Expiry travels here, inside the protected value, so custom and Ktor
 * transformers see only the bare serialized session.
 *
 * The parser is strict: "only that exact header" means one spelling of it.
 * JSON.parse would hide duplicate keys (the last wins), skip whitespace and
 * decode `\u` escapes in member names, so the header is scanned by hand:
 *
 * - an object of `"name":value` members with no whitespace anywhere and no
 *   byte-order mark (JSON.stringify, as jose and we write it, never adds any);
 * - names from the allowlist only, each at most once, without escapes;
 * - the fixed fields (`alg`, and `enc` for JWE) present with their exact values;
 * - `kid`: 1 to 64 characters, no escapes or control characters;
 * - `iat`, `exp`: non-negative integers written as plain digits.
 *
 * Members may come in any order: `jose.CompactEncrypt` keeps the caller's order.
 */
import { fromBase64url, fromUtf8 } from '../internal/encoding.ts';
import type { SessionTimes } from '../types.ts';

/** Longest value we try to open: the cookie limit. Checked before any crypto. */
export const MAX_PROTECTED_LENGTH = 4096;

/** Longest encoded header we look at (ours is about 110 characters). */
const MAX_HEADER_LENGTH = 512;
const MAX_KID_LENGTH = 64;

export interface ProtectedHeader {
  readonly kid?: string;
  readonly times: Readonly<SessionTimes>;
}

type Expected = Readonly<Record<string, string>>;

/** `{"alg":…,"kid":"…"` without the closing brace: constant per key, so callers compute it once. */
export function headerPrefix(fixed: Expected, kid: string): string {
  return JSON.stringify({ ...fixed, kid }).slice(0, -1);
}

/** The rest of the header after `headerPrefix`, closing brace included. */
export function headerTimes(times: SessionTimes | undefined): string {
  let out = '';
  if (times?.createdAt !== undefined) out += `,"iat":${times.createdAt}`;
  if (times?.expiresAt !== undefined) out += `,"exp":${times.expiresAt}`;
  return `${out}}`;
}

/** A member name: lowercase letters only, so no escape, space or look-alike can pass. */
const NAME = /"([a-z]{1,8})":/y;
/** A string value without escapes or control characters (C0, DEL, C1). */
const STRING = /"([^"\\\p{Cc}]*)"/uy;
/** A JSON integer as JSON.stringify writes it: no sign, no leading zero, no fraction or exponent. */
const INTEGER = /(?:0|[1-9][0-9]{0,15})(?![0-9.eE])/y;

/**
 * Parses and checks a base64url header against an exact allowlist: the `fixed` fields with
 * their exact values, plus optional `kid`, `iat`, `exp`. Anything else (`zip`, `crit`, `jku`,
 * `jwk`, another `alg`, a duplicate, whitespace…) is rejected before any crypto.
 */
export function parseProtectedHeader(encoded: string, fixed: Expected): ProtectedHeader | undefined {
  if (encoded.length > MAX_HEADER_LENGTH) return undefined;
  const bytes = fromBase64url(encoded);
  const json = bytes && fromUtf8(bytes);
  if (json === undefined || json[0] !== '{' || json[json.length - 1] !== '}') return undefined;

  const seen = new Map<string, string | number>();
  let at = 1;
  while (at < json.length - 1) {
    if (seen.size > 0) {
      if (json[at] !== ',') return undefined;
      at++;
    }
    NAME.lastIndex = at;
    const name: string | undefined = NAME.exec(json)?.[1];
    if (name === undefined || seen.has(name)) return undefined;
    at = NAME.lastIndex;
    const pattern: RegExp = name === 'iat' || name === 'exp' ? INTEGER : STRING;
    pattern.lastIndex = at;
    const match = pattern.exec(json);
    if (!match) return undefined;
    at = pattern.lastIndex;
    seen.set(name, pattern === INTEGER ? Number(match[0]) : (match[1] as string));
  }
  if (at !== json.length - 1) return undefined;

  for (const [name, expected] of Object.entries(fixed)) {
    if (seen.get(name) !== expected) return undefined;
  }
  const times: SessionTimes = {};
  let kid: string | undefined;
  for (const [name, value] of seen) {
    if (Object.hasOwn(fixed, name)) continue;
    if (name === 'kid' && typeof value === 'string' && value.length > 0 && value.length <= MAX_KID_LENGTH) kid = value;
    else if (name === 'iat' && Number.isSafeInteger(value)) times.createdAt = value as number;
    else if (name === 'exp' && Number.isSafeInteger(value)) times.expiresAt = value as number;
    else return undefined;
  }
  return { kid, times };
}
