/**
 * Scenario 5: the relay's fan-out on loopback. 1,000 SSE viewers of the same
 * 4 series of a run that gets one point per series per second: ClickHouse
 * queries per poll cycle against one viewer, the relay's memory per viewer,
 * delivery latency from INSERT to viewer, and how long the relay takes to
 * evict a viewer that stopped reading while the 1,000 others keep going.
 *
 * The embedded ClickHouse, the writer and every viewer live in this process;
 * the relay runs alone in a child process (`trainwatch relay`), so the memory
 * it reports on /healthz is its own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BenchContext, BenchRow } from './run.js';
import { percentile, sharedClickHouse } from './browser.js';
import { SseClient } from '../src/server/relay/sse-client.js';
import { seriesKey, type SseMessage } from '../src/relay/protocol.js';
import { toJsonEachRow, type MetricRow } from '../src/server/simulator.js';
import { METRIC_POINTS_TABLE } from '../src/server/schema.js';

export const title = '1,000 SSE viewers of one relay: ClickHouse queries per cycle, memory per viewer, delivery latency, eviction of a stalled viewer';

const CLIENTS = 1000;
const BATCH = 100;
const METRICS = ['loss', 'lr', 'grad_norm', 'tokens_per_s'];
/**
 * The relay can only see that a viewer stopped reading once its writes to it
 * back up, and on loopback the kernel's socket buffers take about 4 MB of
 * unread data first. So the stalled viewer asks for series of BIG_POINTS
 * points, at the widest snapshot (about 0.8 MB each) and one narrower, that
 * come to MARGIN under the relay's per-viewer queue limit (QUEUE_LIMIT, its
 * default maxQueueBytes; past it the relay evicts a viewer at once, whether it
 * reads or not), which nearly fills those buffers at once; and a firehose
 * series getting FIREHOSE_RATE points/s (about 0.35 MB/s of events) fills the
 * rest.
 */
const MAX_BIG_SERIES = 6;
const MARGIN = 256 << 10;
const BIG_POINTS = 40_000;
const BIG_COLUMNS = 8192;
const QUEUE_LIMIT = 4 << 20;
const FIREHOSE_RATE = 10_000;
const PHASE1_MS = 8000;
const PHASE2_MS = 10_000;
const PHASE3_MS = 5000;
const SETTLE_MS = 3000;
const BIN = fileURLToPath(new URL('../bin/trainwatch.js', import.meta.url));

interface Health {
  viewers: number;
  polls: number;
  queries: number;
  evicted: number;
  memory: { rss: number; heapUsed: number };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const ch = await sharedClickHouse();
  const runId = `fan-out-${Date.now().toString(36)}`;
  const insert = async (rows: MetricRow[]) => {
    const url = new URL(ch.url);
    url.searchParams.set('query', `INSERT INTO ${METRIC_POINTS_TABLE} FORMAT JSONEachRow`);
    const response = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/x-ndjson' }, body: toJsonEachRow(rows) });
    const text = await response.text();
    if (!response.ok) throw new Error(`INSERT failed with HTTP ${response.status}: ${text.slice(0, 300)}`);
  };
  const row = (metric: string, step: number, time: number, value: number): MetricRow => ({
    event_time: time, run_id: runId, host: '', rank: 0, device: 65535, step, metric, value, unit: '', tags_json: '',
  });

  // History: 100 points per live series, and the big series the stalled viewer asks for.
  const start = Date.now() - 200_000;
  const history: MetricRow[] = [];
  for (const metric of METRICS) for (let s = 0; s < 100; s++) history.push(row(metric, s, start + s * 1000, Math.random()));
  const bigMetrics = Array.from({ length: MAX_BIG_SERIES }, (_, i) => `big-${i}`);
  for (const metric of bigMetrics) for (let s = 0; s < BIG_POINTS; s++) history.push(row(metric, s, start + s * 4, Math.random()));
  history.push(row('firehose', 0, start, 0));
  await insert(history);

  const relay = await startRelayProcess(ch.url);
  ctx.log(`fan-out: relay pid ${relay.child.pid} on ${relay.url}`);
  const health = async (): Promise<Health> => (await (await fetch(`${relay.url}/healthz`)).json()) as Health;

  // The writers: one point per live series per second, at a random moment of
  // each second (so the wait for the relay's next poll is spread evenly over
  // 0–1 s rather than fixed by how the two clocks happen to line up), its
  // value the wall time of its INSERT.
  let writing = true;
  let writeErrors = 0;
  const writers = METRICS.map(async (metric) => {
    let slot = Date.now();
    for (let step = 100; writing; step++) {
      await sleep(Math.max(0, slot + Math.random() * 1000 - Date.now()));
      slot += 1000;
      if (!writing) break;
      const now = Date.now();
      await insert([row(metric, step, now, now)]).catch((error: unknown) => {
        writeErrors++;
        ctx.log(`fan-out: ${(error as Error).message}`);
      });
    }
  });
  // The firehose, started in phase 3: FIREHOSE_RATE points/s into one series, a tenth every 100 ms.
  let pouring = false;
  let firehoseRows = 0;
  let firehose: Promise<void> = Promise.resolve();
  const pour = async () => {
    for (let step = 1; pouring; ) {
      const now = Date.now();
      const rows = Array.from({ length: FIREHOSE_RATE / 10 }, () => row('firehose', step++, now, Math.random()));
      await insert(rows).then(() => (firehoseRows += rows.length), () => writeErrors++);
      await sleep(Math.max(0, now + 100 - Date.now()));
    }
  };

  // Every viewer's points events: latency = receive time − the insert time carried in the value.
  let window: Window | undefined;
  let pointsEvents = 0;
  const streamUrl = (series: Array<{ run: string; metric: string; columns?: number }>) => `${relay.url}/stream?sub=${encodeURIComponent(JSON.stringify({ series }))}`;
  const liveUrl = streamUrl(METRICS.map((metric) => ({ run: runId, metric })));
  // An event's data starts with its key (the relay writes `{"key":…,`).
  const livePrefixes = METRICS.map((metric) => `{"key":${JSON.stringify(seriesKey({ run: runId, metric }))},`);
  const clients: SseClient[] = [];
  const open = (url: string, watch?: (message: SseMessage, receivedAt: number) => void): { client: SseClient; ready: Promise<void> } => {
    let onReady!: () => void;
    const ready = new Promise<void>((resolve) => (onReady = resolve));
    const client = new SseClient(url, {
      onEvent(message, receivedAt) {
        watch?.(message, receivedAt);
        if (message.event === 'ready') onReady();
        else if (message.event === 'points') {
          pointsEvents++;
          if (!window || !livePrefixes.some((prefix) => message.data.startsWith(prefix))) return;
          const { key, steps, values } = JSON.parse(message.data) as { key: string; steps: number[]; values: number[] };
          values.forEach((v, i) => window!.add(`${key}${steps[i]}`, receivedAt - v));
        }
      },
    });
    clients.push(client);
    const failed = client.opened.then(() => client.whenClosed()).then(() => {
      throw new Error(`stream closed before ready: HTTP ${client.status} ${client.errorBody.slice(0, 300)}`);
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('no ready event in 30 s')), 30_000)));
    return { client, ready: Promise.race([ready, failed, timeout]).finally(() => clearTimeout(timer)) };
  };
  /** /healthz every 250 ms for `ms`, and every points event received meanwhile. */
  const measure = async (ms: number) => {
    window = new Window();
    const samples: Health[] = [];
    const started = performance.now();
    do {
      samples.push(await health());
      await sleep(250);
    } while (performance.now() - started < ms);
    samples.push(await health());
    const received = window;
    window = undefined;
    // A poll counts its query when it starts and itself when it ends, so a sample taken while one
    // is in flight shows one query too many: count from and to samples taken between polls (the
    // fewest queries beyond polls) in the first and last second.
    const edge = Math.ceil(1000 / 250);
    const between = (list: Health[]) => list.reduce((best, h) => (h.queries - h.polls < best.queries - best.polls ? h : best));
    const before = between(samples.slice(0, edge));
    const after = between(samples.slice(-edge).reverse());
    return {
      perCycle: (after.queries - before.queries) / Math.max(1, after.polls - before.polls),
      polls: after.polls - before.polls,
      viewers: samples.at(-1)!.viewers,
      rss: ctx.median(samples.map((h) => h.memory.rss)),
      heapUsed: ctx.median(samples.map((h) => h.memory.heapUsed)),
      memorySamples: samples.length,
      received,
    };
  };

  try {
    // Phase 1: one viewer.
    ctx.log('fan-out: 1 viewer');
    await open(liveUrl).ready;
    await sleep(SETTLE_MS);
    const one = await measure(PHASE1_MS);

    // Phase 2: 1,000 viewers of the same series, opened 100 at a time.
    ctx.log(`fan-out: opening ${CLIENTS - 1} more viewers`);
    const opening = performance.now();
    for (let n = 1; n < CLIENTS; n += BATCH) {
      await Promise.all(Array.from({ length: Math.min(BATCH, CLIENTS - n) }, () => open(liveUrl).ready));
    }
    const openSeconds = (performance.now() - opening) / 1000;
    await sleep(SETTLE_MS);
    ctx.log(`fan-out: ${CLIENTS} viewers (opened in ${openSeconds.toFixed(1)} s)`);
    const many = await measure(PHASE2_MS);

    // Phase 3: the firehose pours and a viewer that reads (the twin) takes it with the big snapshots;
    // then a viewer with the same subscription stops reading once its response headers arrive, as a
    // frozen tab would. The others' latency with the twin alone is the peer of theirs during the stall.
    ctx.log('fan-out: the firehose, then a viewer that stops reading');
    pouring = true;
    firehose = pour();
    const sizer = open(streamUrl([{ run: runId, metric: bigMetrics[0], columns: BIG_COLUMNS }]));
    await sizer.ready;
    const perSeries = wireBytes(sizer.client.events.find((e) => e.event === 'snapshot')!);
    // Snapshot bytes grow with the columns asked for: whole series at the widest, then one narrower for the rest.
    const stalledSeries: Array<{ run: string; metric: string; columns: number }> = [];
    for (let rest = QUEUE_LIMIT - MARGIN, i = 0; rest > 0 && i < bigMetrics.length; rest -= perSeries, i++) {
      stalledSeries.push({ run: runId, metric: bigMetrics[i], columns: Math.max(16, Math.min(BIG_COLUMNS, Math.round((rest / perSeries) * BIG_COLUMNS))) });
    }
    // The firehose's points, not its snapshot: that is kept small.
    stalledSeries.push({ run: runId, metric: 'firehose', columns: 16 });
    let twinBytes = 0;
    const twin = open(streamUrl(stalledSeries), (message) => (twinBytes += wireBytes(message)));
    await twin.ready;
    const burst = twinBytes;
    sizer.client.close();
    await sleep(2000);
    const twinWindow = await measure(PHASE3_MS);
    const evictedBefore = (await health()).evicted;
    const stalled = new SseClient(streamUrl(stalledSeries));
    clients.push(stalled);
    await stalled.opened;
    stalled.pause();
    const pausedAt = Date.now();
    const twinBytesAtPause = twinBytes;
    window = new Window();
    let closedAt = NaN;
    void stalled.whenClosed().then(() => (closedAt = Date.now()));
    let evictedAt = NaN;
    while (Date.now() - pausedAt < 30_000) {
      if ((await health()).evicted > evictedBefore) {
        evictedAt = Date.now();
        break;
      }
      await sleep(50);
    }
    const duringEviction = window;
    window = undefined;
    // What the relay had sent the stalled viewer by then: its snapshots, and what the twin got since the pause.
    const sentToStalled = burst + twinBytes - twinBytesAtPause;
    // A second longer: the twin, which reads, must still be there.
    await sleep(1000);
    pouring = false;
    await firehose;
    const afterEviction = await health();
    const evicted = afterEviction.evicted - evictedBefore;
    const evictSeconds = (evictedAt - pausedAt) / 1000;
    // The paused client's socket holds unread data ahead of the relay's close, so it cannot see the close.
    const closedWhilePaused = Number.isFinite(closedAt);
    stalled.close();
    const twinKept = !twin.client.closed;
    twin.client.close();
    ctx.log(`fan-out: evicted ${evictSeconds.toFixed(2)} s after the pause (${evicted} evicted; the reading twin ${twinKept ? 'kept' : 'LOST'})`);

    const kb = (bytes: number) => bytes / 1024;
    const rssPerClient = (many.rss - one.rss) / (CLIENTS - 1);
    const heapPerClient = (many.heapUsed - one.heapUsed) / (CLIENTS - 1);
    const p = (values: number[], q: number) => percentile(values, q);
    const [one1, many1, twin1, evict1] = [one.received.latencies, many.received.latencies, twinWindow.received.latencies, duringEviction.latencies];
    const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
    ctx.log(`fan-out: ${pointsEvents} points events received, ${firehoseRows} firehose rows inserted, ${writeErrors} failed inserts`);
    return [
      {
        scenario: 'fan-out', case: `${CLIENTS} viewers, 4 series, 1 s poll`, metric: 'ClickHouse queries per cycle',
        ours: many.perCycle, peer: one.perCycle, peerName: '1 viewer', unit: 'q', ratio: one.perCycle / many.perCycle,
        target: '= 1 viewer', pass: many.perCycle <= one.perCycle + 0.1, reps: many.polls,
        note: `Δqueries/Δpolls from /healthz over ${many.polls} polls (${one.polls} with 1 viewer)`,
      },
      {
        scenario: 'fan-out', case: `${CLIENTS} viewers`, metric: 'relay memory per viewer (RSS)',
        ours: kb(rssPerClient), unit: 'KB', target: '≤ 50 KB', pass: kb(rssPerClient) <= 50, reps: many.memorySamples,
        note: `(RSS with ${CLIENTS} − RSS with 1) / ${CLIENTS - 1}, medians of ${one.memorySamples} and ${many.memorySamples} /healthz samples (${one.viewers} and ${many.viewers} viewers): ${mb(one.rss)} → ${mb(many.rss)} MiB; heapUsed ${mb(one.heapUsed)} → ${mb(many.heapUsed)} MiB = ${kb(heapPerClient).toFixed(1)} KB per viewer`,
      },
      {
        scenario: 'fan-out', case: `${CLIENTS} viewers, insert → viewer`, metric: 'p99 delivery latency',
        ours: p(many1, 99), peer: p(one1, 99), peerName: '1 viewer', unit: 'ms', reps: many1.length,
        note: `includes the wait for the next 1 s poll (0–1000 ms); p50 ${p(many1, 50).toFixed(0)} ms (1 viewer: ${p(one1, 50).toFixed(0)} ms), max ${many1.reduce((a, b) => Math.max(a, b), -Infinity).toFixed(0)} ms; fan-out spread (a viewer's receive time − the first viewer's, same point) p50 ${p(many.received.spread(), 50).toFixed(0)} ms, p99 ${p(many.received.spread(), 99).toFixed(0)} ms; over ${many1.length} points (1 viewer: ${one1.length}); viewers opened in ${openSeconds.toFixed(1)} s`,
      },
      {
        scenario: 'fan-out', case: 'viewer that stopped reading', metric: 'time to evict',
        ours: evictSeconds, unit: 's', target: '≤ 5 s', pass: evictSeconds <= 5 && evicted === 1 && twinKept, reps: 1,
        note: `from pause() right after the response headers to the relay's evicted count rising (/healthz every 50 ms). The relay evicts a viewer 3 s (checked every 250 ms) after its writes to it back up, which they only do once the kernel's socket buffers are full: by then it had sent this one ${mb(sentToStalled)} MiB, ${mb(burst)} MiB of it at once (snapshots of ${stalledSeries.length - 1} series of ${BIG_POINTS.toLocaleString('en-US')} points at ${stalledSeries.slice(0, -1).map((x) => x.columns).join(', ')} columns), the rest points of a series getting ${FIREHOSE_RATE.toLocaleString('en-US')} points/s. ${evicted} viewer evicted, its twin that reads the same ${twinKept ? 'kept' : 'evicted too'}, ${afterEviction.viewers} viewers left; the paused client ${closedWhilePaused ? `saw the close after ${((closedAt - pausedAt) / 1000).toFixed(2)} s` : 'could not see the close (unread data ahead of it)'}`,
      },
      {
        scenario: 'fan-out', case: `${CLIENTS} others during the eviction`, metric: 'p99 delivery latency',
        ours: p(evict1, 99), peer: p(twin1, 99), peerName: 'no stalled viewer', unit: 'ms', ratio: p(twin1, 99) / p(evict1, 99),
        target: '≤ 1.2× peer', pass: p(evict1, 99) <= 1.2 * p(twin1, 99), reps: evict1.length,
        note: `between pause and eviction (${evict1.length} points), against ${PHASE3_MS / 1000} s just before it (${twin1.length} points) with the same firehose pouring to the twin; p50 ${p(evict1, 50).toFixed(0)} ms vs ${p(twin1, 50).toFixed(0)} ms, fan-out spread p99 ${p(duringEviction.spread(), 99).toFixed(0)} ms vs ${p(twinWindow.received.spread(), 99).toFixed(0)} ms. The firehose's inserts and polls load the same 2 cores: without it (phase 2) p99 was ${p(many1, 99).toFixed(0)} ms`,
      },
    ];
  } finally {
    writing = false;
    pouring = false;
    window = undefined;
    for (const client of clients) client.close();
    await Promise.all([...writers, firehose]);
    await relay.stop();
  }
}

/** Bytes of an event on the wire (ASCII: the relay's JSON escapes nothing else here). */
function wireBytes(message: SseMessage): number {
  return (message.id === undefined ? 0 : 5 + message.id.length) + (message.event === 'message' ? 0 : 8 + message.event.length) + 7 + message.data.length + 1;
}

/** Latencies received in a time window, by point (`key` + step), for percentiles and the fan-out spread. */
class Window {
  readonly latencies: number[] = [];
  private readonly byPoint = new Map<string, number[]>();

  add(point: string, latency: number) {
    this.latencies.push(latency);
    let list = this.byPoint.get(point);
    if (!list) this.byPoint.set(point, (list = []));
    list.push(latency);
  }

  /** Each receipt's delay after the first viewer that got the same point. */
  spread(): number[] {
    const out: number[] = [];
    for (const list of this.byPoint.values()) {
      const first = Math.min(...list);
      for (const latency of list) out.push(latency - first);
    }
    return out;
  }
}

interface RelayProcess {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** `trainwatch relay` in a child process; resolves once it prints its URL. */
async function startRelayProcess(clickhouseUrl: string): Promise<RelayProcess> {
  const child = spawn(process.execPath, [BIN, 'relay', '--clickhouse', clickhouseUrl, '--port', '0', '--poll-interval', '1', '--max-clients', '5000'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`relay printed nothing in 30 s: ${stderr}`));
    }, 30_000);
    child.stdout!.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
      const line = /^.*\n/.exec(stdout)?.[0];
      if (!line) return;
      clearTimeout(timer);
      const match = /on (http:\/\/\S+)/.exec(line);
      if (match) return resolve(match[1]);
      child.kill('SIGKILL');
      reject(new Error(`unexpected first line from the relay: ${line}`));
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`relay exited with ${child.exitCode}: ${stderr}`));
    });
  });
  return {
    url,
    child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
