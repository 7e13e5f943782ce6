/**
 * The SQL of <checkpoint-table>: one query that lists checkpoints with their
 * hosted copy and benchmark scores, and per-run statistics over every listed
 * checkpoint (window functions run before LIMIT, so the summary counts all of
 * them, not only the rows shown).
 */
import { toNumber } from '../../chart/format.js';
import { globToLike } from '../../internal/pattern.js';
import type { QueryRow, RowQuery } from '../../sources/source.js';

export interface CheckpointQueryOptions {
  runs: string[];
  /** Metric of a saved checkpoint: value = size in bytes. */
  metric: string;
  /** Pattern of benchmark scores at a checkpoint's step. */
  evalMetric: string;
  /** Metric of a hosted checkpoint. */
  hostedMetric: string;
  pathField: string;
  durationField: string;
  urlField: string;
  whereField: string;
  hostedOnly: boolean;
  limit: number;
}

/** The data contract's names (docs/data-contract.md): the element's defaults, and the relay's /checkpoints. */
export const CHECKPOINT_DEFAULTS: Omit<CheckpointQueryOptions, 'runs'> = {
  metric: 'checkpoint.saved',
  evalMetric: 'checkpoint.eval.*',
  hostedMetric: 'checkpoint.hosted',
  pathField: 'path',
  durationField: 'duration_s',
  urlField: 'url',
  whereField: 'where',
  hostedOnly: false,
  limit: 100,
};

/*
 * Innermost: one row per (run, step, metric), the latest write winning (a
 * re-run evaluation replaces the earlier score). Middle: one row per
 * checkpoint. Outer: statistics per run over every checkpoint, then the
 * newest `limit` rows.
 */
const SQL = `
SELECT *,
  countIf(saved_n > 0) OVER w AS run_saved,
  countIf(hosted_n > 0) OVER w AS run_hosted,
  sumIf(size_b, saved_n > 0) OVER w AS run_bytes,
  minIf(at_ms, saved_n > 0) OVER w AS run_first_ms,
  maxIf(at_ms, saved_n > 0) OVER w AS run_last_ms,
  avgIf(save_s, isFinite(save_s)) OVER w AS run_mean_save_s
FROM (
  SELECT
    run_id AS run,
    step AS ckpt_step,
    countIf(metric = {metric:String}) AS saved_n,
    countIf(metric = {hostedMetric:String}) AS hosted_n,
    toUnixTimestamp64Milli(if(saved_n > 0, maxIf(t, metric = {metric:String}), max(t))) AS at_ms,
    if(saved_n > 0, anyIf(v, metric = {metric:String}), nan) AS size_b,
    anyIf(JSONExtractString(tags, {pathField:String}), metric = {metric:String}) AS path,
    anyIf(if(JSONHas(tags, {durationField:String}), JSONExtractFloat(tags, {durationField:String}), nan), metric = {metric:String}) AS save_s,
    anyIf(JSONExtractString(tags, {urlField:String}), metric = {hostedMetric:String}) AS url,
    anyIf(JSONExtractString(tags, {whereField:String}), metric = {hostedMetric:String}) AS place,
    CAST(groupArrayIf((metric, v), metric LIKE {evalPattern:String} AND metric NOT IN ({metric:String}, {hostedMetric:String})), 'Map(String, Float64)') AS scores
  FROM (
    SELECT run_id, step, metric, argMax(value, event_time) AS v, argMax(tags_json, event_time) AS tags, max(event_time) AS t
    FROM {{table}}
    WHERE run_id IN {runs:Array(String)}
      AND (metric IN ({metric:String}, {hostedMetric:String}) OR metric LIKE {evalPattern:String})
    GROUP BY run_id, step, metric
  )
  GROUP BY run_id, step
  HAVING (saved_n > 0 OR hosted_n > 0) AND ({hostedOnly:UInt8} = 0 OR hosted_n > 0)
)
WINDOW w AS (PARTITION BY run)
ORDER BY at_ms DESC, ckpt_step DESC
LIMIT {limit:UInt32}`;

export function checkpointsQuery(o: CheckpointQueryOptions): RowQuery {
  return {
    kind: 'checkpoints',
    sql: SQL,
    params: {
      runs: o.runs,
      metric: o.metric,
      hostedMetric: o.hostedMetric,
      evalPattern: globToLike(o.evalMetric),
      pathField: o.pathField,
      durationField: o.durationField,
      urlField: o.urlField,
      whereField: o.whereField,
      hostedOnly: o.hostedOnly ? 1 : 0,
      limit: o.limit,
    },
  };
}

export interface Checkpoint {
  run: string;
  step: number;
  /** When it was saved (or hosted, when no save row exists), epoch ms. */
  time: number;
  saved: boolean;
  /** Bytes; NaN when only a hosted row exists. */
  size: number;
  path: string;
  /** Save duration in seconds; NaN when not recorded. */
  saveSeconds: number;
  hosted: boolean;
  url: string;
  where: string;
  /** Benchmark scores by metric name; NaN for a NaN score. */
  scores: Map<string, number>;
}

/** Statistics of one run's checkpoints (all of them, not only the rows shown). */
export interface CheckpointStats {
  run: string;
  /** Saved checkpoints. */
  count: number;
  hosted: number;
  totalBytes: number;
  /** Time of the latest saved checkpoint, epoch ms (NaN with none). */
  latest: number;
  /** Mean time between consecutive saves, seconds (NaN with fewer than two). */
  meanIntervalSeconds: number;
  /** Mean save duration, seconds (NaN when none recorded). */
  meanSaveSeconds: number;
}

const text = (v: unknown): string => (typeof v === 'string' ? v : v == null ? '' : String(v));

export function readCheckpoints(rows: readonly QueryRow[]): { checkpoints: Checkpoint[]; stats: CheckpointStats[] } {
  const stats = new Map<string, CheckpointStats>();
  const checkpoints = rows.map((row): Checkpoint => {
    const run = text(row.run);
    if (!stats.has(run)) {
      const count = toNumber(row.run_saved);
      const first = toNumber(row.run_first_ms);
      const last = toNumber(row.run_last_ms);
      stats.set(run, {
        run,
        count,
        hosted: toNumber(row.run_hosted),
        totalBytes: count > 0 ? toNumber(row.run_bytes) : 0,
        latest: count > 0 ? last : NaN,
        meanIntervalSeconds: count > 1 ? (last - first) / 1000 / (count - 1) : NaN,
        meanSaveSeconds: toNumber(row.run_mean_save_s),
      });
    }
    const scores = new Map<string, number>();
    if (row.scores && typeof row.scores === 'object') {
      for (const [name, score] of Object.entries(row.scores as Record<string, unknown>)) scores.set(name, toNumber(score));
    }
    return {
      run,
      step: toNumber(row.ckpt_step),
      time: toNumber(row.at_ms),
      saved: toNumber(row.saved_n) > 0,
      size: toNumber(row.size_b),
      path: text(row.path),
      saveSeconds: toNumber(row.save_s),
      hosted: toNumber(row.hosted_n) > 0,
      url: text(row.url),
      where: text(row.place),
      scores,
    };
  });
  return { checkpoints, stats: [...stats.values()] };
}

/** Only absolute http(s) URLs become links; `javascript:` and the like stay text. */
export function safeHttpUrl(url: string): string | undefined {
  if (!/^https?:\/\//i.test(url.trim())) return undefined;
  try {
    const parsed = new URL(url.trim());
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}
