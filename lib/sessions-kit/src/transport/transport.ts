/** The first and last stage of the pipeline: where the session string travels. */

/** Read access to what the client sent. Built from a `Request` or from `next/headers`. */
export interface RequestSource {
  /** The cookie's value, percent-decoded once (never twice: `%2541` stays `%41`). */
  cookie(name: string): string | undefined;
  header(name: string): string | undefined;
}

/** What a request decided to send back for one session. */
export type Outgoing =
  | { kind: 'set'; value: string; /** seconds; null: until the browser closes */ maxAge: number | null }
  | { kind: 'clear' };

export interface SessionTransport {
  readonly kind: 'cookie' | 'header';
  /** The cookie or header name on the wire. */
  readonly wireName: string;
  /** The raw session string the client sent, or undefined. */
  receive(source: RequestSource): string | undefined;
  /** Throws `SessionTooLargeError` when `value` cannot travel. */
  assertFits(sessionName: string, value: string): void;
  /** Adds what `outgoing` needs to the response headers. */
  apply(outgoing: Outgoing, headers: Headers): void;
}

/** Browsers and servers reject larger cookies; we keep headers to the same bound. */
export const MAX_WIRE_BYTES = 4096;

/** RFC 9110 token: valid cookie and header names. */
export const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
