/**
 * A session's transformers as one pipeline: on write in order, on read in
 * reverse. Expiry metadata rides in the transformer closest to the wire that
 * has a protected format of its own (ours); the others see the bare value.
 */
import {
  type ExpiryCarryingTransformer,
  type OpenedValue,
  type SessionTimes,
  type SessionTransformer,
  type TransformInput,
  carriesExpiry,
  isTransformerFactory,
} from '../types';

export interface TransformChain {
  /** True when expiry can be enforced on the server for values kept by the client. */
  readonly protectsExpiry: boolean;
  write(value: string, times: SessionTimes | undefined): Promise<string>;
  read(value: string): Promise<OpenedValue | undefined>;
}

export function transformChain(
  input: TransformInput | readonly TransformInput[] | undefined,
  wireName: string,
): TransformChain {
  const list = input === undefined ? [] : Array.isArray(input) ? input : [input as TransformInput];
  const stages: SessionTransformer[] = list.map((t) => (isTransformerFactory(t) ? t.forSession(wireName) : t));
  let carrierIndex = -1;
  stages.forEach((t, i) => {
    if (carriesExpiry(t)) carrierIndex = i;
  });

  return {
    protectsExpiry: carrierIndex >= 0,

    async write(value, times) {
      let out = value;
      for (let i = 0; i < stages.length; i++) {
        const stage = stages[i] as SessionTransformer;
        const next = i === carrierIndex ? (stage as ExpiryCarryingTransformer).writeWithTimes(out, times) : stage.write(out);
        out = typeof next === 'string' ? next : await next;
      }
      return out;
    },

    async read(value) {
      let current = value;
      let times: SessionTimes | undefined;
      let stale = false;
      for (let i = stages.length - 1; i >= 0; i--) {
        const stage = stages[i] as SessionTransformer;
        if (carriesExpiry(stage)) {
          let result = stage.readWithTimes(current);
          if (result instanceof Promise) result = await result;
          if (result === undefined) return undefined;
          if (i === carrierIndex) times = result.times;
          stale ||= result.stale === true;
          current = result.value;
        } else {
          let result = stage.read(current);
          if (result instanceof Promise) result = await result;
          if (typeof result !== 'string') return undefined;
          current = result;
        }
      }
      return stale ? { value: current, times, stale } : { value: current, times };
    },
  };
}
