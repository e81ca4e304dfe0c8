/**
 * The bench routes exist only for `npm run bench` (bench/run.mjs), which starts the server with
 * SESSIONS_BENCH=1; any other server answers them 404.
 */
export const benchEnabled = (): boolean => process.env.SESSIONS_BENCH === '1';

export const notFound = (): Response => Response.json({ error: 'Not found.' }, { status: 404 });

/** What every bench route keeps in its session: the demo's `user_session` shape. */
export type BenchSession = { name: string; count: number };
