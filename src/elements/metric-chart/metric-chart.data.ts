/**
 * From the rows of the `metric-chart` query to lines on one shared time axis:
 * labels, colours, units and each line's latest value.
 */
import { PALETTE, colorFor } from '../../chart/colors.js';
import { toNumber } from '../../chart/format.js';
import { wildcardPart } from '../../internal/pattern.js';
import type { QueryRow } from '../../sources/source.js';
import { MAX_LINES, ROW_LIMIT, STAT_INDEX, type GroupBy, type Stat } from './metric-chart.queries.js';

export interface ChartLine {
  id: string;
  /** The legend's text: `name`, after the run when several runs are shown. */
  label: string;
  /** The series within its run: what the pattern's `*` matched and the host, or the statistic. */
  name: string;
  run: string;
  /** What the line stands for: a metric name (empty when grouped across metrics), a host, or a statistic. */
  metric: string;
  host: string;
  stat: string;
  color: string;
  /** Index into DASHES: tells apart the lines of one run when colour is taken by the run. */
  dash: number;
  unit: string;
  /** One value per bucket of ChartModel.times; null where the series has no point. */
  values: Array<number | null>;
  /** Value of the newest bucket the series has. */
  last: number;
  /** NaN/±Inf values left out of the line (for a statistic: of every series it is taken across). */
  nonFinite: number;
  /** NaN/±Inf values by bucket time (epoch s), including buckets with no finite value. */
  nonFiniteBy: ReadonlyMap<number, number>;
}

export interface ChartModel {
  /** Bucket start times, epoch seconds (uPlot's time unit), ascending. */
  times: number[];
  lines: ChartLine[];
  /** Newest point among the lines, epoch ms (NaN without any). */
  newest: number;
  /** Bucket width, ms. */
  bucketMs: number;
  /** The answer hit the row limit: the last series were left out. */
  truncated: boolean;
  /** Series the patterns match in the range (more than `lines` when some were left out). */
  matched: number;
  /** Most series a bucket's statistics were taken across (stat mode). */
  across: number;
}

export interface ModelOptions {
  runs: string[];
  patterns: string[];
  groupBy: GroupBy;
  stats: Stat[];
  /** Unit attribute; overrides the table's. */
  unit: string | undefined;
}

interface Draft {
  id: string;
  label: string;
  name: string;
  run: string;
  metric: string;
  host: string;
  stat: string;
  unit: string;
  points: Map<number, number>;
  nonFinite: Map<number, number>;
  lastTime: number;
}

const natural = new Intl.Collator('en', { numeric: true });

/** What names a series within its run: the part the pattern's `*` matched, and its host. */
function seriesLabel(metric: string, host: string, options: ModelOptions): string {
  if (options.groupBy === 'none') return options.patterns.join(', ');
  if (options.groupBy === 'host') return host || '(no host)';
  // Several patterns: the full name, since two patterns' `*` may match the same text.
  const part = options.patterns.length === 1 ? wildcardPart(options.patterns[0], metric) : metric;
  return host ? `${part} · ${host}` : part;
}

export function buildModel(rows: QueryRow[], options: ModelOptions): ChartModel {
  const severalRuns = options.runs.length > 1;
  const truncated = rows.length >= ROW_LIMIT;
  const drafts = new Map<string, Draft>();
  const times = new Set<number>();
  let bucketMs = NaN;
  const add = (id: string, run: string, what: Pick<Draft, 'label' | 'metric' | 'host' | 'stat'>, unit: string, t: number, value: number, nonFinite: number) => {
    let draft = drafts.get(id);
    if (!draft) {
      draft = { id, run, ...what, name: what.label, label: severalRuns ? `${run} · ${what.label}` : what.label, unit: '', points: new Map(), nonFinite: new Map(), lastTime: -Infinity };
      drafts.set(id, draft);
    }
    draft.unit ||= unit;
    if (nonFinite) draft.nonFinite.set(t, nonFinite);
    if (Number.isNaN(value)) return;
    draft.points.set(t, value);
    draft.lastTime = Math.max(draft.lastTime, t);
  };
  let newest = -Infinity;
  let across = 0;
  let matched = 0;
  for (const row of rows) {
    matched = Math.max(matched, toNumber(row.series_n) || 0);
    const run = String(row.run);
    const t = toNumber(row.t) / 1000;
    const unit = options.unit ?? String(row.unit_text ?? '');
    const finite = toNumber(row.n);
    const nonFinite = toNumber(row.nonfinite) || 0;
    // A bucket of NaN/Inf only adds to the count, not a place on the axis.
    if (finite > 0) times.add(t);
    bucketMs = toNumber(row.bucket_ms);
    across = Math.max(across, finite);
    newest = Math.max(newest, toNumber(row.last_ms) || -Infinity);
    if (options.stats.length) {
      const stats = (row.stats as unknown[]) ?? [];
      for (const stat of options.stats) {
        const value = finite > 0 ? toNumber(stat === 'mean' ? row.mean : stats[STAT_INDEX[stat]]) : NaN;
        add(`${run}\u0000${stat}`, run, { label: stat, metric: '', host: '', stat }, unit, t, value, nonFinite);
      }
    } else {
      const metric = String(row.m);
      const host = String(row.h);
      add(`${run}\u0000${metric}\u0000${host}`, run, { label: seriesLabel(metric, host, options), metric, host, stat: '' }, unit, t, finite > 0 ? toNumber(row.mean) : NaN, nonFinite);
    }
  }
  let list = [...drafts.values()];
  // At the row limit the last series may be cut short: leave it out rather than draw half of it.
  if (truncated && list.length > 1) list.pop();
  if (!options.stats.length) list = list.sort((a, b) => natural.compare(a.label, b.label)).slice(0, MAX_LINES);
  const axis = [...times].sort((a, b) => a - b);
  const perRun = new Map<string, number>();
  const lines = list.map((draft, i): ChartLine => {
    const nth = perRun.get(draft.run) ?? 0;
    perRun.set(draft.run, nth + 1);
    let nonFinite = 0;
    for (const n of draft.nonFinite.values()) nonFinite += n;
    return {
      id: draft.id,
      label: draft.label,
      name: draft.name,
      run: draft.run,
      metric: draft.metric,
      host: draft.host,
      stat: draft.stat,
      // Several runs: the run's colour (as in every element), a dash per series. One run: a colour per series.
      color: severalRuns ? colorFor(draft.run) : PALETTE[i % PALETTE.length],
      dash: severalRuns ? nth : Math.floor(i / PALETTE.length),
      unit: draft.unit,
      values: axis.map((t) => draft.points.get(t) ?? null),
      last: draft.points.get(draft.lastTime) ?? NaN,
      nonFinite,
      nonFiniteBy: draft.nonFinite,
    };
  });
  return { times: axis, lines, newest: Number.isFinite(newest) ? newest : NaN, bucketMs, truncated, matched: options.stats.length ? lines.length : Math.max(matched, lines.length), across };
}

/** The unit of the y axis: the one every line shares, else none. */
export function commonUnit(lines: ChartLine[]): string {
  const units = new Set(lines.map((l) => l.unit));
  return units.size === 1 ? [...units][0] : '';
}
