/**
 * The by-id tracker under real concurrency on memory, directory and
 * cached(directory) storages (Redis: by-id-redis.test.ts).
 */
import { afterAll } from 'vitest';
import { describeTrackerRaces, raceFigures } from '../../test/tracker-races.ts';
import { STORAGE_CASES } from '../../test/storages.ts';

for (const storageCase of STORAGE_CASES) describeTrackerRaces(storageCase.name, () => storageCase.open());

afterAll(() => {
  if (process.env.SESSIONS_KIT_FIGURES === '1') console.table(raceFigures);
});
