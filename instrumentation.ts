/**
 * Runs once when the server starts (never during `next build`): a production server without a
 * usable SESSION_SECRET, or with both REDIS_URL and DATABASE_URL set, stops here instead of
 * answering 500 to its first request.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME === 'nodejs') {
    const { checkProductionSecret } = await import('./lib/demo/secret');
    checkProductionSecret();
    const { checkOneStore } = await import('./lib/demo/storage');
    checkOneStore();
  }
}
