import type { RowQuery } from '../../sources/source.js';

/**
 * Every run in the table with its first and last report, newest first, and
 * its latest `run.status` (status and reason from tags_json).
 */
export function runsQuery(statusMetric: string, limit: number): RowQuery {
  return {
    kind: 'runs',
    sql: `SELECT run_id AS run,
       toUnixTimestamp64Milli(min(event_time)) AS first_ms,
       toUnixTimestamp64Milli(max(event_time)) AS last_ms,
       max(step) AS last_step,
       argMaxIf(JSONExtractString(tags_json, 'status'), event_time, metric = {status:String}) AS status,
       argMaxIf(JSONExtractString(tags_json, 'reason'), event_time, metric = {status:String}) AS reason
FROM {{table}}
GROUP BY run_id
ORDER BY last_ms DESC, run
LIMIT {limit:UInt32}`,
    params: { status: statusMetric, limit },
  };
}
