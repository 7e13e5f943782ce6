/**
 * ClickHouse server faults, end to end in Node: the store and ClickHouseSource
 * (the same code the page and the relay run) against the real embedded
 * ClickHouse, through the fault-injecting proxy (src/server/fault-proxy.ts),
 * and against a ClickHouse child process killed mid-poll and started again.
 *
 * Expectations are the steps and values this file inserted and sentences
 * written out here, never values computed by the code under test. Backoff is
 * checked on the schedule the store sets (health.nextPollAt at each failed
 * poll), not on the wall clock.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { startClickHouseServer, type EmbeddedClickHouse } from '../../src/server/clickhouse-server.js';
import { startFaultProxy, type Fault, type FaultProxy } from '../../src/server/fault-proxy.js';
import { ClickHouseSource, type ClickHouseSourceOptions } from '../../src/sources/clickhouse-source.js';
import { CHECKED_ROW_BYTES, decodeCheckedRows, GarbledResponseError } from '../../src/sources/rowbinary.js';
import { nodeConnection } from '../../src/server/relay/node-connection.js';
import type { RowQuery } from '../../src/sources/source.js';
import { TelemetryStore, waitingAfter, type RowsResult, type StoreHealth } from '../../src/store/store.js';

const TABLE = 'training_observability.metric_points';
const POLL = 250;

let ch: EmbeddedClickHouse;
let proxy: FaultProxy;

before(async () => {
  ch = await startClickHouseServer({
    port: 0,
    users: [
      { name: 'default', password: '' },
      { name: 'viewer', password: 'viewer-secret', readonly: true },
    ],
  });
  proxy = await startFaultProxy(ch);
});
after(async () => {
  await proxy.close();
  await ch.close();
});

// ---------------------------------------------------------------- helpers

let counter = 0;
const uniqueRun = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++counter}`;
const valueOf = (step: number) => step / 8 - 3;

async function insertSteps(url: string, run: string, from: number, to: number, metric = 'loss') {
  const rows: string[] = [];
  for (let step = from; step <= to; step++) {
    rows.push(`('${run}', '${metric}', ${step}, ${valueOf(step)}, toDateTime64(${1767225600 + step}, 3))`);
  }
  const response = await fetch(`${url}/`, { method: 'POST', body: `INSERT INTO ${TABLE} (run_id, metric, step, value, event_time) VALUES ${rows.join(',')}` });
  if (response.status !== 200) throw new Error(`insert failed: ${response.status} ${await response.text()}`);
}

async function waitFor(test: () => boolean, what: string, timeout = 15_000) {
  const until = Date.now() + timeout;
  while (!test()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const latest = (run: string): RowQuery => ({
  kind: 'latest',
  sql: 'SELECT argMax(value, step) AS v, max(step) AS last_step FROM {{table}} WHERE run_id = {run:String}',
  params: { run },
});

/** A page-like store on one series and one row query, recording every poll's health. */
function watch(run: string, options: Partial<ClickHouseSourceOptions> = {}, pollInterval = POLL) {
  const polls: StoreHealth[] = [];
  const source = new ClickHouseSource({ url: proxy.url, ...options });
  const store = new TelemetryStore(source, { pollInterval, onPoll: (h) => polls.push({ ...h }) });
  let rows: RowsResult | undefined;
  const offSeries = store.subscribe({ run, metric: 'loss' }, () => {});
  const offRows = store.subscribeRows(latest(run), (r) => (rows = { ...r }));
  return {
    store,
    polls,
    get rows() {
      return rows;
    },
    get series() {
      return store.series({ run, metric: 'loss' })!;
    },
    steps: () => Array.from(store.series({ run, metric: 'loss' })!.steps),
    values: () => Array.from(store.series({ run, metric: 'loss' })!.values),
    close() {
      offSeries();
      offRows();
    },
  };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Sets a fault, waits for the store's next failed poll, and returns its message. */
async function failureUnder(w: ReturnType<typeof watch>, fault: Fault): Promise<string> {
  const before = w.polls.length;
  await proxy.setFault(fault);
  await waitFor(() => w.polls.slice(before).some((p) => p.failures > 0), `a failed poll under ${fault.mode}`, 20_000);
  return w.polls.slice(before).find((p) => p.failures > 0)!.lastError!;
}

// ---------------------------------------------------------------- tests

describe('backoff', () => {
  it('waits between pollInterval/2 and 2·pollInterval, at most one interval after the first failure', () => {
    const store = new TelemetryStore(new ClickHouseSource({ url: 'http://127.0.0.1:9' }), { pollInterval: 2000 });
    for (let i = 0; i < 2000; i++) {
      const first = store.backoff(1);
      assert.ok(first >= 1000 && first <= 2000, `first retry ${first}`);
      const later = store.backoff(2 + (i % 40));
      assert.ok(later >= 2000 && later <= 4000, `later retry ${later}`);
    }
    // Jittered: 2000 draws are not a handful of values.
    assert.ok(new Set(Array.from({ length: 200 }, () => Math.round(store.backoff(5)))).size > 50, 'jitter');
    // A longer maxBackoff is honoured (recovery then takes up to it); a shorter one than the interval is not.
    const slow = new TelemetryStore(new ClickHouseSource({ url: 'http://127.0.0.1:9' }), { pollInterval: 1000, maxBackoff: 8000 });
    const slowWait = slow.backoff(10);
    assert.ok(slowWait >= 4000 && slowWait <= 8000, `maxBackoff 8000: ${slowWait}`);
    const eager = new TelemetryStore(new ClickHouseSource({ url: 'http://127.0.0.1:9' }), { pollInterval: 1000, maxBackoff: 10 });
    assert.ok(eager.backoff(10) >= 500, 'maxBackoff below the interval is the interval');
  });

  it('keeps to that schedule through a long outage, and succeeds at the first attempt after the server is back', async () => {
    const run = uniqueRun('outage');
    await insertSteps(ch.url, run, 1, 5);
    const w = watch(run);
    try {
      await waitFor(() => w.series.length === 5 && w.rows?.status === 'ready', 'the first answer');
      const before = w.polls.length;
      const requestsBefore = w.store.requests;
      await proxy.down();
      // Each failed poll sets its retry; the retry must lie in [P/2, 2P] whatever the failure count.
      await waitFor(() => w.polls.slice(before).filter((p) => p.failures > 0).length >= 12, '12 failed polls', 30_000);
      const failed = w.polls.slice(before).filter((p) => p.failures > 0);
      for (const poll of failed) {
        assert.match(poll.lastError!, /^Cannot reach ClickHouse at http:\/\/127\.0\.0\.1:\d+\. Retrying…$/);
      }
      // Series and rows keep what they had, marked with the error.
      assert.deepEqual(w.steps(), [1, 2, 3, 4, 5]);
      assert.equal(w.series.status, 'error');
      assert.equal(w.rows!.status, 'error');
      assert.equal(Number(w.rows!.rows[0].last_step), 5);
      const failures = w.polls.length - before;
      // Two requests per poll (points and rows), no more: no storm from retries.
      assert.ok(w.store.requests - requestsBefore <= 2 * failures + 2, `${w.store.requests - requestsBefore} requests in ${failures} polls`);
      // Bring the server back right after a failed poll: the very next attempt succeeds.
      const lastFailure = w.polls.length;
      await new Promise<void>((resolve) => {
        const check = setInterval(() => {
          if (w.polls.length > lastFailure) {
            clearInterval(check);
            resolve();
          }
        }, 1);
      });
      await proxy.up();
      const upAt = w.polls.length;
      await insertSteps(ch.url, run, 6, 7);
      await waitFor(() => w.polls.length > upAt, 'the next attempt');
      assert.equal(w.polls[upAt].failures, 0, `the first attempt after the server came back failed: ${w.polls[upAt].lastError}`);
      await waitFor(() => w.series.length === 7, 'the new points');
      assert.deepEqual(w.steps(), range(1, 7));
      assert.equal(w.series.status, 'ready');
    } finally {
      w.close();
      await proxy.up();
    }
  });

  it('the retry delays it set stay within [P/2, 2P]', async () => {
    // The schedule of the outage above, read again on a fresh store: nextPollAt - (time of the failure).
    const run = uniqueRun('schedule');
    await insertSteps(ch.url, run, 1, 2);
    const delays: number[] = [];
    const source = new ClickHouseSource({ url: proxy.url });
    const store = new TelemetryStore(source, { pollInterval: POLL, onPoll: (h) => h.failures > 0 && delays.push(h.nextPollAt - Date.now()) });
    const off = store.subscribe({ run, metric: 'loss' }, () => {});
    try {
      await waitFor(() => store.series({ run, metric: 'loss' })!.length === 2, 'the first answer');
      await proxy.down();
      await waitFor(() => delays.length >= 10, '10 failed polls', 30_000);
      assert.ok(delays[0] >= POLL / 2 - 2 && delays[0] <= POLL, `first delay ${delays[0]}`);
      for (const d of delays.slice(1)) assert.ok(d >= POLL - 2 && d <= 2 * POLL, `delay ${d}`);
    } finally {
      off();
      await proxy.up();
    }
  });
});

describe('each fault is said in words, keeps the data and recovers', () => {
  const cases: Array<[string, Fault, RegExp, Partial<ClickHouseSourceOptions>?]> = [
    ['a closed port', { mode: 'refuse' }, /^Cannot reach ClickHouse at http:\/\/127\.0\.0\.1:\d+\. Retrying…$/],
    ['a load balancer 503 page', { mode: 'status', status: 503 }, /^ClickHouse at http:\/\/127\.0\.0\.1:\d+ answered 503 Service Unavailable\. Retrying…$/],
    ['a 502 page', { mode: 'status', status: 502 }, /answered 502 Bad Gateway\. Retrying…$/],
    ['a server that never answers', { mode: 'delay', ms: Infinity }, /^ClickHouse at http:\/\/127\.0\.0\.1:\d+ did not answer within 2 s\. Retrying…$/, { timeout: 2000 }],
    ['a connection reset mid-answer', { mode: 'cut', bytes: 40, match: 'RowBinary' }, /^The answer from ClickHouse at http:\/\/127\.0\.0\.1:\d+ was cut off \(.+\)\. Retrying…$/],
    ['a connection reset on request', { mode: 'reset' }, /(dropped the connection|Cannot reach ClickHouse)/],
    ['an answer cut at a row boundary', { mode: 'truncate', bytes: 2 * CHECKED_ROW_BYTES, match: 'RowBinary' }, /was garbled \(the end marker is missing: cut off\); nothing of it was used\. Retrying…$/],
    ['an answer cut mid-row', { mode: 'truncate', bytes: 50, match: 'RowBinary' }, /was garbled \(50 bytes is not a whole number of rows\)/],
    ['a garbled binary answer', { mode: 'garble', every: 29, match: 'RowBinary' }, /was garbled \(row \d+ of \d+ fails its check\)/],
    ['a garbled JSON answer', { mode: 'garble', every: 5, match: 'JSONCompact' }, /was garbled/],
    ['a JSON answer cut at a line boundary', { mode: 'truncate', bytes: -2, match: 'JSONCompact' }, /was garbled \(cut off or not JSON\)/],
    ['a wrong password', { mode: 'pass' }, /^ClickHouse at http:\/\/127\.0\.0\.1:\d+ refused the credentials: .*Authentication failed.* Check the user and password\.$/, { user: 'viewer', password: 'nope' }],
  ];

  for (const [name, fault, message, options] of cases) {
    it(name, async () => {
      const run = uniqueRun('fault');
      await insertSteps(ch.url, run, 1, 10);
      const auth = options?.password === 'nope';
      const w = watch(run, auth ? {} : options);
      try {
        await waitFor(() => w.series.length === 10 && w.rows?.status === 'ready', 'the first answer');
        const steps = w.steps();
        const values = w.values();
        const requests = w.store.requests;
        await insertSteps(ch.url, run, 11, 12);
        let error: string;
        if (auth) {
          // Credentials are part of the source: a second store with the wrong password.
          const bad = watch(run, options);
          try {
            await waitFor(() => bad.polls.some((p) => p.failures > 0), 'the refusal');
            error = bad.polls.find((p) => p.failures > 0)!.lastError!;
            assert.equal(bad.series.status, 'error');
            assert.equal(bad.series.error, error);
          } finally {
            bad.close();
          }
        } else {
          error = await failureUnder(w, fault);
          // Nothing of a bad answer is used: the series is what it was, the rows too.
          assert.deepEqual(w.steps(), steps);
          assert.deepEqual(w.values(), values);
          assert.equal(w.series.error ?? w.rows?.error, error);
          assert.equal(Number(w.rows!.rows[0].last_step), 10);
        }
        assert.match(error, message);
        assert.ok(w.store.requests - requests < 40, 'no request storm');
        await proxy.up();
        await waitFor(() => w.series.length === 12 && w.series.status === 'ready' && w.rows?.status === 'ready' && Number(w.rows.rows[0].last_step) === 12, 'recovery', 20_000);
        assert.deepEqual(w.steps(), range(1, 12));
        assert.deepEqual(w.values(), range(1, 12).map(valueOf));
      } finally {
        w.close();
        await proxy.up();
      }
    });
  }

  it("the relay's Node client meets the same faults with the same sentences", async () => {
    const relayCases: Array<[Fault, RegExp]> = [
      [{ mode: 'status', status: 503 }, /^ClickHouse at http:\/\/127\.0\.0\.1:\d+ answered 503 Service Unavailable\. Retrying…$/],
      [{ mode: 'cut', bytes: 40, match: 'RowBinary' }, /^ClickHouse at http:\/\/127\.0\.0\.1:\d+ dropped the connection\. Retrying…$/],
      [{ mode: 'truncate', bytes: CHECKED_ROW_BYTES, match: 'RowBinary' }, /was garbled \(the end marker is missing: cut off\)/],
      [{ mode: 'garble', every: 17, match: 'RowBinary' }, /was garbled \(row \d+ of \d+ fails its check\)/],
      [{ mode: 'refuse' }, /^Cannot reach ClickHouse at http:\/\/127\.0\.0\.1:\d+\. Retrying…$/],
    ];
    const run = uniqueRun('relay-client');
    await insertSteps(ch.url, run, 1, 4);
    const w = watch(run, { connect: nodeConnection });
    try {
      await waitFor(() => w.series.length === 4, 'the first answer');
      for (const [fault, message] of relayCases) {
        await insertSteps(ch.url, run, w.series.length + 1, w.series.length + 2);
        const held = w.steps();
        assert.match(await failureUnder(w, fault), message);
        assert.deepEqual(w.steps(), held);
        await proxy.up();
        await waitFor(() => w.store.health.failures === 0 && w.series.length === held.length + 2, `recovery from ${fault.mode}`);
        assert.deepEqual(w.steps(), range(1, held.length + 2));
      }
    } finally {
      w.close();
      await proxy.up();
    }
  });

  it('a slow server: subscribers hear it is waiting, then get the answer', async () => {
    const run = uniqueRun('slow');
    await insertSteps(ch.url, run, 1, 3);
    const w = watch(run);
    try {
      await waitFor(() => w.series.length === 3 && w.rows?.status === 'ready', 'the first answer');
      await insertSteps(ch.url, run, 4, 4);
      const slowFor = waitingAfter(POLL) + 1500;
      const from = proxy.log.length;
      await proxy.setFault({ mode: 'delay', ms: slowFor });
      await waitFor(() => Number.isFinite(w.store.health.waitingSince ?? NaN) && Date.now() - w.store.health.waitingSince! > waitingAfter(POLL), 'a long wait', 20_000);
      await waitFor(() => w.series.status === 'error', 'the waiting notice');
      assert.match(w.series.error!, /^Waiting for ClickHouse at http:\/\/127\.0\.0\.1:\d+: no answer for 4 s…$/);
      assert.match(w.rows!.error!, /^Waiting for ClickHouse/);
      assert.deepEqual(w.steps(), [1, 2, 3]);
      assert.equal(w.store.health.failures, 0);
      // Only one request per kind is in flight while it waits.
      const inFlight = proxy.log.slice(from).filter((r) => r.fault === 'delay');
      assert.ok(inFlight.length <= 2, `${inFlight.length} requests held`);
      await waitFor(() => w.series.length === 4 && w.series.status === 'ready', 'the slow answer', 20_000);
      assert.deepEqual(w.steps(), [1, 2, 3, 4]);
      assert.equal(w.rows!.status, 'ready');
      assert.equal(w.store.health.failures, 0);
    } finally {
      w.close();
      await proxy.up();
    }
  });

  it('a read-only user reads points, rows and run descriptions without sending a setting', async () => {
    const run = uniqueRun('viewer');
    await insertSteps(ch.url, run, 1, 6);
    const from = proxy.log.length;
    const w = watch(run, { user: 'viewer', password: 'viewer-secret' });
    const missing = new TelemetryStore(new ClickHouseSource({ url: proxy.url, user: 'viewer', password: 'viewer-secret' }), { pollInterval: POLL });
    const offMissing = missing.subscribe({ run: `${run}-none`, metric: 'loss' }, () => {});
    try {
      await waitFor(() => w.series.length === 6 && w.rows?.status === 'ready', 'the answer');
      await waitFor(() => missing.runInfo(`${run}-none`) === null, 'the run described as missing');
      assert.equal(w.store.health.failures, 0);
      const seen = proxy.log.slice(from);
      // Points, row queries and the run description (JSON like row queries) all went through as the viewer.
      assert.deepEqual([...new Set(seen.map((r) => r.kind))].sort(), ['points', 'rows']);
      assert.deepEqual(seen.flatMap((r) => r.settings), []);
    } finally {
      w.close();
      offMissing();
    }
  });

  it('a query a read-only user may not run says so', async () => {
    const source = new ClickHouseSource({ url: proxy.url, user: 'viewer', password: 'viewer-secret' });
    const store = new TelemetryStore(source, { pollInterval: POLL });
    let result: RowsResult | undefined;
    const off = store.subscribeRows({ kind: 'x', sql: 'SELECT 1 AS one SETTINGS max_threads = 1', params: {} }, (r) => (result = { ...r }));
    try {
      await waitFor(() => result?.status === 'error', 'the refusal');
      assert.match(result!.error!, /^ClickHouse at http:\/\/127\.0\.0\.1:\d+ refused the query for a read-only user: .*readonly/);
    } finally {
      off();
    }
  });
});

describe('answers are used whole or not at all', () => {
  it('an exception ClickHouse appended mid-answer is reported as one', async () => {
    const source = new ClickHouseSource({ url: ch.url });
    const { query, params } = source.buildQuery({ tails: [{ run: 'r', metric: 'm', afterStep: -1 }], views: [], tailLimit: 10 });
    const search = new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [`param_${k}`, String(v)]));
    const bytes = new Uint8Array(await (await fetch(`${ch.url}/?${search}`, { method: 'POST', body: query })).arrayBuffer());
    assert.equal(bytes.length, CHECKED_ROW_BYTES, 'an empty answer is its end marker');
    assert.equal(decodeCheckedRows(bytes).length, 0);
    const appended = new TextEncoder().encode('Code: 241. DB::Exception: Memory limit (total) exceeded. (MEMORY_LIMIT_EXCEEDED) (version 25.1)\n');
    for (const cut of [0, 7, CHECKED_ROW_BYTES]) {
      const broken = new Uint8Array([...bytes.subarray(0, bytes.length - cut), ...appended]);
      assert.throws(() => decodeCheckedRows(broken), (e: unknown) => e instanceof GarbledResponseError && e.kind === 'exception' && /^Code: 241\. DB::Exception: Memory limit/.test(e.message));
    }
  });

  it('bad answers during a live run never change the series: it ends exactly as written', async () => {
    const run = uniqueRun('garble');
    let written = 20;
    await insertSteps(ch.url, run, 1, written);
    const w = watch(run);
    let writing = true;
    const writer = (async () => {
      while (writing) {
        await insertSteps(ch.url, run, written + 1, written + 3);
        written += 3;
        await new Promise((r) => setTimeout(r, 90));
      }
    })();
    try {
      await waitFor(() => w.series.length >= 20, 'the first answer');
      const faults: Fault[] = [
        { mode: 'garble', every: 13, match: 'RowBinary', times: 3 },
        { mode: 'truncate', bytes: CHECKED_ROW_BYTES, match: 'RowBinary', times: 2 },
        { mode: 'truncate', bytes: 3 * CHECKED_ROW_BYTES + 5, match: 'RowBinary', times: 2 },
        { mode: 'cut', bytes: 30, match: 'RowBinary', times: 2 },
        { mode: 'garble', every: 31, match: 'RowBinary', times: 2 },
      ];
      for (const fault of faults) {
        const held = w.steps();
        const failures = w.polls.filter((p) => p.failures > 0).length;
        await proxy.setFault(fault);
        await waitFor(() => w.polls.filter((p) => p.failures > 0).length > failures, `a failed poll under ${fault.mode}`);
        // Whatever the series held is still there, and every step it holds is one written, once, in order.
        const now = w.steps();
        assert.deepEqual(now.slice(0, held.length), held);
        assert.deepEqual(now, range(1, now.length));
        assert.deepEqual(w.values(), range(1, now.length).map(valueOf));
        await waitFor(() => proxy.fault.times === 0, 'the fault used up');
      }
      await proxy.up();
      writing = false;
      await writer;
      await waitFor(() => w.series.length === written, `all ${written} steps`, 20_000);
      assert.deepEqual(w.steps(), range(1, written));
      assert.deepEqual(w.values(), range(1, written).map(valueOf));
    } finally {
      writing = false;
      await writer;
      w.close();
      await proxy.up();
    }
  });

  it('an outage while a writer keeps inserting: no gap, no duplicate', async () => {
    const run = uniqueRun('writer');
    let written = 0;
    const w = watch(run);
    let writing = true;
    const writer = (async () => {
      while (writing) {
        await insertSteps(ch.url, run, written + 1, written + 2);
        written += 2;
        await new Promise((r) => setTimeout(r, 60));
      }
    })();
    try {
      await waitFor(() => w.series.length >= 10, 'points arriving');
      await proxy.down();
      await waitFor(() => w.store.health.failures >= 4, 'four failed polls', 20_000);
      const during = w.steps();
      await proxy.up();
      await waitFor(() => w.store.health.failures === 0 && w.series.length > during.length, 'recovery');
      writing = false;
      await writer;
      await waitFor(() => w.series.length === written, `all ${written} steps`);
      assert.deepEqual(w.steps(), range(1, written));
      assert.deepEqual(w.values(), range(1, written).map(valueOf));
    } finally {
      writing = false;
      await writer;
      w.close();
      await proxy.up();
    }
  });
});

describe('a ClickHouse restart mid-poll', () => {
  let dir: string;
  let child: ChildProcess | undefined;
  let port: number;

  const freePort = () =>
    new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const { port: p } = s.address() as { port: number };
        s.close(() => resolve(p));
      });
    });

  async function startChild() {
    child = spawn(process.execPath, ['bin/trainwatch.js', 'clickhouse', '--port', String(port), '--data', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    await waitFor(() => /listening on/.test(output) || child!.exitCode !== null, 'the ClickHouse child', 30_000);
    if (child.exitCode !== null) throw new Error(`ClickHouse child exited: ${output}`);
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trainwatch-restart-'));
    port = await freePort();
    await startChild();
  });
  after(() => {
    child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('recovers by itself after the server is killed mid-poll and started again on its data', async () => {
    const url = `http://127.0.0.1:${port}`;
    const front = await startFaultProxy({ port });
    const run = uniqueRun('restart');
    let written = 0;
    let writing = true;
    // The writer retries a failed insert (the server is away) with the same steps.
    const writer = (async () => {
      while (writing) {
        try {
          await insertSteps(url, run, written + 1, written + 2);
          written += 2;
        } catch {
          // away: the same steps again
        }
        await new Promise((r) => setTimeout(r, 60));
      }
    })();
    const polls: StoreHealth[] = [];
    const store = new TelemetryStore(new ClickHouseSource({ url: front.url }), { pollInterval: POLL, onPoll: (h) => polls.push({ ...h }) });
    const key = { run, metric: 'loss' };
    const off = store.subscribe(key, () => {});
    const steps = () => Array.from(store.series(key)!.steps);
    try {
      await waitFor(() => steps().length >= 10, 'points arriving');
      // Hold the next poll at the proxy, kill the server while it is held, then let it through to nothing.
      await front.setFault({ mode: 'delay', ms: Infinity, match: 'RowBinary' });
      const held = front.log.length;
      await waitFor(() => front.log.slice(held).some((r) => r.fault === 'delay'), 'a poll in flight');
      child!.kill('SIGKILL');
      await new Promise((r) => child!.once('exit', r));
      await front.up();
      await waitFor(() => store.health.failures >= 1, 'the failed poll');
      assert.match(store.health.lastError!, /(dropped the connection|Cannot reach ClickHouse)/);
      const before = steps();
      await waitFor(() => store.health.failures >= 3, 'more failed polls', 20_000);
      assert.deepEqual(steps(), before, 'the series kept what it had');
      await startChild();
      const back = polls.length;
      await waitFor(() => store.health.failures === 0 && polls.length > back, 'recovery', 20_000);
      writing = false;
      await writer;
      await waitFor(() => steps().length === written, `all ${written} steps`, 20_000);
      assert.deepEqual(steps(), range(1, written));
      assert.deepEqual(Array.from(store.series(key)!.values), range(1, written).map(valueOf));
    } finally {
      writing = false;
      await writer;
      off();
      await front.close();
    }
  });
});
