/**
 * Scenario 2: the first view of a 10M-point series from the embedded
 * ClickHouse, against the naive full fetch: rows and bytes on the wire (the
 * exact query the store sends, run from Node) and the time until the chart
 * has drawn (in Chromium).
 */
import type { BenchContext, BenchRow } from './run.js';
import type { BenchGlobal } from './bench-api.js';
import { openBenchPage, sharedClickHouse } from './browser.js';
import { ClickHouseSource } from '../src/sources/clickhouse-source.js';

export const title = 'first view of a 10M-point series: rows, bytes and time to first draw vs the naive full fetch';

const N = 10_000_000;
const RUN = 'bench-10m';
const COLUMNS = 1000;

async function post(url: string, query: string, params: Record<string, string | number>): Promise<number> {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) search.set(`param_${k}`, String(v));
  const response = await fetch(`${url}/?${search}`, { method: 'POST', body: query });
  if (!response.ok) throw new Error(await response.text());
  let bytes = 0;
  for await (const chunk of response.body!) bytes += (chunk as Uint8Array).length;
  return bytes;
}

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const ch = await sharedClickHouse();
  ctx.log(`first-view: inserting ${N.toLocaleString()} points`);
  await post(
    ch.url,
    `INSERT INTO training_observability.metric_points (run_id, metric, step, value, event_time)
     SELECT {run:String}, 'loss', number, if(number = 6543210, 40, 2 + exp(-number / 1e6) + sin(number / 5000) / 10 + (rand() % 1000) / 20000),
            toDateTime64('2026-01-01 00:00:00', 3, 'UTC') + toIntervalMillisecond(number * 50)
     FROM numbers({n:UInt64})`,
    { run: RUN, n: N },
  );

  const source = new ClickHouseSource({ url: ch.url });
  const { query, params } = source.buildQuery({ tails: [], views: [{ run: RUN, metric: 'loss', fromStep: 0, toStep: Infinity, columns: COLUMNS }], tailLimit: 1 });
  const viewBytes = await post(ch.url, query, params);
  const viewRows = viewBytes / 27;
  const naiveQuery = `SELECT toUInt16(0), toUInt8(0), toInt64(step), toInt64(toUnixTimestamp64Milli(event_time)), value
    FROM training_observability.metric_points WHERE run_id = {run:String} AND metric = 'loss' ORDER BY step FORMAT RowBinary`;
  const naiveBytes = await post(ch.url, naiveQuery, { run: RUN });
  const naiveRows = naiveBytes / 27;

  const page = await openBenchPage();
  const ours: number[] = [];
  const peer: number[] = [];
  let drawn = 0;
  try {
    for (let i = 0; i < 4; i++) {
      ctx.log(`first-view: trainwatch draw ${i + 1}`);
      const r = await page.page.evaluate(([url, run]) => (globalThis as BenchGlobal).trainwatchBench.chartFirstDraw(url, run, 'loss'), [ch.url, RUN] as const);
      if (i > 0) ours.push(r.ms); // the first one warms Vite's module cache
      drawn = r.drawn;
    }
    for (let i = 0; i < 2; i++) {
      ctx.log(`first-view: naive draw ${i + 1}`);
      const r = await page.page.evaluate(([url, run]) => (globalThis as BenchGlobal).trainwatchBench.naiveFirstDraw(url, run, 'loss'), [ch.url, RUN] as const);
      peer.push(r.ms);
    }
  } finally {
    await page.close();
  }
  const peerName = 'naive full fetch';
  return [
    {
      scenario: 'first-view', case: '10M pts, 1000 px', metric: 'rows on the wire', ours: viewRows, peer: naiveRows, peerName, unit: 'rows',
      ratio: naiveRows / viewRows, target: `≤ ${4 * COLUMNS} (4 × px)`, pass: viewRows <= 4 * COLUMNS + 1, reps: 1,
      note: 'rows include one summary row per series (count, steps per column); NaN/Inf columns may add one marker row each',
    },
    { scenario: 'first-view', case: '10M pts, 1000 px', metric: 'bytes on the wire', ours: viewBytes / 1024, peer: naiveBytes / 1024, peerName, unit: 'KiB', ratio: naiveBytes / viewBytes, reps: 1 },
    {
      scenario: 'first-view', case: '10M pts, chart ~1000 px', metric: 'time to first draw', ours: ctx.median(ours), peer: ctx.median(peer), peerName, unit: 'ms',
      ratio: ctx.median(peer) / ctx.median(ours), target: '< 1000 ms', pass: ctx.median(ours) < 1000, reps: ours.length,
      note: `the chart drew ${drawn} points; the peer downloads every row as RowBinary and hands all of them to uPlot`,
      samples: { ours, peer },
    },
  ];
}
