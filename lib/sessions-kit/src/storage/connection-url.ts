import { SessionConfigError } from '../errors.ts';

/**
 * A connection string, or a function that returns one. The function is called at the storage's
 * first use, not when it is made, so `next build` (which loads your modules) needs no
 * `REDIS_URL` or `DATABASE_URL`.
 */
export type ConnectionUrl = string | (() => string | undefined);

/**
 * How a storage names itself, the variable its url usually comes from, the schemes it takes, and
 * the option that takes a ready client instead of `url` (with what that client is, for messages).
 */
export interface UrlRule {
  storage: 'redisStorage' | 'postgresStorage';
  variable: string;
  schemes: readonly string[];
  client: { option: 'client' | 'pool'; is: string };
}

/**
 * A storage connects either from `url` or through the client option, never both, never neither.
 * `url: process.env.REDIS_URL` with the variable unset (a build) still counts as a url.
 */
export function checkExactlyOne(rule: UrlRule, options: { url?: unknown; client?: unknown; pool?: unknown }): void {
  if (options[rule.client.option] === undefined ? 'url' in options : options.url === undefined) return;
  throw new SessionConfigError(
    `${rule.storage}: pass exactly one of \`url\` (a ${rule.schemes[0]}:// connection string, or a function returning one) or \`${rule.client.option}\` (${rule.client.is}).`,
  );
}

/**
 * Checks `url` when the storage is made: a function waits for first use; a string must have
 * the right scheme now. `url: process.env.REDIS_URL` read while the variable is unset (during
 * a build) is let through too, and fails at first use, naming the variable, if still unset.
 */
export function checkConnectionUrl(rule: UrlRule, url: unknown): void {
  if (url === undefined || typeof url === 'function') return;
  if (typeof url !== 'string') throw new SessionConfigError(`${rule.storage}: \`url\` must be a connection string or a function returning one.`);
  checkScheme(rule, url);
}

/** The connection string at first use; a missing one names the option and the variable. */
export function connectionUrl(rule: UrlRule, url: ConnectionUrl | undefined): string {
  const given: unknown = typeof url === 'function' ? url() : url;
  if (given !== undefined && typeof given !== 'string') {
    throw new SessionConfigError(`${rule.storage}: \`url\` returned ${given === null ? 'null' : typeof given}, not a connection string.`);
  }
  const value = given?.trim();
  if (!value) {
    throw new SessionConfigError(
      `${rule.storage}: \`url\` gave no connection string at run time. Set ${rule.variable} (or the variable your \`url\` reads) in the server's environment.`,
    );
  }
  checkScheme(rule, value);
  return value;
}

function checkScheme({ storage, schemes }: UrlRule, url: string): void {
  if (!schemes.some((scheme) => url.startsWith(`${scheme}://`))) {
    throw new SessionConfigError(`${storage}: \`url\` must start with ${schemes.map((s) => `${s}://`).join(' or ')}.`);
  }
}
