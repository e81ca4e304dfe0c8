/** `sessions-kit/testing`: live sessions for tests (Playwright, integration tests). Never loaded by the core. */
export { mintSession } from './testing/mint.ts';
export type { MintOptions, MintedSession, PlaywrightCookie } from './testing/mint.ts';
