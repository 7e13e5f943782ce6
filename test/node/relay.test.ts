/**
 * The trainwatch relay end to end: a real relay (startRelay) over the
 * embedded ClickHouse, read by real SSE clients over node:http and by fetch.
 *
 * Every expectation is a value this file inserted (steps, values, times,
 * checkpoint sizes), never one computed by the code under test. chDB allows
 * one engine per process, so the file starts exactly one embedded ClickHouse;
 * the ClickHouse outage test puts a TCP pass-through proxy in front of it and
 * takes the proxy down and up again.
 */
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from './pass-through.js';
import { createClient, type ClickHouseClient } from '@clickhouse/client-web';
import { startClickHouseServer, type EmbeddedClickHouse } from '../../src/server/clickhouse-server.js';
import { startRelay, type RelayOptions, type RelayServer } from '../../src/server/relay/relay-server.js';
import { SseClient } from '../../src/server/relay/sse-client.js';
import { rowsKey, seriesKey, type PointsEvent, type ProblemEvent, type RowsEvent, type SnapshotEvent, type StatusEvent, type Subscription } from '../../src/relay/protocol.js';

const TABLE = 'training_observability.metric_points';
const BASE_TIME = Date.UTC(2026, 0, 1);
const POLL = 250;
const STALL = 1000;

let ch: EmbeddedClickHouse;
let writer: ClickHouseClient;

// ---------------------------------------------------------------- helpers

let counter = 0;
/** A run id no other test uses. */
function uniqueRun(prefix = 'relay'): string {
  counter++;
  return `${prefix}-${Date.now().toString(36)}-${counter}-${Math.random().toString(36).slice(2, 7)}`;
}

interface Point {
  step: number;
  value: number;
  /** epoch ms; default: 1 s per step from 2026-01-01. */
  time?: number;
}

const timeOf = (p: Point) => p.time ?? BASE_TIME + p.step * 1000;
const clickhouseTime = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
/** How a value travels on the wire (NaN and ±Infinity as strings). */
const wire = (v: number): number | string => (Number.isFinite(v) ? v : String(v));

async function insertPoints(run: string, metric: string, points: Point[], extra: Record<string, unknown> = {}) {
  await writer.insert({
    table: TABLE,
    format: 'JSONEachRow',
    values: points.map((p) => ({
      run_id: run,
      metric,
      step: p.step,
      // JSON has no NaN/Inf; ClickHouse reads them from strings.
      value: Number.isFinite(p.value) ? p.value : String(p.value).replace('Infinity', 'inf').toLowerCase(),
      event_time: clickhouseTime(timeOf(p)),
      ...extra,
    })),
  });
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
/** A deterministic, irregular value per step (finite), so a shifted or swapped point shows. */
const valueAt = (step: number) => Math.round((Math.sin(step * 1.7) * 1000 + step) * 1000) / 1000;
const pointsFor = (steps: number[], value: (s: number) => number = valueAt): Point[] => steps.map((step) => ({ step, value: value(step) }));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor<T>(probe: () => T | undefined | false | null, what: string, timeout = 8000): Promise<T> {
  const started = performance.now();
  for (;;) {
    const value = probe();
    if (value) return value;
    if (performance.now() - started > timeout) throw new Error(`Timed out after ${timeout} ms waiting for ${what}`);
    await sleep(20);
  }
}

/** Relays and clients opened by the running test; closed after it, pass or fail. */
const openRelays = new Set<RelayServer>();
const openClients = new Set<SseClient>();

async function relayWith(options: Partial<RelayOptions> = {}): Promise<RelayServer> {
  const relay = await startRelay({ clickhouseUrl: ch.url, port: 0, pollInterval: POLL, stallTimeout: STALL, ...options });
  openRelays.add(relay);
  return relay;
}

async function cleanup() {
  for (const client of openClients) client.close();
  openClients.clear();
  for (const relay of openRelays) await relay.close();
  openRelays.clear();
}

const streamUrl = (relay: RelayServer, sub: Subscription) => `${relay.url}/stream?sub=${encodeURIComponent(JSON.stringify(sub))}`;

async function open(url: string, headers?: Record<string, string>): Promise<SseClient> {
  const client = new SseClient(url, { headers });
  openClients.add(client);
  await client.opened;
  return client;
}

/** Opens a stream and waits for its `ready` event. */
async function openReady(relay: RelayServer, sub: Subscription, headers?: Record<string, string>): Promise<SseClient> {
  const client = await open(streamUrl(relay, sub), headers);
  assert.equal(client.status, 200, client.errorBody);
  await waitFor(() => client.events.some((e) => e.event === 'ready'), 'the ready event');
  return client;
}

interface WirePoint {
  step: number;
  time: number;
  value: number | string;
}

const snapshotsOf = (client: SseClient, key: string) => client.data<SnapshotEvent>('snapshot').filter((e) => e.key === key);
const pointEventsOf = (client: SseClient, key: string) => client.data<PointsEvent>('points').filter((e) => e.key === key);

function wirePoints(event: { steps: number[]; times: number[]; values: Array<number | string> }): WirePoint[] {
  assert.equal(event.times.length, event.steps.length);
  assert.equal(event.values.length, event.steps.length);
  return event.steps.map((step, i) => ({ step, time: event.times[i], value: event.values[i] }));
}

/** Every point a client received for a series, snapshots and deltas, in arrival order. */
function received(client: SseClient, key: string): WirePoint[] {
  const out: WirePoint[] = [];
  for (const e of client.events) {
    if (e.event !== 'snapshot' && e.event !== 'points') continue;
    const data = JSON.parse(e.data) as PointsEvent;
    if (data.key === key) out.push(...wirePoints(data));
  }
  return out;
}

const stepsOf = (points: WirePoint[]) => points.map((p) => p.step);
const hasStep = (client: SseClient, key: string, step: number) => received(client, key).some((p) => p.step === step);

/** What a viewer must end up with: the inserted points of these steps, in step order, each once. */
function expected(points: Point[]): WirePoint[] {
  return [...points].sort((a, b) => a.step - b.step).map((p) => ({ step: p.step, time: timeOf(p), value: wire(p.value) }));
}

function parseId(id: string): { epoch: string; seq: number } {
  const match = /^([0-9a-z]+)-(\d+)$/.exec(id);
  assert.ok(match, `event id "${id}" is not <epoch>-<seq>`);
  return { epoch: match[1], seq: Number(match[2]) };
}

/**
 * The ids of a client's events that carry one: one epoch, strictly increasing
 * (a `ready` may repeat the id of the event just before it: it says "sent up
 * to here"; every later event is newer).
 */
function assertIdsIncrease(client: SseClient): number[] {
  const carrying = client.events.filter((e) => e.id !== undefined);
  assert.ok(carrying.length > 0, 'no event carried an id');
  const ids = carrying.map((e) => ({ event: e.event, ...parseId(e.id!) }));
  assert.equal(new Set(ids.map((i) => i.epoch)).size, 1, 'one epoch');
  const seqs = ids.map((i) => i.seq);
  const shown = () => ids.map((i) => `${i.event}:${i.seq}`).join(', ');
  for (let i = 1; i < ids.length; i++) {
    const ok = ids[i].event === 'ready' ? seqs[i] >= seqs[i - 1] : seqs[i] > seqs[i - 1];
    assert.ok(ok, `event ids must increase: ${shown()}`);
  }
  return seqs;
}

async function getJson(url: string, init?: RequestInit): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(url, init);
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: kept as text for the assertion message
  }
  return { status: response.status, body, headers: response.headers };
}

function assertJsonError(reply: { status: number; body: any; headers: Headers }, status: number, message?: RegExp) {
  assert.equal(reply.status, status, JSON.stringify(reply.body));
  assert.match(reply.headers.get('content-type') ?? '', /^application\/json/);
  assert.equal(reply.body.status, status);
  assert.equal(typeof reply.body.error, 'string');
  if (message) assert.match(reply.body.error, message);
}


// ---------------------------------------------------------------- lifecycle

before(async () => {
  ch = await startClickHouseServer({ port: 0 });
  writer = createClient({ url: ch.url, username: 'default', password: '', keep_alive: { enabled: false } });
});

after(async () => {
  await cleanup();
  await writer?.close();
  await ch?.close();
});

afterEach(cleanup);

// ---------------------------------------------------------------- tests

describe('relay stream: snapshot, then deltas', () => {
  it('delivers exactly the inserted rows: a snapshot of steps 0..99, then points events for 100..149, ids increasing', { timeout: 20_000 }, async () => {
    const run = uniqueRun('snap');
    const metric = 'train/loss';
    const key = seriesKey({ run, metric });
    // A NaN and both infinities, in the snapshot and in the deltas: they travel as strings.
    const special = new Map<number, number>([
      [7, NaN],
      [8, Infinity],
      [9, -Infinity],
      [111, NaN],
      [140, -Infinity],
    ]);
    const value = (s: number) => special.get(s) ?? valueAt(s);
    const first = pointsFor(range(0, 99), value);
    await insertPoints(run, metric, first);

    const relay = await relayWith();
    const client = await openReady(relay, { series: [{ run, metric }] });

    const snapshots = snapshotsOf(client, key);
    assert.equal(snapshots.length, 1, 'one snapshot');
    const [snapshot] = snapshots;
    assert.equal(snapshot.total, 100);
    assert.equal(snapshot.bucketSteps, 1, 'raw: fewer than 2 × columns points');
    assert.equal(snapshot.lastStep, 99);
    assert.deepEqual(wirePoints(snapshot), expected(first));
    // The snapshot comes before ready; ready carries an id.
    const order = client.events.map((e) => e.event);
    assert.ok(order.indexOf('snapshot') < order.indexOf('ready'));

    const batches = [range(100, 119), range(120, 134), range(135, 149)];
    const later: Point[] = [];
    for (const steps of batches) {
      const points = pointsFor(steps, value);
      later.push(...points);
      await insertPoints(run, metric, points);
      await waitFor(() => hasStep(client, key, steps.at(-1)!), `step ${steps.at(-1)} as a points event`);
    }
    // Two more polls: nothing may come twice.
    await sleep(3 * POLL);

    const deltas = pointEventsOf(client, key);
    assert.ok(deltas.length >= batches.length, `one points event per batch at least; got ${deltas.length}`);
    for (const d of deltas) assert.ok(d.steps.every((s) => s >= 100), `a points event repeats snapshot steps: ${d.steps.join(',')}`);
    const all = received(client, key);
    assert.deepEqual(stepsOf(all), range(0, 149), 'snapshot ∪ deltas is 0..149, in order, each once');
    assert.deepEqual(all, expected([...first, ...later]));
    assert.deepEqual(
      all.filter((p) => typeof p.value === 'string').map((p) => [p.step, p.value]),
      [
        [7, 'NaN'],
        [8, 'Infinity'],
        [9, '-Infinity'],
        [111, 'NaN'],
        [140, '-Infinity'],
      ],
    );

    const seqs = assertIdsIncrease(client);
    assert.equal(client.events.filter((e) => e.event === 'points' && e.id === undefined).length, 0, 'every points event has an id');
    assert.ok(seqs.length >= 1 + deltas.length);
  });

  it('reduces a snapshot to the columns each viewer asks for, not to the first viewer’s', { timeout: 15_000 }, async () => {
    const run = uniqueRun('cols');
    const metric = 'loss';
    const key = seriesKey({ run, metric });
    const points = pointsFor(range(0, 999));
    await insertPoints(run, metric, points);

    const relay = await relayWith();
    const wide = await openReady(relay, { series: [{ run, metric }] });
    const [full] = snapshotsOf(wide, key);
    assert.equal(full.total, 1000);
    assert.deepEqual(wirePoints(full), expected(points), 'default columns (2000): raw');

    // A narrow chart (16 columns) asks for a reduced snapshot: M4 keeps at most 4 points per column.
    const narrow = await openReady(relay, { series: [{ run, metric, columns: 16 }] });
    const [small] = snapshotsOf(narrow, key);
    assert.equal(small.total, 1000);
    assert.ok(small.steps.length <= 4 * 16, `a 16-column snapshot holds ${small.steps.length} points`);
    assert.ok(small.bucketSteps > 1, `bucketSteps ${small.bucketSteps}`);
    assert.equal(small.steps[0], 0);
    assert.equal(small.steps.at(-1), 999);
  });
});

describe('relay stream: resume with Last-Event-ID', () => {
  it('replays exactly the missed points and sends no snapshot for a series the viewer holds', { timeout: 20_000 }, async () => {
    const run = uniqueRun('resume');
    const metric = 'loss';
    const key = seriesKey({ run, metric });
    const inserted: Point[] = pointsFor(range(0, 49));
    await insertPoints(run, metric, inserted);

    const relay = await relayWith();
    // Another viewer keeps the series live while the first one is away.
    const keeper = await openReady(relay, { series: [{ run, metric }] });
    const first = await openReady(relay, { series: [{ run, metric }] });
    assert.deepEqual(stepsOf(received(first, key)), range(0, 49));

    const more = pointsFor(range(50, 59));
    inserted.push(...more);
    await insertPoints(run, metric, more);
    await waitFor(() => hasStep(first, key, 59), 'step 59 on the first connection');
    const lastEventId = first.lastEventId!;
    assert.ok(lastEventId, 'the first connection saw an id');
    first.close();
    await waitFor(() => relay.hub.viewers.size === 1, 'the relay to drop the closed viewer');

    // Missed while disconnected: two batches, more than two polls apart.
    for (const steps of [range(60, 69), range(70, 79)]) {
      const points = pointsFor(steps);
      inserted.push(...points);
      await insertPoints(run, metric, points);
      await sleep(3 * POLL);
    }
    await waitFor(() => hasStep(keeper, key, 79), 'the relay to poll step 79');

    const second = await openReady(relay, { series: [{ run, metric }], have: [key] }, { 'Last-Event-ID': lastEventId });
    await sleep(2 * POLL);
    assert.equal(snapshotsOf(second, key).length, 0, 'no snapshot for a held series on resume');
    const replayed = received(second, key);
    assert.deepEqual(stepsOf(replayed), range(60, 79), 'the replay covers exactly the missed steps');
    assert.deepEqual([...received(first, key), ...replayed], expected(inserted), 'both connections together: every point once, no gap');
    const resumedSeqs = assertIdsIncrease(second);
    assert.ok(resumedSeqs[0] > parseId(lastEventId).seq, 'replayed ids follow the last id seen');

    // Still live after the replay.
    const live = pointsFor(range(80, 84));
    inserted.push(...live);
    await insertPoints(run, metric, live);
    await waitFor(() => hasStep(second, key, 84), 'step 84 after the resume');
    assert.deepEqual([...received(first, key), ...received(second, key)], expected(inserted));

    // An id of another epoch cannot be replayed: a fresh snapshot of everything.
    const stranger = await openReady(relay, { series: [{ run, metric }], have: [key] }, { 'Last-Event-ID': 'zzz-5' });
    const fresh = snapshotsOf(stranger, key);
    assert.equal(fresh.length, 1, 'a snapshot for an id of another epoch');
    assert.deepEqual(wirePoints(fresh[0]), expected(inserted));
  });

  it('a lone viewer that reconnects resumes too: the relay keeps polling its series for a while (linger)', { timeout: 20_000 }, async () => {
    const run = uniqueRun('lone');
    const metric = 'loss';
    const key = seriesKey({ run, metric });
    const inserted = pointsFor(range(0, 29));
    await insertPoints(run, metric, inserted);

    const relay = await relayWith({ linger: 10_000 });
    const first = await openReady(relay, { series: [{ run, metric }] });
    assert.deepEqual(received(first, key), expected(inserted));
    const lastEventId = first.lastEventId!;
    first.close();
    await waitFor(() => relay.hub.viewers.size === 0, 'the relay to drop the viewer');

    for (const steps of [range(30, 39), range(40, 44)]) {
      const points = pointsFor(steps);
      inserted.push(...points);
      await insertPoints(run, metric, points);
      await sleep(3 * POLL);
    }
    await sleep(2 * POLL);

    const second = await openReady(relay, { series: [{ run, metric }], have: [key] }, { 'Last-Event-ID': lastEventId });
    await sleep(2 * POLL);
    assert.equal(snapshotsOf(second, key).length, 0, 'no snapshot: the relay still held the series');
    assert.deepEqual(stepsOf(received(second, key)), range(30, 44));
    assert.deepEqual([...received(first, key), ...received(second, key)], expected(inserted), 'every point once, no gap');
    assertIdsIncrease(second);
  });
});

describe('relay stream: stalled viewers', () => {
  it('evicts a viewer that stops reading within stallTimeout + margin, and the healthy viewer keeps streaming', { timeout: 30_000 }, async (t) => {
    const run = uniqueRun('stall');
    // Loopback takes ~4 MB into kernel socket buffers of a reader that never reads, so the first burst must
    // be well past that: 5 series × 30,000 raw points (snapshots at 8192 columns keep them all) ≈ 6 MB.
    const SERIES = 7;
    const STEPS = 30_000;
    const metrics = Array.from({ length: SERIES }, (_, i) => `stall/m${i}`);
    // Jumping about (so M4 keeps first, last, min and max of every column), with long decimals: ~40 bytes a point on the wire.
    const valueOf = (step: number) => ((step * 2654435761) % 1000003) + 0.123456789012;
    await writer.command({
      query: `INSERT INTO ${TABLE} (run_id, metric, step, value, event_time)
              SELECT {run:String}, concat('stall/m', toString(number % ${SERIES})), intDiv(number, ${SERIES}),
                     ((intDiv(number, ${SERIES}) * 2654435761) % 1000003) + 0.123456789012, fromUnixTimestamp64Milli(toInt64({base:Int64} + intDiv(number, ${SERIES}) * 1000))
              FROM numbers(${SERIES * STEPS})`,
      query_params: { run, base: BASE_TIME },
    });

    // maxQueueBytes out of reach: only the stall timeout may evict here. A point budget that holds
    // 8192-column first views (five points a column), so the snapshots carry every raw point.
    const relay = await relayWith({ maxQueueBytes: 256 << 20, pointBudget: 50_000 });
    const sub: Subscription = { series: metrics.map((metric) => ({ run, metric, columns: 8192 })) };
    const healthy = await openReady(relay, sub);
    let burst = 0;
    for (const metric of metrics) {
      const [snapshot] = snapshotsOf(healthy, seriesKey({ run, metric }));
      assert.equal(snapshot.total, STEPS);
      assert.equal(snapshot.lastStep, STEPS - 1);
      assert.equal(snapshot.values[123], valueOf(snapshot.steps[123]));
    }
    for (const e of healthy.events) if (e.event === 'snapshot') burst += e.data.length;
    assert.ok(burst > 5_000_000, `the first burst is ${burst} bytes`);
    t.diagnostic(`first burst: ${burst} bytes in ${SERIES} snapshots`);

    const opened = Date.now();
    const paused = await open(streamUrl(relay, sub));
    paused.pause();
    assert.equal(paused.status, 200);

    const evictedAt = await waitFor(() => relay.hub.evicted >= 1 && Date.now(), 'the stalled viewer to be evicted', 8000);
    const took = evictedAt - opened;
    t.diagnostic(`stalled viewer evicted ${took} ms after it opened (stallTimeout ${STALL} ms)`);
    assert.ok(took >= STALL, `evicted after ${took} ms, before stallTimeout`);
    assert.ok(took <= 5000, `evicted after ${took} ms`);
    assert.equal(relay.hub.evicted, 1, 'only the stalled viewer is evicted');
    assert.equal(relay.hub.viewers.size, 1);
    assert.equal(healthy.closed, false);
    const health = await getJson(`${relay.url}/healthz`);
    assert.equal(health.body.evicted, 1);
    assert.equal(health.body.viewers, 1);

    // The relay dropped the connection: once the paused viewer reads again it sees the end, never having got `ready`.
    const ended = paused.whenClosed();
    (paused as unknown as { res?: { resume(): void } }).res?.resume();
    await Promise.race([ended, sleep(5000)]);
    assert.equal(paused.closed, true, 'the evicted connection is closed');
    assert.equal(paused.events.some((e) => e.event === 'ready'), false, 'the evicted viewer never got its whole first burst');

    // The healthy viewer is unaffected and keeps getting points.
    const key = seriesKey({ run, metric: metrics[0] });
    const next = pointsFor(range(STEPS, STEPS + 9));
    await insertPoints(run, metrics[0], next);
    await waitFor(() => hasStep(healthy, key, STEPS + 9), 'points after the eviction on the healthy viewer');
    assert.deepEqual(pointEventsOf(healthy, key).flatMap(wirePoints), expected(next));
    assert.equal(healthy.closed, false);
    assert.equal(relay.hub.evicted, 1);
  });
});

describe('relay stream: ClickHouse outage', () => {
  it('goes stale with a message, keeps the stream open, backs off, and resumes without gap or duplicate', { timeout: 40_000 }, async (t) => {
    const proxy = new PassThrough(ch.port);
    await proxy.up();
    try {
      const run = uniqueRun('outage');
      const metric = 'loss';
      const key = seriesKey({ run, metric });
      const inserted = pointsFor(range(0, 19));
      await insertPoints(run, metric, inserted);

      const relay = await relayWith({ clickhouseUrl: proxy.url });
      const viewer = await openReady(relay, { series: [{ run, metric }] });
      assert.deepEqual(received(viewer, key), expected(inserted));
      const statusBefore = viewer.data<StatusEvent>('status');
      assert.ok(statusBefore.length >= 1 && statusBefore.every((s) => !s.stale), 'not stale before the outage');

      await proxy.down();
      const down = { at: Date.now(), requests: relay.hub.requests, polls: relay.hub.polls };
      const stale = await waitFor(() => viewer.data<StatusEvent>('status').find((s) => s.stale), 'a stale status', 3000);
      assert.equal(typeof stale.error, 'string');
      assert.ok(stale.error!.length > 0, 'the stale status says why');
      assert.equal(stale.pollInterval, POLL);

      // Rows written while the relay cannot reach ClickHouse.
      for (const steps of [range(20, 29), range(30, 39)]) {
        const points = pointsFor(steps);
        inserted.push(...points);
        await insertPoints(run, metric, points);
      }
      const health = await getJson(`${relay.url}/healthz`);
      assert.equal(health.status, 200);
      assert.equal(health.body.status, 'stale');
      assert.equal(typeof health.body.clickhouse.error, 'string');

      await sleep(down.at + 3000 - Date.now());
      const requests = relay.hub.requests - down.requests;
      const polls = relay.hub.polls - down.polls;
      t.diagnostic(`ClickHouse requests in the first 3 s of the outage: ${requests} (${polls} polls); healthy: 12`);
      // Healthy, the relay would ask 3000 / 250 = 12 times in these 3 s; backing off, never more
      // often than that (retries wait one to two poll intervals, so recovery takes at most two).
      assert.ok(requests >= 2, `the relay retried ${requests} times`);
      assert.ok(requests <= 12, `the relay asked ClickHouse ${requests} times (${polls} polls) in a 3 s outage: more than a healthy relay`);
      assert.equal(viewer.closed, false, 'the stream stays open during the outage');
      assert.equal(pointEventsOf(viewer, key).length, 0);

      await proxy.up();
      await waitFor(() => hasStep(viewer, key, 39), 'the rows of the outage after ClickHouse is back', 20_000);
      const statuses = viewer.data<StatusEvent>('status');
      const lastStale = statuses.findLastIndex((s) => s.stale);
      const recovered = statuses.slice(lastStale + 1).find((s) => !s.stale);
      assert.ok(recovered, `a stale: false status after the outage: ${JSON.stringify(statuses)}`);
      assert.equal(typeof recovered.lastSuccessAt, 'number');
      await sleep(2 * POLL);
      assert.deepEqual(received(viewer, key), expected(inserted), 'every point once, none missing');
      assertIdsIncrease(viewer);
      assert.equal(viewer.closed, false);
      assert.equal((await getJson(`${relay.url}/healthz`)).body.status, 'ok');
    } finally {
      await proxy.down();
    }
  });
});

describe('relay stream: fan-in', () => {
  it('20 viewers of one series cost ClickHouse what one viewer costs', { timeout: 20_000 }, async () => {
    const run = uniqueRun('fanin');
    const metric = 'loss';
    const key = seriesKey({ run, metric });
    await insertPoints(run, metric, pointsFor(range(0, 9)));
    const relay = await relayWith();
    const { hub } = relay;

    /** Counters sampled right after a poll ends (the next one starts a poll interval later). */
    const afterNextPoll = async () => {
      const polls = hub.polls;
      await waitFor(() => hub.polls > polls, 'a poll');
      return { polls: hub.polls, requests: hub.requests };
    };
    const measure = async (cycles: number) => {
      const start = await afterNextPoll();
      let end = start;
      while (end.polls - start.polls < cycles) end = await afterNextPoll();
      return { polls: end.polls - start.polls, requests: end.requests - start.requests };
    };

    const viewers = [await openReady(relay, { series: [{ run, metric }] })];
    const one = await measure(4);

    for (let i = 1; i < 20; i++) viewers.push(await open(streamUrl(relay, { series: [{ run, metric }] })));
    await waitFor(() => viewers.every((v) => v.events.some((e) => e.event === 'ready')), 'all 20 viewers ready');
    assert.equal(hub.viewers.size, 20);
    assert.equal(hub.seriesCount, 1);
    const twenty = await measure(4);

    assert.equal(one.requests / one.polls, 1, `one viewer: ${JSON.stringify(one)}`);
    assert.equal(twenty.requests / twenty.polls, one.requests / one.polls, `20 viewers: ${JSON.stringify(twenty)} vs one: ${JSON.stringify(one)}`);

    // And every viewer gets the same delta, with the same id.
    await insertPoints(run, metric, [{ step: 10, value: 42.5 }]);
    await waitFor(() => viewers.every((v) => hasStep(v, key, 10)), 'step 10 on every viewer');
    const ids = new Set(viewers.map((v) => v.events.find((e) => e.event === 'points')!.id));
    assert.equal(ids.size, 1);
    for (const v of viewers) assert.deepEqual(pointEventsOf(v, key).flatMap(wirePoints), [{ step: 10, time: BASE_TIME + 10_000, value: 42.5 }]);
  });
});

describe('relay stream: row queries', () => {
  it('answers the runs query with the inserted run, reports an unknown kind as a problem, and keeps streaming', { timeout: 20_000 }, async () => {
    const run = uniqueRun('rows');
    const metric = 'loss';
    const key = seriesKey({ run, metric });
    // Later than every other run of this file, so it is first in `ORDER BY last_ms DESC`.
    const late = Date.UTC(2031, 0, 1);
    await insertPoints(run, metric, [0, 1, 2].map((step) => ({ step, value: step + 0.5, time: late + step * 1000 })));
    await insertPoints(run, 'run.status', [{ step: 2, value: 1, time: late + 2000 }], { tags_json: '{"status":"running","reason":"warmup"}' });

    const relay = await relayWith();
    const runsQuery = { kind: 'runs', params: { status: 'run.status', limit: 10 } };
    const unknown = { kind: 'no-such-kind', params: { x: 1 } };
    const client = await openReady(relay, { series: [{ run, metric }], rows: [runsQuery, unknown] });

    const rows = client.data<RowsEvent>('rows').filter((e) => e.key === rowsKey(runsQuery));
    assert.equal(rows.length, 1);
    const mine = rows[0].rows.find((r) => r.run === run);
    assert.ok(mine, `the runs rows name ${run}: ${JSON.stringify(rows[0].rows)}`);
    assert.equal(Number(mine.last_step), 2);
    assert.equal(Number(mine.first_ms), late);
    assert.equal(Number(mine.last_ms), late + 2000);
    assert.equal(mine.status, 'running');
    assert.equal(mine.reason, 'warmup');

    const problems = client.data<ProblemEvent>('problem');
    assert.equal(problems.length, 1);
    assert.equal(problems[0].key, rowsKey(unknown));
    assert.match(problems[0].message, /no-such-kind/);

    // Alive: new points and a new answer of the row query still arrive.
    await insertPoints(run, metric, [{ step: 3, value: 3.5, time: late + 3000 }]);
    await waitFor(() => hasStep(client, key, 3), 'step 3 after the problem');
    await waitFor(
      () => client.data<RowsEvent>('rows').some((e) => e.rows.some((r) => r.run === run && Number(r.last_step) === 3)),
      'a new runs answer with last_step 3',
    );
    assert.equal(client.closed, false);
    assert.ok(client.data<StatusEvent>('status').every((s) => !s.stale));
  });

  it('a row query with a missing or ill-typed parameter is that viewer’s problem, not every viewer’s outage', { timeout: 20_000 }, async () => {
    const run = uniqueRun('badparams');
    const metric = 'loss';
    const key = seriesKey({ run, metric });
    await insertPoints(run, metric, pointsFor(range(0, 4)));
    const relay = await relayWith();
    const healthy = await openReady(relay, { series: [{ run, metric }] });

    // `runs` needs {status:String} and {limit:UInt32}.
    const missing = { kind: 'runs', params: { status: 'run.status' } };
    const illTyped = { kind: 'runs', params: { status: 'run.status', limit: 'lots' } };
    const careless = [];
    for (const query of [missing, illTyped]) careless.push({ query, client: await open(streamUrl(relay, { rows: [query] })) });
    await sleep(6 * POLL);

    // The healthy viewer's series must keep flowing and must not be reported stale.
    await insertPoints(run, metric, pointsFor(range(5, 9)));
    await waitFor(() => hasStep(healthy, key, 9), 'steps 5..9 on the healthy viewer', 2500).catch(() => undefined);
    const stale = healthy.data<StatusEvent>('status').filter((s) => s.stale);
    assert.deepEqual(stale, [], 'another viewer’s bad row query made the healthy viewer stale');
    assert.deepEqual(stepsOf(received(healthy, key)), range(0, 9));
    assert.equal((await getJson(`${relay.url}/healthz`)).body.status, 'ok');
    // Each careless viewer is told: refused up front (4xx JSON), or a problem event naming its query.
    for (const { query, client } of careless) {
      if (client.status !== 200) {
        assert.ok(client.status >= 400 && client.status < 500, `status ${client.status}`);
        await client.whenClosed();
        assert.equal(typeof JSON.parse(client.errorBody).error, 'string');
      } else {
        const problems = client.data<ProblemEvent>('problem');
        assert.deepEqual(
          problems.map((p) => p.key),
          [rowsKey(query)],
          `a problem event for ${JSON.stringify(query)}`,
        );
      }
    }
  });
});

describe('relay REST routes', () => {
  let relay: RelayServer;
  const run = uniqueRun('rest');
  const metric = 'eval/acc';
  const other = 'train/loss';
  const points = pointsFor(range(0, 99));
  const longRun = uniqueRun('rest-long');
  const SPIKE = { step: 537, value: 1e6 };
  const longPoints = pointsFor(range(0, 999), (s) => (s === SPIKE.step ? SPIKE.value : valueAt(s)));
  const checkpoints = [
    { step: 100, bytes: 123_456_789, path: '/ckpt/100' },
    { step: 200, bytes: 223_456_789, path: '/ckpt/200' },
  ];

  before(async () => {
    await insertPoints(run, metric, points);
    await insertPoints(run, other, pointsFor(range(0, 9)));
    for (const c of checkpoints) await insertPoints(run, 'checkpoint.saved', [{ step: c.step, value: c.bytes }], { tags_json: JSON.stringify({ path: c.path }) });
    await insertPoints(longRun, metric, longPoints);
  });

  // The describe-level afterEach (file-wide) closes relays after every test; this block opens one per test.
  const start = async () => (relay = await relayWith());

  it('GET /runs lists the run; /runs?run=R lists its metrics', async () => {
    await start();
    const all = await getJson(`${relay.url}/runs`);
    assert.equal(all.status, 200);
    const mine = all.body.runs.find((r: { run_id: string }) => r.run_id === run);
    assert.ok(mine, `${run} in /runs`);
    assert.equal(mine.last_step, 200);
    assert.equal(mine.first_time, BASE_TIME);
    const one = await getJson(`${relay.url}/runs?run=${encodeURIComponent(run)}`);
    assert.equal(one.status, 200);
    assert.deepEqual(one.body, { runs: [{ run_id: run, metrics: ['checkpoint.saved', metric, other].sort() }] });
  });

  it('GET /metrics/R?metric=M&from=10&to=19 returns exactly steps 10..19, from ClickHouse and from the held series', async () => {
    await start();
    const url = `${relay.url}/metrics/${encodeURIComponent(run)}?metric=${encodeURIComponent(metric)}&from=10&to=19`;
    const want = expected(points.slice(10, 20)).map((p) => [p.step, p.time, p.value]);
    const remote = await getJson(url);
    assert.equal(remote.status, 200, JSON.stringify(remote.body));
    assert.equal(remote.body.run, run);
    assert.equal(remote.body.metrics.length, 1);
    const [answer] = remote.body.metrics;
    assert.deepEqual(answer.columns, ['step', 'time', 'value']);
    assert.deepEqual(answer.rows, want);
    assert.equal(answer.total, 10);
    assert.equal(answer.bucketSteps, 1);
    assert.equal(answer.lastStep, 19);

    // While a viewer streams the series the relay answers from what it holds: the same rows.
    await openReady(relay, { series: [{ run, metric }] });
    await sleep(600); // past the REST answer cache
    const held = await getJson(url);
    assert.equal(held.status, 200);
    assert.deepEqual(held.body.metrics[0].rows, want);
    assert.equal(held.body.metrics[0].total, 10);
  });

  it('downsample=5 on 1000 points: fewer rows standing for all 1000, the spike kept', async () => {
    await start();
    const reply = await getJson(`${relay.url}/metrics/${encodeURIComponent(longRun)}?metric=${encodeURIComponent(metric)}&downsample=5`);
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    const [answer] = reply.body.metrics;
    assert.ok(answer.rows.length < 1000 && answer.rows.length <= 5 * 5, `${answer.rows.length} rows`);
    assert.equal(answer.total, 1000);
    assert.ok(answer.bucketSteps > 1, `bucketSteps ${answer.bucketSteps}`);
    assert.equal(answer.lastStep, 999);
    assert.ok(
      answer.rows.some((r: [number, number, number]) => r[0] === SPIKE.step && r[2] === SPIKE.value && r[1] === BASE_TIME + SPIKE.step * 1000),
      'the spike at step 537 survives',
    );
    assert.deepEqual(answer.rows[0], [0, BASE_TIME, valueAt(0)]);
    assert.deepEqual(answer.rows.at(-1), [999, BASE_TIME + 999_000, valueAt(999)]);
  });

  it('errors: unknown run 404, unknown metric 404, bad from 400', async () => {
    await start();
    const ghost = uniqueRun('ghost');
    assertJsonError(await getJson(`${relay.url}/metrics/${encodeURIComponent(ghost)}`), 404, new RegExp(`Run "${ghost}" not found`));
    assertJsonError(await getJson(`${relay.url}/metrics/${encodeURIComponent(run)}?metric=nope`), 404, /nope/);
    assertJsonError(await getJson(`${relay.url}/metrics/${encodeURIComponent(run)}?metric=${encodeURIComponent(metric)}&from=abc`), 400, /from/);
    assertJsonError(await getJson(`${relay.url}/metrics/${encodeURIComponent(run)}?metric=${encodeURIComponent(metric)}&from=20&to=10`), 400, /before/);
  });

  it('GET /checkpoints/R returns the inserted checkpoints; an unknown run is 404', async () => {
    await start();
    const reply = await getJson(`${relay.url}/checkpoints/${encodeURIComponent(run)}`);
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.equal(reply.body.run, run);
    const got = reply.body.checkpoints.map((c: { step: number; size: number; path: string; saved: boolean; time: number }) => [c.step, c.size, c.path, c.saved, c.time]);
    assert.deepEqual(got, [
      [200, 223_456_789, '/ckpt/200', true, BASE_TIME + 200_000],
      [100, 123_456_789, '/ckpt/100', true, BASE_TIME + 100_000],
    ]);
    assert.equal(reply.body.stats.count, 2);
    assert.equal(reply.body.stats.totalBytes, 123_456_789 + 223_456_789);
    assertJsonError(await getJson(`${relay.url}/checkpoints/${encodeURIComponent(uniqueRun('ghost'))}`), 404, /not found/);
  });

  it('healthz, method, path and sub errors', async () => {
    await start();
    const health = await getJson(`${relay.url}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(health.body.status, 'ok');
    assert.equal(health.body.pollInterval, POLL);
    assertJsonError(await getJson(`${relay.url}/runs`, { method: 'POST' }), 405, /POST/);
    assertJsonError(await getJson(`${relay.url}/nowhere`), 404, /\/nowhere/);
    assertJsonError(await getJson(`${relay.url}/stream?sub=${encodeURIComponent('{"series": [')}`), 400, /sub must be JSON/);
    assertJsonError(await getJson(`${relay.url}/stream`), 400, /run=R&metric=M/);
    assertJsonError(await getJson(`${relay.url}/stream?sub=${encodeURIComponent(JSON.stringify({ series: [{ run: 1, metric: 'x' }] }))}`), 400, /series\[0\]/);
  });

  it('a URL longer than 16 KB is refused with 414 and a JSON error', async () => {
    await start();
    const long = `${relay.url}/runs?run=${'a'.repeat(17_000)}`;
    assertJsonError(await getJson(long), 414, /16384/);
  });
});

describe('relay security', () => {
  it('a token guards every route but /healthz', async () => {
    const relay = await relayWith({ token: 's3cret' });
    const run = uniqueRun('sec');
    await insertPoints(run, 'loss', pointsFor(range(0, 2)));
    const stream = streamUrl(relay, { series: [{ run, metric: 'loss' }] });

    assertJsonError(await getJson(`${relay.url}/runs`), 401, /bearer token/);
    assertJsonError(await getJson(`${relay.url}/runs`, { headers: { Authorization: 'Bearer wrong!' } }), 401, /wrong/);
    assertJsonError(await getJson(`${relay.url}/runs`, { headers: { Authorization: 'Bearer s3cre' } }), 401);
    assert.equal((await getJson(`${relay.url}/runs`, { headers: { Authorization: 'Bearer s3cret' } })).status, 200);
    assert.equal((await getJson(`${relay.url}/healthz`)).status, 200);

    const anonymous = await open(stream);
    await anonymous.whenClosed();
    assert.equal(anonymous.status, 401);
    assert.equal(JSON.parse(anonymous.errorBody).status, 401);
    const wrong = await open(stream, { Authorization: 'Bearer nope' });
    await wrong.whenClosed();
    assert.equal(wrong.status, 401);
    const allowed = await openReady(relay, { series: [{ run, metric: 'loss' }] }, { Authorization: 'Bearer s3cret' });
    assert.deepEqual(stepsOf(received(allowed, seriesKey({ run, metric: 'loss' }))), [0, 1, 2]);
  });

  it('CORS: a preflight from an allowed origin is answered, another origin gets no Allow-Origin', async () => {
    const origin = 'https://wiki.example.com';
    const relay = await relayWith({ allowOrigins: [origin], token: 's3cret' });
    const preflight = await fetch(`${relay.url}/stream`, {
      method: 'OPTIONS',
      headers: { Origin: origin, 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'authorization, last-event-id' },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), origin);
    const allowHeaders = (preflight.headers.get('access-control-allow-headers') ?? '').toLowerCase().split(/\s*,\s*/);
    assert.ok(allowHeaders.includes('authorization'), allowHeaders.join());
    assert.ok(allowHeaders.includes('last-event-id'), allowHeaders.join());
    assert.match(preflight.headers.get('access-control-allow-methods') ?? '', /GET/);

    const foreign = await fetch(`${relay.url}/stream`, { method: 'OPTIONS', headers: { Origin: 'https://evil.example.com', 'Access-Control-Request-Method': 'GET' } });
    assert.equal(foreign.headers.get('access-control-allow-origin'), null);
    assert.notEqual(foreign.status, 204);
    // A plain GET from the allowed origin carries the header too (on an error as well).
    const get = await fetch(`${relay.url}/runs`, { headers: { Origin: origin } });
    assert.equal(get.status, 401);
    assert.equal(get.headers.get('access-control-allow-origin'), origin);
    const foreignGet = await fetch(`${relay.url}/healthz`, { headers: { Origin: 'https://evil.example.com' } });
    assert.equal(foreignGet.headers.get('access-control-allow-origin'), null);
  });

  it('maxClients: 2 — the third stream is refused with 503 JSON', async () => {
    const relay = await relayWith({ maxClients: 2 });
    const run = uniqueRun('max');
    await insertPoints(run, 'loss', pointsFor(range(0, 2)));
    const sub = { series: [{ run, metric: 'loss' }] };
    await openReady(relay, sub);
    const second = await openReady(relay, sub);
    const third = await open(streamUrl(relay, sub));
    await third.whenClosed();
    assert.equal(third.status, 503);
    const body = JSON.parse(third.errorBody);
    assert.equal(body.status, 503);
    assert.match(body.error, /2 viewers/);
    // A place frees up when a viewer leaves.
    second.close();
    await waitFor(() => relay.hub.viewers.size === 1, 'the second viewer to leave');
    const fourth = await openReady(relay, sub);
    assert.equal(fourth.status, 200);
  });
});

describe('relay bound parameters', () => {
  it('a run id and metric full of SQL and placeholder syntax round-trip, and the table keeps its rows', { timeout: 15_000 }, async () => {
    const suffix = uniqueRun('inj');
    const run = `x' OR 1=1 -- ${suffix}`;
    const metric = "loss{rank=$1} ${x} {run:String}; DROP TABLE metric_points; '";
    const key = seriesKey({ run, metric });
    // Written with bound parameters too (inline JSON data holding `{run:String}` is not what this test is about).
    await writer.command({
      query: `INSERT INTO ${TABLE} (run_id, metric, step, value, event_time)
              SELECT {run:String}, {metric:String}, number, number + 0.25, fromUnixTimestamp64Milli(toInt64({base:Int64} + number * 1000)) FROM numbers(5)`,
      query_params: { run, metric, base: BASE_TIME },
    });
    const points = pointsFor(range(0, 4), (s) => s + 0.25);
    const relay = await relayWith();

    // A row query whose value is placeholder and SQL text: bound, so it matches nothing and breaks nothing.
    const sneaky = { kind: 'runs', params: { status: "{limit:UInt32}' OR 1=1 --", limit: 1000 } };
    const client = await openReady(relay, { series: [{ run, metric }], rows: [sneaky] });
    assert.deepEqual(received(client, key), expected(points));
    const [answer] = client.data<RowsEvent>('rows').filter((e) => e.key === rowsKey(sneaky));
    assert.ok(answer, 'the row query was answered');
    const mine = answer.rows.find((r) => r.run === run);
    assert.ok(mine, 'the runs answer names the run');
    assert.equal(mine.status, '');
    // ?run=&metric= form too.
    const plain = await open(`${relay.url}/stream?run=${encodeURIComponent(run)}&metric=${encodeURIComponent(metric)}`);
    await waitFor(() => plain.events.some((e) => e.event === 'ready'), 'ready on the plain stream');
    assert.deepEqual(received(plain, key), expected(points));

    const reply = await getJson(`${relay.url}/metrics/${encodeURIComponent(run)}?metric=${encodeURIComponent(metric)}`);
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.equal(reply.body.run, run);
    assert.equal(reply.body.metrics[0].metric, metric);
    assert.deepEqual(reply.body.metrics[0].rows, expected(points).map((p) => [p.step, p.time, p.value]));

    const injection = "x' OR 1=1 --";
    const missing = await getJson(`${relay.url}/metrics/${encodeURIComponent(injection)}`);
    assertJsonError(missing, 404, /not found/);
    assert.ok(missing.body.error.includes(`"${injection}"`), missing.body.error);
    const missingMetric = await getJson(`${relay.url}/metrics/${encodeURIComponent(run)}?metric=${encodeURIComponent('${x} OR 1=1')}`);
    assertJsonError(missingMetric, 404);
    assert.ok(missingMetric.body.error.includes('${x} OR 1=1'), missingMetric.body.error);

    const count = await writer.query({ query: `SELECT count() AS n FROM ${TABLE} WHERE run_id = {run:String} AND metric = {metric:String}`, query_params: { run, metric }, format: 'JSONEachRow' });
    assert.deepEqual(await count.json(), [{ n: '5' }]);
    const exists = await writer.query({ query: `EXISTS TABLE ${TABLE}`, format: 'JSONEachRow' });
    assert.deepEqual(await exists.json(), [{ result: 1 }]);
  });
});

describe('relay lifetime', () => {
  it('a REST request in flight when the relay drops its last series still gets its answer, and later viewers are served', { timeout: 20_000 }, async () => {
    const run = uniqueRun('inflight');
    await insertPoints(run, 'loss', pointsFor(range(0, 4)));
    // A short linger: the relay lets go of the series right after its viewer leaves.
    const relay = await relayWith({ linger: 50 });
    const viewer = await openReady(relay, { series: [{ run, metric: 'loss' }] });

    // Keep the (serial) embedded engine busy for a moment, so the REST query is in flight when the series is dropped.
    const busy = writer.query({ query: 'SELECT sleep(1.5)', format: 'JSONEachRow' }).then((r) => r.json());
    await sleep(100);
    const rest = getJson(`${relay.url}/runs?run=${encodeURIComponent(run)}`);
    await sleep(200);
    viewer.close();
    await waitFor(() => relay.hub.viewers.size === 0 && relay.hub.seriesCount === 0, 'the relay to drop the viewer and its series');
    const reply = await rest;
    await busy;
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.deepEqual(reply.body, { runs: [{ run_id: run, metrics: ['loss'] }] });

    // A viewer after that is served as the first was.
    const again = await openReady(relay, { series: [{ run, metric: 'loss' }] });
    assert.deepEqual(received(again, seriesKey({ run, metric: 'loss' })), expected(pointsFor(range(0, 4))));
  });
});
