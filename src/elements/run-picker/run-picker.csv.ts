/** <run-picker> as CSV: the runs listed, newest report first, with status and selection. */
import { isoTime, toCsv } from '../../internal/export.js';
import type { RunSummary } from './run-picker.component.js';

export const RUN_CSV_COLUMNS = ['run', 'status', 'reason', 'selected', 'first_time', 'last_time', 'last_step'] as const;

export function runsCsv(runs: readonly RunSummary[], selected: ReadonlySet<string>): string {
  return toCsv(
    RUN_CSV_COLUMNS,
    runs.map((r) => [r.run, r.status, r.reason, selected.has(r.run), isoTime(r.firstMs), isoTime(r.lastMs), Number.isFinite(r.lastStep) ? r.lastStep : null]),
  );
}
