/**
 * `sessions-kit`: the core. Web standards, `jose` and `lru-cache` only, so it bundles for Edge
 * and workers; the Next.js adapter (`sessions.current()`, `sessions.require()`) is loaded lazily.
 * Node-only parts have their own entries: `sessions-kit/directory`, `sessions-kit/redis`,
 * `sessions-kit/postgres`, `sessions-kit/ktor`; the browser side is `sessions-kit/client`.
 */
export { defineSessions } from './sessions.ts';
export type { Sessions, DefineSessionsOptions, InferSessionData, OwnerSessions, SessionDescription, SessionHandler, RouteHandler, ProtectOptions } from './sessions.ts';
export type { SessionLifetime } from './compile.ts';
export type { SessionEvent, SessionEventListener } from './events.ts';
export type { SessionAccessor, SessionInfo, SessionInspection } from './request/accessor.ts';
export type { RequireOptions } from './request/next.ts';
export { isCrossSiteRequest } from './request/cross-site.ts';
export type { CrossSiteOptions } from './request/cross-site.ts';
export { cookie } from './transport/cookie.ts';
export type { CookieAttributes, CookieSessionDefinition, CookieSessionOptions, ResolvedCookie, SameSite } from './transport/cookie.ts';
export { header } from './transport/header.ts';
export type { HeaderSessionDefinition, HeaderSessionOptions } from './transport/header.ts';
export { encrypted } from './transform/encrypted.ts';
export type { EncryptedOptions } from './transform/encrypted.ts';
export { signed } from './transform/signed.ts';
export type { SignedOptions } from './transform/signed.ts';
export type { SecretInput, SecretSource } from './transform/jose.ts';
export { jsonSerializer } from './serializer/json.ts';
export type { JsonSerializerOptions } from './serializer/json.ts';
export { memoryStorage } from './storage/memory.ts';
export type { MemoryStorageOptions } from './storage/memory.ts';
export { cachedStorage } from './storage/cached.ts';
export type { CachedStorageOptions } from './storage/cached.ts';
export {
  SessionError,
  SessionConfigError,
  SessionTooLargeError,
  SessionStorageError,
  SessionDataError,
  SessionReadOnlyError,
  SessionUnsupportedError,
  SessionCrossSiteError,
  SessionConflictError,
} from './errors.ts';
export type { SessionErrorCode } from './errors.ts';
export type {
  SessionStorage,
  SessionSerializer,
  SessionTransformer,
  SessionTransformerFactory,
  ExpiryCarryingTransformer,
  TransformInput,
  SessionTimes,
  SessionBehaviour,
  SessionDefinition,
  AnySessionDefinition,
  SessionData,
  SessionValue,
} from './types.ts';
