/**
 * Optional Node.js fast paths, reached without a static `node:` import so the
 * core still bundles for runtimes that only have Web standards.
 */
import type * as NodeCrypto from 'node:crypto';

type NodeProcess = { getBuiltinModule?: (id: string) => unknown; env?: Record<string, string | undefined> };

const nodeProcess = (globalThis as { process?: NodeProcess }).process;

/** `node:crypto` when the runtime has it (Node, Bun, Deno), else undefined (Edge, browsers). */
export const nodeCrypto: typeof NodeCrypto | undefined =
  typeof nodeProcess?.getBuiltinModule === 'function'
    ? (nodeProcess.getBuiltinModule('node:crypto') as typeof NodeCrypto | undefined)
    : undefined;

export function isProduction(): boolean {
  return nodeProcess?.env?.NODE_ENV === 'production';
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
