/**
 * The JOSE protected header shared by `encrypted` (JWE) and `signed` (JWS).
 * Expiry travels here, inside the protected value, so custom and Ktor
 * transformers see only the bare serialized session.
 */
import { fromBase64url, fromUtf8 } from '../internal/encoding.ts';
import type { SessionTimes } from '../types.ts';

/** Longest value we try to open: the cookie limit. Checked before any crypto. */
export const MAX_PROTECTED_LENGTH = 4096;

export interface ProtectedHeader {
  readonly kid?: string;
  readonly times: Readonly<SessionTimes>;
}

type Expected = Readonly<Record<string, string>>;

const TIME_FIELDS = new Set(['iat', 'exp']);

/**
 * Serializes the header; field order is fixed so equal inputs give equal bytes.
 * Built by concatenation on the hot path: every part is a base64url kid or an integer.
 */
export function headerJson(fixed: Expected, kid: string, times: SessionTimes | undefined): string {
  return headerPrefix(fixed, kid) + headerTimes(times);
}

/** `{"alg":…,"kid":"…"` without the closing brace: constant per key, so callers may cache it. */
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

/**
 * Parses and checks a header against an exact allowlist: the `fixed` fields
 * with their exact values, plus optional `kid`, `iat`, `exp`. Anything else
 * (`zip`, `crit`, `jku`, `jwk`, another `alg`…) is rejected before any crypto.
 */
export function parseProtectedHeader(encoded: string, fixed: Expected): ProtectedHeader | undefined {
  if (encoded.length > 512) return undefined;
  // A client sends the same value on every request until it is re-issued: remember recent headers.
  let seen = recentlyParsed.get(fixed);
  if (!seen) {
    seen = new Map();
    recentlyParsed.set(fixed, seen);
  }
  const known = seen.get(encoded);
  if (known) return known;
  const header = parseUncached(encoded, fixed);
  if (header) {
    if (seen.size >= RECENT_HEADERS) seen.clear();
    seen.set(encoded, header);
  }
  return header;
}

/** Parsing is a pure function of the string, so a small bounded memo is safe; only valid headers enter it. */
const RECENT_HEADERS = 512;
const recentlyParsed = new WeakMap<Expected, Map<string, ProtectedHeader>>();

function parseUncached(encoded: string, fixed: Expected): ProtectedHeader | undefined {
  const bytes = fromBase64url(encoded);
  const json = bytes && fromUtf8(bytes);
  if (json === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const fields = parsed as Record<string, unknown>;
  for (const [name, expected] of Object.entries(fixed)) {
    if (fields[name] !== expected) return undefined;
  }
  const times: SessionTimes = {};
  let kid: string | undefined;
  for (const [name, value] of Object.entries(fields)) {
    if (Object.hasOwn(fixed, name)) continue;
    if (name === 'kid') {
      if (typeof value !== 'string' || value.length === 0 || value.length > 64) return undefined;
      kid = value;
    } else if (TIME_FIELDS.has(name)) {
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) return undefined;
      if (name === 'iat') times.createdAt = value;
      else times.expiresAt = value;
    } else {
      return undefined;
    }
  }
  return Object.freeze({ kid, times: Object.freeze(times) });
}
