/**
 * The tracker decides where the payload lives: in the value the client holds
 * (by value) or in server storage behind an id (by id).
 */
import type { SessionTimes } from '../types.ts';

export interface TrackedSession {
  payload: string;
  times?: SessionTimes;
  /** By id: the id, trusted because storage knew it. */
  id?: string;
}

export interface SessionTracker {
  readonly byId: boolean;
  /** From the opened client value to the payload; undefined: no such session. */
  load(token: string, times: SessionTimes | undefined): Promise<TrackedSession | undefined> | TrackedSession | undefined;
  /** Keeps the payload; returns what the client will hold (before transformers) and the id. */
  save(payload: string, times: SessionTimes, ttlSeconds: number | undefined, currentId: string | undefined): Promise<{ token: string; id?: string }> | { token: string; id?: string };
  invalidate(id: string): Promise<void>;
}
