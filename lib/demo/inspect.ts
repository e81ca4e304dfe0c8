/**
 * The inspector: for each session, what the browser holds (size against the 4,096-byte limit,
 * cookie attributes, the decoded JOSE header) beside what the server reads from it.
 *
 * No session value is ever echoed, by id or by value: each is a bearer credential the browser keeps
 * HttpOnly, and whoever reads this JSON (one cross-site scripting bug is enough) would otherwise get
 * around HttpOnly and take over the session. They appear as a length and a SHA-256 prefix; the
 * decoded JOSE header (no secret in it) stays.
 */
import 'server-only';
import { createHash } from 'node:crypto';
import type { InferSessionData, SessionAccessor, SessionDescription } from 'sessions-kit';
import { sessions } from './sessions';

/** Browsers refuse a cookie (name, "=", value) over 4,096 bytes; the library holds headers to the same bound. */
export const WIRE_LIMIT = 4096;

/** What the browser holds, masked: only its length and the first 8 hex digits of its SHA-256. */
export type Held = { kind: 'masked'; length: number; sha256: string };

/** A JOSE protected header as sent (decoded, not verified: `reads` tells whether the server accepted it). */
export interface JoseHeader {
  alg?: string;
  enc?: string;
  kid?: string;
  /** Seconds since the epoch. */
  iat?: number;
  exp?: number;
}

export type WireFormat = 'jwe' | 'jws' | 'ktor' | 'id' | 'text';

export interface InspectedSession extends SessionDescription {
  held: Held | null;
  /** Bytes on the wire for this session: `name=value` in the Cookie header, or `Name: value`. */
  bytes: number;
  format: WireFormat | null;
  header: JoseHeader | null;
  /** What the server reads from it: the session's data, or null for none (or invalid). */
  reads: unknown;
  /** The deadlines the server holds (seconds since the epoch): inside the protected value, or in the stored record. */
  deadlines: { createdAt?: number; expiresAt?: number } | null;
}

export interface Inspection {
  /** Server time (ms), so the page can count down against it. */
  now: number;
  limit: number;
  sessions: InspectedSession[];
}

export async function inspectSessions(
  request: Request,
  session: SessionAccessor<InferSessionData<typeof sessions>>,
): Promise<Inspection> {
  const inspected = await Promise.all(
    sessions.names.map(async (name): Promise<InspectedSession> => {
      const description = sessions.describe(name);
      // What the library read: a cookie name sent twice with different values is ambiguous and reads as absent.
      const { sent: raw, data, times } = await session.inspect(name);
      const sent = raw ?? null;
      const format = sent === null ? null : wireFormat(sent, description.tracking);
      return {
        ...description,
        // The value IS the session (an id, or the sealed data): show a fingerprint, never the value.
        held: sent === null ? null : mask(sent),
        bytes: sent === null ? 0 : wireBytes(request, description, sent),
        format,
        header: sent !== null && (format === 'jwe' || format === 'jws') ? joseHeader(sent) : null,
        reads: data ?? null,
        deadlines: times ?? null,
      };
    }),
  );
  return { now: Date.now(), limit: WIRE_LIMIT, sessions: inspected };
}

function mask(token: string): Held {
  return { kind: 'masked', length: token.length, sha256: createHash('sha256').update(token).digest('hex').slice(0, 8) };
}

function wireFormat(value: string, tracking: SessionDescription['tracking']): WireFormat {
  const parts = value.split('.');
  if (parts.length === 5 && parts[1] === '') return 'jwe';
  if (parts.length === 3) return 'jws';
  if (/^[0-9a-f]+\/[0-9a-f]+[:/]/i.test(value)) return 'ktor';
  return tracking === 'id' ? 'id' : 'text';
}

/** The first segment of a compact JWE/JWS, decoded; only the fields worth showing, with their types checked. */
function joseHeader(value: string): JoseHeader | null {
  try {
    const json: unknown = JSON.parse(Buffer.from(value.slice(0, value.indexOf('.')), 'base64url').toString('utf8'));
    if (typeof json !== 'object' || json === null) return null;
    const h = json as Record<string, unknown>;
    const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
    const time = (v: unknown) => (typeof v === 'number' && Number.isSafeInteger(v) ? v : undefined);
    return { alg: text(h.alg), enc: text(h.enc), kid: text(h.kid), iat: time(h.iat), exp: time(h.exp) };
  } catch {
    return null;
  }
}

/** What the browser sends for this session, as bytes: the `name=value` pair itself, or `Name: value`. */
function wireBytes(request: Request, description: SessionDescription, decoded: string): number {
  if (description.transport === 'header') return description.wireName.length + 2 + (request.headers.get(description.wireName) ?? '').length;
  const pair = (request.headers.get('cookie') ?? '')
    .split(';')
    .map((p) => p.trim())
    .find((p) => p.startsWith(`${description.wireName}=`));
  return new TextEncoder().encode(pair ?? `${description.wireName}=${decoded}`).length;
}
