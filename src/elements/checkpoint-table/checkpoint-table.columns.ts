/**
 * The columns of <checkpoint-table>: fixed ones, then one per benchmark found
 * in the rows, each knowing how to sort and draw its cell. Cells are Lit text
 * bindings: paths and hosted names from `tags_json` stay text.
 */
import { html, type TemplateResult } from 'lit';
import { colorFor } from '../../chart/colors.js';
import { formatDuration, formatStep, formatTime, formatValue, formatWithUnit } from '../../chart/format.js';
import { wildcardPart } from '../../internal/pattern.js';
import { safeHttpUrl, type Checkpoint } from './checkpoint-table.queries.js';

export type SortDirection = 'ascending' | 'descending';

export interface Column {
  key: string;
  label: string;
  numeric: boolean;
  /** What the column sorts by; NaN and '' sort last in both directions. */
  sortValue: (c: Checkpoint) => number | string;
  cell: (c: Checkpoint) => TemplateResult | string;
}

export interface ColumnOptions {
  /** Adds the run column. */
  multiRun: boolean;
  evalMetric: string;
  /** Benchmarks (label or metric name) whose lowest score is best. */
  lowerBetter: ReadonlySet<string>;
}

/** Columns sorted text-first (A→Z) when first chosen; the others start largest/newest first. */
export const TEXT_COLUMNS = new Set(['run', 'path', 'hosted']);

/** Splits a comma-separated attribute into distinct, trimmed, non-empty names. */
export { parseList } from '../../internal/list.js';

export function checkpointColumns(checkpoints: readonly Checkpoint[], o: ColumnOptions): Column[] {
  const columns: Column[] = [];
  if (o.multiRun) {
    columns.push({
      key: 'run',
      label: 'run',
      numeric: false,
      sortValue: (c) => c.run,
      cell: (c) => html`<span class="swatch" style="background:${colorFor(c.run)}"></span>${c.run}`,
    });
  }
  columns.push(
    { key: 'step', label: 'step', numeric: true, sortValue: (c) => c.step, cell: (c) => formatStep(c.step) },
    { key: 'time', label: 'time (UTC)', numeric: false, sortValue: (c) => c.time, cell: (c) => formatTime(c.time) },
    { key: 'size', label: 'size', numeric: true, sortValue: (c) => c.size, cell: (c) => (c.saved ? formatWithUnit(c.size, 'B') : '–') },
    { key: 'save', label: 'save', numeric: true, sortValue: (c) => c.saveSeconds, cell: (c) => formatDuration(c.saveSeconds) },
    { key: 'path', label: 'path', numeric: false, sortValue: (c) => c.path, cell: (c) => c.path || '–' },
    { key: 'hosted', label: 'hosted', numeric: false, sortValue: (c) => (c.hosted ? c.where || c.url || 'yes' : ''), cell: hostedCell },
  );
  const benchmarks = [...new Set(checkpoints.flatMap((c) => [...c.scores.keys()]))].sort();
  for (const metric of benchmarks) {
    const label = wildcardPart(o.evalMetric, metric);
    const finite = checkpoints.map((c) => c.scores.get(metric) ?? NaN).filter(Number.isFinite);
    const lower = o.lowerBetter.has(label) || o.lowerBetter.has(metric);
    const best = finite.length ? (lower ? Math.min(...finite) : Math.max(...finite)) : NaN;
    columns.push({
      key: `eval:${metric}`,
      label,
      numeric: true,
      sortValue: (c) => c.scores.get(metric) ?? NaN,
      cell: (c) => {
        if (!c.scores.has(metric)) return '–';
        const score = c.scores.get(metric)!;
        return score === best ? html`<strong class="best" title=${`best ${label}`}>${formatValue(score)}</strong>` : formatValue(score);
      },
    });
  }
  return columns;
}

function hostedCell(c: Checkpoint): TemplateResult | string {
  if (!c.hosted) return html`<span class="muted">–</span>`;
  const href = safeHttpUrl(c.url);
  if (!href) return c.where || c.url || 'yes';
  return html`<a href=${href} target="_blank" rel="noopener noreferrer">${c.where || new URL(href).host}</a>`;
}

const missing = (v: number | string) => (typeof v === 'number' ? !Number.isFinite(v) : v === '');

/** The rows in a column's order; missing values last either way, ties newest first. */
export function sortCheckpoints(checkpoints: readonly Checkpoint[], column: Column, direction: SortDirection): Checkpoint[] {
  const sign = direction === 'ascending' ? 1 : -1;
  return [...checkpoints].sort((a, b) => {
    const x = column.sortValue(a);
    const y = column.sortValue(b);
    const mx = missing(x);
    const my = missing(y);
    if (mx !== my) return mx ? 1 : -1;
    const order = mx ? 0 : typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
    return order * sign || b.time - a.time;
  });
}
