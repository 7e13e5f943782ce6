/**
 * The SQL half of the MoE views' step picker: which steps were logged, and the
 * condition that picks one. Free of Lit so the relay can load it in Node.
 */
import { toNumber } from '../../chart/format.js';
import type { QueryParam, QueryRow, RowQuery } from '../../sources/source.js';

/** The picker lists this many of the newest logged steps. */
export const STEP_LIST_LIMIT = 200;

/** SQL condition on `step`: the steps at or before the picked one, or all of them for "latest". */
export const STEP_FILTER = '({latest:UInt8} = 1 OR step <= {step:UInt64})';

/** Bound values for STEP_FILTER. */
export function stepParams(step: number | undefined): Record<string, QueryParam> {
  return { latest: step === undefined ? 1 : 0, step: step ?? 0 };
}

/** The logged steps of a run's metric, newest first. */
export function loggedStepsQuery(kind: string, run: string, metric: string): RowQuery {
  return {
    kind,
    sql: `SELECT step AS logged_step
FROM {{table}}
WHERE run_id = {run:String} AND metric = {metric:String}
GROUP BY logged_step
ORDER BY logged_step DESC
LIMIT {limit:UInt32}`,
    params: { run, metric, limit: STEP_LIST_LIMIT },
  };
}

export const readSteps = (rows: QueryRow[]): number[] => rows.map((r) => toNumber(r.logged_step)).filter(Number.isFinite);
