import { html, nothing } from 'lit';
import { colorFor } from '../../chart/colors.js';
import { formatAge, formatDuration, formatWithUnit } from '../../chart/format.js';
import { themeStyles } from '../../chart/uplot.styles.js';
import { cardStyles } from '../../internal/card.styles.js';
import { download, fileName } from '../../internal/export.js';
import { exportMenuStyles, renderExportMenu } from '../../internal/export-menu.js';
import { TrainwatchElement, type DataState } from '../../internal/trainwatch-element.js';
import { got } from '../../internal/invalid.js';
import type { RowQuery } from '../../sources/source.js';
import { RowsController } from '../../store/rows-controller.js';
import { checkpointColumns, parseList, sortCheckpoints, TEXT_COLUMNS, type SortDirection } from './checkpoint-table.columns.js';
import { checkpointsCsv, type CsvOrder } from './checkpoint-table.csv.js';
import { CHECKPOINT_DEFAULTS, checkpointsQuery, readCheckpoints, type Checkpoint, type CheckpointQueryOptions, type CheckpointStats } from './checkpoint-table.queries.js';
import { checkpointTableStyles } from './checkpoint-table.styles.js';
import { ClockController } from '../../internal/clock-controller.js';
import { rowsOnce } from '../../store/rows-once.js';

export interface CheckpointSelectDetail {
  run: string;
  step: number;
  /** When the checkpoint was saved, epoch ms. */
  time: number;
}

export type { SortDirection };

const MAX_LIMIT = 10_000;

/**
 * @summary Checkpoints of one or more runs: size, save time, path, where they are hosted, and benchmark scores.
 *
 * @attr run - Run id, or several separated by commas (adds a run column). Default: the enclosing `<trainwatch-filters>`' run.
 * @attr metric - Metric of a saved checkpoint (value = size in bytes). Default `checkpoint.saved`.
 * @attr eval-metric - Pattern of benchmark scores at a checkpoint's step, one column each. Default `checkpoint.eval.*`.
 * @attr hosted-metric - Metric of a hosted checkpoint. Default `checkpoint.hosted`.
 * @attr hosted-only - List only hosted checkpoints.
 * @attr limit - Most checkpoints listed, newest first (1–10000). Default 100. The summary counts all of them.
 * @attr lower-better - Benchmarks where a lower score is best (comma-separated names, e.g. `perplexity`).
 * @attr path-field - `tags_json` field of the checkpoint path. Default `path`.
 * @attr duration-field - `tags_json` field of the save duration in seconds. Default `duration_s`.
 * @attr url-field - `tags_json` field of the hosted URL. Default `url`.
 * @attr where-field - `tags_json` field naming where it is hosted. Default `where`.
 * @attr heading - Title. Default `Checkpoints` (`Hosted checkpoints` with `hosted-only`).
 * @attr src - ClickHouse HTTP URL. Default: the page's `configure()` source.
 * @attr user - ClickHouse user.
 * @attr password - ClickHouse password.
 * @attr table - Database-qualified table.
 * @attr poll-interval - Poll interval in ms (default 2000).
 * @attr theme - `light`, `dark`, or unset to follow the system.
 *
 * Each column header is a button in a `<th scope="col">` carrying `aria-sort`:
 * click it, or Enter/Space on it, to sort; again to reverse. A row selects its
 * checkpoint on click, Enter or Space (the chosen row is marked
 * `aria-current`); Up/Down/Home/End move between rows.
 *
 * Export (the ⤓ menu in the header, or `toCSV()`): CSV of the rows listed, in
 * the order shown, one column per benchmark (headed by its metric name), with
 * bytes, seconds and scores at full precision and times in ISO 8601 UTC. The
 * "all checkpoints" entry (`toCSV({ raw: true })`) asks for every checkpoint of
 * the runs regardless of `limit`, up to `CheckpointTable.rawRowLimit` (100,000)
 * rows; beyond that it fails with a message rather than fetch without bound.
 *
 * @fires trainwatch-checkpoint-select - A row was chosen; `detail` is `{ run, step, time }` (time in epoch ms).
 * @fires trainwatch-state - The data state changed; `detail` is `{ state, message }`.
 *
 * @csspart base - The card.
 * @csspart header - Title and export menu.
 * @csspart export - The export menu's button (a `<details>`).
 * @csspart export-menu - The export menu's list of downloads.
 * @csspart summary - The statistics line(s).
 * @csspart table - The table.
 *
 * @cssprop --trainwatch-table-max-height - Height before the table scrolls (default 360px).
 * @cssprop --trainwatch-background - Card background.
 * @cssprop --trainwatch-color - Text colour.
 * @cssprop --trainwatch-muted-color - Secondary text.
 * @cssprop --trainwatch-border-color - Card border.
 */
export class CheckpointTable extends TrainwatchElement {
  static override styles = [themeStyles, cardStyles, exportMenuStyles, checkpointTableStyles];

  /** Most rows `toCSV({ raw: true })` fetches; more fails with a message instead. */
  static rawRowLimit = 100_000;

  static override properties = {
    ...TrainwatchElement.properties,
    run: { type: String, reflect: true },
    metric: { type: String, reflect: true },
    evalMetric: { type: String, attribute: 'eval-metric', reflect: true },
    hostedMetric: { type: String, attribute: 'hosted-metric', reflect: true },
    hostedOnly: { type: Boolean, attribute: 'hosted-only', reflect: true },
    limit: { type: Number, reflect: true },
    lowerBetter: { type: String, attribute: 'lower-better' },
    pathField: { type: String, attribute: 'path-field' },
    durationField: { type: String, attribute: 'duration-field' },
    urlField: { type: String, attribute: 'url-field' },
    whereField: { type: String, attribute: 'where-field' },
    heading: { type: String },
    sortKey: { state: true },
    sortDirection: { state: true },
    selectedKey: { state: true },
    exportError: { state: true },
  };

  declare run: string;
  declare metric: string;
  declare evalMetric: string;
  declare hostedMetric: string;
  declare hostedOnly: boolean;
  declare limit: number;
  declare lowerBetter: string;
  declare pathField: string;
  declare durationField: string;
  declare urlField: string;
  declare whereField: string;
  declare heading: string | undefined;
  /** Column the rows are sorted by: `run`, `step`, `time`, `size`, `save`, `path`, `hosted`, or `eval:<metric>`. */
  declare sortKey: string;
  declare sortDirection: SortDirection;
  /** The last row chosen (`run` NUL `step`), marked `aria-current`. */
  private declare selectedKey: string;
  private declare exportError: string;

  private readonly data = new RowsController<'checkpoints'>(this, () => {
    const queries: Record<string, RowQuery> = this.configError() || !this.runs.length ? {} : { checkpoints: this.query() };
    return { source: this.sourceConfig(), queries };
  });

  /** Ages and staleness move with the clock, not only with polls. */
  private readonly clock = new ClockController(this);
  private read: { rows: unknown; result: ReturnType<typeof readCheckpoints> } | undefined;

  constructor() {
    super();
    this.run = '';
    Object.assign(this, CHECKPOINT_DEFAULTS);
    this.lowerBetter = '';
    this.sortKey = 'time';
    this.sortDirection = 'descending';
    this.selectedKey = '';
    this.exportError = '';
  }

  /** The runs listed: its own `run`, else the enclosing `<trainwatch-filters>`'. */
  get runs(): string[] {
    return parseList(this.inheritedRun(this.run));
  }

  /** The checkpoints as last read, newest first, and each run's statistics. */
  get checkpoints(): { checkpoints: Checkpoint[]; stats: CheckpointStats[] } {
    const rows = this.data.rows('checkpoints');
    if (this.read?.rows !== rows) this.read = { rows, result: readCheckpoints(rows) };
    return this.read.result;
  }

  /** True while this element holds a timer or subscription (for teardown checks). */
  get holdsResources(): boolean {
    return this.clock.running || this.data.store !== undefined;
  }

  /** Sorts by a column; the same column again reverses the order. */
  sortBy(key: string): void {
    if (key === this.sortKey) {
      this.sortDirection = this.sortDirection === 'ascending' ? 'descending' : 'ascending';
      return;
    }
    this.sortKey = key;
    this.sortDirection = TEXT_COLUMNS.has(key) ? 'ascending' : 'descending';
  }

  /**
   * The checkpoints as CSV (RFC 4180, CRLF line ends), in the order the table
   * shows them. By default the rows listed (at most `limit`); with `raw`, every
   * checkpoint of the runs from a fresh query, up to `CheckpointTable.rawRowLimit`
   * rows (more rejects with a message). Rejects on an invalid configuration or
   * a failed query. With nothing listed, only the header line.
   */
  async toCSV(options: { raw?: boolean } = {}): Promise<string> {
    const order: CsvOrder = { ...this.columnOptions(), sortKey: this.sortKey, sortDirection: this.sortDirection };
    if (!options.raw) return checkpointsCsv(this.checkpoints.checkpoints, order);
    const error = this.configError();
    if (error) throw new Error(error);
    if (!this.runs.length) return checkpointsCsv([], order);
    const max = (this.constructor as typeof CheckpointTable).rawRowLimit;
    const rows = await rowsOnce(this.sourceConfig(), checkpointsQuery({ ...this.queryOptions(), limit: max + 1 }));
    if (rows.length > max) {
      throw new Error(`More than ${max.toLocaleString('en-US')} checkpoints: too many for one CSV. Export fewer runs at a time, or use hosted-only.`);
    }
    return checkpointsCsv(readCheckpoints(rows).checkpoints, order);
  }

  private async exportCsv(raw: boolean) {
    try {
      const csv = await this.toCSV({ raw });
      this.exportError = '';
      download(fileName([...this.runs, this.hostedOnly ? 'hosted-checkpoints' : 'checkpoints', ...(raw ? ['all'] : [])], 'csv'), csv);
    } catch (error) {
      this.exportError = `Export failed: ${(error as Error).message}`;
    }
  }

  private columnOptions() {
    return { multiRun: this.runs.length > 1, evalMetric: this.evalMetric, lowerBetter: new Set(parseList(this.lowerBetter)) };
  }

  private queryOptions(): CheckpointQueryOptions {
    return {
      runs: this.runs,
      metric: this.metric,
      evalMetric: this.evalMetric,
      hostedMetric: this.hostedMetric,
      pathField: this.pathField,
      durationField: this.durationField,
      urlField: this.urlField,
      whereField: this.whereField,
      hostedOnly: this.hostedOnly,
      limit: this.limit,
    };
  }

  private query(): RowQuery {
    return checkpointsQuery(this.queryOptions());
  }

  protected override willUpdate(): void {
    this.data.sync();
  }

  protected override updated(): void {
    const { state, message } = this.computeState(this.checkpoints.checkpoints.length);
    this.announce(state, message);
  }

  private configError(): string | undefined {
    const limit = this.limit;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
      return `limit must be a whole number from 1 to ${MAX_LIMIT}; ${got(this.getAttribute('limit') ?? limit)}.`;
    }
    if (!this.metric.trim()) return 'metric must name the checkpoint metric (default checkpoint.saved).';
    return this.pollIntervalError();
  }

  private computeState(rows: number): { state: DataState; message: string } {
    const error = this.configError();
    if (error) return { state: 'error', message: error };
    if (!this.runs.length) return { state: 'empty', message: 'No run selected: set the run attribute.' };
    const status = this.data.status;
    if (rows > 0) return { state: 'ready', message: '' };
    if (status === 'error') return { state: 'error', message: this.data.error ?? 'Error' };
    if (status !== 'ready') return { state: 'loading', message: 'Loading…' };
    const runs = this.runs.map((r) => `"${r}"`).join(', ');
    return {
      state: 'empty',
      message: this.hostedOnly
        ? `No hosted checkpoints ("${this.hostedMetric}") for run ${runs}.`
        : `No checkpoints ("${this.metric}") for run ${runs} yet.`,
    };
  }

  private select(c: Checkpoint, event: Event) {
    // A click on the hosted link follows the link; it does not also select the row.
    if (event.composedPath().some((node) => node instanceof HTMLAnchorElement)) return;
    this.selectedKey = rowKey(c);
    this.dispatchEvent(
      new CustomEvent<CheckpointSelectDetail>('trainwatch-checkpoint-select', {
        detail: { run: c.run, step: c.step, time: c.time },
        bubbles: true,
        composed: true,
      }),
    );
  }

  protected override render() {
    const { checkpoints, stats } = this.checkpoints;
    const { state, message } = this.computeState(checkpoints.length);
    const title = this.heading ?? (this.hostedOnly ? 'Hosted checkpoints' : 'Checkpoints');
    return html`
      <div part="base" class="base">
        <div class="header" part="header">
          <span class="title">${title}</span>
          ${state === 'ready'
            ? renderExportMenu(
                [
                  { label: 'CSV of the rows listed', run: () => this.exportCsv(false) },
                  { label: 'CSV of all checkpoints', run: () => this.exportCsv(true) },
                ],
                title.toLowerCase(),
              )
            : nothing}
        </div>
        ${this.exportError ? html`<p class="banner" role="alert">${this.exportError}</p>` : nothing}
        ${state === 'ready' ? this.renderReady(checkpoints, stats) : html`<p class="message ${state}" role=${state === 'error' ? 'alert' : 'status'}>${message}</p>`}
      </div>
    `;
  }

  private onRowKey(c: Checkpoint, event: KeyboardEvent) {
    const row = event.currentTarget as HTMLTableRowElement;
    if (event.target !== row) return; // keys on the hosted link are the link's
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      this.select(c, event);
      return;
    }
    const rows = [...row.parentElement!.children] as HTMLElement[];
    const at = rows.indexOf(row);
    const next = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: rows.length - 1 }[event.key];
    if (next === undefined || !rows[next]) return;
    event.preventDefault();
    rows[next].focus();
  }

  private renderReady(checkpoints: Checkpoint[], stats: CheckpointStats[]) {
    const columns = checkpointColumns(checkpoints, this.columnOptions());
    const sortColumn = columns.find((c) => c.key === this.sortKey) ?? columns.find((c) => c.key === 'time')!;
    const rows = sortCheckpoints(checkpoints, sortColumn, this.sortDirection);
    const multi = this.runs.length > 1;
    return html`
      ${this.data.status === 'error' ? html`<p class="banner" role="alert">${this.data.error}</p>` : nothing}
      <ul part="summary" class="summary">
        ${stats.map((s) => html`<li>${multi ? html`<span class="run"><span class="swatch" style="background:${colorFor(s.run)}"></span>${s.run}</span> ` : nothing}${this.summaryText(s)}</li>`)}
      </ul>
      <div class="scroll">
        <table part="table">
          <thead>
            <tr>
              ${columns.map((col) => {
                const sorted = col === sortColumn;
                return html`<th scope="col" class=${col.numeric ? 'num' : ''} aria-sort=${sorted ? this.sortDirection : nothing}>
                  <button type="button" @click=${() => this.sortBy(col.key)}>
                    ${col.label}<span class="arrow" aria-hidden="true">${sorted ? (this.sortDirection === 'ascending' ? '▲' : '▼') : ''}</span>
                  </button>
                </th>`;
              })}
            </tr>
          </thead>
          <tbody>
            ${rows.map(
              (c) => html`<tr
                tabindex="0"
                data-run=${c.run}
                data-step=${c.step}
                aria-current=${rowKey(c) === this.selectedKey ? 'true' : nothing}
                @click=${(e: Event) => this.select(c, e)}
                @keydown=${(e: KeyboardEvent) => this.onRowKey(c, e)}
              >
                ${columns.map((col) => html`<td class=${col.numeric ? 'num' : ''} data-column=${col.key} title=${col.key === 'path' ? c.path : nothing}>${col.cell(c)}</td>`)}
              </tr>`,
            )}
          </tbody>
        </table>
      </div>
    `;
  }

  private summaryText(s: CheckpointStats): string {
    const parts = [`${s.count} checkpoint${s.count === 1 ? '' : 's'}`];
    if (s.count > 0) parts.push(`${formatWithUnit(s.totalBytes, 'B')} total`);
    if (Number.isFinite(s.meanIntervalSeconds)) parts.push(`every ${formatDuration(s.meanIntervalSeconds)} on average`);
    if (Number.isFinite(s.meanSaveSeconds)) parts.push(`save ${formatDuration(s.meanSaveSeconds)} mean`);
    if (Number.isFinite(s.latest)) parts.push(`latest ${formatAge(Date.now() - s.latest)}`);
    parts.push(`${s.hosted} hosted`);
    return parts.join(' · ');
  }
}

const rowKey = (c: Checkpoint) => `${c.run}\u0000${c.step}`;

declare global {
  interface GlobalEventHandlersEventMap {
    'trainwatch-checkpoint-select': CustomEvent<CheckpointSelectDetail>;
  }
}
