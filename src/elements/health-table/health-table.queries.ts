/**
 * The SQL of <health-table>: every run × day × check of the table in one
 * query. The checks arrive as parallel arrays of bound parameters (kinds,
 * LIKE patterns, targets…), and the days as an array of epoch-ms boundaries,
 * so the SQL text is the same whatever the checks, days and runs: the relay
 * serves it by kind like any other row query.
 */
import { toNumber } from '../../chart/format.js';
import { globToLike } from '../../internal/pattern.js';
import type { QueryRow, RowQuery } from '../../sources/source.js';
import type { CheckResult, ResolvedCheck } from './health-table.checks.js';

/** Most runs one table shows (the most recently active, when `run` is unset). */
export const MAX_RUNS = 200;
/**
 * Longest span read, whatever `since` says: 90 days, the day before, and twice
 * the longest `hours` (720) — so a hand-made request through a relay cannot
 * make every viewer's poll scan the whole table.
 */
const MAX_SPAN_MS = (92 + 60) * 86_400_000;

export interface HealthQueryOptions {
  /** Runs to show; empty: every run that wrote a row on one of the days. */
  runs: string[];
  /** Day boundaries, epoch ms: the previous day's start, each day's start, the last day's end (see health-table.days.ts). */
  bounds: number[];
  /** Earliest row read (epoch ms): the previous day, or further back for `recency` / `reporting` with long `hours`. */
  since: number;
  checks: readonly ResolvedCheck[];
  combine: 'min' | 'mean';
}

/*
 * Inside out:
 * 1. rows of the runs since `since` (up to now), per run × metric × 15-minute
 *    bucket: count, finite count, finite sum, newest time and its value. Every
 *    zone's midnight falls on a quarter hour, so buckets never straddle days.
 * 2. per run × metric × day index d (0: before the previous day, 1: the
 *    previous day, k + 1: day k of the table), and which checks the metric
 *    feeds: check 1 is "any row" (pattern %), check j + 1 is the page's check j.
 * 3. per run × day, one array slot per check (-ForEach aggregates), then the
 *    newest time / value up to each day (a running window), for the ages.
 * 4. per run, its days in order; the 200 most recently active runs.
 * 5. per run × day k: each check's score, measured value and context, the
 *    cell (minimum, or weighted mean, of the checks with data) and the worst
 *    check. A day on which the run wrote nothing has no score at all. Once the
 *    first reporting check's status metric says finished (1), recency ages
 *    count to that moment: a finished run is not faulted for going quiet.
 * Array parameters are only ever indexed (never zipped), so arrays of unequal
 * length sent by hand through a relay read defaults instead of failing the poll.
 */
const SQL = `
SELECT run, day, last_ms, scores, vals, extra, cell, worst
FROM (
SELECT
  r AS run,
  toUInt32(k) AS day,
  toFloat64(last_any) AS last_ms,
  arrayMap(j -> toFloat64(if(N[1] = 0, nan, multiIf(
      K[j] = 'target', if(F[j + 1] = 0, nan,
        if(LO[j] = 1,
          if(S[j + 1] / F[j + 1] <= TG[j], 1, TG[j] / (S[j + 1] / F[j + 1])),
          least(greatest(S[j + 1] / F[j + 1] / TG[j], 0), 1))),
      K[j] = 'improving', if(F[j + 1] = 0 OR PF[j + 1] = 0, nan,
        if(S[j + 1] / F[j + 1] <= PS[j + 1] / PF[j + 1], 1,
          greatest(0, 1 - (S[j + 1] / F[j + 1] - PS[j + 1] / PF[j + 1]) / abs(PS[j + 1] / PF[j + 1]) / TL[j]))),
      K[j] = 'recency', if(T[j + 1] = 0, 0, least(1, greatest(0, 2 - (age_end - T[j + 1]) / HR[j]))),
      K[j] = 'finite', if(N[j + 1] = 0, nan, greatest(0, 1 - (N[j + 1] - F[j + 1]) / N[j + 1] / TL[j])),
      K[j] = 'reporting', multiIf(
        T[j + 1] > 0 AND V[j + 1] = 1, 1,
        T[j + 1] > 0 AND V[j + 1] = 2, 0,
        least(1, greatest(0, 2 - (day_end - T[1]) / HR[j]))),
      nan))), range(1, length(K) + 1)) AS scores,
  arrayMap(j -> toFloat64(multiIf(
      K[j] = 'target', S[j + 1] / F[j + 1],
      K[j] = 'improving', (S[j + 1] / F[j + 1] - PS[j + 1] / PF[j + 1]) / abs(PS[j + 1] / PF[j + 1]),
      K[j] = 'recency', if(T[j + 1] = 0, nan, age_end - T[j + 1]),
      K[j] = 'finite', N[j + 1] - F[j + 1],
      K[j] = 'reporting', if(T[1] = 0, nan, day_end - T[1]),
      nan)), range(1, length(K) + 1)) AS vals,
  arrayMap(j -> toFloat64(multiIf(
      K[j] IN ('target', 'finite'), N[j + 1],
      K[j] = 'improving', PS[j + 1] / PF[j + 1],
      K[j] = 'reporting' AND T[j + 1] > 0, V[j + 1],
      nan)), range(1, length(K) + 1)) AS extra,
  arrayFilter(s -> NOT isNaN(s), scores) AS known,
  if(empty(known), nan,
    if({combine:String} = 'mean',
      arraySum(arrayMap(j -> if(isNaN(scores[j]), 0, scores[j] * WT[j]), range(1, length(K) + 1)))
        / arraySum(arrayMap(j -> if(isNaN(scores[j]), 0, WT[j]), range(1, length(K) + 1))),
      arrayMin(known))) AS cell,
  toUInt32(if(empty(known), 0, indexOf(scores, arrayMin(known)))) AS worst
FROM (
  SELECT r, last_any, k,
    arraySlice({kinds:Array(String)}, 1, 24) AS K,
    {targets:Array(Float64)} AS TG,
    {lower:Array(UInt8)} AS LO,
    arrayMap(h -> h * 3600000, {hours:Array(Float64)}) AS HR,
    {tolerances:Array(Float64)} AS TL,
    {weights:Array(Float64)} AS WT,
    least(arraySlice({bounds:Array(Int64)}, 1, 92)[k + 2], toUnixTimestamp64Milli(now64(3))) AS day_end,
    indexOf(ds, k + 1) AS i,
    indexOf(ds, k) AS ip,
    arrayLastIndex(x -> x <= k + 1, ds) AS ic,
    G[i].2 AS N, G[i].3 AS F, G[i].4 AS S, G[ip].3 AS PF, G[ip].4 AS PS, G[ic].5 AS T, G[ic].6 AS V,
    indexOf(K, 'reporting') + 1 AS rep,
    if(rep > 1 AND T[rep] > 0 AND V[rep] = 1, least(day_end, T[rep]), day_end) AS age_end
  FROM (
    SELECT r,
      arraySort(t -> t.1, groupArray((d, n3, f3, s3, tc, vc))) AS G,
      arrayMap(t -> t.1, G) AS ds,
      arrayMax(arrayMap(t -> t.5[1], G)) AS last_any
    FROM (
      SELECT r, d, n3, f3, s3,
        maxForEach(t3) OVER w AS tc,
        argMaxForEach(v3, t3) OVER w AS vc
      FROM (
        SELECT r, d,
          sumForEach(arrayMap(h -> h * n2, hit)) AS n3,
          sumForEach(arrayMap(h -> h * f2, hit)) AS f3,
          sumForEach(arrayMap(h -> if(h, s2, 0), hit)) AS s3,
          maxForEach(arrayMap(h -> h * t2, hit)) AS t3,
          argMaxForEach(arrayMap(h -> if(h, v2, nan), hit), arrayMap(h -> h * t2, hit)) AS v3
        FROM (
          SELECT r, m,
            arrayCount(x -> x <= bk * 900000, arraySlice({bounds:Array(Int64)}, 1, 92)) AS d,
            sum(n1) AS n2, sum(f1) AS f2, sum(s1) AS s2, max(t1) AS t2, argMax(v1, t1) AS v2,
            arrayMap(c -> c = 1 OR like(m, arrayConcat(['%'], {patterns:Array(String)})[c]),
              range(1, least(length({kinds:Array(String)}), 24) + 2)) AS hit
          FROM (
            SELECT run_id AS r, metric AS m, intDiv(toUnixTimestamp64Milli(event_time), 900000) AS bk,
              count() AS n1, countIf(isFinite(value)) AS f1, sumIf(value, isFinite(value)) AS s1,
              toUnixTimestamp64Milli(max(event_time)) AS t1, argMax(value, event_time) AS v1
            FROM {{table}}
            WHERE event_time >= fromUnixTimestamp64Milli(greatest({since:Int64}, arraySlice({bounds:Array(Int64)}, 1, 92)[-1] - ${MAX_SPAN_MS}))
              AND event_time <= now64(3)
              AND (empty({runs:Array(String)}) OR run_id IN {runs:Array(String)})
            GROUP BY r, m, bk
          )
          GROUP BY r, m, d
        )
        GROUP BY r, d
      )
      WINDOW w AS (PARTITION BY r ORDER BY d ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
    )
    GROUP BY r
    HAVING NOT empty({runs:Array(String)}) OR arrayExists(t -> t.1 >= 2 AND t.2[1] > 0, G)
    ORDER BY last_any DESC
    LIMIT ${MAX_RUNS}
  )
  ARRAY JOIN range(1, length(arraySlice({bounds:Array(Int64)}, 1, 92)) - 1) AS k
)
)
ORDER BY run, day`;

export function healthQuery(o: HealthQueryOptions): RowQuery {
  return {
    kind: 'health',
    sql: SQL,
    params: {
      runs: o.runs,
      bounds: o.bounds,
      since: o.since,
      kinds: o.checks.map((c) => c.kind),
      // `reporting` without a status metric matches nothing (an empty LIKE pattern matches only '').
      patterns: o.checks.map((c) => globToLike(c.metric)),
      targets: o.checks.map((c) => c.target),
      lower: o.checks.map((c) => (c.direction === 'lower' ? 1 : 0)),
      hours: o.checks.map((c) => c.hours),
      tolerances: o.checks.map((c) => c.tolerance),
      weights: o.checks.map((c) => c.weight),
      combine: o.combine,
    },
  };
}

/** How far back the query reads: the previous day, or twice the longest freshness window before the first day. */
export function sinceFor(bounds: readonly number[], checks: readonly ResolvedCheck[]): number {
  const longest = Math.max(0, ...checks.filter((c) => c.kind === 'recency' || c.kind === 'reporting').map((c) => c.hours));
  // Whole milliseconds: a fractional `hours` must not make a non-integer Int64 parameter.
  return Math.floor(Math.min(bounds[0], bounds[1] - 2 * longest * 3_600_000));
}

/** One cell of the table: a run on a day. */
export interface HealthCell {
  run: string;
  /** Index of the day in the table's days (0 = oldest). */
  day: number;
  /** 0..1, or null: no check had data. */
  score: number | null;
  /** Index of the lowest-scoring check (-1: none). */
  worst: number;
  /** One per check, in the checks' order. */
  checks: CheckResult[];
}

export interface HealthData {
  /** Runs in the answer, each with one cell per day. */
  cells: Map<string, HealthCell[]>;
  /** Newest row of each run (epoch ms). */
  lastSeen: Map<string, number>;
}

const nullable = (v: unknown): number | null => {
  const n = toNumber(v);
  return Number.isFinite(n) ? n : null;
};

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** The rows of `healthQuery` as cells per run (days in order). */
export function readHealth(rows: readonly QueryRow[], dayCount: number, checkCount: number): HealthData {
  const cells = new Map<string, HealthCell[]>();
  const lastSeen = new Map<string, number>();
  for (const row of rows) {
    const run = typeof row.run === 'string' ? row.run : String(row.run ?? '');
    const day = toNumber(row.day) - 1;
    if (!(day >= 0 && day < dayCount)) continue;
    let days = cells.get(run);
    if (!days) {
      days = Array.from({ length: dayCount }, (_, d) => emptyCell(run, d, checkCount));
      cells.set(run, days);
      lastSeen.set(run, toNumber(row.last_ms));
    }
    const scores = list(row.scores);
    const values = list(row.vals);
    const extra = list(row.extra);
    const score = nullable(row.cell);
    days[day] = {
      run,
      day,
      score,
      worst: score === null ? -1 : toNumber(row.worst) - 1,
      checks: Array.from({ length: checkCount }, (_, j) => ({ score: nullable(scores[j]), value: nullable(values[j]), extra: nullable(extra[j]) })),
    };
  }
  return { cells, lastSeen };
}

export function emptyCell(run: string, day: number, checkCount: number): HealthCell {
  return { run, day, score: null, worst: -1, checks: Array.from({ length: checkCount }, () => ({ score: null, value: null, extra: null })) };
}
