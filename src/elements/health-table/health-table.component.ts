import { html, nothing } from 'lit';
import { formatAge } from '../../chart/format.js';
import { themeStyles } from '../../chart/uplot.styles.js';
import { cardStyles } from '../../internal/card.styles.js';
import { ClockController } from '../../internal/clock-controller.js';
import { download, fileName } from '../../internal/export.js';
import { exportMenuStyles, renderExportMenu } from '../../internal/export-menu.js';
import { parseList } from '../../internal/list.js';
import { TrainwatchElement, type DataState } from '../../internal/trainwatch-element.js';
import { got } from '../../internal/invalid.js';
import type { RowQuery } from '../../sources/source.js';
import { RowsController } from '../../store/rows-controller.js';
import { parseChecksAttribute, resolveChecks, type HealthCheck, type ResolvedCheck } from './health-table.checks.js';
import { dayRange, shortDate, timeZoneError, type Day, type DayRange } from './health-table.days.js';
import {
  breakdown,
  cellSummary,
  expandHref,
  formatScore,
  healthCsv,
  scoreIn,
  selectDetail,
  statusOf,
  viewRows,
  type HealthSelectDetail,
  type Layout,
  type ViewRow,
} from './health-table.model.js';
import { healthQuery, MAX_RUNS, readHealth, sinceFor, type HealthCell, type HealthData } from './health-table.queries.js';
import { GridCursor } from './health-table.grid.js';
import { healthTableStyles } from './health-table.styles.js';

export type { HealthCheck, HealthSelectDetail };

const MAX_DAYS = 90;

/**
 * @summary A health rollup: one row per run (or per check of one run), one column per day, each cell a 0–1 figure of merit coloured green, yellow or red.
 *
 * Each cell scores a run on a day by the declared **checks** (the `checks`
 * property or JSON attribute; default `DEFAULT_HEALTH_CHECKS`: throughput
 * `tokens_per_s` against 4M tok/s, GPU utilization `sys.gpu.*.util_percent`
 * against 80 %, `loss` improving on the day before, a `checkpoint.saved` within
 * 6 h, no NaN/Inf in `loss`, and the run reporting within the last hour unless
 * its `run.status` says it finished). A cell is the lowest score of the checks
 * that had data that day (`combine="mean"`: their weighted mean); green from
 * 0.70, yellow from 0.30, red below, judged on the value shown (two decimals).
 * A day on which the run wrote nothing is grey and hatched, with no value.
 * The whole table (every run, day and check) is one ClickHouse query, refreshed
 * with the page's poll.
 *
 * Days are calendar days in `timezone` (default UTC) ending today; today's cell
 * judges the day so far (ages count to now). Hovering or focusing a cell shows
 * its breakdown (each check's score and what it measured) in its tooltip and in
 * the line under the table; the cell's text carries its value and status.
 *
 * **Keyboard**: Tab enters the grid at one cell; arrow keys move (Home / End:
 * first / last column, Page Up / Page Down: first / last row, Ctrl+Home /
 * Ctrl+End: first / last cell); Enter or Space opens it. The first column holds
 * the row headers.
 *
 * **Drill-down**: with `href`, every cell and row header is a link made from the
 * template; every one fires `trainwatch-health-select` when chosen (click, Enter,
 * Space). The event is cancelable: `preventDefault()` keeps the link from being
 * followed, so a page can route itself.
 *
 * **Export** (the header's menu, or `toCSV()`): one line per run and day, with
 * the cell's score and one column per check (blank: no data);
 * `toCSV({ raw: true })` adds what each check measured (`<id>.value`).
 *
 * @attr run - Run ids, comma-separated. Unset: the page filter's, else every run that wrote a row on one of the days (the 200 most recent).
 * @attr days - Days shown, ending today (1–90). Default 7.
 * @attr timezone - IANA time zone the days start in (`Europe/Paris`). Default `UTC`.
 * @attr checks - The checks as JSON: `[{"id":"tput","kind":"target","metric":"tokens_per_s","target":5e6}, …]` (see `HealthCheck`). Unset: the defaults.
 * @attr rows - `runs` (default): a row per run; `checks`: a row per check of the one run in `run`.
 * @attr combine - How a cell combines its checks: `min` (default: the worst decides) or `mean` (weighted by each check's `weight`).
 * @attr href - Link template of cells and row headers: `{run}`, `{day}` (YYYY-MM-DD), `{from}` / `{to}` (epoch ms), `{check}`, `{metric}`, `{score}`, URL-encoded. Only http(s) links are made.
 * @attr heading - Title. Default `Health`.
 * @attr src - ClickHouse HTTP URL, or a relay's as `relay+http(s)://…`. Default: the page's source.
 * @attr user - ClickHouse user.
 * @attr password - ClickHouse password.
 * @attr table - Database-qualified table. Default `training_observability.metric_points`.
 * @attr poll-interval - Poll interval in ms (default 2000).
 * @attr theme - `light`, `dark`, or unset to follow the system.
 *
 * @fires trainwatch-health-select - A cell or row header was chosen; `detail` is `{ run, day, from, to, score, check, metric, checks }` (cancelable: cancel to stay on the page).
 * @fires trainwatch-state - The data state changed; `detail` is `{ state, message }`.
 *
 * @csspart base - The card.
 * @csspart header - Title, days and export menu.
 * @csspart export - The export menu's button (a `<details>`).
 * @csspart export-menu - The export menu's list of downloads.
 * @csspart table - The grid.
 * @csspart detail - The line under the grid with the hovered or focused cell's breakdown.
 * @csspart legend - The colour key.
 *
 * @cssprop --trainwatch-good-color - Healthy cells (≥ 0.70).
 * @cssprop --trainwatch-warn-color - Degraded cells (0.30–0.70).
 * @cssprop --trainwatch-bad-color - Broken cells (< 0.30).
 * @cssprop --trainwatch-background - Card background, and the text on coloured cells.
 * @cssprop --trainwatch-color - Text colour.
 * @cssprop --trainwatch-muted-color - Secondary text, and the outline of cells without data.
 * @cssprop --trainwatch-grid-color - Fill of cells without data.
 * @cssprop --trainwatch-border-color - Card border.
 * @cssprop --trainwatch-focus-color - Focus ring.
 */
export class HealthTable extends TrainwatchElement {
  static override styles = [themeStyles, cardStyles, exportMenuStyles, healthTableStyles];

  static override properties = {
    ...TrainwatchElement.properties,
    run: { type: String, reflect: true },
    days: { type: Number, reflect: true },
    timezone: { type: String, reflect: true },
    checks: { attribute: 'checks', converter: { fromAttribute: parseChecksAttribute } },
    rows: { type: String, reflect: true },
    combine: { type: String, reflect: true },
    href: { type: String },
    heading: { type: String },
  };

  declare run: string;
  declare days: number;
  declare timezone: string;
  /** The checks; unset: `DEFAULT_HEALTH_CHECKS`. The `checks` attribute sets it from JSON. */
  declare checks: HealthCheck[] | undefined;
  declare rows: Layout;
  declare combine: 'min' | 'mean';
  declare href: string;
  declare heading: string | undefined;

  private readonly data = new RowsController<'health'>(this, () => {
    const query = this.query();
    return { source: this.sourceConfig(), queries: query ? { health: query } : {} };
  });

  /** Re-renders each minute, so the columns move on at midnight. */
  private readonly clock = new ClockController(this, 60_000);
  private days_: { key: string; range: DayRange } | undefined;
  private read: { rows: unknown; days: number; checks: number; data: HealthData } | undefined;
  /** The grid's tab stop and keys; column 0 holds the row headers. */
  private readonly cursor = new GridCursor(this, ({ row, col }) => this.select(row, col));
  private exportError = '';
  /** Cell tooltips and links, computed once per answer (hovering re-renders the grid). */
  private memo: { key: unknown[]; map: Map<string, { tip: string; href: string | undefined }> } = { key: [], map: new Map() };

  constructor() {
    super();
    this.run = '';
    this.days = 7;
    this.timezone = 'UTC';
    this.rows = 'runs';
    this.combine = 'min';
    this.href = '';
  }

  /** True while this element holds a timer or subscription (for teardown checks). */
  get holdsResources(): boolean {
    return this.clock.running || this.data.store !== undefined;
  }

  /** The runs asked for (own attribute, else the page filter); empty: every run that reported. */
  get runs(): string[] {
    return parseList(this.inheritedRun(this.run));
  }

  /** The checks in use, defaults filled in (empty while they are invalid). */
  get resolvedChecks(): ResolvedCheck[] {
    const checks = this.checkList();
    return typeof checks === 'string' ? [] : checks;
  }

  private resolved: { from: unknown; result: ResolvedCheck[] | string } | undefined;

  /** The checks validated, once per value of `checks`; a string says what is wrong. */
  private checkList(): ResolvedCheck[] | string {
    if (!this.resolved || this.resolved.from !== this.checks) this.resolved = { from: this.checks, result: resolveChecks(this.checks) };
    return this.resolved.result;
  }

  /** The days shown, oldest first. */
  get shownDays(): Day[] {
    return this.range.days;
  }

  private configError(): string | undefined {
    if (!Number.isInteger(this.days) || this.days < 1 || this.days > MAX_DAYS) {
      return `days must be a whole number from 1 to ${MAX_DAYS}; ${got(this.getAttribute('days') ?? this.days)}.`;
    }
    const zone = timeZoneError(this.timezone);
    if (zone) return zone;
    if (this.rows !== 'runs' && this.rows !== 'checks') return `rows must be "runs" or "checks"; ${got(this.rows)}.`;
    if (this.combine !== 'min' && this.combine !== 'mean') return `combine must be "min" or "mean"; ${got(this.combine)}.`;
    if (this.runs.length > MAX_RUNS) return `run lists ${this.runs.length} runs; at most ${MAX_RUNS}.`;
    if (this.rows === 'checks' && this.runs.length > 1) return `rows="checks" shows one run; got ${this.runs.length} (${this.runs.join(', ')}).`;
    const checks = this.checkList();
    if (typeof checks === 'string') return checks;
    return this.pollIntervalError();
  }

  private query(): RowQuery | undefined {
    if (this.configError() || (this.rows === 'checks' && !this.runs.length)) return undefined;
    const checks = this.resolvedChecks;
    return healthQuery({ runs: this.runs, bounds: this.range.bounds, since: sinceFor(this.range.bounds, checks), checks, combine: this.combine });
  }

  private healthData(): HealthData {
    const rows = this.data.rows('health');
    const days = this.range.days.length;
    const checks = this.resolvedChecks.length;
    if (this.read?.rows !== rows || this.read.days !== days || this.read.checks !== checks) this.read = { rows, days, checks, data: readHealth(rows, days, checks) };
    return this.read.data;
  }

  /** The rows as shown (runs, or the run's checks). */
  get viewRows(): ViewRow[] {
    return viewRows(this.healthData(), this.runs, this.rows, this.resolvedChecks, this.range.days.length);
  }

  /** The days shown, recomputed when `days` or `timezone` change and when today ends. */
  private get range(): DayRange {
    const valid = Number.isInteger(this.days) && this.days >= 1 && this.days <= MAX_DAYS && !timeZoneError(this.timezone);
    const key = valid ? `${this.days}|${this.timezone}` : '7|UTC';
    const now = Date.now();
    if (!this.days_ || this.days_.key !== key || now >= this.days_.range.bounds.at(-1)!) {
      this.days_ = { key, range: valid ? dayRange(this.days, this.timezone, now) : dayRange(7, 'UTC', now) };
    }
    return this.days_.range;
  }

  protected override willUpdate(): void {
    this.data.sync();
  }

  protected override updated(): void {
    const { state, message } = this.computeState();
    this.announce(state, message);
  }

  private computeState(): { state: DataState; message: string } {
    const error = this.configError();
    if (error) return { state: 'error', message: error };
    if (this.rows === 'checks' && !this.runs.length) return { state: 'empty', message: 'rows="checks" shows the checks of one run: set the run attribute.' };
    const status = this.data.status;
    const data = this.healthData();
    if (status === 'idle' || (status === 'loading' && !data.cells.size)) return { state: 'loading', message: 'Loading…' };
    if (data.cells.size) return { state: 'ready', message: '' };
    if (status === 'error') return { state: 'error', message: this.data.error ?? 'Error' };
    const window = `the last ${this.days === 1 ? 'day' : `${this.days} days`}`;
    if (!this.runs.length) return { state: 'empty', message: `No run wrote a row in ${window}.` };
    return { state: 'empty', message: `No rows for run ${this.runs.map((r) => `"${r}"`).join(', ')} in ${window}.` };
  }

  /** CSV of the table (see the class notes); with `raw`, each check's measured value too. Rejects on an invalid configuration. */
  async toCSV(options: { raw?: boolean } = {}): Promise<string> {
    const error = this.configError();
    if (error) throw new Error(error);
    const rows = this.computeState().state === 'ready' ? this.viewRows : [];
    return healthCsv(rows, this.range.days, this.resolvedChecks, options.raw === true);
  }

  private async exportCsv(raw: boolean) {
    try {
      const csv = await this.toCSV({ raw });
      this.exportError = '';
      download(fileName(['health', ...this.runs.slice(0, 3), this.range.days.at(-1)?.key ?? '', ...(raw ? ['values'] : [])], 'csv'), csv);
    } catch (error) {
      this.exportError = `Export failed: ${(error as Error).message}`;
    }
    this.requestUpdate();
  }

  /** Fires the select event; true when a listener cancelled it (the link must not be followed). */
  private select(r: number, c: number): boolean {
    const row = this.viewRows[r];
    if (!row) return false;
    const detail = selectDetail(row, c === 0 ? undefined : this.range.days[c - 1], this.range.days, this.resolvedChecks);
    const event = new CustomEvent<HealthSelectDetail>('trainwatch-health-select', { detail, bubbles: true, composed: true, cancelable: true });
    return !this.dispatchEvent(event);
  }

  private isToday(day: Day) {
    return day === this.range.days.at(-1);
  }

  /** The breakdown of a cell (or a row header's summary), one line per check. */
  private describe(rows: readonly ViewRow[], r: number, c: number): string[] {
    const row = rows[r];
    if (!row) return [];
    if (c === 0) {
      const seen = this.healthData().lastSeen.get(row.run);
      const last = seen !== undefined && Number.isFinite(seen) ? `last row ${formatAge(Date.now() - seen)}` : `no rows in the last ${this.days} days`;
      return [row.check === undefined ? `${row.run}: ${last}` : `${row.run} · ${row.label}: ${this.resolvedChecks[row.check].kind} check of ${this.resolvedChecks[row.check].metric || 'any row'}`];
    }
    const day = this.range.days[c - 1];
    return breakdown(row, row.cells[c - 1], day, this.resolvedChecks, this.combine, this.isToday(day));
  }

  protected override render() {
    const { state, message } = this.computeState();
    const title = this.heading ?? 'Health';
    const zone = this.timezone === 'UTC' ? 'UTC' : this.timezone;
    return html`
      <div part="base" class="base">
        <div class="header" part="header">
          <span class="title">${title}</span>
          ${this.configError() ? nothing : html`<span class="meta">last ${this.days === 1 ? 'day' : `${this.days} days`} · ${zone}</span>`}
          ${state === 'ready'
            ? renderExportMenu(
                [
                  { label: 'CSV of the table', run: () => this.exportCsv(false) },
                  { label: 'CSV with measured values', run: () => this.exportCsv(true) },
                ],
                title.toLowerCase(),
              )
            : nothing}
        </div>
        ${this.exportError ? html`<p class="banner" role="alert">${this.exportError}</p>` : nothing}
        ${state === 'ready' ? this.renderReady() : html`<p class="message ${state}" role=${state === 'error' ? 'alert' : 'status'}>${message}</p>`}
      </div>
    `;
  }

  private renderReady() {
    const rows = this.viewRows;
    const days = this.range.days;
    this.cursor.clamp(rows.length, days.length + 1);
    const key = [this.healthData(), this.rows, this.combine, this.range, this.checks, this.runs.join('\n'), this.href];
    if (key.some((k, i) => k !== this.memo.key[i])) this.memo = { key, map: new Map() };
    const shown = this.cursor.shown;
    const detail = shown ? this.describe(rows, shown.row, shown.col) : [];
    const what = this.rows === 'checks' ? `the checks of run ${rows[0]?.run ?? ''}` : `${rows.length} run${rows.length === 1 ? '' : 's'}`;
    const how = this.combine === 'mean' ? 'the weighted mean' : 'the lowest score';
    return html`
      ${this.data.status === 'error' ? html`<p class="banner" role="alert">${this.data.error}</p>` : nothing}
      <div class="scroll">
        <table
          part="table"
          role="grid"
          aria-readonly="true"
          @click=${this.cursor.onClick}
          @keydown=${(e: KeyboardEvent) => this.cursor.onKey(e, rows.length, days.length + 1)}
          @focusin=${this.cursor.onFocusIn}
          @focusout=${this.cursor.onFocusOut}
          @mouseover=${this.cursor.onHover}
          @mouseleave=${this.cursor.onLeave}
        >
          <caption class="sr-only">
            Health of ${what}, by day (${this.timezone}), from 0 to 1${this.rows === 'checks' ? '' : `: each cell is ${how} of its checks`}; 0.70 and above is healthy,
            below 0.30 broken. Arrow keys move between cells; Enter opens one.
          </caption>
          <thead>
            <tr>
              <th scope="col" class="corner">${this.rows === 'checks' ? 'Check' : 'Run'}</th>
              ${days.map((d) => html`<th scope="col" title=${d.key}><time datetime=${d.key}>${this.isToday(d) ? 'Today' : shortDate(d.key)}</time></th>`)}
            </tr>
          </thead>
          <tbody>
            ${rows.map((row, r) => html`<tr>${this.renderRowHeader(row, r)}${days.map((day, d) => this.renderCell(row, r, day, d + 1))}</tr>`)}
          </tbody>
        </table>
      </div>
      <div part="detail" class="detail" role="status" aria-live="polite">${detail.map((line, i) => html`<div class=${i === 0 ? 'head' : ''}>${line}</div>`)}</div>
      ${this.renderLegend()}
    `;
  }

  private link(row: ViewRow, day: Day | undefined): string | undefined {
    return this.href ? expandHref(this.href, selectDetail(row, day, this.range.days, this.resolvedChecks)) : undefined;
  }

  private renderRowHeader(row: ViewRow, r: number) {
    const href = this.link(row, undefined);
    const tip = this.describe([row], 0, 0)[0];
    if (href) return html`<th scope="row"><a href=${href} data-r=${r} data-c="0" tabindex=${this.cursor.tabindex(r, 0)} title=${tip}>${row.label}</a></th>`;
    return html`<th scope="row" data-r=${r} data-c="0" tabindex=${this.cursor.tabindex(r, 0)} title=${tip}>${row.label}</th>`;
  }

  private renderCell(row: ViewRow, r: number, day: Day, c: number) {
    const cell = row.cells[c - 1];
    const score = scoreIn(row, cell);
    const status = statusOf(score);
    const { tip, href } = this.cellInfo(row, cell, day, r, c);
    const content = html`<span class="value">${score === null ? '' : formatScore(score)}</span
      ><span class="sr-only">${score === null ? 'no data' : `, ${cellSummary(row, cell, this.resolvedChecks)}`}</span>`;
    if (href) {
      return html`<td class="cell ${status}" data-score=${formatScore(score)}>
        <a href=${href} data-r=${r} data-c=${c} tabindex=${this.cursor.tabindex(r, c)} title=${tip}>${content}</a>
      </td>`;
    }
    return html`<td class="cell ${status}" data-score=${formatScore(score)} data-r=${r} data-c=${c} tabindex=${this.cursor.tabindex(r, c)} title=${tip}>${content}</td>`;
  }

  private cellInfo(row: ViewRow, cell: HealthCell, day: Day, r: number, c: number): { tip: string; href: string | undefined } {
    const id = `${r}|${c}`;
    let info = this.memo.map.get(id);
    if (!info) {
      info = { tip: breakdown(row, cell, day, this.resolvedChecks, this.combine, this.isToday(day)).join('\n'), href: this.link(row, day) };
      this.memo.map.set(id, info);
    }
    return info;
  }

  private renderLegend() {
    return html`<div part="legend" class="legend" aria-hidden="true">
      <span><span class="swatch good"></span>≥ 0.70 healthy</span>
      <span><span class="swatch warn"></span>0.30–0.70 degraded</span>
      <span><span class="swatch bad"></span>&lt; 0.30 broken</span>
      <span><span class="swatch none"></span>no data</span>
    </div>`;
  }
}
