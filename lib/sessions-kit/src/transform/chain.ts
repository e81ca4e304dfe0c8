/**
 * A session's transformers as one pipeline: on write in order, on read in
 * reverse. Expiry metadata rides in the transformer closest to the wire that
 * has a protected format of its own (ours); the others see the bare value.
 *
 * Stages may answer synchronously (ours do on Node); the chain then answers
 * synchronously too, so the request path pays for no promise it does not need.
 */
import {
  type ExpiryCarryingTransformer,
  type MaybePromise,
  type OpenedValue,
  type SessionTimes,
  type SessionTransformer,
  type TransformInput,
  carriesExpiry,
  isTransformerFactory,
} from '../types.ts';

export interface TransformChain {
  /** True when expiry can be enforced on the server for values kept by the client. */
  readonly protectsExpiry: boolean;
  write(value: string, times: SessionTimes | undefined): MaybePromise<string>;
  read(value: string): MaybePromise<OpenedValue | undefined>;
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

  const writeStage = (i: number, value: string, times: SessionTimes | undefined): MaybePromise<string> => {
    const stage = stages[i] as SessionTransformer;
    return i === carrierIndex ? (stage as ExpiryCarryingTransformer).writeWithTimes(value, times) : stage.write(value);
  };

  const write = (from: number, value: string, times: SessionTimes | undefined): MaybePromise<string> => {
    let out = value;
    for (let i = from; i < stages.length; i++) {
      const next = writeStage(i, out, times);
      if (typeof next !== 'string') return next.then((v) => write(i + 1, v, times));
      out = next;
    }
    return out;
  };

  /** One stage backwards: the opened value, or undefined when the stage rejects it. */
  const readStage = (i: number, value: string): MaybePromise<OpenedValue | undefined> => {
    const stage = stages[i] as SessionTransformer;
    if (carriesExpiry(stage)) return stage.readWithTimes(value);
    const result = stage.read(value);
    const wrap = (r: string | undefined) => (typeof r === 'string' ? { value: r } : undefined);
    return result instanceof Promise ? result.then(wrap) : wrap(result);
  };

  const read = (from: number, acc: OpenedValue): MaybePromise<OpenedValue | undefined> => {
    let current = acc;
    for (let i = from; i >= 0; i--) {
      const result = readStage(i, current.value);
      if (result instanceof Promise) return result.then((r) => (r ? read(i - 1, merge(current, r, i)) : undefined));
      if (!result) return undefined;
      current = merge(current, result, i);
    }
    return current;
  };

  const merge = (acc: OpenedValue, opened: OpenedValue, index: number): OpenedValue => {
    const times = index === carrierIndex ? opened.times : acc.times;
    const stale = acc.stale === true || opened.stale === true;
    return stale ? { value: opened.value, times, stale } : { value: opened.value, times };
  };

  return {
    protectsExpiry: carrierIndex >= 0,
    write: (value, times) => write(0, value, times),
    read: (value) => read(stages.length - 1, { value }),
  };
}
