/**
 * Typed errors. Callers switch on `code`, never on the message text.
 *
 * Untrusted input (a tampered cookie, an unknown id) never throws: it reads
 * as "no session". These errors mean the program or its environment is wrong.
 */
export type SessionErrorCode =
  | 'ERR_SESSION_CONFIG'
  | 'ERR_SESSION_TOO_LARGE'
  | 'ERR_SESSION_STORAGE'
  | 'ERR_SESSION_DATA'
  | 'ERR_SESSION_READ_ONLY'
  | 'ERR_SESSION_UNSUPPORTED'
  | 'ERR_SESSION_CROSS_SITE'
  | 'ERR_SESSION_CONFLICT';

export class SessionError extends Error {
  readonly code: SessionErrorCode;

  constructor(code: SessionErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The sessions were defined wrongly: thrown at definition time, at boot. */
export class SessionConfigError extends SessionError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_SESSION_CONFIG', message, options);
  }
}

/** The encoded session does not fit in a cookie (name + value over 4096 bytes). */
export class SessionTooLargeError extends SessionError {
  readonly size: number;
  readonly limit: number;

  constructor(sessionName: string, size: number, limit: number) {
    super(
      'ERR_SESSION_TOO_LARGE',
      `Session "${sessionName}" encodes to ${size} bytes, over the ${limit}-byte cookie limit. ` +
        'Store less in it, or keep it on the server by giving the session a `storage`.',
    );
    this.size = size;
    this.limit = limit;
  }
}

/** The session store failed (unreachable, full, unwritable). Never means "logged out". */
export class SessionStorageError extends SessionError {
  /** What failed, when the library knows: `read`, `write` or `invalidate`. */
  readonly operation?: string;
  /**
   * Next.js hides server error messages in production but keeps an error's own `digest`, so an
   * error boundary can tell an outage from a bug: `error.digest === 'SESSIONS_STORAGE_UNAVAILABLE'`.
   */
  readonly digest = 'SESSIONS_STORAGE_UNAVAILABLE';

  constructor(message: string, options?: { cause?: unknown; operation?: string }) {
    super('ERR_SESSION_STORAGE', message, options);
    if (options?.operation) this.operation = options.operation;
  }
}

/** The value given to `set` cannot be serialized faithfully (BigInt, Date, Map, a cycle…). */
export class SessionDataError extends SessionError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_SESSION_DATA', message, options);
  }
}

/** A write was attempted where the response cannot carry it (a Server Component). */
export class SessionReadOnlyError extends SessionError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_SESSION_READ_ONLY', message, options);
  }
}

/** The operation does not apply to this kind of session (e.g. `id()` on a by-value session). */
export class SessionUnsupportedError extends SessionError {
  constructor(message: string) {
    super('ERR_SESSION_UNSUPPORTED', message);
  }
}

/** A cross-site state-changing request tried to write a cookie session (login CSRF). `handler` answers 403. */
export class SessionCrossSiteError extends SessionError {
  constructor(sessionName: string) {
    super(
      'ERR_SESSION_CROSS_SITE',
      `Refused to write session "${sessionName}" from a cross-site request. Set allowCrossSite: true on the session if this is intended.`,
    );
  }
}

/**
 * Another request changed or ended this session meanwhile (by-id sessions): `update` ran out of
 * retries, or `set` would have brought back a session that was cleared or regenerated.
 * `handler` answers 409.
 */
export class SessionConflictError extends SessionError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_SESSION_CONFLICT', message, options);
  }
}
