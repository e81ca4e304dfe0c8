/** By value: the client holds the whole (protected) payload; nothing is kept on the server. */
import type { ByValueTracker } from './tracker.ts';

export const byValueTracker: ByValueTracker = {
  byId: false,
  load: (token, times) => ({ payload: token, times }),
  async invalidate() {
    // Nothing on the server to forget; the clearing cookie does the work.
  },
};
