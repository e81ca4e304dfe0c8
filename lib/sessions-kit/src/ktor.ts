/** `sessions-kit/ktor`: Ktor's own session formats, so a Ktor service and this app share cookies. Node.js only. */
export { ktorEncrypted } from './transform/ktor-encrypted.ts';
export type { KtorEncryptedOptions } from './transform/ktor-encrypted.ts';
export { ktorSigned } from './transform/ktor-signed.ts';
export type { KtorSignedOptions } from './transform/ktor-signed.ts';
