/**
 * The store when part of a poll cannot be served: the browser's own code
 * (TelemetryStore + RelaySource) in Node, against a real relay over the
 * embedded ClickHouse. A series or row query the relay refuses is an error of
 * that subscription alone; its neighbours on the same store keep their data
 * and the store stays healthy. Also: poll intervals past what a timer can
 * hold are clamped, and a relay that says it is back wakes a failing store
 * before its backoff ends.
 *
 * Expectations are values this file inserted; assertions are on states,
 * data and counts, never on speed.
 */
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from './pass-through.js';
import { createClient, type ClickHouseClient } from '@clickhouse/client-web';
import { startClickHouseServer, type EmbeddedClickHouse } from '../../src/server/clickhouse-server.js';
import { startRelay, type RelayOptions, type RelayServer } from '../../src/server/relay/relay-server.js';
import { RelaySource } from '../../src/sources/relay-source.js';
import { TelemetryStore, type RowsResult, type StoreHealth } from '../../src/store/store.js';
import type { SeriesBuffer } from '../../src/store/series.js';
import type { RowQuery } from '../../src/sources/source.js';
import { bigNumberQuery } from '../../src/elements/big-number/big-number.queries.js';
import { MAX_POLL_INTERVAL } from '../../src/internal/invalid.js';

const TABLE = 'training_observability.metric_points';
const BASE_TIME = Date.UTC(2026, 0, 1);

let ch: EmbeddedClickHouse;
let writer: ClickHouseClient;
const cleanups: Array<() => unknown> = [];

let counter = 0;
const uniqueRun = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++counter}`;
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const valueAt = (step: number) => Math.round((Math.cos(step * 0.9) * 100 + step) * 1000) / 1000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function insertSteps(run: string, metric: string, steps: number[]) {
  await writer.insert({
    table: TABLE,
    format: 'JSONEachRow',
    values: steps.map((step) => ({ run_id: run, metric, step, value: valueAt(step), event_time: new Date(BASE_TIME + step * 1000).toISOString().replace('T', ' ').replace('Z', '') })),
  });
}

async function waitFor<T>(probe: () => T | undefined | false | null, what: string, timeout = 10_000): Promise<T> {
  const started = performance.now();
  for (;;) {
    const value = probe();
    if (value) return value;
    if (performance.now() - started > timeout) throw new Error(`Timed out after ${timeout} ms waiting for ${what}`);
    await sleep(20);
  }
}

async function relayWith(options: Partial<RelayOptions> = {}): Promise<RelayServer> {
  const relay = await startRelay({ clickhouseUrl: ch.url, port: 0, pollInterval: 250, ...options });
  cleanups.push(() => relay.close());
  return relay;
}

/** A page's store on a relay, with every poll's health recorded. */
function storeOn(relay: RelayServer, pollInterval: number) {
  const polls: StoreHealth[] = [];
  const source = new RelaySource({ url: `relay+${relay.url}` });
  const store = new TelemetryStore(source, { pollInterval, onPoll: (health) => polls.push({ ...health }) });
  const unsubscribes: Array<() => void> = [];
  cleanups.push(() => unsubscribes.forEach((fn) => fn()));
  return {
    store,
    source,
    polls,
    series(run: string, metric: string) {
      let latest: SeriesBuffer | undefined;
      unsubscribes.push(store.subscribe({ run, metric }, (buffer) => (latest = buffer)));
      return () => latest;
    },
    rows(query: RowQuery) {
      let latest: RowsResult | undefined;
      unsubscribes.push(store.subscribeRows(query, (result) => (latest = { ...result })));
      return () => latest;
    },
  };
}

const pairs = (buffer: SeriesBuffer | undefined): Array<[number, number]> => (buffer ? Array.from(buffer.steps, (s, i): [number, number] => [s, buffer.values[i]]) : []);
const expected = (steps: number[]) => steps.map((s): [number, number] => [s, valueAt(s)]);
const same = (a: Array<[number, number]>, b: Array<[number, number]>) => a.length === b.length && a.every((p, i) => p[0] === b[i][0] && p[1] === b[i][1]);


before(async () => {
  ch = await startClickHouseServer({ port: 0 });
  writer = createClient({ url: ch.url, username: 'default', password: '', keep_alive: { enabled: false } });
});

afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

after(async () => {
  await writer?.close();
  await ch?.close();
});

describe('store: one entry the source cannot serve', () => {
  it('is that entry’s error only: its neighbours on the same store keep drawing exactly their points, and the store stays healthy', { timeout: 30_000 }, async () => {
    const run = uniqueRun('partial');
    await insertSteps(run, 'loss', range(0, 9));
    await insertSteps(run, 'acc', range(0, 4));
    // Holds one series: the second one gets the relay's `problem` event.
    const relay = await relayWith({ maxSeries: 1 });
    const page = storeOn(relay, 300);
    const good = page.series(run, 'loss');
    const overCap = page.series(run, 'acc');
    // Refused by the source itself before it reaches the relay.
    const tooLong = page.series('r'.repeat(5000), 'loss');
    const goodRows = page.rows(bigNumberQuery([run], 'loss', 0, 'last'));
    const unknownKind = page.rows({ kind: 'no-such-kind', sql: 'SELECT 1', params: { run } });
    const label = `trainwatch relay at ${relay.url}`;

    await waitFor(() => good()?.status === 'ready' && overCap()?.status === 'error' && tooLong()?.status === 'error' && goodRows()?.status === 'ready' && unknownKind()?.status === 'error', 'every entry answered', 15_000);
    assert.deepEqual(pairs(good()), expected(range(0, 9)));
    assert.equal(good()!.error, undefined);
    assert.equal(overCap()!.error, `${label}: The relay already holds 1 series, its limit; try again later.`);
    assert.equal(overCap()!.length, 0, 'nothing drawn for the refused series');
    assert.equal(tooLong()!.error, `${label}: A relay takes runs and metrics of at most 4096 characters.`);
    const [row] = goodRows()!.rows as Array<{ run: string; last_step: unknown }>;
    assert.equal(goodRows()!.rows.length, 1);
    assert.equal(row.run, run);
    assert.equal(Number(row.last_step), 9);
    assert.match(unknownKind()!.error!, new RegExp(`^${label.replace(/[.]/g, '\\.')}: This relay does not know the query "no-such-kind"`));
    // A per-entry problem is no outage: no failed poll, no backoff.
    assert.equal(page.store.health.failures, 0);
    assert.equal(page.store.health.lastError, undefined);
    assert.ok(page.polls.length > 0 && page.polls.every((h) => h.failures === 0), 'no poll counted as failed');

    // The good series follows new points; asking again for the refused ones does not make the store poll in a loop.
    const pollsBefore = page.polls.length;
    await sleep(1500);
    const quietPolls = page.polls.length - pollsBefore;
    assert.ok(quietPolls <= Math.ceil(1500 / 300) + 3, `${quietPolls} polls in 1.5 s at a 300 ms interval`);
    await insertSteps(run, 'loss', range(10, 14));
    await waitFor(() => same(pairs(good()), expected(range(0, 14))), 'steps 10..14 on the good series', 10_000);
    assert.equal(good()!.status, 'ready');
    assert.equal(overCap()!.status, 'error');
    assert.equal(tooLong()!.status, 'error');
    assert.equal(unknownKind()!.status, 'error');
    assert.equal(page.store.health.failures, 0);
  });
});

describe('store: poll intervals a timer cannot hold', () => {
  it('clamps pollInterval and maxBackoff to a day, and a store set to 3e9 ms does not poll in a loop', { timeout: 20_000 }, async () => {
    const unused = new RelaySource({ url: 'relay+http://127.0.0.1:9' });
    const huge = new TelemetryStore(unused, { pollInterval: 3e9 });
    assert.equal(huge.pollInterval, MAX_POLL_INTERVAL);
    assert.equal(new TelemetryStore(unused, { pollInterval: Infinity }).pollInterval, MAX_POLL_INTERVAL);
    assert.equal(new TelemetryStore(unused, { pollInterval: NaN }).pollInterval, 2000);
    assert.equal(new TelemetryStore(unused, { pollInterval: 10 }).pollInterval, 250);
    // Backoffs are drawn from the upper half of the ceiling: a day at most, however many failures.
    const backedOff = new TelemetryStore(unused, { pollInterval: 1000, maxBackoff: 1e12 });
    for (const failures of [1, 10, 30, 60, 1000]) {
      for (let i = 0; i < 50; i++) assert.ok(backedOff.backoff(failures) <= MAX_POLL_INTERVAL && huge.backoff(failures) <= MAX_POLL_INTERVAL);
    }
    assert.ok(backedOff.backoff(60) >= MAX_POLL_INTERVAL / 2);

    // Through a relay: one answer, then the next poll a day away (a 3e9 ms timer would fire at once, again and again).
    const run = uniqueRun('day');
    await insertSteps(run, 'loss', range(0, 2));
    const relay = await relayWith();
    const polls: StoreHealth[] = [];
    const store = new TelemetryStore(new RelaySource({ url: `relay+${relay.url}` }), { pollInterval: 3e9, onPoll: (h) => polls.push({ ...h }) });
    let latest: SeriesBuffer | undefined;
    cleanups.push(store.subscribe({ run, metric: 'loss' }, (b) => (latest = b)));
    await waitFor(() => latest?.status === 'ready', 'the first view');
    assert.deepEqual(pairs(latest), expected(range(0, 2)));
    await sleep(1000);
    // The first poll, and at most one more for the relay's wake-ups (its `ready` event).
    assert.ok(polls.length <= 3, `${polls.length} polls in a second`);
    const due = store.health.nextPollAt - Date.now();
    assert.ok(due > MAX_POLL_INTERVAL - 60_000 && due <= MAX_POLL_INTERVAL, `next poll in ${due} ms`);
  });
});

describe('store: a source that says it is back', () => {
  it('wakes a failing store at once, not after its backoff, with no gap and no duplicate', { timeout: 40_000 }, async (t) => {
    const proxy = new PassThrough(ch.port);
    await proxy.up();
    cleanups.push(() => proxy.down());
    const run = uniqueRun('wake');
    await insertSteps(run, 'loss', range(0, 9));
    const relay = await relayWith({ clickhouseUrl: proxy.url });
    // A minute between polls: after a failure the store waits 30 s at least before its own retry.
    const page = storeOn(relay, 60_000);
    const series = page.series(run, 'loss');
    await waitFor(() => same(pairs(series()), expected(range(0, 9))), 'the first 10 points');

    await proxy.down();
    await waitFor(() => page.store.health.failures > 0 && /does not answer/.test(series()?.error ?? ''), 'the store failing with the relay’s reason', 15_000);
    const retryDue = page.store.health.nextPollAt;
    assert.ok(retryDue - Date.now() > 20_000, `the backoff ends in ${retryDue - Date.now()} ms`);
    assert.deepEqual(pairs(series()), expected(range(0, 9)), 'kept while failing');

    await insertSteps(run, 'loss', range(10, 14));
    await proxy.up();
    const backAt = Date.now();
    // Only the relay's push can bring this before the backoff ends (the wait is well inside it).
    await waitFor(() => same(pairs(series()), expected(range(0, 14))) && !series()?.error && page.store.health.failures === 0, 'recovery before the backoff ends', 20_000);
    t.diagnostic(`recovered ${Date.now() - backAt} ms after ClickHouse came back; the store’s own retry was due in ${Math.round(retryDue - backAt)} ms`);
    assert.ok(page.store.health.lastSuccessAt < retryDue);
    assert.equal(series()!.status, 'ready');
  });

  it('a page opened while the relay’s ClickHouse is away loads once it is back (the snapshot is kept until applied)', { timeout: 40_000 }, async () => {
    const proxy = new PassThrough(ch.port);
    await proxy.up();
    cleanups.push(() => proxy.down());
    const run = uniqueRun('late-page');
    await insertSteps(run, 'loss', range(0, 9));
    const relay = await relayWith({ clickhouseUrl: proxy.url });
    const first = storeOn(relay, 300);
    const held = first.series(run, 'loss');
    await waitFor(() => same(pairs(held()), expected(range(0, 9))), 'the first page loaded');

    await proxy.down();
    await waitFor(() => relay.hub.health.failures > 0, 'the relay noticing its ClickHouse is away', 15_000);
    // A second page now gets the relay's cached snapshot with a stale status: its poll fails.
    const late = storeOn(relay, 300);
    const series = late.series(run, 'loss');
    await waitFor(() => late.store.health.failures > 0, 'the late page’s poll failing with the relay’s reason', 15_000);

    await insertSteps(run, 'loss', range(10, 12));
    await proxy.up();
    // The relay never sends that snapshot again; the page must still have it.
    await waitFor(() => same(pairs(series()), expected(range(0, 12))) && late.store.health.failures === 0, 'the late page loaded, with the new points', 12_000);
  });

  it('a relay that is down does not make a failing store poll at each reconnect attempt', { timeout: 40_000 }, async () => {
    const run = uniqueRun('down');
    await insertSteps(run, 'loss', range(0, 4));
    const relay = await relayWith();
    const page = storeOn(relay, 60_000);
    const series = page.series(run, 'loss');
    await waitFor(() => same(pairs(series()), expected(range(0, 4))), 'the first 5 points');
    await relay.close();
    // Counted from here: a poll the relay answered while it was closing is no reconnect attempt.
    const pollsBefore = page.polls.length;
    const attempts = () => (page.source as unknown as { failures: number }).failures;
    // Reconnects come within 0.5, 1, 2, 4 s (full jitter): four failed attempts within 7.5 s.
    await waitFor(() => attempts() >= 4, 'four failed reconnect attempts', 15_000);
    const polls = page.polls.slice(pollsBefore);
    assert.ok(polls.length <= 2, `${polls.length} polls during ${attempts()} reconnect attempts`);
    assert.ok(polls.every((h) => h.failures > 0));
    assert.equal(series()!.status, 'error');
    assert.deepEqual(pairs(series()), expected(range(0, 4)), 'kept while the relay is down');
  });
});
