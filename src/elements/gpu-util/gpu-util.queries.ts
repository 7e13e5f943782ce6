/**
 * The SQL `<gpu-util>` sends: the heatmap grid, the per-series summary (mean
 * and idle time), and a probe that explains an empty answer. Pure functions:
 * attribute values in, RowQuery out, every value a bound parameter.
 */
import { globToLike } from '../../internal/pattern.js';
import type { RowQuery } from '../../sources/source.js';

/** Most (host, device) series a heatmap shows; beyond it the answer is cut (by host, device). */
export const MAX_SERIES = 512;

export interface UtilQueryInput {
  run: string;
  /** Host to restrict to; empty or unset: every host. */
  host?: string;
  /** Metric pattern as the user wrote it (`sys.gpu.*.util_percent`). */
  metric: string;
  /** Window in seconds, 0 = the whole run. */
  window: number;
  /** Columns wanted: the heatmap's width / 4, bounded by the element. */
  buckets: number;
  idleThreshold: number;
}

/**
 * The samples of the window: finite values of the matching metrics, with
 * times in epoch ms. The window counts back from the run's newest point (on
 * any host, so every host's heatmap has the same time axis); an empty host
 * keeps every host.
 */
const IN_WINDOW = `run_id = {run:String} AND metric LIKE {pattern:String} AND ({host:String} = '' OR host = {host:String})
    AND ({window:UInt32} = 0 OR event_time >= (SELECT max(event_time) FROM {{table}} WHERE run_id = {run:String}) - toIntervalSecond({window:UInt32}))`;

const SAMPLES = `WITH s AS (
  SELECT host, device, metric, rank, toUnixTimestamp64Milli(event_time) AS t, value
  FROM {{table}}
  WHERE ${IN_WINDOW} AND isFinite(value)
)`;

/** Bucket widths the grid rounds up to, so cells stay put from one poll to the next. */
const NICE_MS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400].map((s) => s * 1000);

/**
 * One row per (host, device, bucket) with data: the mean value `v` and sample
 * count `n` of bucket `bt` (its start, epoch ms), plus the grid's first and
 * last bucket and width, repeated on every row.
 *
 * Width: the span over (buckets − 1), but at least 1.5 × the median sampling
 * interval (so a bucket never falls between two samples of a regular series),
 * rounded up to a nice width. Buckets are aligned to multiples of the width,
 * so a live heatmap's cells do not shift at every poll.
 */
export function gridQuery(input: UtilQueryInput): RowQuery {
  return {
    kind: 'gpu-util-grid',
    sql: `${SAMPLES},
  (SELECT (min(t), max(t)) FROM s) AS bounds,
  (SELECT medianExact(gap) FROM (
     SELECT arrayJoin(arrayFilter(x -> x > 0, arrayDifference(arraySort(groupArray(t))))) AS gap
     FROM s GROUP BY host, device, metric)) AS typical,
  greatest(intDiv(bounds.2 - bounds.1, {buckets:UInt32} - 1) + 1, toInt64(1.5 * typical)) AS raw_ms,
  arrayFirst(x -> x >= raw_ms, [${NICE_MS.join(', ')}]) AS nice_ms,
  if(nice_ms = 0, raw_ms, nice_ms) AS w
SELECT host AS h, device AS d, intDiv(t, w) * w AS bt, avg(value) AS v, count() AS n,
  intDiv(bounds.1, w) * w AS first_bt, intDiv(bounds.2, w) * w AS last_bt, w AS bucket_ms
FROM s
GROUP BY host, device, bt
ORDER BY host, device, bt
LIMIT {cells:UInt32}`,
    params: {
      run: input.run,
      host: input.host ?? '',
      pattern: globToLike(input.metric),
      window: input.window,
      buckets: Math.max(2, input.buckets),
      cells: MAX_SERIES * Math.max(2, input.buckets),
    },
  };
}

/**
 * One row per (host, device): samples `samples`, mean `mean`, and the seconds
 * it covers (`covered_s`) and spent below the threshold (`idle_s`).
 *
 * Per series (host, device, metric), samples sorted by time: a sample stands
 * for the time until the series' next sample, capped at 3 × the series'
 * median interval (a gap in reporting is not idle time); the last sample
 * stands for one median interval; a series with a single sample covers no
 * time. `idle_s` sums the spans of samples strictly below the threshold.
 */
export function idleQuery(input: UtilQueryInput): RowQuery {
  return {
    kind: 'gpu-util-idle',
    sql: `${SAMPLES}
SELECT host AS h, device AS d, min(first_rank) AS r, sum(n) AS samples, sum(total) / sum(n) AS mean,
  sum(covered_ms) / 1000 AS covered_s, sum(idle_ms) / 1000 AS idle_s
FROM (
  SELECT host, device, min(rank) AS first_rank, count() AS n, sum(value) AS total,
    arraySort(groupArray((t, value))) AS pts,
    arrayPopFront(arrayDifference(arrayMap(p -> p.1, pts))) AS gaps,
    arrayReduce('medianExact', arrayFilter(g -> g > 0, gaps)) AS typical,
    arrayPushBack(arrayMap(g -> least(g, 3 * typical), gaps), typical) AS spans,
    arraySum(spans) AS covered_ms,
    arraySum(arrayMap((span, p) -> if(p.2 < {threshold:Float64}, span, 0), spans, pts)) AS idle_ms
  FROM s
  GROUP BY host, device, metric
)
GROUP BY host, device
ORDER BY host, device
LIMIT {limit:UInt32}`,
    params: {
      run: input.run,
      host: input.host ?? '',
      pattern: globToLike(input.metric),
      window: input.window,
      threshold: input.idleThreshold,
      limit: MAX_SERIES,
    },
  };
}

/** Asked only when the heatmap is empty, to say why: is the run there, does it have the metric, on that host? */
export function probeQuery(run: string, metric: string, host = ''): RowQuery {
  return {
    kind: 'gpu-util-probe',
    sql: `SELECT count() AS n, countIf(metric LIKE {pattern:String}) AS matched,
  countIf(metric LIKE {pattern:String} AND ({host:String} = '' OR host = {host:String})) AS on_host
FROM {{table}} WHERE run_id = {run:String}`,
    params: { run, pattern: globToLike(metric), host },
  };
}

/**
 * Every sample of the window as logged, for the raw CSV export: one row per
 * point (non-finite values included, as `value_text` tells them apart), by
 * host, device, metric and time. Asks for one row more than `limit` so the
 * caller can tell a cut answer.
 */
export function rawSamplesQuery(input: Pick<UtilQueryInput, 'run' | 'host' | 'metric' | 'window'>, limit: number): RowQuery {
  return {
    kind: 'gpu-util-raw',
    sql: `SELECT host AS h, device AS d, rank AS r, metric AS m, step AS st, toUnixTimestamp64Milli(event_time) AS t, value AS v, toString(value) AS value_text
FROM {{table}}
WHERE ${IN_WINDOW}
ORDER BY h, d, m, t, st
LIMIT {limit:UInt32}`,
    params: { run: input.run, host: input.host ?? '', pattern: globToLike(input.metric), window: input.window, limit: limit + 1 },
  };
}
