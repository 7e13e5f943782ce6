/**
 * The simulator against the embedded ClickHouse: what lands in the table is
 * read back with SQL and compared with counts derived from the options alone.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startClickHouseServer, type EmbeddedClickHouse } from '../../src/server/clickhouse-server.js';
import { backfill, generateRows, simulate, type GenerateOptions, type SimulatorOptions } from '../../src/server/simulator.js';

let ch: EmbeddedClickHouse;

/** A server zone off UTC by a fractional hour, so a time zone-dependent event_time cannot pass by luck. */
const SERVER_TZ = 'Asia/Kolkata';

before(async () => {
  // chDB takes the zone from TZ when its session starts; node --test gives this file its own process.
  process.env.TZ = SERVER_TZ;
  ch = await startClickHouseServer({
    port: 0,
    users: [
      { name: 'default', password: '' },
      { name: 'writer', password: 's3cret' },
    ],
  });
});

after(async () => {
  await ch?.close();
});

/** Runs a SELECT with bound parameters; numbers are cast to UInt32/Float64 in SQL so JSON gives numbers. */
async function query<T>(sql: string, params: Record<string, string> = {}): Promise<T[]> {
  const url = new URL(ch.url);
  url.searchParams.set('default_format', 'JSONEachRow');
  for (const [name, value] of Object.entries(params)) url.searchParams.set(`param_${name}`, value);
  const response = await fetch(url, { method: 'POST', body: sql });
  const text = await response.text();
  assert.equal(response.status, 200, text);
  return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as T);
}

const GPU_RANKS = [0, 1, 2, 3, 4, 5, 6, 7];
const hostOf = (rank: number) => `node-${Math.floor(rank / 4)}`;

/** Steps in [from, to) that are positive multiples of `every` (event rows are not written at step 0). */
function positiveMultiples(from: number, to: number, every: number): number {
  let n = 0;
  for (let step = Math.max(1, from); step < to; step++) if (step % every === 0) n++;
  return n;
}

/** The data contract (docs/data-contract.md), written out by hand: metric → unit, per cadence. */
const EVERY_STEP = ['loss', 'loss_t+1', 'loss_t+2'];
const RUN_SYSTEM: Record<string, string> = {
  tokens_per_s: 'tok/s',
  batches_per_s: 'batch/s',
  'moe.router_loss': '',
  'moe.null_router_loss': '',
  tokens_total: 'tok',
  'data.bucket': '',
  ...Object.fromEntries([0, 1, 2, 3, 4, 5].map((l) => [`moe.layer.${l}.null_ratio`, ''])),
  'gsa.sparsity': '',
  'gsa.topk_recall': '',
  'gsa.gate_mean': '',
  'mhc.gain_min': '',
  'mhc.gain_mean': '',
  'mhc.gain_max': '',
  ...Object.fromEntries([1, 2, 4, 8].map((d) => [`recurrence.depth.${d}.loss`, ''])),
};
const HOST_SYSTEM: Record<string, string> = {
  'sys.cpu_percent': '%',
  'sys.mem_percent': '%',
  ...Object.fromEntries(['ib0', 'eth0'].flatMap((i) => [[`sys.net.${i}.sent_bytes_per_s`, 'B/s'], [`sys.net.${i}.recv_bytes_per_s`, 'B/s']])),
};
/** Rows per logging step: 8 experts × top 5 tokens; 6 subjects × 8 buckets; 3 samples; a checkpoint with 3 evals (+1 hosted every 5th). */
const MOE_TOKENS = 8 * 5;
const MOE_BUCKETS = 6 * 8;
const SAMPLES = 3;

/** Rows of one run over steps [from, to) by metric and host, from the contract alone (no checkpoint at these lengths). */
function contractCounts(from: number, to: number, valEvery: number, sysEvery: number): Map<string, number> {
  const count = (every: number) => {
    let n = 0;
    for (let step = from; step < to; step++) if (step % every === 0) n++;
    return n;
  };
  const sys = count(sysEvery);
  const expected = new Map<string, number>();
  for (const metric of EVERY_STEP) expected.set(`${metric}|`, to - from);
  expected.set('val_loss|', count(valEvery));
  for (const metric of Object.keys(RUN_SYSTEM)) expected.set(`${metric}|`, sys);
  for (const host of ['node-0', 'node-1']) {
    for (const metric of Object.keys(HOST_SYSTEM)) expected.set(`${metric}|${host}`, sys);
    for (let device = 0; device < 4; device++) expected.set(`sys.gpu.${device}.util_percent|${host}`, sys);
  }
  const moe = positiveMultiples(from, to, 100);
  if (moe) {
    expected.set('moe.expert_token_share|', MOE_TOKENS * moe);
    expected.set('moe.subject_bucket_share|', MOE_BUCKETS * moe);
  }
  const samples = positiveMultiples(from, to, 250);
  if (samples) expected.set('sample|', SAMPLES * samples);
  if (from === 0 && to > 0) expected.set('run.status|', 1);
  return expected;
}

const total = (counts: Map<string, number>) => [...counts.values()].reduce((a, b) => a + b, 0);

describe('backfill', () => {
  const startTime = Date.UTC(2025, 0, 15, 12, 0, 0);
  const opts: SimulatorOptions = {
    url: '',
    runs: 2,
    history: 500,
    stepsPerSecond: 5,
    valEvery: 100,
    sysEvery: 10,
    seed: 11,
    nanRate: 0,
    runPrefix: 'bf-',
    startTime,
  };
  let written = 0;

  before(async () => {
    written = (await backfill({ ...opts, url: ch.url })).rows;
  });

  test('writes exactly the expected rows per run, metric and host', async () => {
    const expected = new Map<string, number>();
    for (const run of ['bf-0', 'bf-1']) {
      for (const [key, n] of contractCounts(0, 500, 100, 10)) expected.set(`${run}|${key}`, n);
    }
    const rows = await query<{ run_id: string; metric: string; host: string; c: number }>(
      `SELECT run_id, metric, host, toUInt32(count()) AS c FROM training_observability.metric_points
       WHERE startsWith(run_id, {prefix:String}) GROUP BY run_id, metric, host`,
      { prefix: 'bf-' },
    );
    const actual = new Map(rows.map((r) => [`${r.run_id}|${r.metric}|${r.host}`, r.c]));
    assert.deepEqual(new Map([...actual].sort()), new Map([...expected].sort()));
    assert.equal(written, total(expected));
  });

  test('units follow the data contract and every value is finite', async () => {
    const rows = await query<{ metric: string; units: string[]; bad: number }>(
      `SELECT replaceRegexpOne(metric, '^sys\\.gpu\\.\\d+\\.', 'sys.gpu.N.') AS metric, groupUniqArray(unit) AS units,
              toUInt32(countIf(NOT isFinite(value))) AS bad
       FROM training_observability.metric_points WHERE startsWith(run_id, {prefix:String}) GROUP BY metric ORDER BY metric`,
      { prefix: 'bf-' },
    );
    const units: Record<string, string> = { ...Object.fromEntries(EVERY_STEP.map((m) => [m, ''])), val_loss: '', ...RUN_SYSTEM, ...HOST_SYSTEM, 'sys.gpu.N.util_percent': '%' };
    Object.assign(units, { 'moe.expert_token_share': '', 'moe.subject_bucket_share': '', sample: '', 'run.status': '' });
    assert.deepEqual(
      rows.map((r) => [r.metric, r.units, r.bad]),
      Object.keys(units).sort().map((metric) => [metric, [units[metric]], 0]),
    );
  });

  test('loss steps are contiguous and event_time follows the step clock, whatever the server zone', async () => {
    assert.deepEqual(await query('SELECT timezone() AS tz'), [{ tz: SERVER_TZ }]);
    const rows = await query<{ step: number; ms: number }>(
      `SELECT toUInt32(step) AS step, toFloat64(toUnixTimestamp64Milli(event_time)) AS ms
       FROM training_observability.metric_points WHERE run_id = {run:String} AND metric = 'loss' ORDER BY step`,
      { run: 'bf-0' },
    );
    assert.deepEqual(rows.map((r) => r.step), Array.from({ length: 500 }, (_, i) => i));
    for (const { step, ms } of rows) {
      // 5 steps/s: step s happens within its own 200 ms slot after startTime.
      assert.ok(ms >= startTime + step * 200 && ms < startTime + (step + 1) * 200, `step ${step} at ${ms}`);
    }
  });

  test('8 GPUs on 2 hosts: device is the index on the host, rank the global index', async () => {
    const rows = await query<{ host: string; rank: number; device: number; metric: string; lo: number; hi: number }>(
      `SELECT host, toUInt32(rank) AS rank, toUInt32(device) AS device, metric, min(value) AS lo, max(value) AS hi
       FROM training_observability.metric_points WHERE run_id = {run:String} AND metric LIKE 'sys.gpu.%'
       GROUP BY host, rank, device, metric ORDER BY rank`,
      { run: 'bf-1' },
    );
    assert.deepEqual(
      rows.map(({ host, rank, device, metric }) => ({ host, rank, device, metric })),
      GPU_RANKS.map((rank) => ({ host: hostOf(rank), rank, device: rank % 4, metric: `sys.gpu.${rank % 4}.util_percent` })),
    );
    for (const r of rows) assert.ok(r.lo >= 0 && r.hi <= 100 && r.hi > 50, `${r.metric}@${r.host}: ${r.lo}..${r.hi}`);
  });

  test('val_loss lands on every valEvery-th step', async () => {
    const rows = await query<{ step: number }>(
      `SELECT toUInt32(step) AS step FROM training_observability.metric_points
       WHERE run_id = {run:String} AND metric = 'val_loss' ORDER BY step`,
      { run: 'bf-0' },
    );
    assert.deepEqual(rows.map((r) => r.step), [0, 100, 200, 300, 400]);
  });

  test('loss trends down in every run, and runs are told apart', async () => {
    const rows = await query<{ run_id: string; first: number; last: number }>(
      `SELECT run_id, avgIf(value, step < 50) AS first, avgIf(value, step >= 450) AS last
       FROM training_observability.metric_points WHERE startsWith(run_id, {prefix:String}) AND metric = 'loss'
       GROUP BY run_id ORDER BY run_id`,
      { prefix: 'bf-' },
    );
    assert.equal(rows.length, 2);
    for (const r of rows) assert.ok(r.last < r.first * 0.9, `${r.run_id}: first ${r.first}, last ${r.last}`);
    assert.ok(Math.abs(rows[0].last - rows[1].last) > 0.2, `final losses ${rows[0].last} and ${rows[1].last} are too close`);
  });
});

describe('NaN losses', () => {
  test('a forced NaN rate writes real NaNs, at the same steps generateRows reports', async () => {
    const opts = { runs: 1, history: 500, stepsPerSecond: 5, valEvery: 100, sysEvery: 10, seed: 5, nanRate: 0.02, startTime: Date.now() - 100_000 };
    await backfill({ ...opts, url: ch.url, runPrefix: 'nan-' });
    const expected = generateRows(0, 'nan-0', 0, 500, opts)
      .filter((r) => r.metric === 'loss' && Number.isNaN(r.value))
      .map((r) => r.step);
    assert.ok(expected.length > 0, 'a 2% NaN rate over 500 steps should produce some NaNs');

    const rows = await query<{ metric: string; steps: number[] }>(
      `SELECT metric, arraySort(groupArray(toUInt32(step))) AS steps FROM training_observability.metric_points
       WHERE run_id = 'nan-0' AND isNaN(value) GROUP BY metric ORDER BY metric`,
    );
    assert.deepEqual(rows, [
      { metric: 'loss', steps: expected },
      { metric: 'loss_t+1', steps: expected },
      { metric: 'loss_t+2', steps: expected },
    ]);
  });
});

describe('generateRows', () => {
  const opts: GenerateOptions = { startTime: 1_700_000_000_000, stepsPerSecond: 5, valEvery: 50, sysEvery: 10, seed: 42, nanRate: 0.001 };

  test('is deterministic for a seed and differs across seeds', () => {
    const a = generateRows(0, 'r', 0, 300, opts);
    assert.deepEqual(generateRows(0, 'r', 0, 300, opts), a);
    const b = generateRows(0, 'r', 0, 300, { ...opts, seed: 43 });
    assert.equal(b.length, a.length);
    assert.notDeepEqual(b.map((r) => r.value), a.map((r) => r.value));
  });

  test('does not depend on how the step range is chunked', () => {
    // Long enough to cross many spike and straggle blocks, cut at awkward places.
    const cuts = [0, 7, 513, 2047, 2048];
    while (cuts[cuts.length - 1] < 12_000) cuts.push(cuts[cuts.length - 1] + 777);
    for (const run of [0, 1, 2]) {
      const whole = generateRows(run, 'r', 0, cuts[cuts.length - 1], opts);
      const parts = cuts.slice(1).flatMap((to, i) => generateRows(run, 'r', cuts[i], to, opts));
      assert.equal(parts.length, whole.length);
      const firstDiff = whole.findIndex((row, i) => !Object.is(row.value, parts[i].value) || row.event_time !== parts[i].event_time);
      assert.equal(firstDiff, -1, `run ${run}: row ${firstDiff} differs`);
    }
  });

  test('row counts follow the options', () => {
    const rows = generateRows(0, 'r', 100, 350, { ...opts, valEvery: 25, sysEvery: 7 });
    const count = (metric: string) => rows.filter((r) => r.metric === metric).length;
    let sys = 0;
    let val = 0;
    for (let step = 100; step < 350; step++) {
      if (step % 7 === 0) sys++;
      if (step % 25 === 0) val++;
    }
    assert.equal(count('loss'), 250);
    assert.equal(count('val_loss'), val);
    assert.equal(count('tokens_per_s'), sys);
    assert.equal(count('sys.cpu_percent'), 2 * sys);
    assert.equal(rows.filter((r) => r.metric.startsWith('sys.gpu.')).length, 8 * sys);
    assert.equal(rows.length, total(contractCounts(100, 350, 25, 7)));
    assert.equal(count('sys.mem_percent'), 2 * sys);
    assert.equal(count('tokens_total'), sys);
    assert.equal(count('moe.expert_token_share'), MOE_TOKENS * 3); // steps 100, 200, 300
    assert.equal(count('sample'), SAMPLES);
  });

  test('one GPU per run straggles below the others', () => {
    const rows = generateRows(0, 'r', 0, 20_000, { ...opts, nanRate: 0 });
    const mean = new Map<number, { sum: number; n: number }>();
    for (const r of rows) {
      if (!r.metric.startsWith('sys.gpu.') || r.step < 200) continue;
      const m = mean.get(r.rank) ?? { sum: 0, n: 0 };
      m.sum += r.value;
      m.n++;
      mean.set(r.rank, m);
    }
    const means = GPU_RANKS.map((rank) => mean.get(rank)!.sum / mean.get(rank)!.n).sort((a, b) => a - b);
    // The straggler's average sits clearly below the second-lowest GPU's.
    assert.ok(means[1] - means[0] > 1, `GPU means ${means.map((m) => m.toFixed(1)).join(', ')}`);
  });

  test('rejects options that would divide by zero', () => {
    assert.throws(() => generateRows(0, 'r', 0, 10, { ...opts, valEvery: 0 }), RangeError);
    assert.throws(() => generateRows(0, 'r', 0, 10, { ...opts, stepsPerSecond: 0 }), RangeError);
  });
});

describe('INSERT transport', () => {
  test('sends Basic auth and fails loudly on a wrong password', async () => {
    const base = { runs: 1, history: 20, seed: 1, url: ch.url };
    await assert.rejects(backfill({ ...base, runPrefix: 'auth-bad-', user: 'writer', password: 'nope' }), /HTTP 403.*Authentication failed/s);
    const result = await backfill({ ...base, runPrefix: 'auth-ok-', user: 'writer', password: 's3cret' });
    const [counts] = await query<{ bad: number; ok: number }>(
      `SELECT toUInt32(countIf(run_id = 'auth-bad-0')) AS bad, toUInt32(countIf(run_id = 'auth-ok-0')) AS ok FROM training_observability.metric_points`,
    );
    assert.deepEqual(counts, { bad: 0, ok: result.rows });
  });

  test('writes runs that finished and failed, each closed by its run.status', async () => {
    await backfill({ url: ch.url, runs: 1, finishedRuns: 1, failedRuns: 1, history: 400, seed: 5, nanRate: 0, runPrefix: 'end-' });
    const rows = await query<{ run_id: string; last: number; status: string; nans: number; first_nan: number }>(
      `SELECT run_id, toUInt32(max(step)) AS last,
              argMaxIf(JSONExtractString(tags_json, 'status'), step, metric = 'run.status') AS status,
              toUInt32(countIf(metric = 'loss' AND isNaN(value))) AS nans,
              toUInt32(minIf(step, metric = 'loss' AND isNaN(value))) AS first_nan
       FROM training_observability.metric_points WHERE startsWith(run_id, 'end-') GROUP BY run_id ORDER BY run_id`,
    );
    // 60% and 45% of the history; the failed run's loss is NaN over its last 30 steps.
    assert.deepEqual(rows, [
      { run_id: 'end-0', last: 399, status: 'running', nans: 0, first_nan: 0 },
      { run_id: 'end-1', last: 239, status: 'finished', nans: 0, first_nan: 0 },
      { run_id: 'end-2', last: 179, status: 'failed', nans: 30, first_nan: 150 },
    ]);
  });

  test('small batches neither lose nor repeat rows', async () => {
    const result = await backfill({ url: ch.url, runs: 2, history: 700, seed: 2, batchRows: 500, runPrefix: 'batch-' });
    const expected = 2 * total(contractCounts(0, 700, 100, 10));
    const [row] = await query<{ total: number; distinct: number }>(
      `SELECT toUInt32(count()) AS total, toUInt32(uniqExact(run_id, metric, host, device, step, tags_json)) AS distinct
       FROM training_observability.metric_points WHERE startsWith(run_id, 'batch-')`,
    );
    assert.deepEqual(row, { total: expected, distinct: expected });
    assert.equal(result.rows, expected);
  });
});

describe('simulate (live)', () => {
  test('appends steps in real time after the backfill and stops on abort', async (t) => {
    const controller = new AbortController();
    const logs: string[] = [];
    const running = simulate({
      url: ch.url,
      runs: 2,
      history: 10,
      stepsPerSecond: 10,
      seed: 3,
      runPrefix: 'live-',
      signal: controller.signal,
      log: (msg) => logs.push(msg),
    });

    // Abort whatever happens, or a failed assertion would leave the live loop (and this process) running.
    t.after(() => controller.abort());

    type Progress = { run_id: string; n: number; last: number; lag: number };
    const progress = () =>
      query<Progress>(
        `SELECT run_id, toUInt32(count()) AS n, toUInt32(max(step)) AS last,
                toFloat64({now:Int64} - toUnixTimestamp64Milli(max(event_time))) AS lag
         FROM training_observability.metric_points WHERE startsWith(run_id, 'live-') AND metric = 'loss'
         GROUP BY run_id ORDER BY run_id`,
        { now: String(Date.now()) },
      );

    let rows: Progress[] = [];
    const deadline = Date.now() + 3000;
    while (Date.now() < deadline) {
      rows = await progress();
      if (rows.length === 2 && rows.every((r) => r.last >= 15)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(rows.length, 2, `runs seen: ${JSON.stringify(rows)}`);
    for (const r of rows) {
      assert.ok(r.last >= 15, `${r.run_id} reached only step ${r.last} within 3 s`);
      assert.equal(r.n, r.last + 1, `${r.run_id}: steps 0..${r.last} should each appear once`);
      // The newest step is recent: live rows are stamped with the real clock (in UTC, whatever the server's zone).
      assert.ok(r.lag > -1000 && r.lag < 2500, `${r.run_id}: newest point is ${r.lag} ms old`);
    }

    controller.abort();
    const stopped = await Promise.race([running.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 500))]);
    assert.ok(stopped, 'simulate should resolve soon after abort');
    const before = (await progress()).map((r) => r.n);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    assert.deepEqual((await progress()).map((r) => r.n), before, 'no rows after abort');
    assert.ok(logs.some((m) => m.startsWith('live:')), `logs: ${logs.join(' | ')}`);
  });
});
