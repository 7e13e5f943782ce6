/**
 * Scenario 3: a page with 50 <loss-chart> elements on one source, fed by a
 * live simulated run: HTTP requests per poll cycle and main-thread long tasks
 * in steady state, against the same page with every element polling alone.
 */
import type { BenchContext, BenchRow } from './run.js';
import type { BenchGlobal } from './bench-api.js';
import { openBenchPage, percentile, sharedClickHouse } from './browser.js';
import { simulate } from '../src/server/simulator.js';

export const title = '50 elements on one source: requests per poll cycle and long tasks vs each element polling alone';

const ELEMENTS = 50;
const POLL_MS = 1000;
const WINDOW_MS = 15_000;

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const ch = await sharedClickHouse();
  const controller = new AbortController();
  const simulation = simulate({ url: ch.url, runs: 2, history: 20_000, stepsPerSecond: 10, runPrefix: 'co-', seed: 7, signal: controller.signal, log: () => {} });
  // The backfill is done once live steps arrive.
  await new Promise((r) => setTimeout(r, 8000));
  const series: Array<[string, string]> = [];
  for (const run of ['co-0', 'co-1']) for (const metric of ['loss', 'loss_t+1', 'loss_t+2', 'val_loss', 'tokens_per_s']) series.push([run, metric]);

  const page = await openBenchPage();
  const measure = async (shared: boolean) => {
    ctx.log(`coalescing: ${ELEMENTS} elements, ${shared ? 'one shared source' : 'a source each'}`);
    await page.page.evaluate(([url, s, n, sh, poll]) => (globalThis as BenchGlobal).trainwatchBench.mount(url, s, n, sh, poll), [ch.url, series, ELEMENTS, shared, POLL_MS] as const);
    // Let first views settle before steady state.
    await new Promise((r) => setTimeout(r, 3000));
    return page.page.evaluate(([url, ms]) => (globalThis as BenchGlobal).trainwatchBench.steadyState(url, ms), [ch.url, WINDOW_MS] as const);
  };
  let ours;
  let peer;
  try {
    ours = await measure(true);
    peer = await measure(false);
    await page.page.evaluate(() => (globalThis as BenchGlobal).trainwatchBench.clear());
  } finally {
    await page.close();
    controller.abort();
    await simulation;
  }
  const cycles = WINDOW_MS / POLL_MS;
  const peerName = 'each polling alone';
  return [
    {
      scenario: 'coalescing', case: `${ELEMENTS} elements, ${series.length} series`, metric: 'HTTP requests per poll cycle',
      ours: ours.requests / cycles, peer: peer.requests / cycles, peerName, unit: 'req', ratio: peer.requests / Math.max(1, ours.requests),
      target: '≤ 2', pass: ours.requests / cycles <= 2, reps: 1,
    },
    {
      scenario: 'coalescing', case: `${ELEMENTS} elements, ${WINDOW_MS / 1000} s steady state`, metric: 'long tasks > 50 ms',
      ours: ours.longTasks.length, peer: peer.longTasks.length, peerName, unit: 'tasks', target: '0', pass: ours.longTasks.length === 0, reps: 1,
      note: `longest task: ours ${Math.max(0, ...ours.longTasks).toFixed(0)} ms, peer ${Math.max(0, ...peer.longTasks).toFixed(0)} ms`,
    },
    {
      scenario: 'coalescing', case: `${ELEMENTS} elements`, metric: 'chart update (median / p95)',
      ours: ctx.median(ours.drawMs), peer: ctx.median(peer.drawMs), peerName, unit: 'ms', reps: ours.drawMs.length,
      note: `p95 ours ${percentile(ours.drawMs, 95).toFixed(1)} ms, peer ${percentile(peer.drawMs, 95).toFixed(1)} ms`,
    },
  ];
}
