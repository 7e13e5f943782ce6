/**
 * <milestone-bar> as CSV: one line per milestone with the values behind the
 * text (tokens, seconds, percent at full precision; times in ISO 8601 UTC).
 */
import { isoTime, toCsv } from '../../internal/export.js';
import type { Milestone } from './milestone-bar.model.js';
import type { MilestoneData } from './milestone-bar.queries.js';

export const MILESTONE_CSV_COLUMNS = [
  'run',
  'metric',
  'milestone',
  'target',
  'status',
  'reached_time',
  'reached_step',
  'took_seconds',
  'percent',
  'eta_seconds',
  'eta_time',
  'value',
  'value_time',
] as const;

/** Unknown numbers (no ETA, not reached) are empty cells rather than "NaN". */
const known = (n: number) => (Number.isFinite(n) ? n : null);

export function milestonesCsv(run: string, metric: string, list: readonly Milestone[], data: MilestoneData | undefined): string {
  return toCsv(
    MILESTONE_CSV_COLUMNS,
    data
      ? list.map((m) => {
          const reached = m.status === 'reached';
          return [
            run,
            metric,
            m.label,
            m.value,
            m.status,
            reached ? isoTime(m.reachedAt) : '',
            reached ? known(m.reachedStep) : null,
            reached ? known(m.tookSeconds) : null,
            m.percent,
            reached ? null : known(m.etaSeconds),
            reached || !Number.isFinite(m.etaSeconds) ? '' : isoTime(data.lastMs + m.etaSeconds * 1000),
            data.lastValue,
            isoTime(data.lastMs),
          ];
        })
      : [],
  );
}
