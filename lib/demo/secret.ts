/**
 * The demo app's secret(s), from SESSION_SECRET (comma-separated to rotate:
 * the first encrypts, all decrypt). In development a secret is generated once
 * into .sessions/dev-secret; a production server refuses to start without a
 * usable one (instrumentation.ts → checkProductionSecret).
 *
 * Pass `sessionSecrets` itself (not its result) as `secret`: the library calls
 * it when a session is first used, so `next build`, which imports the session
 * definitions but never uses a session, needs no secret.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SessionConfigError } from 'sessions-kit';

/** What encrypted() and signed() require of each secret. */
export const MIN_SECRET_LENGTH = 32;

export const MISSING_SECRET_MESSAGE =
  `SESSION_SECRET is missing or shorter than ${MIN_SECRET_LENGTH} characters. A production server needs it to protect sessions.\n` +
  'Make one with:  openssl rand -base64 32   (or: node -e "console.log(require(\'crypto\').randomBytes(32).toString(\'base64url\'))")\n' +
  'then start with:  SESSION_SECRET=<that value> npm start   (several, comma-separated, rotate keys: new,old)';

const DEV_SECRET_FILE = path.join(process.cwd(), '.sessions', 'dev-secret');

let cached: string[] | undefined;

export function sessionSecrets(): string[] {
  cached ??= resolveSecrets();
  return cached;
}

/** SESSION_SECRET as a list, or undefined when it is unset or any entry is too short. */
function secretsFromEnv(): string[] | undefined {
  const list = process.env.SESSION_SECRET?.split(',').map((s) => s.trim()).filter(Boolean);
  if (!list?.length || list.some((s) => s.length < MIN_SECRET_LENGTH)) return undefined;
  return list;
}

function resolveSecrets(): string[] {
  const fromEnv = secretsFromEnv();
  if (fromEnv) return fromEnv;
  if (process.env.NODE_ENV === 'production') throw new SessionConfigError(MISSING_SECRET_MESSAGE);
  if (process.env.SESSION_SECRET?.trim()) throw new SessionConfigError(MISSING_SECRET_MESSAGE); // set, but too short
  return [developmentSecret()];
}

function developmentSecret(): string {
  try {
    const existing = readFileSync(DEV_SECRET_FILE, 'utf8').trim();
    if (existing.length >= MIN_SECRET_LENGTH) return existing;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const secret = randomBytes(32).toString('base64url');
  mkdirSync(path.dirname(DEV_SECRET_FILE), { recursive: true, mode: 0o700 });
  writeFileSync(DEV_SECRET_FILE, `${secret}\n`, { mode: 0o600 });
  chmodSync(DEV_SECRET_FILE, 0o600);
  console.warn(
    `[sessions] SESSION_SECRET is not set: generated a development secret in ${path.relative(process.cwd(), DEV_SECRET_FILE)}. ` +
      'Set SESSION_SECRET in production (openssl rand -base64 32).',
  );
  return secret;
}

/**
 * Called once at server start (instrumentation.ts): a production server without a usable secret
 * stops here, before its first request. Throwing would not do: Next logs an error thrown by
 * register() and keeps serving.
 */
export function checkProductionSecret(): void {
  if (process.env.NODE_ENV !== 'production' || secretsFromEnv()) return;
  console.error(`\n[sessions] ${MISSING_SECRET_MESSAGE}\n`);
  process.exit(1);
}
