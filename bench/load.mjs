// HTTP load generator (child of bench/run.mjs): autocannon against the app server, in its own
// process so the load does not share an event loop with the server.
//
//   node bench/load.mjs '<json config>'
//   config: { targets: { name: { url, cookie } }, connections, durationS, warmupS, rounds, out }
//
// Warms every route up, then runs each route once per round for `rounds` rounds, rotating which
// route goes first, and writes every run's throughput and latency to `out`: { name: [run, …] }.
import { writeFileSync } from 'node:fs';
import autocannon from 'autocannon';

const config = JSON.parse(process.argv[2] ?? '{}');
const { targets, connections, durationS, warmupS, rounds, out } = config;
const names = Object.keys(targets);

function run(name, duration) {
  const { url, cookie } = targets[name];
  return new Promise((resolve, reject) => {
    autocannon({ url, headers: { cookie }, connections, duration, pipelining: 1 }, (err, result) => {
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

const runs = Object.fromEntries(names.map((name) => [name, []]));
for (const name of names) {
  console.error(`[bench] http: warm-up ${name} ${warmupS} s`);
  await run(name, warmupS);
}
for (let r = 0; r < rounds; r++) {
  // Rotate the order every round, so no route always follows the same one.
  const order = names.map((_, i) => names[(i + r) % names.length]);
  for (const name of order) {
    const s = summary(await run(name, durationS));
    runs[name].push(s);
    console.error(`[bench] http: ${name} round ${r + 1}/${rounds}: ${Math.round(s.requestsPerSecond)} req/s, p99 ${s.latencyP99Ms} ms`);
    if (s.non2xx > 0 || s.errors > 0) {
      throw new Error(`${name}: ${s.non2xx} non-2xx answers and ${s.errors} errors: the figure would be meaningless.`);
    }
  }
}
writeFileSync(out, JSON.stringify(runs, null, 2));
