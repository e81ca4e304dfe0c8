/**
 * Walks the samples of V8 CPU profiles (node --cpu-prof) that fall inside a window of
 * process.hrtime microseconds (profile timestamps share that clock), calling `visit(callFrame,
 * micros)` for each. DevTools convention: the interval after a sample belongs to that sample.
 */
export function forEachSample(profiles, window, visit) {
  for (const p of profiles) {
    const nodes = new Map(p.nodes.map((n) => [n.id, n]));
    let at = p.startTime;
    for (let i = 0; i < p.samples.length; i++) {
      at += p.timeDeltas[i] ?? 0;
      if (at < window.startUs || at > window.endUs) continue;
      const node = nodes.get(p.samples[i]);
      if (node) visit(node.callFrame, p.timeDeltas[i + 1] ?? 0);
    }
  }
}
