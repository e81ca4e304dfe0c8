/** The first and last stage of the pipeline: where the session string travels. */
import type { SessionIO } from '../session-io.ts';

/** What a request decided to send back for one session. */
export type Outgoing =
  | { kind: 'set'; value: string; /** seconds; null: until the browser closes */ maxAge: number | null }
  | { kind: 'clear' };

export interface SessionTransport {
  readonly kind: 'cookie' | 'header';
  /** The cookie or header name on the wire. */
  readonly wireName: string;
  /** The raw session string the client sent, or undefined. */
  receive(io: SessionIO): string | undefined;
  /** Throws `SessionTooLargeError` when `value` cannot travel. */
  assertFits(sessionName: string, value: string): void;
  /** Hands `outgoing` to the request's I/O. */
  send(io: SessionIO, outgoing: Outgoing): void;
}

/** RFC 9110 token: valid cookie and header names. */
export const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
