/** By value: the client holds the whole (protected) payload; nothing is kept on the server. */
import type { SessionTracker } from './tracker.ts';

export const byValueTracker: SessionTracker = {
  byId: false,
  load: (token, times) => ({ payload: token, times }),
  save: (payload) => ({ token: payload }),
  async invalidate() {
    // Nothing on the server to forget; the clearing cookie does the work.
  },
};
