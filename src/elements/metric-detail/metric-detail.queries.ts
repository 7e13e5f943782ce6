/**
 * The row queries `<metric-detail>` sends: statistics and spikes of the
 * visible range, and the steps of the run's checkpoints. Pure functions:
 * attributes and the zoom in, RowQuery out; every value is a bound parameter.
 */
import type { QueryParam, RowQuery } from '../../sources/source.js';

/** Points on each side of a point that its spike test compares it with (a window of 51). */
export const SPIKE_HALF_WINDOW = 25;
/** The Hampel filter's scale: 1.4826 × MAD estimates the standard deviation of normal noise. */
export const MAD_SCALE = 1.4826;
/** Steps a range may hold for the spike search to run (it costs a window per point); past it the element asks to zoom in. */
export const SPIKE_POINT_LIMIT = 200_000;
/** Spikes one answer lists, most severe first. */
export const SPIKE_LIMIT = 100;
/** Checkpoints one answer lists. */
export const CHECKPOINT_LIMIT = 10_000;

/** The rows a detail view reads: one metric of one run, optionally one host, within a range of the x axis. */
export interface DetailRange {
  run: string;
  metric: string;
  /** Only this host's rows; empty for every host. */
  host: string;
  axis: 'step' | 'time';
  /** The visible range on `axis` (steps, or epoch seconds); undefined for everything. */
  range?: readonly [number, number];
}

/** The last millisecond of the year 9999: beyond any DateTime64(3) a row can hold. */
const MAX_MS = 253_402_300_799_999;

const RANGE = `run_id = {run:String} AND metric = {metric:String}
  AND ({any_host:UInt8} = 1 OR host = {host:String})
  AND step >= {from_step:Int64} AND ({to_step:Int64} < 0 OR step <= {to_step:Int64}) AND step <= 9007199254740991
  AND ({from_ms:Int64} = 0 OR event_time >= fromUnixTimestamp64Milli({from_ms:Int64}))
  AND ({to_ms:Int64} = 0 OR event_time <= fromUnixTimestamp64Milli({to_ms:Int64}))`;

/** The bound values of RANGE: the steps (or milliseconds) within the range, inclusive; -1 / 0 for no bound. */
export function rangeParams({ run, metric, host, axis, range }: DetailRange): Record<string, QueryParam> {
  const params: Record<string, QueryParam> = { run, metric, host, any_host: host ? 0 : 1, from_step: 0, to_step: -1, from_ms: 0, to_ms: 0 };
  if (!range) return params;
  // A range from a URL can be any number: clamp it into what the columns hold, so one bad
  // link cannot make the page's shared poll fail (an out-of-range Int64 fails the whole request).
  const clamp = (value: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, Number.isFinite(value) ? value : lo));
  if (axis === 'step') {
    params.from_step = clamp(Math.ceil(range[0]), 0, Number.MAX_SAFE_INTEGER);
    params.to_step = clamp(Math.floor(range[1]), 0, Number.MAX_SAFE_INTEGER);
  } else {
    params.from_ms = clamp(Math.ceil(range[0] * 1000), 1, MAX_MS);
    params.to_ms = clamp(Math.floor(range[1] * 1000), 1, MAX_MS);
  }
  return params;
}

/**
 * Statistics of the raw rows in the range: row count, NaN and ±Inf counts,
 * distinct steps, and over the finite values min, max, mean and the 50th,
 * 90th and 99th percentiles (`quantilesExactInclusive`: exact, interpolated
 * between the two nearest values, as Excel's PERCENTILE.INC and numpy's
 * default), the last row's value (highest step, then newest time; as text
 * too, so NaN/Inf are told apart) and the range's first and last step and time.
 *
 * And where things went wrong: the first step of the range with a NaN or
 * ±Inf row (`bad_step`), the time of that step's earliest such row
 * (`bad_ms`) and its value as text (`bad_text`: `nan`, `inf`, `-inf`).
 * `bad_step` and `bad_ms` are NULL when the range holds none (the `OrNull`
 * combinator: step 0 is a step like any other, so 0 cannot mean "none").
 */
export function statsQuery(input: DetailRange): RowQuery {
  return {
    kind: 'metric-detail-stats',
    params: rangeParams(input),
    sql: `SELECT
  count() AS n,
  countIf(isNaN(value)) AS nan_n,
  countIf(isInfinite(value)) AS inf_n,
  countIf(isFinite(value)) AS finite_n,
  uniqExact(step) AS steps_n,
  minIf(value, isFinite(value)) AS lo,
  maxIf(value, isFinite(value)) AS hi,
  avgIf(value, isFinite(value)) AS mean,
  quantilesExactInclusiveIf(0.5, 0.9, 0.99)(value, isFinite(value)) AS q,
  argMax(value, (step, event_time)) AS last_v,
  toString(argMax(value, (step, event_time))) AS last_text,
  min(step) AS first_step,
  max(step) AS last_step,
  toUnixTimestamp64Milli(min(event_time)) AS first_ms,
  toUnixTimestamp64Milli(max(event_time)) AS last_ms,
  minIfOrNull(step, NOT isFinite(value)) AS bad_step,
  toUnixTimestamp64Milli(argMinIfOrNull(event_time, (step, event_time), NOT isFinite(value))) AS bad_ms,
  toString(argMinIf(value, (step, event_time), NOT isFinite(value))) AS bad_text
FROM {{table}}
WHERE ${RANGE}`,
  };
}

/**
 * Spikes in the range, by a Hampel filter: per step the mean of the finite
 * values (as the line draws several ranks), then a point is a spike when it is
 * further from the median of the window of 51 points around it (25 on each
 * side, fewer at the range's ends) than `threshold` × 1.4826 × the window's
 * median absolute deviation from that median (MAD). A robust z-score above
 * `threshold`: a spike cannot hide itself by inflating the spread, and a
 * trend or a slow decline is no spike. A window whose MAD is 0 (more than
 * half of it equal) makes any different value a spike.
 *
 * Returns the most severe spikes first (`score` = distance / (1.4826 × MAD),
 * null when MAD is 0), each with its time (`t_ms`, the step's newest row) and
 * its window's first and last step (`wlo`, `whi`) and time (`tlo`, `thi`), and in
 * every row `found`, how many there are in all. No rows when the range holds
 * more than SPIKE_POINT_LIMIT steps (the statistics say how many it holds).
 */
export function spikesQuery(input: DetailRange & { threshold: number }): RowQuery {
  return {
    kind: 'metric-detail-spikes',
    params: { ...rangeParams(input), k: input.threshold },
    sql: `WITH (SELECT uniqExact(step) FROM {{table}} WHERE ${RANGE} AND isFinite(value)) AS points
SELECT s AS spike_step, t_ms, v, med, mad, wlo, whi, tlo, thi, if(mad = 0, inf, abs(v - med) / (${MAD_SCALE} * mad)) AS score, count() OVER () AS found
FROM (
  SELECT s, t_ms, v, wlo, whi, tlo, thi,
    arrayReduce('quantileExactInclusive(0.5)', win) AS med,
    arrayReduce('quantileExactInclusive(0.5)', arrayMap(x -> abs(x - med), win)) AS mad
  FROM (
    SELECT s, t_ms, v, groupArray(v) OVER w AS win, min(s) OVER w AS wlo, max(s) OVER w AS whi, min(t_ms) OVER w AS tlo, max(t_ms) OVER w AS thi
    FROM (
      SELECT toInt64(step) AS s, avg(value) AS v, toUnixTimestamp64Milli(max(event_time)) AS t_ms
      FROM {{table}}
      WHERE ${RANGE} AND isFinite(value) AND points <= ${SPIKE_POINT_LIMIT}
      GROUP BY s
    )
    WINDOW w AS (ORDER BY s ROWS BETWEEN ${SPIKE_HALF_WINDOW} PRECEDING AND ${SPIKE_HALF_WINDOW} FOLLOWING)
  )
)
WHERE abs(v - med) > {k:Float64} * ${MAD_SCALE} * mad AND abs(v - med) > 1e-12 * abs(med)
ORDER BY score DESC, spike_step
LIMIT ${SPIKE_LIMIT}`,
  };
}

/** Steps (and when, epoch ms) at which the run logged `metric` (`checkpoint.saved`): where the chart draws checkpoint lines. */
export function checkpointStepsQuery(run: string, metric: string): RowQuery {
  return {
    kind: 'metric-detail-checkpoints',
    params: { run, metric },
    sql: `SELECT toInt64(step) AS ckpt_step, toUnixTimestamp64Milli(max(event_time)) AS at_ms
FROM {{table}}
WHERE run_id = {run:String} AND metric = {metric:String}
GROUP BY ckpt_step
ORDER BY ckpt_step
LIMIT ${CHECKPOINT_LIMIT}`,
  };
}
