/** Sessions Kit: everything public, re-exported. */
export { defineSessions } from './define';
export type { Sessions, InferSessionData, SessionDescription, SessionHandler, RouteHandler, ProtectOptions, RequireOptions } from './define';
export type { SessionAccessor } from './accessor';
export type { RequestSessions } from './request-sessions';
export { cookie } from './transport/cookie';
export type { CookieAttributes, CookieSessionOptions, SameSite } from './transport/cookie';
export { header } from './transport/header';
export type { HeaderSessionOptions } from './transport/header';
export type { SessionBehaviour, SessionDefinition, SessionData, SessionValue } from './definition';
export { encrypted } from './transform/encrypted';
export type { EncryptedOptions } from './transform/encrypted';
export { signed } from './transform/signed';
export type { SignedOptions } from './transform/signed';
export { jsonSerializer } from './serializer/json';
export type { JsonSerializerOptions } from './serializer/json';
export { isCrossSiteRequest } from './cross-site';
export {
  SessionError,
  SessionConfigError,
  SessionTooLargeError,
  SessionStorageError,
  SessionDataError,
  SessionReadOnlyError,
  SessionUnsupportedError,
  SessionCrossSiteError,
} from './errors';
export type { SessionErrorCode } from './errors';
export type {
  SessionStorage,
  SessionSerializer,
  SessionTransformer,
  SessionTransformerFactory,
  TransformInput,
  MaybePromise,
} from './types';
export { ktorEncrypted } from './transform/ktor-encrypted';
export type { KtorEncryptedOptions } from './transform/ktor-encrypted';
export { ktorSigned } from './transform/ktor-signed';
export type { KtorSignedOptions } from './transform/ktor-signed';
export { memoryStorage } from './storage/memory';
export type { MemoryStorageOptions } from './storage/memory';
export { directoryStorage } from './storage/directory';
export type { DirectoryStorage, DirectoryStorageOptions } from './storage/directory';
export { cachedStorage } from './storage/cached';
export type { CachedStorageOptions } from './storage/cached';
export { redisStorage } from './storage/redis';
export type { RedisStorage, RedisStorageOptions, RedisClientLike } from './storage/redis';
