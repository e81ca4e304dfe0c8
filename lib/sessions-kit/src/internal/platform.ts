/**
 * What the library asks of the runtime: `node:crypto` when there is one, the
 * environment, the clock. `node:crypto` is looked up, never imported, so the
 * core still bundles for runtimes that only have Web standards (Edge, browsers).
 */
import type * as NodeCrypto from 'node:crypto';
import { SessionConfigError } from '../errors.ts';

export type NodeCryptoModule = typeof NodeCrypto;

type NodeProcess = { getBuiltinModule?: (id: string) => unknown; env?: Record<string, string | undefined> };

const nodeProcess = (globalThis as { process?: NodeProcess }).process;

/** `node:crypto` when the runtime has it (Node >= 20.16, Bun, Deno), else undefined (Edge, browsers). */
export const nodeCrypto: NodeCryptoModule | undefined =
  typeof nodeProcess?.getBuiltinModule === 'function'
    ? (nodeProcess.getBuiltinModule('node:crypto') as NodeCryptoModule | undefined)
    : undefined;

/**
 * `node:crypto`, or a {@link SessionConfigError} naming `format` for formats that have no Web
 * Crypto equivalent (AES-CBC with Ktor's layout). Looked up at call time so tests can hide it.
 */
export function requireNodeCrypto(format: string): NodeCryptoModule {
  const crypto = (globalThis as { process?: NodeProcess }).process?.getBuiltinModule?.('node:crypto');
  if (!crypto) {
    throw new SessionConfigError(
      `${format}: the Ktor session formats need a Node.js runtime (node:crypto via ` +
        'process.getBuiltinModule, Node.js >= 20.16). On Next.js, use the Node.js runtime, not Edge.',
    );
  }
  return crypto as NodeCryptoModule;
}

export function isProduction(): boolean {
  return nodeProcess?.env?.NODE_ENV === 'production';
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
