/**
 * The rows the `big-number` SQL would return for fixture data (`fixture:` sources), for every
 * story that shows a `<big-number>`: the element's own, and the ones that put one beside
 * another element: call `registerBigNumberFixture()` in the story file (the package's
 * `sideEffects` list lets a bundler drop a bare `import './big-number.fixture.js'`).
 */
import { SPARK_BUCKETS } from '../src/elements/big-number/big-number.queries.js';
import { registerFixtureRows, type FixtureContext } from '../src/sources/fixture-source.js';
import type { QueryParam, QueryRow } from '../src/sources/source.js';

/** A run that stopped reporting 20 minutes ago (for the stale story). */
export const PREEMPTED = 'gpt-124m-preempted';
/** A run whose loss went to NaN. */
export const DIVERGED = 'gpt-124m-diverged';
/** Wall time of a step in the fixture (its default `stepMs`). */
const STEP_S = 0.45;

/** What each metric looks like in fixture data: a value per step, a unit, and how often it is logged. */
export const MODELS: Record<string, { unit: string; every: number; value: (step: number, seed: number) => number }> = {
  tokens_per_s: { unit: 'tok/s', every: 1, value: (s, k) => 412_000 * (1 + 0.04 * Math.sin(s / 90 + k) + 0.02 * Math.sin(s * 1.7)) * (1 - 0.5 * Math.exp(-s / 30)) },
  tokens_total: { unit: 'tok', every: 1, value: (s) => (s + 1) * 524_288 },
  'data.bucket': { unit: '', every: 1, value: (s) => Math.min(3, 1 + Math.floor(s / 800)) },
  'checkpoint.saved': { unit: 'B', every: 250, value: (s) => 497e6 + (s % 1000) * 1000 },
  gpu_util: { unit: '%', every: 1, value: (s, k) => Math.min(100, 91 + 5 * Math.sin(s / 40 + k) - (s % 300 < 12 ? 35 : 0)) },
  loss: { unit: '', every: 1, value: (s, k) => 2.1 + 6 * Math.pow(1 + s / 30, -0.6) + 0.03 * Math.sin(s * 2.3 + k) },
};

const seedOf = (run: string) => [...run].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 1000, 7) / 100;

/** The `big-number` row a run would give: the same shape as the SQL's. */
function bigNumberRow(run: string, params: Record<string, QueryParam>, context: FixtureContext): QueryRow | undefined {
  const model = MODELS[String(params.metric)];
  if (!model) return undefined;
  const seed = seedOf(run);
  const last = Math.floor(context.lastStep / model.every) * model.every;
  const endTime = run === PREEMPTED ? Date.now() - 20 * 60_000 : Date.now() - 800;
  const windowSteps = Number(params.window) > 0 ? Math.floor(Number(params.window) / STEP_S) : last;
  const from = Math.max(0, last - windowSteps);
  const steps: number[] = [];
  for (let s = Math.ceil(from / model.every) * model.every; s <= last; s += model.every) steps.push(s);
  const values = steps.map((s) => (run === DIVERGED && s === last ? NaN : model.value(s, seed)));
  const aggregate = String(params.aggregate);
  const reduce = (vs: number[]) =>
    aggregate === 'count' ? vs.length : aggregate === 'sum' ? vs.reduce((a, b) => a + b, 0) : aggregate === 'max' ? Math.max(...vs.filter(Number.isFinite)) : vs.reduce((a, b) => a + b, 0) / vs.length;
  const buckets = new Map<number, number[]>();
  steps.forEach((s, i) => {
    const b = Math.min(SPARK_BUCKETS - 1, Math.floor(((s - from) / Math.max(1, last - from + 1)) * SPARK_BUCKETS));
    buckets.set(b, [...(buckets.get(b) ?? []), values[i]]);
  });
  const finite = (v: number) => (Number.isFinite(v) ? v : null);
  const text = (v: number) => (Number.isNaN(v) ? 'nan' : String(v));
  const lastValue = values[values.length - 1];
  const value = aggregate === 'last' ? lastValue : reduce(values);
  return {
    run,
    last_value: finite(lastValue),
    last_text: text(lastValue),
    last_time: endTime,
    last_step: last,
    last_unit: model.unit,
    first_value: values[0],
    first_text: text(values[0]),
    n: values.length,
    agg_value: finite(value),
    agg_text: text(value),
    spark_x: [...buckets.keys()],
    spark_y: sparkValues([...buckets.values()], aggregate, reduce).map(finite),
  };
}

/** Bucket values as the SQL gives them: means for last/mean, running totals for count/sum. */
function sparkValues(buckets: number[][], aggregate: string, reduce: (vs: number[]) => number): number[] {
  const values = buckets.map((vs) => (aggregate === 'last' ? vs.reduce((a, b) => a + b, 0) / vs.length : reduce(vs)));
  if (aggregate !== 'count' && aggregate !== 'sum') return values;
  let total = 0;
  return values.map((v) => (total += v));
}

/** Answers `big-number` row queries of `fixture:` sources with rows made by `bigNumberRow`. */
export function registerBigNumberFixture(): void {
  registerFixtureRows('big-number', (params, context) => {
    const runs = (params.runs as string[]).filter((run) => context.runs.includes(run) || run === PREEMPTED || run === DIVERGED);
    return runs.map((run) => bigNumberRow(run, params, context)).filter((row): row is QueryRow => row !== undefined);
  });
}
