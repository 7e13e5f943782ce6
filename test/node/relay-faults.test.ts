/**
 * The relay under faults: ClickHouse down behind it, a relay restart (a new
 * process on the same port), reconnect storms, stalled viewers, and requests
 * that are oversize, malformed or hostile. A real relay over the embedded
 * ClickHouse; viewers are raw SSE clients and, where "recovers on its own" is
 * the point, the browser's own code (RelaySource + TelemetryStore) run in Node.
 *
 * Expectations are values this file inserted. Speeds and memory figures are
 * printed as diagnostics (for the README's reliability section), never
 * asserted; assertions are on counts, states and the data.
 */
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { PassThrough } from './pass-through.js';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { createClient, type ClickHouseClient } from '@clickhouse/client-web';
import { startClickHouseServer, type EmbeddedClickHouse } from '../../src/server/clickhouse-server.js';
import { startRelay, type RelayOptions, type RelayServer } from '../../src/server/relay/relay-server.js';
import { SseClient } from '../../src/server/relay/sse-client.js';
import { sliceQueries, slicePlan } from '../../src/server/relay/hub.js';
import { ClickHouseSource } from '../../src/sources/clickhouse-source.js';
import { nodeConnection } from '../../src/server/relay/node-connection.js';
import { rowsKey, seriesKey, type ProblemEvent, type RowsSubscription, type SnapshotEvent, type StatusEvent, type Subscription } from '../../src/relay/protocol.js';
import { RECONNECT, reconnectDelay, RelaySource } from '../../src/sources/relay-source.js';
import { TelemetryStore } from '../../src/store/store.js';
import type { SeriesBuffer } from '../../src/store/series.js';

const TABLE = 'training_observability.metric_points';
const BASE_TIME = Date.UTC(2026, 0, 1);
const POLL = 250;

let ch: EmbeddedClickHouse;
let writer: ClickHouseClient;

// ---------------------------------------------------------------- helpers

let counter = 0;
const uniqueRun = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++counter}-${Math.random().toString(36).slice(2, 7)}`;
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const valueAt = (step: number) => Math.round((Math.sin(step * 1.7) * 1000 + step) * 1000) / 1000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MB`;

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

const openRelays = new Set<RelayServer>();
const openClients = new Set<SseClient>();
const cleanups: Array<() => unknown> = [];

async function relayWith(options: Partial<RelayOptions> = {}): Promise<RelayServer> {
  const relay = await startRelay({ clickhouseUrl: ch.url, port: 0, pollInterval: POLL, stallTimeout: 1000, ...options });
  openRelays.add(relay);
  return relay;
}

const streamUrl = (base: string, sub: unknown) => `${base}/stream?sub=${encodeURIComponent(JSON.stringify(sub))}`;

async function open(url: string, headers?: Record<string, string>): Promise<SseClient> {
  const client = new SseClient(url, { headers });
  openClients.add(client);
  await client.opened;
  return client;
}

async function openReady(url: string, headers?: Record<string, string>): Promise<SseClient> {
  const client = await open(url, headers);
  assert.equal(client.status, 200, client.errorBody);
  await waitFor(() => client.events.some((e) => e.event === 'ready'), 'the ready event');
  return client;
}

/** Steps and values a client received for a series (snapshots and deltas, in order). */
function received(client: SseClient, key: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const e of client.events) {
    if (e.event !== 'snapshot' && e.event !== 'points') continue;
    const data = JSON.parse(e.data) as SnapshotEvent;
    if (data.key === key) data.steps.forEach((s, i) => out.push([s, Number(data.values[i])]));
  }
  return out;
}

const expectedPairs = (steps: number[]) => steps.map((s): [number, number] => [s, valueAt(s)]);

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends raw bytes over TCP and reads the answer until the server closes (or `timeout`). */
function raw(port: number, chunks: Array<string | Buffer>, { gap = 0, timeout = 5000 } = {}): Promise<Reply & { closed: boolean }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    let closed = false;
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (text += d));
    socket.on('error', () => undefined);
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      const [head = '', ...rest] = text.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      let body = rest.join('\r\n\r\n');
      // Chunked answers (the relay's own JSON errors): keep the JSON.
      if (headers['transfer-encoding'] === 'chunked') body = body.replace(/^[0-9a-f]+\r\n/, '').replace(/\r\n0\r\n\r\n$/, '');
      resolve({ status: Number(statusLine.split(' ')[1] ?? 0), headers, body, closed });
    };
    socket.on('close', () => {
      closed = true;
      finish();
    });
    const timer = setTimeout(finish, timeout);
    socket.on('connect', async () => {
      for (const chunk of chunks) {
        if (socket.destroyed) return;
        socket.write(chunk);
        if (gap) await sleep(gap);
      }
    });
  });
}

function assertJson(reply: { status: number; body: string }, status: number, message?: RegExp) {
  assert.equal(reply.status, status, reply.body.slice(0, 300));
  const body = JSON.parse(reply.body) as { error: string; status: number };
  assert.equal(body.status, status);
  assert.equal(typeof body.error, 'string');
  assert.ok(body.error.length > 0);
  if (message) assert.match(body.error, message);
}

async function getReply(url: string, init?: RequestInit): Promise<Reply> {
  const response = await fetch(url, init);
  return { status: response.status, headers: Object.fromEntries(response.headers), body: await response.text() };
}


interface ChildStats {
  rss: number;
  heapUsed: number;
  peak: { rss: number; heapUsed: number };
  viewers: number;
  polls: number;
  requests: number;
  evicted: number;
  connections: number;
  refused: number;
  series: number;
  /** When each stream was accepted, epoch ms. */
  connectTimes: number[];
}

const RELAY_MODULE = fileURLToPath(new URL('../../src/server/relay/relay-server.ts', import.meta.url));
const CHILD = `
import { startRelay } from ${JSON.stringify(RELAY_MODULE)};
const relay = await startRelay(JSON.parse(process.argv[1]));
const hub = relay.hub;
const connectTimes = [];
const connect = hub.connect.bind(hub);
hub.connect = (...args) => { connectTimes.push(Date.now()); return connect(...args); };
let peak = { rss: 0, heapUsed: 0 };
setInterval(() => { const m = process.memoryUsage(); peak.rss = Math.max(peak.rss, m.rss); peak.heapUsed = Math.max(peak.heapUsed, m.heapUsed); }, 10).unref();
process.on('message', (message) => {
  if (message === 'stats') {
    globalThis.gc();
    const m = process.memoryUsage();
    process.send({ rss: m.rss, heapUsed: m.heapUsed, peak, viewers: hub.viewers.size, polls: hub.polls, requests: hub.requests, evicted: hub.evicted, connections: hub.connections, refused: hub.refused, series: hub.seriesCount, connectTimes });
  } else if (message === 'reset-peak') {
    globalThis.gc();
    peak = { rss: 0, heapUsed: 0 };
    process.send({});
  }
});
process.send({ url: relay.url });
`;

/** A relay in its own process (a restart is a new process; its memory is its own). */
class ChildRelay {
  url = '';
  private constructor(private readonly child: ChildProcess) {}

  static async start(options: Partial<RelayOptions>): Promise<ChildRelay> {
    const child = spawn(process.execPath, ['--import', 'tsx', '--expose-gc', '--input-type=module', '-e', CHILD, JSON.stringify({ clickhouseUrl: ch.url, pollInterval: POLL, ...options })], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const relay = new ChildRelay(child);
    cleanups.push(() => relay.kill());
    const first = await relay.next<{ url: string }>(30_000);
    relay.url = first.url;
    return relay;
  }

  private next<T>(timeout = 10_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.child.off('message', onMessage).off('exit', onExit);
      };
      const onMessage = (m: unknown) => {
        done();
        resolve(m as T);
      };
      const onExit = (code: number | null) => {
        done();
        reject(new Error(`the relay process exited (${code})`));
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error('the relay process did not answer'));
      }, timeout);
      this.child.on('message', onMessage).on('exit', onExit);
    });
  }

  async stats(): Promise<ChildStats> {
    const answer = this.next<ChildStats>();
    this.child.send('stats');
    return answer;
  }

  async resetPeak(): Promise<void> {
    const answer = this.next();
    this.child.send('reset-peak');
    await answer;
  }

  /** Kills the process at once: no goodbye to viewers, as a crash or a redeploy would. */
  kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve();
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGKILL');
    return exited;
  }
}

/** A page's store reading a relay: the browser's code path, in Node. */
function viewer(relayUrl: string, run: string, metric: string, pollInterval = 1000) {
  const store = new TelemetryStore(new RelaySource({ url: `relay+${relayUrl}` }), { pollInterval });
  let latest: SeriesBuffer | undefined;
  const unsubscribe = store.subscribe({ run, metric }, (buffer) => (latest = buffer));
  cleanups.push(unsubscribe);
  return {
    store,
    get buffer() {
      return latest;
    },
    pairs(): Array<[number, number]> {
      const b = latest;
      if (!b) return [];
      return Array.from(b.steps, (s, i): [number, number] => [s, b.values[i]]);
    },
    close: unsubscribe,
  };
}

const samePairs = (a: Array<[number, number]>, b: Array<[number, number]>) => a.length === b.length && a.every((p, i) => p[0] === b[i][0] && p[1] === b[i][1]);

// ---------------------------------------------------------------- lifecycle

before(async () => {
  ch = await startClickHouseServer({ port: 0 });
  writer = createClient({ url: ch.url, username: 'default', password: '', keep_alive: { enabled: false } });
});

async function cleanup() {
  for (const fn of cleanups.splice(0).reverse()) await fn();
  for (const client of openClients) client.close();
  openClients.clear();
  for (const relay of openRelays) await relay.close();
  openRelays.clear();
}

afterEach(cleanup);

after(async () => {
  await cleanup();
  await writer?.close();
  await ch?.close();
});

// ---------------------------------------------------------------- tests

describe('relay faults: reconnect policy', () => {
  it('reconnectDelay: full jitter under a ceiling doubling from 500 ms, never above 5 s (+ Retry-After)', () => {
    assert.deepEqual(RECONNECT, { base: 500, cap: 5000 });
    const ceilings = [1, 2, 3, 4, 5, 6, 50, 1e6].map((f) => reconnectDelay(f, 1));
    assert.deepEqual(ceilings, [500, 1000, 2000, 4000, 5000, 5000, 5000, 5000]);
    for (const f of [1, 3, 9]) assert.equal(reconnectDelay(f, 0), 0, 'full jitter starts at 0');
    assert.equal(reconnectDelay(4, 0.5), 2000);
    assert.equal(reconnectDelay(9, 0.5, 2000), 4500, 'after the relay’s Retry-After');
    assert.equal(reconnectDelay(9, 1, 1e9), 65_000, 'a silly Retry-After is capped at 60 s');
  });
});

describe('relay faults: oversize and malformed requests', () => {
  it('each gets a JSON error with its status, and a viewer keeps streaming throughout', { timeout: 40_000 }, async (t) => {
    const run = uniqueRun('malformed');
    const metric = 'loss';
    const key = seriesKey({ run, metric });
    await insertSteps(run, metric, range(0, 9));
    const relay = await relayWith({ headersTimeout: 1000 });
    const port = Number(new URL(relay.url).port);
    const live = await openReady(streamUrl(relay.url, { series: [{ run, metric }] }));

    const stream = (sub: string) => getReply(`${relay.url}/stream?sub=${encodeURIComponent(sub)}`);
    const cases: Array<[what: string, send: () => Promise<Reply>, status: number, message?: RegExp]> = [
      ['sub not JSON', () => stream('{"series": ['), 400, /sub must be JSON/],
      ['sub a JSON array', () => stream('[1,2]'), 400, /JSON object/],
      ['sub null', () => stream('null'), 400, /JSON object/],
      ['sub.series a string', () => stream('{"series":"loss"}'), 400, /arrays/],
      ['deeply nested sub (2500 levels)', () => stream(`{"series":${'['.repeat(2500)}${']'.repeat(2500)}}`), 400, /series\[0\]/],
      ['a run of the wrong type', () => stream(JSON.stringify({ series: [{ run: 1, metric }] })), 400, /series\[0\]/],
      ['columns of the wrong type', () => stream(JSON.stringify({ series: [{ run, metric, columns: '9' }] })), 400, /columns/],
      ['a kind of the wrong type', () => stream(JSON.stringify({ rows: [{ kind: 7, params: {} }] })), 400, /kind/],
      ['params an array', () => stream(JSON.stringify({ rows: [{ kind: 'runs', params: [] }] })), 400, /params/],
      ['have not a list of keys', () => stream(JSON.stringify({ series: [{ run, metric }], have: [1] })), 400, /have/],
      ['257 series', () => stream(JSON.stringify({ series: range(0, 256).map((i) => ({ run: 'r', metric: `m${i}` })) })), 413, /256 series/],
      ['65 row queries', () => stream(JSON.stringify({ rows: range(0, 64).map((i) => ({ kind: 'runs', params: { limit: i } })) })), 413, /64 row queries/],
      ['300 run= × metric= pairs', () => getReply(`${relay.url}/stream?${range(0, 19).map((i) => `run=r${i}`).join('&')}&${range(0, 14).map((i) => `metric=m${i}`).join('&')}`), 413, /256 series/],
      ['nothing to stream', () => getReply(`${relay.url}/stream`), 400, /run=R&metric=M/],
      ['a URL over 16 KB', () => getReply(`${relay.url}/runs?run=${'a'.repeat(17_000)}`), 414, /16384/],
      ['POST', () => getReply(`${relay.url}/stream`, { method: 'POST', body: '{}' }), 405, /POST/],
      ['PUT', () => getReply(`${relay.url}/runs`, { method: 'PUT', body: 'x' }), 405, /PUT/],
      ['DELETE', () => getReply(`${relay.url}/runs`, { method: 'DELETE' }), 405, /DELETE/],
      ['PATCH', () => getReply(`${relay.url}/healthz`, { method: 'PATCH' }), 405, /PATCH/],
      ['HEAD of a stream', () => raw(port, [`HEAD /stream?run=${run}&metric=loss HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`]), 405],
      ['a GET with a body', () => raw(port, ['GET /runs HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello']), 413, /bodies/],
      ['an unknown path', () => getReply(`${relay.url}/admin/../../etc/passwd`), 404, /No route/],
      ['a bad percent-encoding in a run', () => getReply(`${relay.url}/metrics/%E0%A4%A`), 400, /percent-encoding/],
      ['downsample of the wrong type', () => getReply(`${relay.url}/metrics/${run}?metric=loss&downsample=lots`), 400, /downsample/],
      ['an absolute-form target that is no URL', () => raw(port, ['GET http://[::1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n']), 400],
      ['a URL over 64 KB (past Node’s header limit)', () => raw(port, [`GET /runs?run=${'a'.repeat(70_000)} HTTP/1.1\r\nHost: x\r\n\r\n`]), 431, /headers/],
      ['a 70 KB header', () => raw(port, [`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(70_000)}\r\n\r\n`]), 431, /headers/],
      ['garbage bytes', () => raw(port, [Buffer.from([0x16, 0x03, 0x01, 0x00, 0xff, 0x00, 0x13, 0x37, 0x0d, 0x0a, 0x0d, 0x0a])]), 400, /not an HTTP request/],
      ['a TLS hello on the plain port', () => raw(port, [Buffer.from('160301020001000200030300', 'hex')]), 400],
      ['a slowloris client (headers trickled)', () => raw(port, ['GET /healthz HTTP/1.1\r\n', ...range(0, 40).map((i) => `X-${i}: y\r\n`)], { gap: 100, timeout: 8000 }), 408, /did not arrive/],
    ];
    const started = Date.now();
    for (const [what, send, status, message] of cases) {
      const reply = await send();
      if (what.startsWith('HEAD')) {
        assert.equal(reply.status, 405, what);
        continue;
      }
      assert.equal(reply.status, status, `${what}: ${reply.body.slice(0, 300)}`);
      assert.match(reply.headers['content-type'] ?? '', /^application\/json/, what);
      assertJson(reply, status, message);
    }
    t.diagnostic(`${cases.length} malformed requests answered in ${Date.now() - started} ms`);

    // Deeply nested values are a problem of their query, not a crash: the stream opens and says so.
    const nested = { kind: 'runs', params: { status: 'run.status', limit: 5, deep: JSON.parse(`${'{"b":'.repeat(600)}1${'}'.repeat(600)}`) } } as unknown as RowsSubscription;
    const deep = await openReady(streamUrl(relay.url, { rows: [nested] }));
    assert.deepEqual(deep.data<ProblemEvent>('problem').map((p) => p.key), [rowsKey(nested)]);
    assert.match(deep.data<ProblemEvent>('problem')[0].message, /deep must be/);

    // The viewer streamed all along and still does; the relay never went stale.
    await insertSteps(run, metric, range(10, 14));
    await waitFor(() => received(live, key).some(([s]) => s === 14), 'step 14 on the live viewer');
    assert.deepEqual(received(live, key), expectedPairs(range(0, 14)));
    assert.equal(live.closed, false);
    assert.ok(live.data<StatusEvent>('status').every((s) => !s.stale), 'no viewer was told ClickHouse is away');
    const health = JSON.parse((await getReply(`${relay.url}/healthz`)).body);
    assert.equal(health.status, 'ok');
  });

  it('what a stream cannot serve is a problem of that key only: the rest is served and ClickHouse never sees a bad value', { timeout: 30_000 }, async () => {
    const run = uniqueRun('problems');
    const metric = 'loss';
    const key = seriesKey({ run, metric });
    await insertSteps(run, metric, range(0, 4));
    const relay = await relayWith();
    const healthy = await openReady(streamUrl(relay.url, { series: [{ run, metric }] }));

    const longRun = { run: 'r'.repeat(5000), metric };
    const badColumns = { run, metric: 'other', columns: 0 };
    const objectParam = { kind: 'runs', params: { status: { nested: true }, limit: 10 } } as unknown as RowsSubscription;
    const longParam = { kind: 'runs', params: { status: 's'.repeat(5000), limit: 10 } };
    const unknownKind = { kind: 'no-such-kind', params: {} };
    // {limit:UInt32}: numbers ClickHouse would refuse for the whole poll of every viewer.
    const overflow = { kind: 'runs', params: { status: 'run.status', limit: 2 ** 40 } };
    const negative = { kind: 'runs', params: { status: 'run.status', limit: -1 } };
    const fraction = { kind: 'runs', params: { status: 'run.status', limit: 2.5 } };
    // Names the SQL does not use are never sent on; this one would be a broken ClickHouse parameter.
    const extraName = { kind: 'runs', params: { status: 'run.status', limit: 5, 'x&y=z {q:String}': 1 } };
    const good = { kind: 'runs', params: { status: 'run.status', limit: 5 } };
    const sub = { series: [{ run, metric }, longRun, badColumns], rows: [objectParam, longParam, unknownKind, overflow, negative, fraction, extraName, good] };
    const client = await openReady(streamUrl(relay.url, sub));

    const problems = new Map(client.data<ProblemEvent>('problem').map((p) => [p.key, p.message]));
    const refusedKeys = [seriesKey(longRun), seriesKey(badColumns), ...[objectParam, longParam, unknownKind, overflow, negative, fraction].map(rowsKey)];
    assert.deepEqual([...problems.keys()].sort(), [...refusedKeys].sort(), 'one problem per key the relay cannot serve, and only those');
    assert.match(problems.get(seriesKey(longRun))!, /at most 4096 characters/);
    assert.match(problems.get(seriesKey(badColumns))!, /columns/);
    assert.match(problems.get(rowsKey(objectParam))!, /status/);
    assert.match(problems.get(rowsKey(unknownKind))!, /no-such-kind/);
    for (const q of [overflow, negative, fraction]) assert.match(problems.get(rowsKey(q))!, /limit as UInt32/);
    // The rest is served: the series and both good row queries (the extra name changes nothing).
    assert.deepEqual(received(client, key), expectedPairs(range(0, 4)));
    const answered = client.data<{ key: string; rows: unknown[] }>('rows').map((r) => r.key);
    assert.deepEqual(answered.sort(), [rowsKey(extraName), rowsKey(good)].sort());

    // Several polls later: nobody was made stale by those values.
    await insertSteps(run, metric, range(5, 9));
    await waitFor(() => received(healthy, key).some(([s]) => s === 9) && received(client, key).some(([s]) => s === 9), 'steps 5..9 on both viewers');
    for (const c of [healthy, client]) assert.deepEqual(c.data<StatusEvent>('status').filter((s) => s.stale), []);
    assert.equal(relay.hub.health.failures, 0);
  });

  it('a row query ClickHouse refuses is a problem of that key only; the other queries and the series go on', { timeout: 30_000 }, async () => {
    const run = uniqueRun('refused-query');
    const metric = 'loss';
    await insertSteps(run, metric, range(0, 4));
    const relay = await relayWith({ queries: { broken: 'SELECT no_such_column AS x FROM {{table}} LIMIT 1' } });
    const broken = { kind: 'broken', params: {} };
    const good = { kind: 'runs', params: { status: 'run.status', limit: 5 } };
    const client = await openReady(streamUrl(relay.url, { series: [{ run, metric }], rows: [broken, good] }));
    await waitFor(() => client.data<ProblemEvent>('problem').length > 0, 'the problem of the refused query');
    const problems = client.data<ProblemEvent>('problem');
    assert.deepEqual(problems.map((p) => p.key), [rowsKey(broken)]);
    assert.match(problems[0].message, /no_such_column/);
    assert.doesNotMatch(problems[0].message, /127\.0\.0\.1/, 'the relay does not tell viewers where its ClickHouse is');
    await waitFor(() => client.data<{ key: string }>('rows').some((r) => r.key === rowsKey(good)), 'the good query answered');
    await insertSteps(run, metric, range(5, 9));
    await waitFor(() => received(client, seriesKey({ run, metric })).some(([step]) => step === 9), 'steps 5..9');
    assert.deepEqual(received(client, seriesKey({ run, metric })), expectedPairs(range(0, 9)));
    assert.deepEqual(client.data<StatusEvent>('status').filter((status) => status.stale), []);
    assert.equal(relay.hub.health.failures, 0);
  });

  it('a poll of many series goes to ClickHouse in slices under max_query_size, in order, nobody stale', { timeout: 40_000 }, async (t) => {
    // The real query builder: 1024 first views in one request pass ClickHouse's 256 KiB max_query_size; slices of 64 do not.
    const source = new ClickHouseSource({ url: ch.url, table: TABLE, connect: nodeConnection });
    const wide = { tails: [], views: range(0, 1023).map((i) => ({ run: 'some-run-id', metric: `train/metric-${i}`, fromStep: 0, toStep: Infinity, columns: 2000 })), tailLimit: 20_000 };
    const whole = source.buildQuery(wide).query.length;
    const slices = slicePlan(wide, 64);
    const largest = Math.max(...slices.map((slice) => source.buildQuery(slice).query.length));
    t.diagnostic(`1024 first views: ${whole} bytes of SQL in one request; slices of 64: ${largest} bytes at most`);
    assert.ok(whole > 262_144 && largest < 262_144 / 2);
    assert.deepEqual(slices.flatMap((slice) => slice.views), wide.views, 'views keep their order');
    await source.close();

    // Long names are sliced by size too: one viewer's 4,000-character run ids must not make one huge URL.
    const long = { tails: range(0, 9).map((i) => ({ run: `r${i}`.padEnd(4000, 'x'), metric: 'loss', afterStep: 5 })), views: [{ run: 'short', metric: 'loss', fromStep: 0, toStep: Infinity, columns: 100 }], tailLimit: 100 };
    const bySize = slicePlan(long, 64);
    assert.equal(bySize.length, 11, 'each 4,000-character series alone, the short view in a slice of its own');
    assert.deepEqual(bySize.flatMap((slice) => slice.tails), long.tails, 'tails keep their order');
    assert.deepEqual(slicePlan({ ...long, tails: long.tails.map((tail) => ({ ...tail, run: tail.run.slice(0, 20) })) }, 64).length, 1, 'short names share one request');

    // End to end with small slices: 20 series, 8 per request.
    const run = uniqueRun('sliced');
    await writer.command({
      query: `INSERT INTO ${TABLE} (run_id, metric, step, value, event_time)
              SELECT {run:String}, concat('m', toString(number)), number, number + 0.5, fromUnixTimestamp64Milli(toInt64({base:Int64} + number * 1000)) FROM numbers(20)`,
      query_params: { run, base: BASE_TIME },
    });
    const relay = await relayWith({ seriesPerRequest: 8 });
    const client = await openReady(streamUrl(relay.url, { series: range(0, 19).map((i) => ({ run, metric: `m${i}` })) }));
    for (const i of range(0, 19)) assert.deepEqual(received(client, seriesKey({ run, metric: `m${i}` })), [[i, i + 0.5]]);
    const polls = relay.hub.polls;
    const requests = relay.hub.requests;
    await waitFor(() => relay.hub.polls >= polls + 3, 'three more polls');
    assert.equal((relay.hub.requests - requests) / (relay.hub.polls - polls), 3, 'ceil(20 / 8) requests per poll');
    await insertSteps(run, 'm19', [20]);
    await waitFor(() => received(client, seriesKey({ run, metric: 'm19' })).length === 2, 'a new point of the last slice');
    assert.deepEqual(client.data<StatusEvent>('status').filter((s) => s.stale), []);
  });

  it('row queries go out in slices bounded in count and SQL text, answers in order', () => {
    const queries = range(0, 99).map((i) => ({ kind: `k${i}`, sql: 'x'.repeat(i % 10 === 0 ? 40_000 : 500), params: {} }));
    const slices = sliceQueries(queries);
    assert.deepEqual(slices.flat(), queries);
    for (const slice of slices) {
      assert.ok(slice.length <= 32);
      assert.ok(slice.length === 1 || slice.reduce((n, q) => n + q.sql.length, 0) <= 96 * 1024);
    }
    assert.deepEqual(sliceQueries([]), [[]]);
  });

  it('any value of sub (fast-check): a JSON answer of 200, 400 or 413, and the relay keeps serving', { timeout: 60_000 }, async (t) => {
    const run = uniqueRun('fuzz');
    await insertSteps(run, 'loss', range(0, 2));
    const relay = await relayWith({ linger: 50, startTimeout: 500 });
    const entry = fc.oneof(
      fc.record({ run: fc.oneof(fc.string(), fc.constant(run), fc.integer()), metric: fc.oneof(fc.string(), fc.constant('loss')), columns: fc.option(fc.oneof(fc.integer(), fc.double(), fc.string()), { nil: undefined }) }, { requiredKeys: ['run', 'metric'] }),
      fc.record({ kind: fc.oneof(fc.constantFrom('runs', 'big-number', 'checkpoints', 'nope', '__proto__'), fc.string(), fc.integer()), params: fc.oneof(fc.dictionary(fc.string(), fc.jsonValue()), fc.jsonValue()) }),
      fc.jsonValue(),
    );
    const sub = fc.oneof(
      fc.record({ series: fc.oneof(fc.array(entry, { maxLength: 6 }), fc.jsonValue()), rows: fc.oneof(fc.array(entry, { maxLength: 6 }), fc.jsonValue()), have: fc.option(fc.oneof(fc.array(fc.string()), fc.jsonValue()), { nil: undefined }) }, { requiredKeys: [] }),
      fc.jsonValue(),
    );
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(fc.oneof(sub.map((v) => JSON.stringify(v)), fc.string({ unit: 'binary', maxLength: 200 })), async (text) => {
        const reply = await new Promise<Reply>((resolve, reject) => {
          const client = new SseClient(`${relay.url}/stream?sub=${encodeURIComponent(text)}`, {});
          void client.opened.then(async () => {
            if (client.status === 200) {
              // A stream: its first event is the retry hint; then it is closed.
              await waitFor(() => client.events.length > 0 || client.closed, 'a first event', 5000).catch(reject);
              client.close();
              resolve({ status: 200, headers: {}, body: '' });
            } else {
              await client.whenClosed();
              resolve({ status: client.status, headers: {}, body: client.errorBody });
            }
          });
        });
        statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
        assert.ok([200, 400, 413].includes(reply.status), `status ${reply.status} for ${text.slice(0, 200)}`);
        if (reply.status !== 200) assertJson(reply, reply.status);
      }),
      { numRuns: 300, seed: 20261125 },
    );
    t.diagnostic(`fast-check sub values by status: ${JSON.stringify(Object.fromEntries(statuses))}`);
    assert.ok((statuses.get(400) ?? 0) > 0 && (statuses.get(200) ?? 0) > 0, 'the generator reaches both refusals and streams');
    // Still healthy, and serving a plain viewer.
    const client = await openReady(streamUrl(relay.url, { series: [{ run, metric: 'loss' }] }));
    assert.deepEqual(received(client, seriesKey({ run, metric: 'loss' })), expectedPairs(range(0, 2)));
    assert.equal(relay.hub.health.failures, 0);
  });
});

describe('relay faults: ClickHouse down behind the relay', () => {
  it('viewers (the browser’s RelaySource + store) see why, keep their data, and continue with no gap and no duplicate', { timeout: 40_000 }, async () => {
    const proxy = new PassThrough(ch.port);
    await proxy.up();
    cleanups.push(() => proxy.down());
    const run = uniqueRun('chdown');
    const metric = 'loss';
    await insertSteps(run, metric, range(0, 19));
    const relay = await relayWith({ clickhouseUrl: proxy.url });
    const viewers = [viewer(relay.url, run, metric, 500), viewer(relay.url, run, metric, 2000)];
    await waitFor(() => viewers.every((v) => samePairs(v.pairs(), expectedPairs(range(0, 19)))), 'the first 20 points on both viewers');

    await proxy.down();
    await insertSteps(run, metric, range(20, 29));
    // Each viewer's series says what is wrong, through the relay, in words.
    const messages = await waitFor(() => {
      const m = viewers.map((v) => v.buffer?.error);
      return m.every((e) => e && /does not answer/.test(e)) && m;
    }, 'the relay’s reason on both viewers', 15_000);
    for (const message of messages as string[]) {
      assert.match(message, /trainwatch relay at http:\/\/127\.0\.0\.1:\d+: its ClickHouse does not answer/);
      assert.match(message, /\(Cannot reach ClickHouse\)/, message);
      assert.ok(!message.includes(proxy.url), 'the relay’s ClickHouse address stays private');
    }
    // Last data kept.
    for (const v of viewers) assert.ok(samePairs(v.pairs(), expectedPairs(range(0, 19))));

    await proxy.up();
    await insertSteps(run, metric, range(30, 34));
    await waitFor(() => viewers.every((v) => samePairs(v.pairs(), expectedPairs(range(0, 34))) && !v.buffer?.error), 'recovery: 0..34 once each, no error', 20_000);
  });
});

describe('relay faults: a relay restart', () => {
  it('200 viewers reconnect by themselves to a new relay process on the same port: spread out, back within seconds, every point once', { timeout: 90_000 }, async (t) => {
    const run = uniqueRun('restart');
    const metric = 'loss';
    const VIEWERS = 200;
    await insertSteps(run, metric, range(0, 29));
    const first = await ChildRelay.start({ port: 0 });
    const port = Number(new URL(first.url).port);
    const viewers = Array.from({ length: VIEWERS }, () => viewer(first.url, run, metric, 1000));
    await waitFor(() => viewers.every((v) => samePairs(v.pairs(), expectedPairs(range(0, 29)))), 'all viewers loaded', 30_000);
    await insertSteps(run, metric, range(30, 39));
    await waitFor(() => viewers.every((v) => samePairs(v.pairs(), expectedPairs(range(0, 39)))), 'pushed points on all viewers', 20_000);

    // Crash: no goodbye. Points are written while no relay runs.
    await first.kill();
    await insertSteps(run, metric, range(40, 49));
    await waitFor(() => viewers.every((v) => v.buffer?.error), 'every viewer to say the relay is gone', 15_000);
    assert.match(viewers[0].buffer!.error!, /trainwatch relay at http:\/\/127\.0\.0\.1:\d+.*Retrying…/);
    await sleep(1500);

    const second = await ChildRelay.start({ port });
    const upAt = Date.now();
    const backAt = new Array<number>(VIEWERS).fill(0);
    await waitFor(
      () => {
        viewers.forEach((v, i) => {
          if (!backAt[i] && samePairs(v.pairs(), expectedPairs(range(0, 49))) && !v.buffer?.error) backAt[i] = Date.now();
        });
        return backAt.every(Boolean);
      },
      'every viewer back with 0..49',
      30_000,
    );
    // A fresh process cannot resume anyone: each got a snapshot, and holds every point exactly once.
    await insertSteps(run, metric, range(50, 54));
    await waitFor(() => viewers.every((v) => samePairs(v.pairs(), expectedPairs(range(0, 54)))), 'live again: 0..54 on every viewer', 20_000);
    const stats = await second.stats();
    assert.equal(stats.viewers, VIEWERS);
    assert.equal(stats.series, 1);

    const delays = backAt.map((at) => at - upAt).sort((a, b) => a - b);
    const connects = stats.connectTimes.map((at) => at - upAt).sort((a, b) => a - b);
    const perSecond = new Map<number, number>();
    for (const at of connects) perSecond.set(Math.floor(at / 1000), (perSecond.get(Math.floor(at / 1000)) ?? 0) + 1);
    const busiest = Math.max(...perSecond.values());
    t.diagnostic(`relay restart, ${VIEWERS} viewers: back after ${delays[0]}–${delays.at(-1)} ms (median ${delays[VIEWERS >> 1]} ms, 95% ${delays[Math.floor(VIEWERS * 0.95)]} ms)`);
    t.diagnostic(`streams accepted per second after the restart: ${JSON.stringify(Object.fromEntries([...perSecond].sort((a, b) => a[0] - b[0])))}; ClickHouse requests so far ${stats.requests} in ${stats.polls} polls`);
    // Spread out: the jitter window is up to 5 s wide, so no single second takes nearly all of them.
    assert.ok(busiest < VIEWERS * 0.75, `${busiest} of ${VIEWERS} reconnects in one second`);
    // One poller for everybody: at most one points request and one rows request per poll (none here).
    assert.ok(stats.requests <= stats.polls, `${stats.requests} ClickHouse requests in ${stats.polls} polls`);
  });
});

describe('relay faults: reconnect storms and stalled viewers', () => {
  it('2000 viewers at once: maxClients answers 503 JSON with Retry-After, ClickHouse is asked per poll not per viewer, memory comes back', { timeout: 90_000 }, async (t) => {
    const run = uniqueRun('storm');
    const METRICS = 4;
    const metrics = range(0, METRICS - 1).map((i) => `m${i}`);
    for (const metric of metrics) await insertSteps(run, metric, range(0, 199));
    const relay = await ChildRelay.start({ port: 0, maxClients: 1500 });
    await sleep(300);
    await relay.resetPeak();
    const before = await relay.stats();

    const CLIENTS = 2000;
    // Each viewer watches two of the four series.
    const clients = await Promise.all(
      range(0, CLIENTS - 1).map((i) => open(streamUrl(relay.url, { series: [{ run, metric: metrics[i % METRICS] }, { run, metric: metrics[(i + 1) % METRICS] }] }))),
    );
    const accepted = clients.filter((c) => c.status === 200);
    const refused = clients.filter((c) => c.status === 503);
    assert.equal(accepted.length + refused.length, CLIENTS, `statuses: ${[...new Set(clients.map((c) => c.status))]}`);
    assert.equal(accepted.length, 1500);
    await Promise.all(refused.map((c) => c.whenClosed()));
    for (const c of refused.slice(0, 20)) {
      const body = JSON.parse(c.errorBody) as { error: string; status: number };
      assert.equal(body.status, 503);
      assert.match(body.error, /1500 viewers/);
    }
    const one = await fetch(streamUrl(relay.url, { series: [{ run, metric: 'm0' }] }));
    assert.equal(one.status, 503);
    assert.equal(one.headers.get('retry-after'), '2');
    assert.match(one.headers.get('content-type') ?? '', /application\/json/);
    await one.text();

    await waitFor(() => accepted.every((c) => c.events.some((e) => e.event === 'ready')), 'all accepted viewers ready', 30_000);
    for (const c of accepted.slice(0, 50)) {
      const key = seriesKey({ run, metric: 'm0' });
      const got = received(c, key);
      if (got.length) assert.deepEqual(got, expectedPairs(range(0, 199)));
    }
    const during = await relay.stats();
    assert.equal(during.viewers, 1500);
    assert.equal(during.series, METRICS);
    assert.equal(during.refused, CLIENTS - 1500 + 1);
    // One poller: every series loaded with the polls that ran, never a query per viewer.
    assert.ok(during.requests - before.requests <= during.polls - before.polls + 1, `${during.requests - before.requests} requests in ${during.polls - before.polls} polls`);
    assert.ok(during.requests - before.requests < 50, `${during.requests - before.requests} ClickHouse requests for ${CLIENTS} viewers`);

    for (const c of accepted) c.close();
    let afterStats = await relay.stats();
    for (let i = 0; i < 50 && afterStats.viewers > 0; i++) {
      await sleep(100);
      afterStats = await relay.stats();
    }
    assert.equal(afterStats.viewers, 0);
    await sleep(500);
    afterStats = await relay.stats();
    t.diagnostic(
      `storm of ${CLIENTS} (1500 accepted, ${CLIENTS - 1500} refused): relay heap ${mb(before.heapUsed)} → peak ${mb(during.peak.heapUsed)} → after ${mb(afterStats.heapUsed)}; RSS ${mb(before.rss)} → peak ${mb(during.peak.rss)} → after ${mb(afterStats.rss)}; ClickHouse requests ${during.requests - before.requests} in ${during.polls - before.polls} polls`,
    );
    // Bounded: the heap after everyone left is back near where it started (what stays is the lingering series).
    assert.ok(afterStats.heapUsed < before.heapUsed + 32 * 2 ** 20, `heap after ${mb(afterStats.heapUsed)} vs before ${mb(before.heapUsed)}`);
  });

  it('200 viewers that never read: evicted after stallTimeout, the healthy viewer unaffected, memory comes back', { timeout: 90_000 }, async (t) => {
    const run = uniqueRun('stalls');
    // 12 series × 20,000 raw points ≈ 11 MB of snapshots: more than loopback's socket buffers take (~4 MB), so a reader that never reads blocks.
    const SERIES = 12;
    const STEPS = 20_000;
    await writer.command({
      query: `INSERT INTO ${TABLE} (run_id, metric, step, value, event_time)
              SELECT {run:String}, concat('s/m', toString(number % ${SERIES})), intDiv(number, ${SERIES}),
                     ((intDiv(number, ${SERIES}) * 2654435761) % 1000003) + 0.123456789012, fromUnixTimestamp64Milli(toInt64({base:Int64} + intDiv(number, ${SERIES}) * 1000))
              FROM numbers(${SERIES * STEPS})`,
      query_params: { run, base: BASE_TIME },
    });
    const relay = await ChildRelay.start({ port: 0, stallTimeout: 1000, maxQueueBytes: 1 << 20 });
    const sub: Subscription = { series: range(0, SERIES - 1).map((i) => ({ run, metric: `s/m${i}`, columns: 8192 })) };
    const healthy = await openReady(streamUrl(relay.url, sub));
    const burst = healthy.events.filter((e) => e.event === 'snapshot').reduce((n, e) => n + e.data.length, 0);
    await sleep(300);
    await relay.resetPeak();
    const before = await relay.stats();

    // Raw sockets that send a request and never read a byte.
    const STALLED = 200;
    const port = Number(new URL(relay.url).port);
    const target = `/stream?sub=${encodeURIComponent(JSON.stringify(sub))}`;
    const sockets = range(1, STALLED).map(() => {
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => undefined);
      socket.write(`GET ${target} HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n`);
      socket.pause();
      return socket;
    });
    cleanups.push(() => sockets.forEach((s) => s.destroy()));
    let during = await relay.stats();
    for (let i = 0; i < 100 && during.evicted < STALLED; i++) {
      await sleep(200);
      during = await relay.stats();
    }
    assert.equal(during.evicted, STALLED, `${during.evicted} of ${STALLED} stalled viewers evicted`);
    assert.equal(during.viewers, 1, 'only the healthy viewer is left');

    // The healthy viewer never stopped.
    const key = seriesKey({ run, metric: 's/m0' });
    await insertSteps(run, 's/m0', range(STEPS, STEPS + 4));
    await waitFor(() => received(healthy, key).some(([s]) => s === STEPS + 4), 'new points on the healthy viewer');
    assert.equal(healthy.closed, false);
    await sleep(500);
    const afterStats = await relay.stats();
    t.diagnostic(
      `${STALLED} stalled viewers (first burst ${mb(burst)} each, maxQueueBytes 1 MB): all evicted; relay heap ${mb(before.heapUsed)} → peak ${mb(during.peak.heapUsed)} → after ${mb(afterStats.heapUsed)}; RSS ${mb(before.rss)} → peak ${mb(during.peak.rss)} → after ${mb(afterStats.rss)}`,
    );
    assert.ok(afterStats.heapUsed < before.heapUsed + 32 * 2 ** 20, `heap after ${mb(afterStats.heapUsed)} vs before ${mb(before.heapUsed)}`);
  });
});
