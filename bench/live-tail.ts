/**
 * Scenario 4: a live tail of 8 series for a simulated long session. The
 * simulator runs 4 runs at 1,000 steps/s, so 90 s of it are 90,000 steps per series,
 * a day of training at one step a second. Heap is read after a full GC once
 * the page is in steady state and again at the end, against the same page
 * with an unbounded store (no point budget).
 */
import type { BenchContext, BenchRow } from './run.js';
import type { BenchGlobal } from './bench-api.js';
import { openBenchPage, percentile, sharedClickHouse } from './browser.js';
import { simulate } from '../src/server/simulator.js';

export const title = 'live tail of 8 series over a simulated day (90,000 steps): heap and update time vs an unbounded store';

const RATE = 1000;
const SECONDS = 90;
/** Small enough that the budget is reached early in the run, so most of it is steady state. */
const BUDGET = 12_000;

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const ch = await sharedClickHouse();
  const series: Array<[string, string]> = [];
  // Metrics logged at every step, so every series reaches the budget and the steady state is the budget's.
  for (const run of ['day-0', 'day-1', 'day-2', 'day-3']) for (const metric of ['loss', 'loss_t+1']) series.push([run, metric]);

  const session = async (budget: number | undefined, prefix: string) => {
    const controller = new AbortController();
    const named = series.map(([run, metric]) => [run.replace('day-', prefix), metric] as [string, string]);
    const simulation = simulate({ url: ch.url, runs: 4, history: 1000, stepsPerSecond: RATE, runPrefix: prefix, seed: 11, signal: controller.signal, log: () => {} });
    const page = await openBenchPage();
    try {
      await new Promise((r) => setTimeout(r, 2000));
      await page.page.evaluate(([url, s, poll, b]) => (globalThis as BenchGlobal).trainwatchBench.mount(url, s, s.length, true, poll, b), [ch.url, named, 1000, budget ?? Number.MAX_SAFE_INTEGER] as const);
      // Steady state: the bounded store has reached its budget after BUDGET / RATE seconds.
      await new Promise((r) => setTimeout(r, 25_000));
      const start = await page.heapUsed();
      const startHeld = await page.page.evaluate(() => (globalThis as BenchGlobal).trainwatchBench.held());
      const steady = await page.page.evaluate((ms) => (globalThis as BenchGlobal).trainwatchBench.steadyState('http://127.0.0.1', ms), (SECONDS - 27) * 1000);
      const end = await page.heapUsed();
      const endHeld = await page.page.evaluate(() => (globalThis as BenchGlobal).trainwatchBench.held());
      await page.page.evaluate(() => (globalThis as BenchGlobal).trainwatchBench.clear());
      return { start, end, startHeld, endHeld, drawMs: steady.drawMs };
    } finally {
      await page.close();
      controller.abort();
      await simulation;
    }
  };
  ctx.log('live-tail: bounded store');
  const ours = await session(BUDGET, 'day-');
  ctx.log('live-tail: unbounded store');
  const peer = await session(undefined, 'unb-');
  const growth = (s: typeof ours) => ((s.end - s.start) / s.start) * 100;
  const peerName = 'unbounded store';
  const mb = (b: number) => b / 1024 / 1024;
  return [
    {
      scenario: 'live-tail', case: `8 series, ${SECONDS} s at ${RATE} steps/s`, metric: 'heap growth, steady state → end',
      ours: growth(ours), peer: growth(peer), peerName, unit: '%', target: '≤ 10%', pass: Math.abs(growth(ours)) <= 10, reps: 1,
      note: `heap ours ${mb(ours.start).toFixed(1)} → ${mb(ours.end).toFixed(1)} MB holding ${ours.endHeld.points} points for ${ours.endHeld.total}; peer ${mb(peer.start).toFixed(1)} → ${mb(peer.end).toFixed(1)} MB holding ${peer.endHeld.points}; point budget ${BUDGET} per series`,
    },
    {
      scenario: 'live-tail', case: '8 series, one chart each', metric: 'chart update (median)',
      ours: ctx.median(ours.drawMs), peer: ctx.median(peer.drawMs), peerName, unit: 'ms', ratio: ctx.median(peer.drawMs) / ctx.median(ours.drawMs), reps: ours.drawMs.length,
      note: `p95 ours ${percentile(ours.drawMs, 95).toFixed(1)} ms, peer ${percentile(peer.drawMs, 95).toFixed(1)} ms`,
    },
  ];
}
