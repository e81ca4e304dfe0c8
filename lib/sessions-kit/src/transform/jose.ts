/**
 * What `encrypted` (JWE) and `signed` (JWS) share: secrets and the keys derived from them, the
 * protected header, key rotation, and the transformer built from one format's seal and open.
 *
 * key = HKDF-SHA256(ikm = UTF-8 secret, salt = UTF-8 wire name of the session, info, 32 bytes)
 *
 * Binding the key to the session name means a value minted for one session never opens as
 * another. The derivation is public so other services can open our values with any JOSE library.
 * The key id (`kid`) is the first 8 characters of base64url(SHA-256(key)).
 *
 * Expiry (`iat`, `exp`) travels in the protected header, inside the protected value, so custom
 * and Ktor transformers see only the bare serialized session. The header parser is strict: "only
 * that exact header" means one spelling of it. JSON.parse would hide duplicate keys, skip
 * whitespace and decode `\u` escapes in names, so the header is scanned by hand: an object of
 * `"name":value` members without whitespace or BOM; names from the allowlist only, each once;
 * the fixed fields (`alg`, and `enc` for JWE) with their exact values; `kid` of 1 to 64 plain
 * characters; `iat`, `exp` as plain non-negative integers. Members may come in any order
 * (`jose.CompactEncrypt` keeps the caller's order).
 */
import { SessionConfigError } from '../errors.ts';
import { hkdf, sha256 } from '../internal/crypto.ts';
import { type Bytes, assertWellFormedText, fromBase64url, fromUtf8, toBase64url } from '../internal/encoding.ts';
import { MAX_WIRE_BYTES, base64urlWireValue } from '../transport/wire.ts';
import type { OpenedValue, SessionTimes, SessionTransformerFactory } from '../types.ts';

export const MIN_SECRET_LENGTH = 32;

export type SecretInput = string | readonly string[] | undefined;

/** A secret (or several), or a function that returns them when a session is first used. */
export type SecretSource = SecretInput | (() => SecretInput);

const HOW_TO_MAKE_ONE = 'Generate one with: openssl rand -base64 32';

/** Validates and normalizes `secret`: the first one is current, the rest only decrypt. */
export function normalizeSecrets(secret: SecretInput, what: string): string[] {
  const list = typeof secret === 'string' ? [secret] : secret ? [...secret] : [];
  if (list.length === 0) {
    throw new SessionConfigError(`${what} needs a secret (at least ${MIN_SECRET_LENGTH} characters). ${HOW_TO_MAKE_ONE}`);
  }
  list.forEach((s, i) => {
    if (typeof s !== 'string' || s.length < MIN_SECRET_LENGTH) {
      throw new SessionConfigError(
        `${what}: secret #${i + 1} is shorter than ${MIN_SECRET_LENGTH} characters. ${HOW_TO_MAKE_ONE}`,
      );
    }
  });
  return list;
}

/** Unset, empty, or only empty entries (`SESSION_SECRET=` split on commas gives `['']`). */
function isMissing(secret: SecretInput): boolean {
  return secret === undefined || (typeof secret === 'string' ? secret === '' : secret.every((s) => s === ''));
}

/**
 * The secrets behind one transformer, as a function called on first use. A secret given
 * directly is checked now, so a short one fails at boot. A function, or a missing secret,
 * is resolved when a session is first read or written: `next build` imports the session
 * definitions but uses no session, so it needs no secret; a server without one fails at its
 * first use (apps stop at start-up by checking in `instrumentation.ts`).
 */
export function secretsOnFirstUse(source: SecretSource, what: string): () => string[] {
  if (typeof source === 'function') return () => normalizeSecrets(source(), what);
  if (isMissing(source)) return () => normalizeSecrets(source, what);
  const list = normalizeSecrets(source, what);
  return () => list;
}

/**
 * Runs `load` once, on the first call, and keeps its result; a failure is not kept, so a
 * secret that shows up later (or a fixed configuration) is picked up on the next call.
 */
export function onFirstUse<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => {
    if (!loaded) {
      const attempt = (async () => load())();
      loaded = attempt;
      attempt.catch(() => {
        if (loaded === attempt) loaded = undefined;
      });
    }
    return loaded;
  };
}

/** One compact JOSE format: its fixed header, how a key is prepared, and how a value is sealed and opened. */
export interface JoseFormat<K> {
  /** `encrypted()` or `signed()`, for error messages. */
  readonly what: string;
  readonly info: 'sessions-kit jwe' | 'sessions-kit jws';
  readonly fixed: Readonly<Record<string, string>>;
  /** The number of dot-separated segments (5 for JWE, 3 for JWS). */
  readonly segments: number;
  prepare(raw: Bytes): K | Promise<K>;
  /** The compact value for `header` (JSON, as written) and `value`. */
  seal(key: K, header: string, value: string): string | Promise<string>;
  /** The protected text, or undefined when `key` does not open `parts` (a failure, or a malformed segment). */
  open(key: K, parts: readonly string[], value: string): string | undefined | Promise<string | undefined>;
}

/** The transformer factory of one format: keys per session, derived on first use, current first. */
export function joseTransformer<K>(format: JoseFormat<K>, source: SecretSource): SessionTransformerFactory {
  const secrets = secretsOnFirstUse(source, format.what);
  const own = ownHeader(format.fixed);
  return {
    forSession(wireName) {
      // Once derived, the keys are read without an await: one promise less per value (one of the promise cuts in transform/chain.ts).
      let ready: { kid: string; prefix: string; key: K }[] | undefined;
      const keys = onFirstUse(async () =>
        (ready = await Promise.all(
          secrets().map(async (secret) => {
            const raw = await hkdf(secret, wireName, format.info);
            const kid = toBase64url(await sha256(raw)).slice(0, 8);
            return { kid, prefix: JSON.stringify({ ...format.fixed, kid }).slice(0, -1), key: await format.prepare(raw) };
          }),
        )),
      );

      async function writeWithTimes(value: string, times: SessionTimes | undefined): Promise<string> {
        assertWellFormedText(value, format.what);
        const [current] = ready ?? (await keys());
        const sealed = format.seal(current!.key, current!.prefix + headerTimes(times), value);
        return base64urlWireValue(typeof sealed === 'string' ? sealed : await sealed);
      }

      async function readWithTimes(value: string): Promise<OpenedValue | undefined> {
        // Longest value we try to open: the cookie limit, checked before any crypto.
        if (typeof value !== 'string' || value.length > MAX_WIRE_BYTES) return undefined;
        const parts = value.split('.');
        if (parts.length !== format.segments) return undefined;
        const header = parseProtectedHeader(parts[0] as string, format.fixed, own);
        if (!header) return undefined;
        const all = ready ?? (await keys());
        // With a `kid` only that key is tried; without one (a value from another JOSE library) each key is.
        for (const candidate of all) {
          if (header.kid !== undefined && candidate.kid !== header.kid) continue;
          const opened = format.open(candidate.key, parts, value);
          const text = opened instanceof Promise ? await opened : opened;
          if (text !== undefined) return candidate === all[0] ? { value: text, times: header.times } : { value: text, times: header.times, stale: true };
        }
        return undefined;
      }

      return {
        writeWithTimes,
        readWithTimes,
        write: (value) => writeWithTimes(value, undefined),
        read: async (value) => (await readWithTimes(value))?.value,
      };
    },
  };
}

/** A `kid`: 1 to 64 characters, none of them a quote, a backslash or a control character. */
const KID = String.raw`[^"\\\p{Cc}]{1,64}`;
const KID_ONLY = new RegExp(`^${KID}$`, 'u');

/**
 * Our header exactly as we write it (fixed members, kid, then iat and exp when set): each match is
 * in the one strict spelling, so it needs no JSON round trip. Times have at most 15 digits, so each
 * is a safe integer; any other header (other order, longer numbers…) takes the full parse.
 */
const ownHeader = (fixed: Expected) =>
  new RegExp(String.raw`^\{${JSON.stringify(fixed).slice(1, -1)},"kid":"(${KID})"(?:,"iat":(0|[1-9]\d{0,14}))?(?:,"exp":(0|[1-9]\d{0,14}))?\}$`, 'u');

/** Longest encoded header we look at (ours is about 110 characters). */
const MAX_HEADER_LENGTH = 512;

interface ProtectedHeader {
  readonly kid?: string;
  readonly times: Readonly<SessionTimes>;
}

type Expected = Readonly<Record<string, string>>;

/** The rest of the header after `{"alg":…,"kid":"…"`, closing brace included. */
function headerTimes(times: SessionTimes | undefined): string {
  let out = '';
  if (times?.createdAt !== undefined) out += `,"iat":${times.createdAt}`;
  if (times?.expiresAt !== undefined) out += `,"exp":${times.expiresAt}`;
  return `${out}}`;
}

/**
 * Parses and checks a base64url header against an exact allowlist: the `fixed` fields with
 * their exact values, plus optional `kid`, `iat`, `exp`. Anything else (`zip`, `crit`, `jku`,
 * `jwk`, another `alg`, a duplicate, whitespace, an escape…) is rejected before any crypto: the
 * header must be exactly what JSON.stringify writes for what it parses to, so each accepted
 * header has one spelling (JSON.parse alone would let duplicates, whitespace and `\u` escapes through).
 */
export function parseProtectedHeader(encoded: string, fixed: Expected, own = ownHeader(fixed)): ProtectedHeader | undefined {
  if (encoded.length > MAX_HEADER_LENGTH) return undefined;
  const bytes = fromBase64url(encoded);
  const json = (bytes && fromUtf8(bytes)) ?? '';
  const times: SessionTimes = {};
  // Fast path, our own header as we write it, one regex and no JSON round trip (micro-benchmark: header read 1.8 → 0.6 µs).
  const [, ownKid, ownIat, ownExp] = own.exec(json) ?? [];
  if (ownIat !== undefined) times.createdAt = Number(ownIat);
  if (ownExp !== undefined) times.expiresAt = Number(ownExp);
  if (ownKid !== undefined) return { kid: ownKid, times };
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header) || JSON.stringify(header) !== json) return undefined;
  const { kid, iat, exp, ...rest } = header;
  const time = (v: unknown) => v === undefined || (Number.isSafeInteger(v) && (v as number) >= 0);
  if (!time(iat) || !time(exp) || (kid !== undefined && !(typeof kid === 'string' && KID_ONLY.test(kid)))) return undefined;
  const names = Object.keys(fixed);
  if (Object.keys(rest).length !== names.length || names.some((name) => rest[name] !== fixed[name])) return undefined;
  if (iat !== undefined) times.createdAt = iat as number;
  if (exp !== undefined) times.expiresAt = exp as number;
  return { kid: kid as string | undefined, times };
}
