/**
 * Whole requests racing on one by-id session, on memory, directory and
 * cached(directory) storages (Redis: by-id-redis.test.ts): concurrent update()s,
 * set after a clear elsewhere, logout against renewals, regenerate against updates.
 */
import { afterAll } from 'vitest';
import { describeRequestRaces, requestRaceFigures } from '../test/request-races.ts';
import { STORAGE_CASES } from '../test/storages.ts';

for (const storageCase of STORAGE_CASES) describeRequestRaces(storageCase.name, () => storageCase.open());

afterAll(() => {
  if (process.env.SESSIONS_KIT_FIGURES === '1') console.table(requestRaceFigures);
});
