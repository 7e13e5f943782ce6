/**
 * The figures of merit of <health-table>: what a check is, the default set,
 * validation of what a page declares, and the words that explain a score.
 * Scores themselves are computed in ClickHouse (health-table.queries.ts);
 * this file only describes them.
 */
import { formatDuration, formatWithUnit } from '../../chart/format.js';
import { clip, quote } from '../../internal/invalid.js';

export const CHECK_KINDS = ['target', 'improving', 'recency', 'finite', 'reporting'] as const;
export type CheckKind = (typeof CHECK_KINDS)[number];

/**
 * One figure of merit, scored 0..1 for every run and day.
 *
 * - `target`: the mean of the finite values of `metric` over the day against
 *   `target`: `min(1, mean / target)`, or with `direction: 'lower'`
 *   `min(1, target / mean)` (1 at or below the target). No finite value: no data.
 * - `improving`: the day's mean of `metric` against the previous day's mean.
 *   1 when it is not higher; a rise costs in proportion, down to 0 at a
 *   relative rise of `tolerance` (default 0.05: 2.5 % higher scores 0.5).
 *   Needs finite values on both days.
 * - `recency`: the age of the newest point of `metric` at the end of the day
 *   (for today: now; for a run whose status says finished: when it finished).
 *   1 up to `hours` old, falling linearly to 0 at twice `hours`; 0 when there
 *   is none. Counts on every day the run reported.
 * - `finite`: the share of NaN/±Inf among the day's values of `metric` costs in
 *   proportion: `max(0, 1 − share / tolerance)`. With the default `tolerance`
 *   0.01 one bad value in 10,000 scores 0.99, 1 % or more scores 0 (so does all
 *   NaN); `tolerance: 1` makes the score the finite share.
 * - `reporting`: the age of the run's newest row of any metric at the end of
 *   the day (for today: now), scored like `recency`. If `metric` is set
 *   (default set: `run.status`), its latest value at that time overrides:
 *   1 (finished) scores 1, 2 (failed) scores 0.
 *
 * `metric` takes a name or a pattern with `*` (`sys.gpu.*.util_percent`).
 */
export interface HealthCheck {
  /** Unique id: the CSV column, the `{check}` placeholder. */
  id: string;
  /** Shown in the breakdown and row headers; default the id. */
  label?: string;
  kind: CheckKind;
  /** Metric name or pattern; for `reporting`, the optional run-status metric. */
  metric?: string;
  /** `target`: the value that scores 1 (> 0). */
  target?: number;
  /** `target`: whether higher (default) or lower values are better. */
  direction?: 'higher' | 'lower';
  /** `recency` (default 6) and `reporting` (default 1): hours a point stays fresh. */
  hours?: number;
  /** `improving`: the relative rise over the previous day that scores 0 (default 0.05); `finite`: the share of NaN/Inf that scores 0 (default 0.01). */
  tolerance?: number;
  /** `combine="mean"`: weight of this check (default 1). */
  weight?: number;
  /** Unit of the metric, for the breakdown ("4.1M tok/s"). */
  unit?: string;
}

/** A check with every default filled in. */
export interface ResolvedCheck extends Required<Omit<HealthCheck, 'label' | 'unit' | 'metric'>> {
  label: string;
  metric: string;
  unit: string;
}

/**
 * The default checks, named after the data contract (docs/data-contract.md) and
 * sized for the simulator's runs (5 steps/s of 1–3M-token batches, GPUs at 90–97 %,
 * a checkpoint every 1,000 steps): a team sets its own targets.
 */
export const DEFAULT_HEALTH_CHECKS: readonly HealthCheck[] = Object.freeze([
  { id: 'throughput', label: 'Throughput', kind: 'target', metric: 'tokens_per_s', target: 4e6, unit: 'tok/s' },
  { id: 'gpu', label: 'GPU utilization', kind: 'target', metric: 'sys.gpu.*.util_percent', target: 80, unit: '%' },
  { id: 'loss', label: 'Loss improving', kind: 'improving', metric: 'loss', tolerance: 0.05 },
  { id: 'checkpoint', label: 'Checkpoint', kind: 'recency', metric: 'checkpoint.saved', hours: 6 },
  { id: 'finite', label: 'No NaN/Inf', kind: 'finite', metric: 'loss' },
  { id: 'reporting', label: 'Reporting', kind: 'reporting', metric: 'run.status', hours: 1 },
]);

export const MAX_CHECKS = 24;
/** Longest `hours` a check may look back (30 days). */
export const MAX_HOURS = 720;

/** What the `checks` attribute held when it was not JSON: kept so the element can say why. */
export class ChecksSyntaxError {
  constructor(readonly message: string) {}
}

/** The `checks` attribute: JSON, or a marker with the parse error (never a throw). Null/empty: the defaults. */
export function parseChecksAttribute(value: string | null): HealthCheck[] | ChecksSyntaxError | undefined {
  if (value === null || !value.trim()) return undefined;
  try {
    return JSON.parse(value) as HealthCheck[];
  } catch (error) {
    return new ChecksSyntaxError((error as Error).message);
  }
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * Validates declared checks (from JSON or script, so anything) and fills in
 * defaults. Returns the checks or a message saying what is wrong.
 */
export function resolveChecks(value: unknown): ResolvedCheck[] | string {
  if (value instanceof ChecksSyntaxError) return `checks must be a JSON array of checks: ${value.message}`;
  const list = value === undefined || value === null ? DEFAULT_HEALTH_CHECKS : value;
  if (!Array.isArray(list)) return 'checks must be an array of checks ({ id, kind, metric, … }).';
  if (list.length === 0) return 'checks must declare at least one check.';
  if (list.length > MAX_CHECKS) return `checks declares ${list.length} checks; at most ${MAX_CHECKS}.`;
  const seen = new Set<string>();
  const out: ResolvedCheck[] = [];
  for (const [i, raw] of list.entries()) {
    const where = `checks[${i}]`;
    if (!raw || typeof raw !== 'object') return `${where} must be an object.`;
    const c = raw as Record<string, unknown>;
    const id = typeof c.id === 'string' ? c.id.trim() : '';
    if (!id) return `${where} needs an id (text).`;
    if (seen.has(id)) return `${where}: the id ${quote(id)} is used twice.`;
    seen.add(id);
    const kind = c.kind as CheckKind;
    if (!CHECK_KINDS.includes(kind)) return `${where} (${quote(id)}): kind must be one of ${CHECK_KINDS.join(', ')}; got ${clip(JSON.stringify(c.kind) ?? String(c.kind))}.`;
    const metric = typeof c.metric === 'string' ? c.metric.trim() : '';
    if (c.metric !== undefined && typeof c.metric !== 'string') return `${where} (${quote(id)}): metric must be text.`;
    if (!metric && kind !== 'reporting') return `${where} (${quote(id)}): a ${kind} check needs a metric.`;
    if (c.target !== undefined && !finite(c.target)) return `${where} (${quote(id)}): target must be a number.`;
    if (kind === 'target' && !(finite(c.target) && c.target > 0)) return `${where} (${quote(id)}): a target check needs a target above 0.`;
    if (c.direction !== undefined && c.direction !== 'higher' && c.direction !== 'lower') return `${where} (${quote(id)}): direction must be "higher" or "lower".`;
    if (c.hours !== undefined && !(finite(c.hours) && c.hours > 0 && c.hours <= MAX_HOURS)) return `${where} (${quote(id)}): hours must be a number above 0 and at most ${MAX_HOURS}.`;
    if (c.tolerance !== undefined && !(finite(c.tolerance) && c.tolerance > 0)) return `${where} (${quote(id)}): tolerance must be a number above 0.`;
    if (c.weight !== undefined && !(finite(c.weight) && c.weight >= 0)) return `${where} (${quote(id)}): weight must be a number of at least 0.`;
    for (const text of ['label', 'unit'] as const) {
      if (c[text] !== undefined && typeof c[text] !== 'string') return `${where} (${quote(id)}): ${text} must be text.`;
    }
    out.push({
      id,
      label: (c.label as string | undefined)?.trim() || id,
      kind,
      metric,
      target: (c.target as number | undefined) ?? 0,
      direction: (c.direction as 'higher' | 'lower' | undefined) ?? 'higher',
      hours: (c.hours as number | undefined) ?? (kind === 'reporting' ? 1 : 6),
      tolerance: (c.tolerance as number | undefined) ?? (kind === 'finite' ? 0.01 : 0.05),
      weight: (c.weight as number | undefined) ?? 1,
      unit: (c.unit as string | undefined) ?? '',
    });
  }
  if (out.every((c) => c.weight === 0)) return 'checks: at least one weight must be above 0.';
  return out;
}

/** One check's outcome in one cell, as read from ClickHouse. */
export interface CheckResult {
  /** 0..1, or null when the check had no data that day (it does not count). */
  score: number | null;
  /**
   * What was measured: `target` the day's mean, `improving` the relative change
   * against the previous day, `recency` / `reporting` the age in ms (null: none),
   * `finite` the number of NaN/±Inf values.
   */
  value: number | null;
  /**
   * Context: `target` / `finite` the number of values, `improving` the previous
   * day's mean, `reporting` the run-status value (null without one).
   */
  extra: number | null;
}

const hours = (h: number) => `${+h.toFixed(2)} h`;
const age = (ms: number) => formatDuration(ms / 1000);
const percent = (x: number) => `${x >= 0 ? '+' : '−'}${+(Math.abs(x) * 100).toFixed(1)} %`;

/** "mean 4.1M tok/s, target 4M": what a check saw, in words (no score). */
export function describeResult(check: ResolvedCheck, r: CheckResult, today = false): string {
  const before = today ? 'ago' : "before the day's end";
  if (r.score === null) {
    if (check.kind === 'improving') return `no ${check.metric} on this day or the one before`;
    return `no ${check.metric || 'data'} this day`;
  }
  switch (check.kind) {
    case 'target': {
      const mean = r.value === null ? '–' : formatWithUnit(r.value, check.unit);
      return `mean ${mean}, target ${check.direction === 'lower' ? '≤ ' : ''}${formatWithUnit(check.target, check.unit)}`;
    }
    case 'improving':
      return r.value === null ? `${check.metric} changed without a comparable mean` : `${check.metric} mean ${percent(r.value)} against the day before`;
    case 'recency':
      return r.value === null ? `no ${check.metric} found` : `last ${check.metric} ${age(r.value)} ${before} (fresh for ${hours(check.hours)})`;
    case 'finite': {
      const bad = r.value ?? 0;
      const n = r.extra ?? 0;
      return `${bad.toLocaleString('en-US')} NaN/Inf of ${n.toLocaleString('en-US')} ${check.metric} values`;
    }
    case 'reporting':
      if (r.extra === 1) return 'the run finished';
      if (r.extra === 2) return 'the run failed';
      return r.value === null ? 'no row found' : `last row ${age(r.value)} ${before} (fresh for ${hours(check.hours)})`;
  }
}
