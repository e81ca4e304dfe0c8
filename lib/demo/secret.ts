/**
 * The demo app's secret(s), from SESSION_SECRET (comma-separated to rotate:
 * the first encrypts, all decrypt). In development a secret is generated once
 * into .sessions/dev-secret; a production server refuses to run without one.
 */
import { hkdfSync, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SessionConfigError } from 'sessions-kit';

export const MISSING_SECRET_MESSAGE =
  'SESSION_SECRET is not set. A production server needs a secret of at least 32 characters to encrypt sessions.\n' +
  'Make one with:  openssl rand -base64 32   (or: node -e "console.log(require(\'crypto\').randomBytes(32).toString(\'base64url\'))")\n' +
  'then start with:  SESSION_SECRET=<that value> npm start';

const DEV_SECRET_FILE = path.join(process.cwd(), '.sessions', 'dev-secret');

let cached: string[] | undefined;

export function sessionSecrets(): string[] {
  cached ??= resolveSecrets();
  return cached;
}

function resolveSecrets(): string[] {
  const fromEnv = process.env.SESSION_SECRET?.split(',').map((s) => s.trim()).filter(Boolean);
  if (fromEnv?.length) return fromEnv;
  if (process.env.NEXT_PHASE === 'phase-production-build') {
    // `next build` evaluates route modules; it serves nothing, so a throwaway secret is safe here.
    return [randomBytes(32).toString('base64url')];
  }
  if (process.env.NODE_ENV === 'production') throw new SessionConfigError(MISSING_SECRET_MESSAGE);
  return [developmentSecret()];
}

function developmentSecret(): string {
  try {
    const existing = readFileSync(DEV_SECRET_FILE, 'utf8').trim();
    if (existing.length >= 32) return existing;
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

/** Called once at server start (instrumentation.ts): production without a secret stops here. */
export function assertProductionSecret(): void {
  if (process.env.NODE_ENV !== 'production' || process.env.SESSION_SECRET?.trim()) return;
  console.error(`\n[sessions] ${MISSING_SECRET_MESSAGE}\n`);
  process.exit(1);
}

/**
 * Hex keys for the Ktor-format demo session: KTOR_ENCRYPT_KEY / KTOR_SIGN_KEY
 * (the hex strings your Ktor service passes to `hex("…")`), else derived from
 * the session secret so the demo runs with no configuration.
 */
export function ktorKeys(): { encryptionKey: string; signKey: string } {
  const derive = (info: string, bytes: number) =>
    Buffer.from(hkdfSync('sha256', sessionSecrets()[0] as string, 'ktor_session', info, bytes)).toString('hex');
  return {
    encryptionKey: process.env.KTOR_ENCRYPT_KEY?.trim() || derive('demo ktor encrypt', 16),
    signKey: process.env.KTOR_SIGN_KEY?.trim() || derive('demo ktor sign', 32),
  };
}
