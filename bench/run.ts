/**
 * Benchmark runner: `npm run bench [-- scenario ...]`.
 *
 * Runs the named scenarios (all of them when none is named) in the order of
 * SCENARIOS, prints one aligned table, writes bench/results/latest.json and
 * exits 1 when a row misses its target. Scenario modules use only the context
 * they are handed and import nothing but types from this file (a runtime
 * import would be a cycle with the entry module). See bench/README.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** One measured comparison; `ours` and `peer` are medians over `reps` samples. */
export interface BenchRow {
  scenario: string;
  case: string;
  /** What was measured, e.g. `time`, `throughput`. */
  metric: string;
  ours: number;
  /** Same metric for the peer on the same data in the same run; absent when there is none. */
  peer?: number;
  peerName?: string;
  unit: string;
  /** How many times better ours is than the peer (> 1: ours wins), whichever way the metric points. */
  ratio?: number;
  /** Human-readable goal, e.g. `≥ 20× peer`. */
  target?: string;
  /** Whether the goal was met; absent when the row has no target. */
  pass?: boolean;
  reps: number;
  /** Anything a reader needs to trust the row (data differences, caveats). */
  note?: string;
  samples?: { ours: number[]; peer?: number[] };
}

export interface BenchContext {
  /**
   * Calls `fn` `warmup` times untimed, then `reps` times timed, with a full
   * garbage collection before each call (outside the timing) so one side's
   * garbage is not billed to the other; `gc: false` times calls back to back,
   * each paying for whatever collection the earlier ones left due. Returns the
   * samples in milliseconds.
   */
  time(fn: () => unknown, options: { reps: number; warmup?: number; gc?: boolean }): number[];
  median(samples: readonly number[]): number;
  /** Progress on stderr, so stdout stays the table. */
  log(message: string): void;
}

export interface Scenario {
  /** One line shown above the scenario's rows. */
  title: string;
  run(ctx: BenchContext): Promise<BenchRow[]>;
}

/** Every scenario, in the order they run. Register a new one here. */
export const SCENARIOS: Record<string, () => Promise<Scenario>> = {
  kernels: () => import('./kernels.js'),
  'first-view': () => import('./first-view.js'),
  coalescing: () => import('./coalescing.js'),
  'live-tail': () => import('./live-tail.js'),
  'fan-out': () => import('./fan-out.js'),
  outage: () => import('./outage.js'),
};

const gc = exposeGc();

function exposeGc(): () => void {
  // `npm run bench` starts Node without --expose-gc; this is the documented
  // way to reach V8's gc() from inside.
  setFlagsFromString('--expose-gc');
  const fn = runInNewContext('gc') as unknown;
  return typeof fn === 'function' ? (fn as () => void) : () => {};
}

let checksum = 0;

export const context: BenchContext = {
  time(fn, { reps, warmup = 1, gc: collect = true }) {
    for (let i = 0; i < warmup; i++) keep(fn());
    const samples: number[] = [];
    for (let i = 0; i < reps; i++) {
      if (collect) gc();
      const start = performance.now();
      const result = fn();
      samples.push(performance.now() - start);
      keep(result);
    }
    return samples;
  },
  median(samples) {
    const sorted = [...samples].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  },
  log(message) {
    process.stderr.write(`${message}\n`);
  },
};

/** Touches a result so the work that made it cannot be optimised away. */
function keep(result: unknown): void {
  if (result && typeof result === 'object' && 'length' in result) checksum += (result as ArrayLike<unknown>).length;
}

export function formatTable(rows: readonly BenchRow[]): string {
  const header = ['scenario', 'case', 'metric', 'ours', 'peer', 'ratio', 'target', 'result'];
  const notes: string[] = [];
  const body = rows.map((row) => {
    let result = row.pass === undefined ? '' : row.pass ? 'PASS' : 'FAIL';
    if (row.note) {
      let index = notes.indexOf(row.note);
      if (index < 0) index = notes.push(row.note) - 1;
      result += ` [${index + 1}]`;
    }
    return [
      row.scenario,
      row.case,
      row.metric,
      `${formatNumber(row.ours)} ${row.unit}`,
      row.peer === undefined ? '' : `${formatNumber(row.peer)} ${row.unit} ${row.peerName ?? ''}`.trimEnd(),
      row.ratio === undefined ? '' : `${row.ratio.toFixed(1)}×`,
      row.target ?? '',
      result.trim(),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((cells) => cells[i].length)));
  const numeric = new Set([3, 4, 5]);
  const line = (cells: string[]) =>
    cells.map((cell, i) => (numeric.has(i) ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join('  ').trimEnd();
  return [
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...body.map(line),
    ...notes.map((note, i) => `[${i + 1}] ${note}`),
  ].join('\n');
}

function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude >= 100) return value.toFixed(0);
  if (magnitude >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

async function main(argv: string[]): Promise<number> {
  const names = argv.length > 0 ? argv : Object.keys(SCENARIOS);
  const unknown = names.filter((name) => !(name in SCENARIOS));
  if (unknown.length > 0) {
    process.stderr.write(`unknown scenario ${unknown.join(', ')}; known: ${Object.keys(SCENARIOS).join(', ')}\n`);
    return 2;
  }
  const started = new Date();
  const rows: BenchRow[] = [];
  const scenarios: Array<{ name: string; title: string; seconds: number }> = [];
  for (const name of Object.keys(SCENARIOS).filter((key) => names.includes(key))) {
    const scenario = await SCENARIOS[name]();
    context.log(`${name}: ${scenario.title}`);
    const start = performance.now();
    rows.push(...(await scenario.run(context)));
    const seconds = (performance.now() - start) / 1000;
    scenarios.push({ name, title: scenario.title, seconds });
    context.log(`${name}: done in ${seconds.toFixed(1)} s`);
  }

  const machine = `Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}`;
  process.stdout.write(`\n${machine}\n${scenarios.map((s) => `${s.name}: ${s.title}`).join('\n')}\n\n${formatTable(rows)}\n`);
  const failed = rows.filter((row) => row.pass === false).length;
  const judged = rows.filter((row) => row.pass !== undefined).length;
  process.stdout.write(`\n${judged - failed} of ${judged} targets met\n`);

  const resultsDir = join(dirname(fileURLToPath(import.meta.url)), 'results');
  mkdirSync(resultsDir, { recursive: true });
  const report = { started: started.toISOString(), machine, scenarios, rows, failed, checksum };
  writeFileSync(join(resultsDir, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  // Browser scenarios share one embedded ClickHouse for the whole run; it goes last.
  const { closeShared } = await import('./browser.js');
  await closeShared();
  return failed > 0 ? 1 : 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
