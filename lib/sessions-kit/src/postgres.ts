/** `sessions-kit/postgres`: sessions in a PostgreSQL table, shared by every instance. `url` needs the `pg` package; `pool` takes any client. */
export { postgresStorage } from './storage/postgres.ts';
export type { PostgresStorage, PostgresStorageOptions, PostgresQueryable } from './storage/postgres.ts';
