// HTTP load generator (child of bench/run.mjs): autocannon against the app server, in its own
// process so the load does not share an event loop with the server.
//
//   node bench/load.mjs '<json config>'   config: { base, cookie, connections, durationS, warmupS, rounds, out }
//
// Warms both routes up, then alternates plain / session runs `rounds` times each and writes
// every run's throughput and latency to `out`.
import { writeFileSync } from 'node:fs';
import autocannon from 'autocannon';

const config = JSON.parse(process.argv[2] ?? '{}');
const { base, cookie, connections, durationS, warmupS, rounds, out } = config;

const targets = {
  // The same request bytes for both: a browser sends its cookie whether the route reads it or not.
  plain: { url: `${base}/api/bench`, headers: { cookie } },
  session: { url: `${base}/api/bench?session=1`, headers: { cookie } },
};

function run(target, duration) {
  return new Promise((resolve, reject) => {
    autocannon({ url: target.url, headers: target.headers, connections, duration, pipelining: 1 }, (err, result) => {
      if (err) reject(err);
      else resolve(result);
    });
  });
}

function summary(result) {
  return {
    requestsPerSecond: result.requests.average,
    latencyP99Ms: result.latency.p99,
    latencyP50Ms: result.latency.p50,
    requests: result.requests.total,
    ok2xx: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

const runs = { plain: [], session: [] };
for (const name of ['plain', 'session']) {
  console.error(`[bench] http: warm-up ${name} ${warmupS} s`);
  await run(targets[name], warmupS);
}
for (let r = 0; r < rounds; r++) {
  // Alternate which route goes first in each round.
  const order = r % 2 === 0 ? ['plain', 'session'] : ['session', 'plain'];
  for (const name of order) {
    const s = summary(await run(targets[name], durationS));
    runs[name].push(s);
    console.error(`[bench] http: ${name} round ${r + 1}/${rounds}: ${Math.round(s.requestsPerSecond)} req/s, p99 ${s.latencyP99Ms} ms`);
    if (s.non2xx > 0 || s.errors > 0) {
      throw new Error(`${name}: ${s.non2xx} non-2xx answers and ${s.errors} errors: the figure would be meaningless.`);
    }
  }
}
writeFileSync(out, JSON.stringify(runs, null, 2));
