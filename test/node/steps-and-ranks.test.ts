/**
 * Two ways careless trainers' data could make a chart wrong, end to end in
 * Node: the real ClickHouseSource (the code the page and the relay run), the
 * store and the relay against the embedded ClickHouse.
 *
 * - Steps past 2^53 − 1 (a UInt64 step a double cannot hold; a trainer that
 *   writes −1 stores 2^64 − 1): left out of every answer and counted, never a
 *   failed poll for every chart on the page.
 * - Several ranks writing one metric at one step: the first view draws the
 *   mean per step, as the live tail does, not an arbitrary rank's value.
 *
 * Expectations are computed here from the rows this file inserts (means,
 * M4 columns), never by the code under test.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startClickHouseServer, type EmbeddedClickHouse } from '../../src/server/clickhouse-server.js';
import { startRelay, type RelayServer } from '../../src/server/relay/relay-server.js';
import { SseClient } from '../../src/server/relay/sse-client.js';
import { seriesKey, type MetricsAnswer, type SnapshotEvent, type StatusEvent } from '../../src/relay/protocol.js';
import { ClickHouseSource } from '../../src/sources/clickhouse-source.js';
import type { FetchPlan, SeriesChunk, ViewChunk } from '../../src/sources/source.js';
import { TelemetryStore } from '../../src/store/store.js';

const TABLE = 'training_observability.metric_points';
const T0 = 1767225600; // 2026-01-01, seconds
const TWO_53 = 9007199254740992n;
const UINT64_MAX = 18446744073709551615n;

let ch: EmbeddedClickHouse;
let source: ClickHouseSource;

before(async () => {
  ch = await startClickHouseServer({ port: 0 });
  source = new ClickHouseSource({ url: ch.url });
});
after(async () => {
  await source.close();
  await ch.close();
});

let counter = 0;
const uniqueRun = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++counter}`;

interface Row {
  run: string;
  metric?: string;
  step: bigint | number;
  value: number;
  rank?: number;
  /** Epoch ms. */
  time: number;
}

const literal = (v: number) => (Number.isNaN(v) ? 'nan' : v === Infinity ? 'inf' : v === -Infinity ? '-inf' : String(v));

async function insert(rows: Row[]) {
  const values = rows.map((r) => `('${r.run}', '${r.metric ?? 'loss'}', ${r.rank ?? 0}, ${r.step}, ${literal(r.value)}, fromUnixTimestamp64Milli(toInt64(${r.time}), 'UTC'))`);
  const response = await fetch(`${ch.url}/`, { method: 'POST', body: `INSERT INTO ${TABLE} (run_id, metric, rank, step, value, event_time) VALUES ${values.join(',')}` });
  if (response.status !== 200) throw new Error(`insert failed: ${response.status} ${await response.text()}`);
}

const valueOf = (step: number) => step / 8 - 3;
const timeOf = (step: number, rank = 0) => (T0 + step) * 1000 + rank;
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const stepRows = (run: string, steps: number[], metric = 'loss'): Row[] => steps.map((step) => ({ run, metric, step, value: valueOf(step), time: timeOf(step) }));

const whole = (run: string, columns = 1000, metric = 'loss') => ({ run, metric, fromStep: 0, toStep: Infinity, columns });
const fromStart = (run: string, metric = 'loss') => ({ run, metric, afterStep: -1 });
const plan = (p: Partial<FetchPlan>): FetchPlan => ({ tails: [], views: [], tailLimit: 100_000, ...p });

const same = (actual: ArrayLike<number>, expected: number[], what: string) => assert.deepEqual(Array.from(actual), expected, what);

async function waitFor(test: () => boolean, what: string, timeout = 15_000) {
  const until = Date.now() + timeout;
  while (!test()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// ---------------------------------------------------------------- steps past 2^53

describe('steps past 2^53 − 1', () => {
  let careless: string;
  let neighbour: string;
  before(async () => {
    careless = uniqueRun('beyond');
    neighbour = uniqueRun('neighbour');
    await insert([
      ...stepRows(careless, range(0, 99)),
      // 2^53 + 1 (no double holds it) and a step of −1 as a UInt64 column stores it.
      { run: careless, step: TWO_53 + 1n, value: 7, time: timeOf(100) },
      { run: careless, step: UINT64_MAX, value: 8, time: timeOf(101) },
      ...stepRows(neighbour, range(0, 49)),
    ]);
  });

  it('one poll: the view and the tail give exactly steps 0..99 and count 2 left out; the other series on it is unaffected', async () => {
    const result = await source.fetch(plan({ views: [whole(careless), whole(neighbour)], tails: [fromStart(careless), fromStart(neighbour)] }), AbortSignal.timeout(20_000));
    const [view, other] = result.views as [ViewChunk, ViewChunk];
    same(view.steps, range(0, 99), 'view steps');
    same(view.values, range(0, 99).map(valueOf), 'view values');
    same(view.times, range(0, 99).map((s) => timeOf(s)), 'view times');
    assert.equal(view.total, 100);
    assert.equal(view.lastStep, 99, 'a tail continues after 99, not after 2^64 − 1');
    assert.equal(view.bucketSteps, 1);
    assert.equal(view.beyond, 2);

    same(other.steps, range(0, 49), 'the neighbour view');
    assert.equal(other.beyond, 0);

    const tail = result.tails.get(`${careless}\u0000loss`) as SeriesChunk;
    same(tail.steps, range(0, 99), 'tail steps');
    same(tail.values, range(0, 99).map(valueOf), 'tail values');
    assert.equal(tail.beyond, 2);
    const otherTail = result.tails.get(`${neighbour}\u0000loss`) as SeriesChunk;
    same(otherTail.steps, range(0, 49), 'the neighbour tail');
    assert.equal(otherTail.beyond, 0);
  });

  it('a tail after the newest drawable step still reports what lies past 2^53; a zoomed range counts none', async () => {
    const result = await source.fetch(plan({ tails: [{ run: careless, metric: 'loss', afterStep: 99 }], views: [{ run: careless, metric: 'loss', fromStep: 10.5, toStep: 20, columns: 100 }] }), AbortSignal.timeout(20_000));
    const tail = result.tails.get(`${careless}\u0000loss`) as SeriesChunk;
    assert.equal(tail.steps.length, 0, 'no new drawable point');
    assert.equal(tail.beyond, 2);
    same(result.views[0].steps, range(10, 20), 'the zoomed range (its fractional edge floored, as sent)');
    assert.equal(result.views[0].beyond, 0);
  });

  it('2^53 − 1 is drawn exactly; 2^53 is left out', async () => {
    const run = uniqueRun('edge');
    await insert([
      { run, step: 0, value: 1, time: timeOf(0) },
      { run, step: TWO_53 - 1n, value: 2, time: timeOf(1) },
      { run, step: TWO_53, value: 3, time: timeOf(2) },
    ]);
    const result = await source.fetch(plan({ views: [whole(run)], tails: [fromStart(run)] }), AbortSignal.timeout(20_000));
    same(result.views[0].steps, [0, 2 ** 53 - 1], 'view steps');
    same(result.views[0].values, [1, 2], 'view values');
    assert.equal(result.views[0].beyond, 1);
    const tail = result.tails.get(`${run}\u0000loss`)!;
    same(tail.steps, [0, 2 ** 53 - 1], 'tail steps');
    assert.equal(tail.beyond, 1);
    // A watermark at 2^53 − 1 is no error: the next tail asks from it again and finds nothing newer.
    const next = await source.fetch(plan({ tails: [{ run, metric: 'loss', afterStep: 2 ** 53 - 1 }] }), AbortSignal.timeout(20_000));
    assert.equal(next.tails.get(`${run}\u0000loss`)?.steps.length ?? 0, 0);
  });

  it('a zoom bound past 2^53 (or 1e300) is clamped, not sent as text ClickHouse rejects', async () => {
    const result = await source.fetch(plan({ views: [{ run: careless, metric: 'loss', fromStep: 90, toStep: 1e300, columns: 100 }] }), AbortSignal.timeout(20_000));
    same(result.views[0].steps, range(90, 99), 'steps');
  });

  it('the store: both charts of the page draw, the careless one counts 2 left out, and a later −1 step raises the count', async () => {
    const store = new TelemetryStore(source, { pollInterval: 250 });
    const offA = store.subscribe({ run: careless, metric: 'loss' }, () => {});
    const offB = store.subscribe({ run: neighbour, metric: 'loss' }, () => {});
    try {
      const a = () => store.series({ run: careless, metric: 'loss' })!;
      const b = () => store.series({ run: neighbour, metric: 'loss' })!;
      await waitFor(() => a().status === 'ready' && b().status === 'ready', 'both series ready');
      same(a().steps, range(0, 99), 'careless steps');
      assert.equal(a().beyond, 2);
      same(b().steps, range(0, 49), 'neighbour steps');
      assert.equal(b().beyond, 0);
      assert.equal(store.health.failures, 0);

      const version = a().version;
      await insert([{ run: careless, step: UINT64_MAX, value: 9, time: timeOf(102) }, ...stepRows(careless, [100])]);
      await waitFor(() => a().beyond === 3 && a().watermark === 100, 'the tail to count the new row past 2^53 and draw step 100', 10_000);
      assert.ok(a().version > version, 'the series changed, so charts redraw their note');
      same(a().steps, range(0, 100), 'careless steps after the tail');
      assert.equal(store.health.failures, 0);
    } finally {
      offA();
      offB();
    }
  });

  it('a run whose every step is −1: an empty chart that counts its points, not an error', async () => {
    const run = uniqueRun('minus-one');
    await insert(range(0, 4).map((i) => ({ run, step: UINT64_MAX, value: i, time: timeOf(i), rank: i })));
    const store = new TelemetryStore(source, { pollInterval: 250 });
    const off = store.subscribe({ run, metric: 'loss' }, () => {});
    try {
      const s = () => store.series({ run, metric: 'loss' })!;
      await waitFor(() => s().status !== 'loading', 'the series to load');
      assert.equal(s().status, 'empty');
      assert.equal(s().length, 0);
      assert.equal(s().beyond, 5, 'five rows at step 2^64 − 1');
    } finally {
      off();
    }
  });
});

// ---------------------------------------------------------------- ranks

/** Rank r's value at step s: distinct per rank, so an arbitrary rank's value is never the mean. */
const rankValue = (step: number, rank: number) => ((step * 7 + rank * 13) % 23) + rank * 10 - 5;
const RANKS = 4;
const NAN_AT = 37; // rank 2 writes NaN here: the step's mean is NaN (drawn as a marker)
const INF_AT = 120; // rank 1 writes +Inf here: the mean is +Inf

interface Expected {
  steps: number[];
  times: number[];
  values: number[];
}

function rankRows(run: string, steps: number[]): Row[] {
  return steps.flatMap((step) =>
    range(0, RANKS - 1).map((rank) => ({
      run,
      rank,
      step,
      value: step === NAN_AT && rank === 2 ? NaN : step === INF_AT && rank === 1 ? Infinity : rankValue(step, rank),
      time: timeOf(step, rank),
    })),
  );
}

/** The mean over ranks at each step and the newest rank's time, computed here. */
function means(rows: Row[]): Expected {
  const by = new Map<number, Row[]>();
  for (const r of rows) by.set(Number(r.step), [...(by.get(Number(r.step)) ?? []), r]);
  const steps = [...by.keys()].sort((a, b) => a - b);
  return {
    steps,
    times: steps.map((s) => Math.max(...by.get(s)!.map((r) => r.time))),
    values: steps.map((s) => by.get(s)!.reduce((sum, r) => sum + r.value, 0) / by.get(s)!.length),
  };
}

/** M4 of the means, per column of `w` steps from the first: first, last, lowest and highest finite, first non-finite. */
function m4(points: Expected, w: number): Expected {
  const first = points.steps[0];
  const keep = new Set<number>();
  const columns = new Map<number, number[]>();
  points.steps.forEach((s, i) => {
    const b = Math.floor((s - first) / w);
    columns.set(b, [...(columns.get(b) ?? []), i]);
  });
  for (const idx of columns.values()) {
    keep.add(idx[0]);
    keep.add(idx[idx.length - 1]);
    const finite = idx.filter((i) => Number.isFinite(points.values[i]));
    if (finite.length) {
      keep.add(finite.reduce((a, i) => (points.values[i] < points.values[a] ? i : a)));
      keep.add(finite.reduce((a, i) => (points.values[i] > points.values[a] ? i : a)));
    }
    const odd = idx.find((i) => !Number.isFinite(points.values[i]));
    if (odd !== undefined) keep.add(odd);
  }
  const order = [...keep].sort((a, b) => a - b);
  return { steps: order.map((i) => points.steps[i]), times: order.map((i) => points.times[i]), values: order.map((i) => points.values[i]) };
}

function sameValues(actual: ArrayLike<number>, expected: number[], what: string) {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e)) assert.ok(Number.isNaN(a), `${what}[${i}]: NaN expected, got ${a}`);
    else assert.ok(a === e || Math.abs(a - e) <= 1e-12 * Math.max(1, Math.abs(e)), `${what}[${i}]: ${e} expected, got ${a}`);
  }
}

function sameChunk(actual: SeriesChunk, expected: Expected, what: string) {
  same(actual.steps, expected.steps, `${what} steps`);
  same(actual.times, expected.times, `${what} times`);
  sameValues(actual.values, expected.values, `${what} values`);
}

describe('several ranks at one step', () => {
  let run: string;
  let expected: Expected;
  before(async () => {
    run = uniqueRun('ranks');
    const rows = rankRows(run, range(0, 199));
    await insert(rows);
    expected = means(rows);
    // The test's own check that the data can tell a mean from a rank's value.
    assert.ok(expected.values.some((v, i) => Number.isFinite(v) && range(0, RANKS - 1).every((r) => rankValue(expected.steps[i], r) !== v)));
    assert.ok(Number.isNaN(expected.values[NAN_AT]) && expected.values[INF_AT] === Infinity);
  });

  it('the first view and the tail give exactly the per-step means (NaN where a rank wrote NaN, +Inf where one wrote +Inf)', async () => {
    const result = await source.fetch(plan({ views: [whole(run)], tails: [fromStart(run)] }), AbortSignal.timeout(20_000));
    const view = result.views[0];
    sameChunk(view, expected, 'view');
    assert.equal(view.total, 200, 'the view stands for 200 steps, not 800 rows');
    assert.equal(view.bucketSteps, 1);
    assert.equal(view.lastStep, 199);
    sameChunk(result.tails.get(`${run}\u0000loss`)!, expected, 'tail');
  });

  it('a reduced view keeps M4 of the means: per 10-step column first, last, lowest, highest and the first NaN/Inf', async () => {
    const result = await source.fetch(plan({ views: [whole(run, 20)] }), AbortSignal.timeout(20_000));
    const view = result.views[0];
    assert.equal(view.bucketSteps, 10);
    assert.equal(view.total, 200);
    sameChunk(view, m4(expected, 10), 'reduced view');
  });

  it('a zoomed range, and a series where only some steps have several rows, read means too', async () => {
    const mixed = uniqueRun('mixed');
    const rows = [...stepRows(mixed, range(0, 59)), ...rankRows(mixed, [20, 21, 40]).filter((r) => r.rank !== 0)];
    await insert(rows);
    const result = await source.fetch(plan({ views: [whole(mixed), { run, metric: 'loss', fromStep: 30, toStep: 45, columns: 100 }] }), AbortSignal.timeout(20_000));
    sameChunk(result.views[0], means(rows), 'mixed view');
    assert.equal(result.views[0].total, 60);
    const zoom = means(rankRows(run, range(30, 45)));
    sameChunk(result.views[1], zoom, 'zoomed view');
  });

  it('the store draws the means from its first load on, and keeps them as the tail continues', async () => {
    const store = new TelemetryStore(source, { pollInterval: 250 });
    const off = store.subscribe({ run, metric: 'loss' }, () => {});
    try {
      const s = () => store.series({ run, metric: 'loss' })!;
      await waitFor(() => s().status === 'ready', 'the first view');
      sameChunk(s(), expected, 'first load');
      const more = rankRows(run, range(200, 209));
      await insert(more);
      await waitFor(() => s().watermark === 209, 'the tail');
      sameChunk(s(), means([...rankRows(run, range(0, 209))]), 'after the tail');
    } finally {
      off();
    }
  });
});

// ---------------------------------------------------------------- the relay

describe('through the relay', () => {
  let relay: RelayServer;
  let careless: string;
  let neighbour: string;
  before(async () => {
    relay = await startRelay({ clickhouseUrl: ch.url, port: 0, pollInterval: 250 });
    careless = uniqueRun('relay-beyond');
    neighbour = uniqueRun('relay-ranks');
    await insert([...stepRows(careless, range(0, 99)), { run: careless, step: UINT64_MAX, value: 1, time: timeOf(100) }, { run: careless, step: TWO_53 + 1n, value: 1, time: timeOf(101) }]);
    await insert(rankRows(neighbour, range(0, 49)));
  });
  after(async () => {
    await relay.close();
  });

  const metrics = async (run: string, query = '') => {
    const response = await fetch(`${relay.url}/metrics/${encodeURIComponent(run)}?metric=loss${query}`);
    return { status: response.status, body: (await response.json()) as { metrics: Array<MetricsAnswer & { beyond?: number }>; error?: string } };
  };

  it('GET /metrics answers steps 0..99 with beyond 2, and per-step means for ranks', async () => {
    const a = await metrics(careless);
    assert.equal(a.status, 200, a.body.error);
    same(a.body.metrics[0].rows.map((r) => r[0]), range(0, 99), 'steps');
    assert.equal(a.body.metrics[0].beyond, 2);
    const bounded = await metrics(careless, '&to=9007199254740991');
    assert.equal(bounded.status, 200);
    assert.equal(bounded.body.metrics[0].beyond, 0, 'a bounded range counts nothing past it');
    const tooFar = await metrics(careless, '&to=9007199254740992');
    assert.equal(tooFar.status, 400);
    assert.match(tooFar.body.error ?? '', /to must be a whole number from 0 to 9007199254740991/);
    const ranks = await metrics(neighbour);
    const expected = means(rankRows(neighbour, range(0, 49)));
    same(ranks.body.metrics[0].rows.map((r) => r[0]), expected.steps, 'rank steps');
    sameValues(ranks.body.metrics[0].rows.map((r) => Number(r[2])), expected.values, 'rank means');
  });

  it('a stream of both series: snapshots of 0..99 (beyond 2) and of the means, never a stale status', async () => {
    const sub = { series: [{ run: careless, metric: 'loss' }, { run: neighbour, metric: 'loss' }] };
    const client = new SseClient(`${relay.url}/stream?sub=${encodeURIComponent(JSON.stringify(sub))}`);
    try {
      await client.opened;
      assert.equal(client.status, 200, client.errorBody);
      await waitFor(() => client.events.some((e) => e.event === 'ready'), 'the ready event');
      const snapshots = client.data<SnapshotEvent & { beyond?: number }>('snapshot');
      const a = snapshots.find((e) => e.key === seriesKey({ run: careless, metric: 'loss' }))!;
      same(a.steps, range(0, 99), 'careless snapshot');
      assert.equal(a.beyond, 2);
      const b = snapshots.find((e) => e.key === seriesKey({ run: neighbour, metric: 'loss' }))!;
      const expected = means(rankRows(neighbour, range(0, 49)));
      same(b.steps, expected.steps, 'ranks snapshot');
      sameValues(b.values.map(Number), expected.values, 'ranks snapshot values');
      assert.equal(b.beyond, undefined, 'sent only when there are any');
      assert.ok(client.data<StatusEvent>('status').every((s) => !s.stale), 'no poll failed');
      // Held by the relay now: /metrics answers from memory, with the same count.
      const held = await metrics(careless);
      same(held.body.metrics[0].rows.map((r) => r[0]), range(0, 99), 'steps from memory');
      assert.equal(held.body.metrics[0].beyond, 2);
    } finally {
      client.close();
    }
  });
});

describe('the point budget holds from the first load', () => {
  it('a first view for a 2,000-column chart is no larger than a 500-point budget', async () => {
    const run = uniqueRun('budget');
    // A noisy series, so every column has four distinct M4 points and raw points would not fit.
    const steps = range(0, 19_999);
    await insert(steps.map((step) => ({ run, step, value: Math.sin(step * 1.7) * (step % 7), time: timeOf(step) })));
    const store = new TelemetryStore(source, { pollInterval: 250, pointBudget: 500 });
    const off = store.subscribe({ run, metric: 'loss' }, () => {}, { columns: 2000 });
    try {
      const s = () => store.series({ run, metric: 'loss' })!;
      await waitFor(() => s().status === 'ready', 'the first view');
      assert.ok(s().length <= 500, `${s().length} points held with a budget of 500`);
      assert.ok(s().length >= 200, `${s().length} points: the view still uses the budget`);
      assert.equal(s().steps[0], 0);
      assert.equal(s().lastStep, 19_999);
    } finally {
      off();
    }
  });
});
