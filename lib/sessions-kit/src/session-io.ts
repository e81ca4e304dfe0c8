/**
 * A request's session I/O: what the client sent, and the one way answers leave.
 * Implemented once for a Web `Request`/`Response` (web-request.ts) and once for
 * Next's `cookies()`/`headers()` (next/current.ts). Transports read and write
 * only through it. This module imports nothing, so every other can import it.
 */
export type SameSite = 'lax' | 'strict' | 'none';

/** Resolved attributes, checked against the cookie prefix rules. */
export interface ResolvedCookie {
  name: string;
  maxAge: number | null;
  path: string;
  domain?: string;
  secure: boolean;
  httpOnly: boolean;
  sameSite: SameSite;
  partitioned: boolean;
}

/** What an I/O needs to know about a session to tell whether a write for it can leave. */
export interface WritableSession {
  readonly name: string;
  /** Cookie sessions: the resolved attributes; undefined for header sessions. */
  readonly cookie: ResolvedCookie | undefined;
  readonly allowCrossSite: boolean;
}

/** The Set-Cookie attributes of one cookie write (`formatSetCookie` and Next's cookie store take these). */
export interface CookieWriteOptions {
  /** Seconds; 0 deletes the cookie; undefined: a browser-session cookie. */
  maxAge?: number;
  expires?: Date;
  path: string;
  domain?: string;
  secure: boolean;
  httpOnly: boolean;
  sameSite: SameSite;
  partitioned: boolean;
}

export interface SessionIO {
  /** Cookie `name` as sent, percent-decoded once; undefined when absent or sent more than once (ambiguous). */
  cookie(name: string): string | undefined;
  /** Request header `name` as sent, or undefined. */
  header(name: string): string | undefined;
  /** Throws when a write for `session` cannot leave through this I/O; called before any side effect. */
  assertWritable(session: WritableSession): void;
  /** Sends cookie `name` (Max-Age 0 deletes it). A later write of the same name replaces it. */
  setCookie(name: string, value: string, options: CookieWriteOptions): void;
  /** Sends session header `name`, readable by cross-origin scripts; empty is the clear signal. */
  setHeader(name: string, value: string): void;
}
