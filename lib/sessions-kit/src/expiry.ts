/**
 * When a session ends. Deadlines are absolute times (seconds since the epoch)
 * kept inside the protected value or the stored record, so the server
 * enforces them whatever the client does with its cookie.
 */
import type { SessionTimes } from './types.ts';

export interface ExpiryOptions {
  /** Lifetime from the last write (or renewal); null: none. */
  maxAge: number | null;
  idleTimeout?: number;
  absoluteTimeout?: number;
  rolling?: boolean;
}

/** Renewals are throttled so a busy user does not get a Set-Cookie on every request. */
const RENEW_AFTER_SECONDS = 60;

/**
 * How far another server's clock may run ahead of ours: a value it issued a moment ago then
 * still fits the lifetime here. Deadlines themselves are never extended by it.
 */
const CLOCK_SKEW_SECONDS = 60;

export class ExpiryPolicy {
  readonly rolling: boolean;
  private readonly lifetime: number | undefined;
  private readonly renewAfter: number;

  constructor(private readonly options: ExpiryOptions) {
    const spans = [options.maxAge ?? undefined, options.idleTimeout].filter((s): s is number => s !== undefined);
    this.lifetime = spans.length ? Math.min(...spans) : undefined;
    this.rolling = options.rolling ?? options.idleTimeout !== undefined;
    this.renewAfter = Math.min(RENEW_AFTER_SECONDS, Math.ceil((this.lifetime ?? RENEW_AFTER_SECONDS * 10) / 10));
  }

  /** True when values must carry deadlines to be accepted. */
  get hasDeadline(): boolean {
    return this.lifetime !== undefined || this.options.absoluteTimeout !== undefined;
  }

  /** With an absolute timeout a rewrite must keep the original creation time. */
  get keepsCreationTime(): boolean {
    return this.options.absoluteTimeout !== undefined;
  }

  /** Deadlines for a value written now, for a session created at `createdAt`. */
  issue(createdAt: number, now: number): SessionTimes {
    let expiresAt = this.lifetime === undefined ? undefined : now + this.lifetime;
    const { absoluteTimeout } = this.options;
    if (absoluteTimeout !== undefined) expiresAt = Math.min(expiresAt ?? Number.POSITIVE_INFINITY, createdAt + absoluteTimeout);
    return expiresAt === undefined ? { createdAt } : { createdAt, expiresAt };
  }

  /**
   * Values without the deadlines this policy needs are refused, not trusted forever, and so
   * are deadlines this policy would never issue: an `exp` further than the lifetime from now,
   * or past `iat` plus the absolute timeout, or an `iat` in the future. Such a value was minted
   * elsewhere with the key (another service, an older, longer configuration) and is not honoured.
   */
  isLive(times: SessionTimes | undefined, now: number): boolean {
    // A deadline the value carries always holds, even if the configuration no longer asks for one.
    if (times?.expiresAt !== undefined && times.expiresAt <= now) return false;
    if (!this.hasDeadline) return true;
    if (times?.expiresAt === undefined) return false;
    const latest = now + CLOCK_SKEW_SECONDS;
    if (this.lifetime !== undefined && times.expiresAt > latest + this.lifetime) return false;
    const { absoluteTimeout } = this.options;
    if (absoluteTimeout === undefined) return true;
    const { createdAt, expiresAt } = times;
    if (createdAt === undefined || createdAt > latest) return false;
    return createdAt + absoluteTimeout > now && expiresAt <= createdAt + absoluteTimeout;
  }

  shouldRenew(times: SessionTimes | undefined, now: number): boolean {
    if (!this.rolling || this.lifetime === undefined || times?.expiresAt === undefined) return false;
    const renewed = this.issue(times.createdAt ?? now, now).expiresAt ?? 0;
    return renewed - times.expiresAt >= this.renewAfter;
  }

  /**
   * Cookie Max-Age: the configured one, cut to deadlines nothing can extend (the absolute
   * timeout; the value's own expiry when it is not rolling). A rolling session's cookie keeps the
   * full Max-Age, so renewals that cannot reach the browser (a Server Component) do not strand it.
   */
  cookieMaxAge(times: SessionTimes, now: number): number | null {
    const { maxAge, absoluteTimeout } = this.options;
    if (maxAge === null) return null;
    let end = Number.POSITIVE_INFINITY;
    if (absoluteTimeout !== undefined && times.createdAt !== undefined) end = times.createdAt + absoluteTimeout;
    if (!this.rolling && times.expiresAt !== undefined) end = Math.min(end, times.expiresAt);
    return Math.max(0, Math.min(maxAge, end - now));
  }

  /** Storage TTL in seconds, from the value's deadline. */
  storageTtl(times: SessionTimes, now: number): number | undefined {
    return times.expiresAt === undefined ? undefined : Math.max(1, times.expiresAt - now);
  }
}
