/** Runs once when the server starts: a production server refuses to run without SESSION_SECRET. */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME === 'nodejs') {
    const { assertProductionSecret } = await import('./lib/demo/secret');
    assertProductionSecret();
  }
}
