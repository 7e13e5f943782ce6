import type { RowQuery } from '../../sources/source.js';

/** Most hosts the picker lists. */
export const MAX_HOSTS = 1000;

/**
 * The hosts that reported for some runs in a window (seconds, 0 = all; it
 * counts back from the runs' newest point), by name, with their points and
 * last report. Run-level rows (host `''`) are left out.
 */
export function hostsQuery(runs: string[], window: number, limit = MAX_HOSTS): RowQuery {
  return {
    kind: 'hosts',
    sql: `SELECT host AS h, count() AS n, toUnixTimestamp64Milli(max(event_time)) AS last_ms
FROM {{table}}
WHERE run_id IN {runs:Array(String)} AND host != ''
  AND ({window:UInt32} = 0 OR event_time >= (SELECT max(event_time) FROM {{table}} WHERE run_id IN {runs:Array(String)}) - toIntervalSecond({window:UInt32}))
GROUP BY host
ORDER BY host
LIMIT {limit:UInt32}`,
    params: { runs, window, limit },
  };
}
