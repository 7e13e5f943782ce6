/**
 * What <health-table> shows, from what the query answered: the rows (runs, or
 * one run's checks), each cell's status colour, the drill-down link and event
 * detail, and the CSV export. Pure functions, no DOM.
 */
import { toCsv } from '../../internal/export.js';
import { describeResult, type ResolvedCheck } from './health-table.checks.js';
import type { Day } from './health-table.days.js';
import { emptyCell, type HealthCell, type HealthData } from './health-table.queries.js';
import { encodePart } from '../../internal/links.js';

export type Status = 'good' | 'warn' | 'bad' | 'none';
export type Layout = 'runs' | 'checks';

/** Green at 0.70 and above, yellow from 0.30, red below; judged on the value as shown (two decimals). */
export function statusOf(score: number | null): Status {
  if (score === null) return 'none';
  const shown = Math.round(score * 100) / 100;
  return shown >= 0.7 ? 'good' : shown >= 0.3 ? 'warn' : 'bad';
}

export const STATUS_WORDS: Record<Status, string> = { good: 'healthy', warn: 'degraded', bad: 'broken', none: 'no data' };

export const formatScore = (score: number | null): string => (score === null ? '–' : score.toFixed(2));

export interface ViewRow {
  /** The run (runs layout) or the check's label (checks layout). */
  label: string;
  run: string;
  /** The check this row shows (checks layout), else undefined. */
  check?: number;
  cells: HealthCell[];
}

/** One row per run (the page's order, else by name), or one per check of the single run. */
export function viewRows(data: HealthData, runs: readonly string[], layout: Layout, checks: readonly ResolvedCheck[], dayCount: number): ViewRow[] {
  const byName = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });
  const shown = runs.length ? runs : [...data.cells.keys()].sort(byName);
  const cellsOf = (run: string) => data.cells.get(run) ?? Array.from({ length: dayCount }, (_, d) => emptyCell(run, d, checks.length));
  if (layout === 'checks') {
    const run = shown[0] ?? '';
    return checks.map((c, j) => ({ label: c.label, run, check: j, cells: cellsOf(run) }));
  }
  return shown.map((run) => ({ label: run, run, cells: cellsOf(run) }));
}

/** The score a row shows in a cell: the cell's, or the row's check's. */
export const scoreIn = (row: ViewRow, cell: HealthCell): number | null => (row.check === undefined ? cell.score : cell.checks[row.check].score);

/** One check's line in a breakdown: "Checkpoint 0.50 (last checkpoint.saved 9h before the day's end …)". */
export function checkLine(check: ResolvedCheck, cell: HealthCell, j: number, today: boolean): string {
  const r = cell.checks[j];
  return `${check.label} ${r.score === null ? 'no data' : formatScore(r.score)} (${describeResult(check, r, today)})`;
}

/** The whole breakdown of a cell, one check per line, the first line saying what the cell is. */
export function breakdown(row: ViewRow, cell: HealthCell, day: Day, checks: readonly ResolvedCheck[], combine: 'min' | 'mean', today: boolean): string[] {
  const score = scoreIn(row, cell);
  const head = `${row.check === undefined ? row.run : `${row.run} · ${row.label}`} · ${day.key}: ${formatScore(score)} ${STATUS_WORDS[statusOf(score)]}`;
  if (cell.score === null) return [`${head} (the run wrote nothing this day)`];
  const how = row.check === undefined ? [`${head} (${combine === 'mean' ? 'weighted mean' : 'lowest'} of the checks with data)`] : [head];
  return [...how, ...checks.map((c, j) => checkLine(c, cell, j, today))];
}

/** What a screen reader hears in a cell after its value: the status and, when not healthy, the worst check. */
export function cellSummary(row: ViewRow, cell: HealthCell, checks: readonly ResolvedCheck[]): string {
  const score = scoreIn(row, cell);
  const status = STATUS_WORDS[statusOf(score)];
  if (score === null || row.check !== undefined || cell.worst < 0 || statusOf(score) === 'good') return status;
  const worst = checks[cell.worst];
  return `${status}; worst: ${worst.label} ${formatScore(cell.checks[cell.worst].score)}`;
}

/**
 * The check a drill-down should open for a cell: among the checks that judge a
 * series' values (target, improving, finite) the lowest-scoring one, if one
 * scored below 1; else the lowest-scoring check of all. For a run that failed
 * with NaN losses that is the loss, not the stale checkpoint or the status. -1
 * when nothing scored.
 */
export function explainingCheck(cell: HealthCell, checks: readonly ResolvedCheck[]): number {
  let best = -1;
  cell.checks.forEach((r, j) => {
    if (r.score === null || r.score >= 1 || checks[j].kind === 'reporting' || checks[j].kind === 'recency') return;
    if (best < 0 || r.score < cell.checks[best].score!) best = j;
  });
  return best >= 0 ? best : cell.worst;
}

/** What `trainwatch-health-select` carries. */
export interface HealthSelectDetail {
  run: string;
  /** `YYYY-MM-DD` of the cell; '' for a row header (the whole table's days). */
  day: string;
  /** Start of the day (or of the first day), epoch ms. */
  from: number;
  /** End of the day (or of the last day), exclusive, epoch ms. */
  to: number;
  /** The cell's score (a row header: its lowest), null for no data. */
  score: number | null;
  /** Id of the check that scored lowest (checks layout: the row's check), '' for none. */
  check: string;
  /** Metric of the check that explains the score (see `explainingCheck`), '' for none. */
  metric: string;
  /** Every check's result in that cell (empty for a row header). */
  checks: Array<{ id: string; label: string; kind: string; metric: string; score: number | null; value: number | null }>;
}

export function selectDetail(row: ViewRow, day: Day | undefined, days: readonly Day[], checks: readonly ResolvedCheck[]): HealthSelectDetail {
  if (!day) {
    const scores = row.cells.map((c) => scoreIn(row, c)).filter((s): s is number => s !== null);
    const check = row.check === undefined ? undefined : checks[row.check];
    return {
      run: row.run,
      day: '',
      from: days[0]?.from ?? NaN,
      to: days.at(-1)?.to ?? NaN,
      score: scores.length ? Math.min(...scores) : null,
      check: check?.id ?? '',
      metric: check?.metric ?? '',
      checks: [],
    };
  }
  const cell = row.cells[days.indexOf(day)];
  const explaining = row.check ?? explainingCheck(cell, checks);
  const worst = row.check ?? cell.worst;
  return {
    run: row.run,
    day: day.key,
    from: day.from,
    to: day.to,
    score: scoreIn(row, cell),
    check: worst >= 0 ? checks[worst].id : '',
    metric: explaining >= 0 ? checks[explaining].metric : '',
    checks: checks.map((c, j) => ({ id: c.id, label: c.label, kind: c.kind, metric: c.metric, score: cell.checks[j].score, value: cell.checks[j].value })),
  };
}

const PLACEHOLDER = /\{(run|day|from|to|check|metric|score)\}/g;

/**
 * The link of a cell or row header: `template` with `{run}`, `{day}`, `{from}`,
 * `{to}`, `{check}`, `{metric}`, `{score}` replaced by URL-encoded values.
 * Only http(s) links (absolute or relative to the page) are made.
 */
export function expandHref(template: string, detail: HealthSelectDetail, base = document.baseURI): string | undefined {
  if (!template.trim()) return undefined;
  const values: Record<string, string> = {
    run: detail.run,
    day: detail.day,
    from: Number.isFinite(detail.from) ? String(detail.from) : '',
    to: Number.isFinite(detail.to) ? String(detail.to) : '',
    check: detail.check,
    metric: detail.metric,
    score: detail.score === null ? '' : detail.score.toFixed(2),
  };
  const href = template.replace(PLACEHOLDER, (_, name: string) => encodePart(values[name]));
  try {
    const url = new URL(href, base);
    return url.protocol === 'http:' || url.protocol === 'https:' ? href : undefined;
  } catch {
    return undefined;
  }
}

/**
 * CSV of the table: one line per run and day (oldest day first), the cell's
 * score and each check's, blank where there is no data. With `values`, each
 * check's measured value follows in a `<id>.value` column (mean, relative
 * change, age in ms, count of NaN/Inf: see `CheckResult`).
 */
export function healthCsv(rows: readonly ViewRow[], days: readonly Day[], checks: readonly ResolvedCheck[], values: boolean): string {
  const header = ['run', 'day', 'score', ...checks.map((c) => c.id), ...(values ? checks.map((c) => `${c.id}.value`) : [])];
  const runs = [...new Map(rows.map((r) => [r.run, r])).values()];
  const lines = runs.flatMap((row) =>
    days.map((day, d) => {
      const cell = row.cells[d];
      return [
        row.run,
        day.key,
        cell.score,
        ...cell.checks.map((r) => r.score),
        ...(values ? cell.checks.map((r) => r.value) : []),
      ];
    }),
  );
  return toCsv(header, lines);
}
