/**
 * What the elements that draw the store's series (`<loss-chart>`,
 * `<metric-detail>`) do alike around a `LineChart`: the finer data of a
 * zoomed range, the x extent for keyboard zoom, the state of a set of series
 * (with the reason an empty one is empty), the note on how points are
 * reduced, and each line in words for screen readers.
 */
import type { DataStateDetail } from '../internal/trainwatch-element.js';
import type { TelemetryStore } from '../store/store.js';
import type { DetailView, SeriesBuffer } from '../store/series.js';
import { formatCount, formatValue } from './format.js';
import type { ZoomRange } from './group-sync.js';
import type { LineChart, LineSpec } from './line-chart.js';
import { summarizeLine, xExtent, type LineSource, type XAxisMode } from './series-data.js';
import { clip, quote } from '../internal/invalid.js';

/**
 * The finer data of a zoomed step range, when the store holds that range
 * only reduced: asked of the store (one shared request, cached per range).
 */
export function zoomedView(store: TelemetryStore | undefined, s: SeriesBuffer, axis: XAxisMode, zoom: ZoomRange | undefined, columns: number): DetailView | undefined {
  if (!zoom || axis !== 'step' || !s.reduced || s.reducedUntil < zoom[0]) return undefined;
  return store?.view(s.key, Math.floor(zoom[0]), Math.ceil(zoom[1]), columns);
}

/** What a line draws: the zoomed range's finer points, then anything newer the store holds. */
export function withDetail(s: SeriesBuffer, detail: DetailView | undefined): LineSource {
  const data = detail?.data;
  if (!data) return s;
  let from = 0;
  while (from < s.length && s.steps[from] <= data.lastStep) from++;
  const join = (a: Float64Array, b: Float64Array) => {
    const out = new Float64Array(a.length + b.length - from);
    out.set(a);
    out.set(b.subarray(from), a.length);
    return out;
  };
  return { steps: join(data.steps, s.steps), times: join(data.times, s.times), values: join(data.values, s.values) };
}

/** Lowest and highest x of every line on an axis. */
export function linesExtent(lines: readonly LineSpec[], axis: XAxisMode): ZoomRange | undefined {
  let lo = Infinity;
  let hi = -Infinity;
  for (const line of lines) {
    const extent = xExtent(line.data, axis, line.origin);
    if (!extent) continue;
    lo = Math.min(lo, extent[0]);
    hi = Math.max(hi, extent[1]);
  }
  return hi > lo ? [lo, hi] : undefined;
}

/**
 * The state of the series an element subscribed to (`expected` of them):
 * loading until each answered, ready with any point, else the error or why
 * it is empty.
 */
export function seriesState(series: readonly SeriesBuffer[], expected: number, explainEmpty: () => string): DataStateDetail {
  if (series.length < expected || series.every((s) => s.status === 'loading')) return { state: 'loading', message: 'Loading…' };
  if (series.some((s) => s.length > 0)) return { state: 'ready', message: '' };
  const failed = series.find((s) => s.status === 'error');
  if (failed) return { state: 'error', message: failed.error ?? 'Error' };
  const beyond = beyondNote(series);
  return { state: 'empty', message: beyond ? `${explainEmpty()} ${beyond}.` : explainEmpty() };
}

/** "2 points at steps past 2^53 not drawn" (a step of −1 in a UInt64 column is one), or ''. */
function beyondNote(series: readonly SeriesBuffer[]): string {
  const n = series.reduce((sum, s) => sum + s.beyond, 0);
  return n ? `${formatCount(n)} point${n === 1 ? '' : 's'} at steps past 2^53 not drawn` : '';
}

/** Why series have no points: the runs do not exist, or a run lacks the metrics (and lists what it has). */
export function explainEmpty(store: TelemetryStore | undefined, runs: readonly string[], table: string, series: readonly SeriesBuffer[]): string {
  const missingRuns = runs.filter((run) => store?.runInfo(run) === null);
  if (missingRuns.length === runs.length) {
    return `Run ${missingRuns.map(quote).join(', ')} not found in ${table}.`;
  }
  const known = runs.map((run) => store?.runInfo(run)).find((info) => info);
  const has = known ? ` Run ${quote(known.run)} has: ${known.metrics.slice(0, 12).map(clip).join(', ')}${known.metrics.length > 12 ? ', …' : ''}.` : '';
  return `No points yet for ${series.map((s) => quote(s.key.metric)).filter((v, i, a) => a.indexOf(v) === i).join(', ')}.${has}`;
}

/**
 * What the chart shows of what exists, when that is not everything:
 * "8,000 of 10M points · min/max per 5,000 steps · 3 NaN/Inf marked · 2
 * points at steps past 2^53 not drawn".
 */
export function reductionNote(chart: LineChart | undefined, series: readonly SeriesBuffer[], detailOf: (s: SeriesBuffer) => DetailView | undefined, zoomed: boolean): string {
  const held = series.filter((s) => s.length > 0);
  if (!chart || !held.length) return '';
  let total = 0;
  let bucket = 1;
  for (const s of held) {
    const detail = detailOf(s)?.data;
    // Zoomed: the points in the fetched range; else everything the series stands for.
    total += detail ? detail.total : s.total;
    bucket = Math.max(bucket, detail ? detail.bucketSteps : s.reduced ? s.bucketSteps : 1);
  }
  const parts: string[] = [];
  if (zoomed) parts.push('zoomed');
  if (bucket > 1) parts.push(`${formatCount(chart.drawn)} of ${formatCount(Math.max(total, chart.drawn))} points · min/max per ${formatCount(bucket)} steps`);
  else if (chart.drawn < chart.total) parts.push(`${formatCount(chart.drawn)} of ${formatCount(chart.total)} points · min/max per pixel`);
  if (chart.nonFinite) parts.push(`${formatCount(chart.nonFinite)} NaN/Inf marked ▼`);
  if (chart.notPositive) parts.push(`${formatCount(chart.notPositive)} ≤ 0 or beyond 1e±30: not on the log scale`);
  const beyond = beyondNote(series);
  if (beyond) parts.push(beyond);
  return parts.join(' · ');
}

/** One line in words: "loss: latest 0.52 at step 4,000; in view lowest 0.4, highest 3.1; 2 NaN/Inf in view." */
export function describeLine(line: LineSpec, axis: XAxisMode, zoom: ZoomRange | undefined, hidden: boolean): string {
  const s = summarizeLine(line.data, axis, line.origin, zoom);
  const where = zoom ? 'in view' : 'overall';
  const extremes = Number.isNaN(s.min) ? `no finite value ${where}` : `${where} lowest ${formatValue(s.min)}, highest ${formatValue(s.max)}`;
  const odd = s.nonFinite ? `${s.nonFinite.toLocaleString('en-US')} NaN/Inf ${where}` : `no NaN/Inf ${where}`;
  return `${line.label}${hidden ? ' (hidden)' : ''}: latest ${formatValue(s.lastValue)} at step ${Math.round(s.lastStep).toLocaleString('en-US')}; ${extremes}; ${odd}.`;
}

/**
 * A run that has not reported for a minute, or for ten poll intervals when
 * polling is slower, is shown as stale: the curve may have stopped.
 */
export function isStale(age: number, pollInterval: number | undefined): boolean {
  return age > Math.max(60_000, 10 * (pollInterval ?? 2000));
}
