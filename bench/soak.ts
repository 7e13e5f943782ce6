/**
 * `npm run soak [-- --minutes 10 --rate 500 --port 0]`: the demo dashboard
 * against live simulated runs for a long accelerated session (see
 * bench/soak-harness.ts). Prints a row per sampling window and a summary,
 * writes bench/results/soak.json, and exits 1 when the page logged an error
 * or an element showed one.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { percentile, runSoak, slope, SoakError, type SoakResult, type SoakSample } from './soak-harness.js';

const USAGE = 'usage: npm run soak -- [--minutes 10] [--rate 500] [--port 0] [--sample-seconds 30] [--tour-every 4]';

function number(value: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max) throw new RangeError(`--${name} must be a number from ${min} to ${max}; got "${value}"`);
  return n;
}

export interface SoakSummary {
  minutes: number;
  samples: number;
  /** Least-squares slope of the JS heap (after GC) over the second half of the session, MB per hour. */
  heapSlopeMBPerHour: number;
  /** The same for the ArrayBuffer backing stores (the series' typed arrays). */
  buffersSlopeMBPerHour: number;
  heapFirstMB: number;
  heapLastMB: number;
  buffersFirstMB: number;
  buffersLastMB: number;
  framesMs: { p50: number; p95: number; p99: number; max: number; count: number };
  longTasksPerMinute: number;
  requestsPerMinute: number;
  /** Nodes and listeners on the home level after the warm-up, and the largest difference at a return. */
  nodes: { baseline: number; maxDrift: number };
  listeners: { baseline: number; maxDrift: number };
  elements: { baseline: number; maxDrift: number };
  returns: number;
  maxPointsPerSeries: number;
  pointBudget: number;
  demoRssFirstMB: number;
  demoRssLastMB: number;
}

const MB = 2 ** 20;

export function summarize(result: SoakResult): SoakSummary {
  const { samples } = result;
  const minutes = samples.at(-1)?.minute ?? 0;
  const second = samples.filter((s) => s.minute >= minutes / 2);
  const hours = second.map((s) => s.minute / 60);
  const drift = (key: 'nodes' | 'listeners' | 'elements') => ({
    baseline: result.baseline[key],
    maxDrift: result.returns.reduce((m, c) => (Math.abs(c[key] - result.baseline[key]) > Math.abs(m) ? c[key] - result.baseline[key] : m), 0),
  });
  const totalMinutes = samples.reduce((sum, s, i) => sum + (s.minute - (i ? samples[i - 1].minute : 0)), 0);
  return {
    minutes,
    samples: samples.length,
    heapSlopeMBPerHour: slope(
      hours,
      second.map((s) => s.heapUsed / MB),
    ),
    buffersSlopeMBPerHour: slope(
      hours,
      second.map((s) => s.backingStore / MB),
    ),
    heapFirstMB: (samples[0]?.heapUsed ?? NaN) / MB,
    heapLastMB: (samples.at(-1)?.heapUsed ?? NaN) / MB,
    buffersFirstMB: (samples[0]?.backingStore ?? NaN) / MB,
    buffersLastMB: (samples.at(-1)?.backingStore ?? NaN) / MB,
    framesMs: {
      p50: percentile(result.frameIntervals, 50),
      p95: percentile(result.frameIntervals, 95),
      p99: percentile(result.frameIntervals, 99),
      max: result.frameIntervals.reduce((m, v) => Math.max(m, v), 0),
      count: result.frameIntervals.length,
    },
    longTasksPerMinute: samples.reduce((n, s) => n + s.longTasks, 0) / totalMinutes,
    requestsPerMinute: samples.reduce((n, s, i) => n + s.requestsPerMinute * (s.minute - (i ? samples[i - 1].minute : 0)), 0) / totalMinutes,
    nodes: drift('nodes'),
    listeners: drift('listeners'),
    elements: drift('elements'),
    returns: result.returns.length,
    maxPointsPerSeries: samples.reduce((m, s) => Math.max(m, s.maxPoints), 0),
    pointBudget: result.options.pointBudget,
    demoRssFirstMB: (samples[0]?.demoRss ?? NaN) / MB,
    demoRssLastMB: (samples.at(-1)?.demoRss ?? NaN) / MB,
  };
}

function table(samples: SoakSample[]): string {
  const head = ['min', 'tour', 'heap MB', 'buffers MB', 'nodes', 'listeners', 'frames', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'long tasks', 'req/min', 'series', 'max points', 'demo RSS MB', 'load'];
  const f1 = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : '–');
  const rows = samples.map((s) => [
    f1(s.minute),
    s.toured ? 'yes' : '',
    f1(s.heapUsed / MB),
    f1(s.backingStore / MB),
    String(s.nodes),
    String(s.listeners),
    String(s.frames),
    f1(s.frameP50),
    f1(s.frameP95),
    f1(s.frameP99),
    f1(s.frameMax),
    String(s.longTasks),
    s.requestsPerMinute.toFixed(0),
    String(s.series),
    String(s.maxPoints),
    f1(s.demoRss / MB),
    s.load.toFixed(2),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i])).join('  ');
  return [line(head), ...rows.map(line)].join('\n');
}

function describe(s: SoakSummary, result: SoakResult): string {
  const f = (v: number, d = 1) => (Number.isFinite(v) ? v.toFixed(d) : '–');
  const signed = (v: number) => (v > 0 ? `+${v}` : String(v));
  return [
    `session: ${f(s.minutes)} min at ${result.options.rate} steps/s per live run, ${s.samples} windows of ${result.options.sampleSeconds} s, ${s.returns} tours of every level`,
    `JS heap after GC: ${f(s.heapFirstMB)} MB first → ${f(s.heapLastMB)} MB last; slope over the second half ${f(s.heapSlopeMBPerHour, 2)} MB/h`,
    `typed-array buffers: ${f(s.buffersFirstMB)} MB first → ${f(s.buffersLastMB)} MB last; slope over the second half ${f(s.buffersSlopeMBPerHour, 2)} MB/h`,
    `frame interval: p50 ${f(s.framesMs.p50)} ms, p95 ${f(s.framesMs.p95)} ms, p99 ${f(s.framesMs.p99)} ms, max ${f(s.framesMs.max)} ms over ${s.framesMs.count} frames`,
    `long tasks: ${f(s.longTasksPerMinute, 2)} per minute; requests to ClickHouse: ${f(s.requestsPerMinute)} per minute`,
    `on returning to the dashboard (${s.returns}×): nodes ${s.nodes.baseline} (${signed(s.nodes.maxDrift)}), listeners ${s.listeners.baseline} (${signed(s.listeners.maxDrift)}), elements ${s.elements.baseline} (${signed(s.elements.maxDrift)})`,
    `points per series: at most ${s.maxPointsPerSeries} (budget ${s.pointBudget})`,
    `demo process RSS: ${f(s.demoRssFirstMB)} MB → ${f(s.demoRssLastMB)} MB`,
    `load average (1/5/15 min): ${result.loadAverage.start.map((v) => v.toFixed(2)).join('/')} at start, ${result.loadAverage.end.map((v) => v.toFixed(2)).join('/')} at end`,
  ].join('\n');
}

async function main(): Promise<number> {
  let options;
  try {
    const { values } = parseArgs({
      options: {
        minutes: { type: 'string' },
        rate: { type: 'string' },
        port: { type: 'string' },
        'sample-seconds': { type: 'string' },
        'tour-every': { type: 'string' },
      },
    });
    options = {
      minutes: number(values.minutes, 'minutes', 10, 0.1, 24 * 60),
      rate: number(values.rate, 'rate', 500, 1, 10_000),
      port: number(values.port, 'port', 0, 0, 65535),
      sampleSeconds: number(values['sample-seconds'], 'sample-seconds', 30, 5, 3600),
      tourEvery: number(values['tour-every'], 'tour-every', 4, 1, 1000),
    };
  } catch (error) {
    process.stderr.write(`soak: ${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    return 2;
  }
  const machine = `Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}`;
  let result: SoakResult;
  try {
    result = await runSoak({ ...options, log: (m) => process.stderr.write(`${m}\n`) });
  } catch (error) {
    process.stderr.write(`\nsoak FAILED: ${error instanceof Error ? error.message : String(error)}\n`);
    if (!(error instanceof SoakError)) process.stderr.write(`${(error as Error)?.stack ?? ''}\n`);
    return 1;
  }
  const summary = summarize(result);
  process.stdout.write(`\n${machine}\n\n${table(result.samples)}\n\n${describe(summary, result)}\n`);
  const resultsDir = join(dirname(fileURLToPath(import.meta.url)), 'results');
  mkdirSync(resultsDir, { recursive: true });
  const { frameIntervals: _frames, ...rest } = result;
  writeFileSync(join(resultsDir, 'soak.json'), `${JSON.stringify({ machine, summary, ...rest }, null, 2)}\n`);
  process.stderr.write(`wrote bench/results/soak.json\n`);
  return result.errors.length ? 1 : 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = await main();
