/**
 * Scenario: a 60 s ClickHouse outage seen by page-like stores at the default
 * 2 s poll. Each viewer is a TelemetryStore with four series and two row
 * queries (a dashboard tab), reading through the fault-injecting proxy; a
 * trainer keeps writing 5 steps/s straight into ClickHouse all along, so the
 * viewers must catch up. The proxy's port is closed for OUTAGE_S seconds
 * (connection refused), then opened again.
 *
 * Reported: requests per minute per viewer while healthy and during the
 * outage (no storm: it must not exceed the healthy rate), time from the
 * server being back to each viewer's first successful poll (median and max
 * over the viewers, whose jitter is independent; target ≤ two poll
 * intervals plus one request), and gaps and duplicates in every series
 * against the steps written (target 0).
 *
 * `npm run bench -- outage`, or alone: `node --import tsx bench/outage.ts`
 * (OUTAGE_S=10 VIEWERS=4 for a quick look).
 */
import { pathToFileURL } from 'node:url';
import type { BenchContext, BenchRow } from './run.js';
import { sharedClickHouse, closeShared } from './browser.js';
import { startFaultProxy } from '../src/server/fault-proxy.js';
import { ClickHouseSource } from '../src/sources/clickhouse-source.js';
import { TelemetryStore } from '../src/store/store.js';

export const title = `a ${Number(process.env.OUTAGE_S ?? 60)} s ClickHouse outage at the default 2 s poll: requests/min, recovery time, gaps and duplicates`;

const OUTAGE_S = Number(process.env.OUTAGE_S ?? 60);
const VIEWERS = Number(process.env.VIEWERS ?? 12);
const HEALTHY_S = 20;
const POLL = 2000;
const RATE = 5;
const METRICS = ['loss', 'val_loss', 'lr', 'grad_norm'];
const TABLE = 'training_observability.metric_points';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const ch = await sharedClickHouse();
  const proxy = await startFaultProxy(ch);
  const runId = `outage-${Date.now().toString(36)}`;
  const valueOf = (metric: string, step: number) => METRICS.indexOf(metric) + 1 / step;

  // The trainer: RATE steps a second of every metric, written to ClickHouse directly.
  let written = 0;
  let writing = true;
  const write = async (to: number) => {
    const rows: string[] = [];
    for (let step = written + 1; step <= to; step++) {
      for (const metric of METRICS) rows.push(`('${runId}', '${metric}', ${step}, ${valueOf(metric, step)})`);
    }
    const response = await fetch(`${ch.url}/`, { method: 'POST', body: `INSERT INTO ${TABLE} (run_id, metric, step, value) VALUES ${rows.join(',')}` });
    if (!response.ok) throw new Error(await response.text());
    written = to;
  };
  await write(50);
  const trainer = (async () => {
    while (writing) {
      await sleep(1000 / RATE);
      await write(written + 1);
    }
  })();

  interface Viewer {
    store: TelemetryStore;
    polls: Array<{ at: number; ok: boolean }>;
    off: Array<() => void>;
  }
  const viewers: Viewer[] = [];
  for (let i = 0; i < VIEWERS; i++) {
    const polls: Viewer['polls'] = [];
    // Each viewer its own source (its own page), so nothing is shared between them.
    const store = new TelemetryStore(new ClickHouseSource({ url: proxy.url }), {
      pollInterval: POLL,
      onPoll: (h) => polls.push({ at: Date.now(), ok: h.failures === 0 }),
    });
    const off = METRICS.map((metric) => store.subscribe({ run: runId, metric }, () => {}));
    off.push(
      store.subscribeRows({ kind: 'latest', sql: 'SELECT metric, argMax(value, step) AS v FROM {{table}} WHERE run_id = {run:String} GROUP BY metric', params: { run: runId } }, () => {}),
      store.subscribeRows({ kind: 'count', sql: 'SELECT count() AS n FROM {{table}} WHERE run_id = {run:String}', params: { run: runId } }, () => {}),
    );
    viewers.push({ store, polls, off });
    // Pages open at different moments, as they do.
    await sleep(POLL / VIEWERS);
  }

  try {
    ctx.log(`outage: ${VIEWERS} viewers healthy for ${HEALTHY_S} s`);
    await sleep(5000);
    const healthyFrom = viewers.map((v) => v.store.requests);
    await sleep(HEALTHY_S * 1000);
    const healthyPerMin = mean(viewers.map((v, i) => v.store.requests - healthyFrom[i])) / (HEALTHY_S / 60);

    ctx.log(`outage: the server away for ${OUTAGE_S} s`);
    const downFrom = viewers.map((v) => v.store.requests);
    await proxy.down();
    const downAt = Date.now();
    await sleep(OUTAGE_S * 1000);
    const outagePerMin = mean(viewers.map((v, i) => v.store.requests - downFrom[i])) / ((Date.now() - downAt) / 60_000);
    const failuresSeen = Math.min(...viewers.map((v) => v.store.health.failures));

    await proxy.up();
    const upAt = Date.now();
    ctx.log('outage: the server is back');
    await waitUntil(() => viewers.every((v) => v.polls.some((p) => p.at >= upAt && p.ok)), 30_000);
    const recovery = viewers.map((v) => v.polls.find((p) => p.at >= upAt && p.ok)!.at - upAt);

    writing = false;
    await trainer;
    // Every viewer catches up with everything written; then gaps and duplicates are counted.
    await waitUntil(() => viewers.every((v) => METRICS.every((metric) => v.store.series({ run: runId, metric })!.lastStep === written)), 30_000);
    let gaps = 0;
    let duplicates = 0;
    let wrong = 0;
    for (const v of viewers) {
      for (const metric of METRICS) {
        const buffer = v.store.series({ run: runId, metric })!;
        const seen = new Set<number>();
        for (let i = 0; i < buffer.length; i++) {
          const step = buffer.steps[i];
          if (seen.has(step)) duplicates++;
          seen.add(step);
          if (buffer.values[i] !== valueOf(metric, step)) wrong++;
        }
        for (let step = 1; step <= written; step++) if (!seen.has(step)) gaps++;
      }
    }
    const median = ctx.median(recovery);
    const max = Math.max(...recovery);
    const outageCase = `${VIEWERS} viewers, ${OUTAGE_S} s outage, poll ${POLL / 1000} s`;
    return [
      {
        scenario: 'outage', case: outageCase, metric: 'requests/min per viewer during the outage',
        ours: outagePerMin, peer: healthyPerMin, peerName: 'healthy', unit: 'req/min', ratio: healthyPerMin / outagePerMin,
        target: '≤ healthy', pass: outagePerMin <= healthyPerMin * 1.05, reps: VIEWERS,
        note: `two requests a poll (points, rows); at least ${failuresSeen} failed polls in a row per viewer`,
      },
      {
        scenario: 'outage', case: outageCase, metric: 'server back → first good poll (median)',
        ours: median / 1000, unit: 's', target: `≤ ${(2 * POLL) / 1000} s + a request`, pass: median <= 2 * POLL + 1000, reps: VIEWERS,
        note: `max ${(max / 1000).toFixed(2)} s over ${VIEWERS} viewers; all: ${recovery.map((r) => (r / 1000).toFixed(1)).join(', ')} s`,
      },
      {
        scenario: 'outage', case: outageCase, metric: 'server back → first good poll (max)',
        ours: max / 1000, unit: 's', target: `≤ ${(2 * POLL) / 1000} s + a request`, pass: max <= 2 * POLL + 1000, reps: VIEWERS,
      },
      {
        scenario: 'outage', case: `${outageCase}, ${written} steps × ${METRICS.length} series each`, metric: 'gaps + duplicates + wrong values',
        ours: gaps + duplicates + wrong, unit: 'points', target: '0', pass: gaps + duplicates + wrong === 0, reps: VIEWERS,
        note: `gaps ${gaps}, duplicates ${duplicates}, wrong values ${wrong}, over ${VIEWERS * METRICS.length} series`,
      },
    ];
  } finally {
    writing = false;
    await trainer.catch(() => {});
    for (const v of viewers) for (const off of v.off) off();
    await proxy.close();
  }
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

async function waitUntil(test: () => boolean, timeout: number) {
  const until = Date.now() + timeout;
  while (!test()) {
    if (Date.now() > until) throw new Error('outage bench: timed out');
    await sleep(50);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { context, formatTable } = await import('./run.js');
  const rows = await run(context);
  process.stdout.write(`\n${title}\n\n${formatTable(rows)}\n`);
  await closeShared();
}
