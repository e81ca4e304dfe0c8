/** `sessions-kit/directory`: sessions as files in a directory. Node.js only (`node:fs`). */
export { directoryStorage } from './storage/directory.ts';
export type { DirectoryStorage, DirectoryStorageOptions } from './storage/directory.ts';
