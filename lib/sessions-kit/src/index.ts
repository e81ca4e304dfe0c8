/**
 * `sessions-kit`: the core. Web standards, `jose`, `cookie` and `lru-cache` only, so it
 * bundles for Edge and workers. Node-only parts have their own entries:
 * `sessions-kit/directory`, `sessions-kit/redis`, `sessions-kit/ktor`.
 */
export { defineSessions } from './sessions.ts';
export type {
  Sessions,
  DefineSessionsOptions,
  InferSessionData,
  SessionDescription,
  SessionHandler,
  RouteHandler,
  ProtectOptions,
} from './sessions.ts';
export type { SessionLifetime } from './compile-session.ts';
export type { RequireOptions } from './next/current.ts';
export type { SessionAccessor } from './session-accessor.ts';
export { readWireValue } from './web-request.ts';
export type { RequestSessions } from './web-request.ts';
export { cookie } from './transport/cookie.ts';
export type { CookieAttributes, CookieSessionOptions, ResolvedCookie, SameSite } from './transport/cookie.ts';
export { header } from './transport/header.ts';
export type { HeaderSessionOptions } from './transport/header.ts';
export type { SessionBehaviour, SessionDefinition, SessionData, SessionValue } from './session-definition.ts';
export { encrypted } from './transform/encrypted.ts';
export type { EncryptedOptions } from './transform/encrypted.ts';
export { signed } from './transform/signed.ts';
export type { SignedOptions } from './transform/signed.ts';
export type { SecretInput, SecretSource } from './transform/secrets.ts';
export { jsonSerializer } from './serializer/json.ts';
export type { JsonSerializerOptions } from './serializer/json.ts';
export { isCrossSiteRequest } from './cross-site.ts';
export type { CrossSiteOptions } from './cross-site.ts';
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
  TransformInput,
  MaybePromise,
  SessionTimes,
} from './types.ts';
export { memoryStorage } from './storage/memory.ts';
export type { MemoryStorageOptions } from './storage/memory.ts';
export { cachedStorage } from './storage/cached.ts';
export type { CachedStorageOptions } from './storage/cached.ts';
