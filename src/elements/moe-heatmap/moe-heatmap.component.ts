import { html, nothing } from 'lit';
import { styleMap } from 'lit/directives/style-map.js';
import { formatValue } from '../../chart/format.js';
import { themeStyles } from '../../chart/uplot.styles.js';
import { cardStyles } from '../../internal/card.styles.js';
import { download, fileName } from '../../internal/export.js';
import { exportMenuStyles, renderExportMenu } from '../../internal/export-menu.js';
import { parseList } from '../../internal/list.js';
import { TrainwatchElement, type DataState } from '../../internal/trainwatch-element.js';
import { got, quote } from '../../internal/invalid.js';
import type { QueryRow, RowQuery } from '../../sources/source.js';
import { RowsController } from '../../store/rows-controller.js';
import { buildHeatmap, formatCell, NORMALIZE, ROW_ORDERS, scaleOf, type HeatmapView, type Normalize, type RowOrder } from './moe-heatmap.model.js';
import { cellsCsv, pointsCsv, type HeatmapFields } from './moe-heatmap.export.js';
import { heatmapQuery, heatmapRawQuery, heatmapStepsQuery } from './moe-heatmap.queries.js';
import { cellAfterKey } from '../../internal/grid-keys.js';
import { checkRawSize, rawExportLimit, rowsOnce } from '../../store/rows-once.js';
import { moeHeatmapStyles } from './moe-heatmap.styles.js';
import { announceStep, describeShownStep, pickedStep, readSteps, renderStepPicker, stepError, stepPickerStyles } from './step-picker.js';

/**
 * @summary A heatmap of a tagged share at one logged step: MoE routing energy per subject and Fourier bucket.
 *
 * Rows are the values of `row-field` (subjects), columns the numbers in
 * `column-field` (buckets) in numeric order, and each cell the mean value logged
 * for that pair at the shown step, darker for higher values, with the number in
 * the cell and in its tooltip. Pairs with nothing logged are hatched grey. The
 * grid is a `<table>` (with the grid role), so screen readers read it as one.
 * Cell text is black or white, whichever reads on the cell's colour (4.5:1).
 *
 * **Keyboard**: Tab enters the table at one cell; the arrow keys move between
 * cells (Home / End: first / last column, Page Up / Page Down: first / last
 * row, Ctrl+Home / Ctrl+End: first / last cell), and the line under the table
 * shows the focused cell to four significant digits, as its tooltip does. The step
 * picker is a native `<select>`.
 *
 * **Export** (the header's menu, or the methods): `toCSV()` one row per cell
 * shown (step, row, column, value; `row_share` when normalised);
 * `toCSV({ raw: true })` every point logged at the shown step, before the mean
 * over ranks and normalisation (step, row, column, value, host, rank, time).
 *
 * @attr run - Run id (of a comma-separated list, the first). Default: the enclosing `<trainwatch-filters>`' run.
 * @attr metric - Metric name. Default `moe.subject_bucket_share`.
 * @attr row-field - `tags_json` field naming the row. Default `subject`.
 * @attr column-field - `tags_json` field holding the column number. Default `bucket`.
 * @attr normalize - `none` (default) or `row`: each row divided by its sum, so it sums to 1 (property `normalization`).
 * @attr row-order - `name` (default, natural order) or `total` (largest row sum first).
 * @attr step - Step to show (the last logged step at or before it); unset follows the latest. The step picker sets it.
 * @attr heading - Title. Default "<row-field> × <column-field>".
 * @attr src - ClickHouse HTTP URL. Default: the page's `configure()` source.
 * @attr user - ClickHouse user.
 * @attr password - ClickHouse password.
 * @attr table - Database-qualified table. Default `training_observability.metric_points`.
 * @attr poll-interval - Poll interval in ms (default 2000).
 * @attr theme - `light`, `dark`, or unset to follow the system.
 *
 * @fires trainwatch-state - The data state changed; `detail` is `{ state, message }`.
 * @fires trainwatch-step-change - The user picked a step; `detail` is `{ step }` (null for latest).
 *
 * @csspart base - The card around everything.
 * @csspart header - Title, shown step, step picker and export menu.
 * @csspart step-picker - The step `<select>` and its label.
 * @csspart export - The export menu's disclosure (a `<details>`).
 * @csspart export-menu - The export menu's list of downloads.
 * @csspart table - The heatmap table.
 * @csspart detail - The line under the table describing the focused cell.
 * @csspart legend - The colour scale.
 *
 * @cssprop --trainwatch-background - Card background.
 * @cssprop --trainwatch-color - Text colour.
 * @cssprop --trainwatch-muted-color - Secondary text.
 * @cssprop --trainwatch-border-color - Card border.
 * @cssprop --trainwatch-error-color - Error text.
 * @cssprop --trainwatch-font-family - Font.
 * @cssprop --trainwatch-radius - Card corner radius.
 * @cssprop --trainwatch-heatmap-low - Colour of the lowest value (light: #f1f6fc, dark: #161b22).
 * @cssprop --trainwatch-heatmap-mid - Colour half-way up the scale (light: #6baed6, dark: #1f6feb).
 * @cssprop --trainwatch-heatmap-high - Colour of the highest value (light: #08306b, dark: #a5d6ff).
 */
export class MoeHeatmap extends TrainwatchElement {
  static override styles = [themeStyles, cardStyles, stepPickerStyles, exportMenuStyles, moeHeatmapStyles];

  static override properties = {
    ...TrainwatchElement.properties,
    run: { type: String, reflect: true },
    metric: { type: String, reflect: true },
    rowField: { type: String, attribute: 'row-field', reflect: true },
    columnField: { type: String, attribute: 'column-field', reflect: true },
    // `normalize` would shadow Node.normalize().
    normalization: { type: String, attribute: 'normalize', reflect: true },
    rowOrder: { type: String, attribute: 'row-order', reflect: true },
    step: { type: Number, reflect: true },
    heading: { type: String },
  };

  declare run: string;
  declare metric: string;
  declare rowField: string;
  declare columnField: string;
  /** The `normalize` attribute. */
  declare normalization: Normalize;
  declare rowOrder: RowOrder;
  /** The step to show; undefined (or null, once the attribute is removed) follows the latest. */
  declare step: number | null | undefined;
  declare heading: string | undefined;

  private readonly data = new RowsController<'steps' | 'cells'>(this, () => {
    const selection = this.selection();
    const queries: Record<string, RowQuery> = selection ? { steps: heatmapStepsQuery(selection), cells: heatmapQuery(selection) } : {};
    return { source: this.sourceConfig(), queries };
  });

  /**
   * The last answer for this selection apart from the step: while a picked
   * step loads, the picker and the previous step's grid (dimmed) stay.
   */
  private last: { key: string; steps: number[]; rows: QueryRow[] } = { key: '', steps: [], rows: [] };

  /** The cell that takes the table's one tab stop (row, column index); `focused` while focus is in the table. */
  private active = { r: 0, c: 0 };
  private focused = false;
  private exportError = '';

  constructor() {
    super();
    this.run = '';
    this.metric = 'moe.subject_bucket_share';
    this.rowField = 'subject';
    this.columnField = 'bucket';
    this.normalization = 'none';
    this.rowOrder = 'name';
  }

  /** The run shown: the first of its own `run`, else of the enclosing `<trainwatch-filters>`'. */
  get runId(): string {
    return parseList(this.inheritedRun(this.run))[0] ?? '';
  }

  private selection() {
    const run = this.runId;
    if (this.configError() || !run) return undefined;
    return { run, metric: this.metric, rowField: this.rowField, columnField: this.columnField, step: pickedStep(this.step) };
  }

  private configError(): string | undefined {
    if (!NORMALIZE.includes(this.normalization)) return `normalize must be one of ${NORMALIZE.join(', ')}; ${got(this.normalization)}.`;
    if (!ROW_ORDERS.includes(this.rowOrder)) return `row-order must be one of ${ROW_ORDERS.join(', ')}; ${got(this.rowOrder)}.`;
    if (!this.metric.trim()) return 'metric must not be empty.';
    if (!this.rowField.trim()) return 'row-field must name a tags_json field.';
    if (!this.columnField.trim()) return 'column-field must name a tags_json field.';
    return stepError(this.step) ?? this.pollIntervalError();
  }

  protected override willUpdate(): void {
    this.data.sync();
    const key = JSON.stringify([this.sourceConfig(), this.runId, this.metric, this.rowField, this.columnField]);
    if (this.data.status === 'ready') this.last = { key, steps: readSteps(this.data.rows('steps')), rows: this.data.rows('cells') };
    else if (this.last.key !== key) this.last = { key, steps: [], rows: [] };
  }

  protected override updated(): void {
    const { state, message } = this.computeState(this.view());
    this.announce(state, message);
  }

  /** The grid as drawn (undefined before data, or when the shown step has no cells). */
  private view(): HeatmapView | undefined {
    return this.configError() ? undefined : buildHeatmap(this.data.rows('cells'), this.normalization, this.rowOrder);
  }

  private computeState(view: HeatmapView | undefined): { state: DataState; message: string } {
    const error = this.configError();
    if (error) return { state: 'error', message: error };
    if (!this.runId) return { state: 'empty', message: 'No run selected: set the run attribute.' };
    const status = this.data.status;
    if (status === 'idle' || status === 'loading') return { state: 'loading', message: 'Loading…' };
    if (view) return { state: 'ready', message: '' };
    if (status === 'error') return { state: 'error', message: this.data.error ?? 'Error' };
    const steps = readSteps(this.data.rows('steps'));
    const picked = pickedStep(this.step);
    if (!steps.length) return { state: 'empty', message: `No ${quote(this.metric)} rows for run ${quote(this.runId)}.` };
    if (picked !== undefined && picked < Math.min(...steps)) {
      return { state: 'empty', message: `No ${quote(this.metric)} rows at or before step ${picked.toLocaleString('en-US')}.` };
    }
    return {
      state: 'empty',
      message: `No ${quote(this.metric)} rows carry the tags_json fields ${quote(this.rowField)} and ${quote(this.columnField)} (a number).`,
    };
  }

  private pick(step: number | undefined) {
    this.step = step;
    announceStep(this, step);
  }

  /** The grid as shown: the current step's, or the previous one's while a picked step loads. */
  private shown(): HeatmapView | undefined {
    const current = this.view();
    const { state } = this.computeState(current);
    if (state === 'ready') return current;
    return state === 'loading' && this.last.rows.length > 0 ? buildHeatmap(this.last.rows, this.normalization, this.rowOrder) : undefined;
  }

  private fields(): HeatmapFields {
    return { rowField: this.rowField, columnField: this.columnField, rowShare: this.normalization === 'row' };
  }

  /**
   * CSV of what is shown: one row per cell with a value (step, row, column,
   * value, or `row_share` when rows are normalised). With `raw`, every point
   * logged at the shown step (step, row, column, value, host, rank, time),
   * read again from the source; it rejects with a message past 100,000 points.
   */
  async toCSV(options: { raw?: boolean } = {}): Promise<string> {
    const view = this.shown();
    if (!options.raw) return cellsCsv(view, this.fields());
    const selection = this.selection();
    if (!view || !selection) return pointsCsv([], this.fields());
    const limit = rawExportLimit.rows;
    const rows = await rowsOnce(this.sourceConfig(), heatmapRawQuery(selection, view.step, limit));
    checkRawSize(rows, limit, 'points');
    return pointsCsv(rows, this.fields());
  }

  private async runExport(raw: boolean) {
    this.exportError = '';
    this.requestUpdate();
    try {
      const view = this.shown();
      const stem = [this.metric, this.runId, view ? `step-${view.step}` : '', raw ? 'raw' : ''].filter(Boolean);
      download(fileName(stem, 'csv'), await this.toCSV({ raw }));
    } catch (error) {
      this.exportError = `Export failed: ${(error as Error).message}`;
      this.requestUpdate();
    }
  }

  /** Moves the table's tab stop (and focus) to a cell. */
  private async focusCell(r: number, c: number, view: HeatmapView) {
    this.active = { r: Math.max(0, Math.min(view.rows.length - 1, r)), c: Math.max(0, Math.min(view.columns.length - 1, c)) };
    this.requestUpdate();
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>(`td[data-r="${this.active.r}"][data-c="${this.active.c}"]`)?.focus();
  }

  private onGridKey(event: KeyboardEvent, view: HeatmapView) {
    const to = cellAfterKey(event, { row: this.active.r, col: this.active.c }, view.rows.length, view.columns.length);
    if (!to) return;
    event.preventDefault();
    void this.focusCell(to.row, to.col, view);
  }

  private onGridFocus(event: FocusEvent) {
    const td = (event.target as HTMLElement).closest('td');
    if (!td?.dataset.r) return;
    this.active = { r: Number(td.dataset.r), c: Number(td.dataset.c) };
    this.focused = true;
    this.requestUpdate();
  }

  private onGridBlur(event: FocusEvent) {
    const table = event.currentTarget as HTMLElement;
    if (table.contains(event.relatedTarget as Node | null)) return;
    this.focused = false;
    this.requestUpdate();
  }

  /** "subject math · bucket 2: 0.6123" — the focused cell, as its tooltip says it. */
  private describeCell(view: HeatmapView, r: number, c: number): string {
    const value = view.values[r]?.[c];
    const where = `${this.rowField} ${view.rows[r]} · ${this.columnField} ${view.columns[c]}`;
    return `${where}: ${value === undefined ? 'no data' : formatValue(value)}`;
  }

  protected override render() {
    const { state, message } = this.computeState(this.view());
    // Loading a picked step: the previous step's grid stays, dimmed, until it arrives.
    const view = this.shown();
    const pending = state === 'loading' && view !== undefined;
    const picked = pickedStep(this.step);
    const pickable = this.runId && !this.configError() && (this.last.steps.length > 0 || picked !== undefined);
    const title = this.heading ?? `${this.rowField} × ${this.columnField}`;
    if (view) this.active = { r: Math.min(this.active.r, view.rows.length - 1), c: Math.min(this.active.c, view.columns.length - 1) };
    return html`
      <div part="base" class="base">
        <div class="header" part="header">
          <span class="title">${title}</span>
          ${view ? html`<span class="meta shown-step">${pending ? 'Loading…' : describeShownStep(view.step, picked)}</span>` : nothing}
          ${pickable ? renderStepPicker(this.last.steps, picked, (s) => this.pick(s)) : nothing}
          ${view
            ? renderExportMenu(
                [
                  { label: 'CSV of the cells shown', run: () => this.runExport(false) },
                  { label: 'CSV of the raw points', run: () => this.runExport(true) },
                ],
                title,
              )
            : nothing}
        </div>
        ${this.exportError ? html`<p class="banner" role="alert">${this.exportError}</p>` : nothing}
        ${view
          ? html`${this.data.status === 'error' ? html`<p class="banner" role="alert">${this.data.error}</p>` : nothing}
              <div class="body ${pending ? 'pending' : ''}" aria-busy=${pending ? 'true' : 'false'}>
                <div class="scroll">${this.renderTable(view)}</div>
                <p part="detail" class="detail" aria-hidden="true">${this.focused ? this.describeCell(view, this.active.r, this.active.c) : ''}</p>
                ${this.renderLegend(view)}
              </div>`
          : html`<p class="message ${state}" role=${state === 'error' ? 'alert' : 'status'}>${message}</p>`}
      </div>
    `;
  }

  private renderTable(view: HeatmapView) {
    const normalized = this.normalization === 'row' ? ', each row normalised to sum to 1' : '';
    return html`<table
      part="table"
      role="grid"
      aria-readonly="true"
      @keydown=${(event: KeyboardEvent) => this.onGridKey(event, view)}
      @focusin=${this.onGridFocus}
      @focusout=${this.onGridBlur}
    >
      <caption class="sr-only">
        ${this.metric} at step ${view.step}: rows are ${this.rowField}, columns are ${this.columnField}${normalized}. Arrow keys move between cells.
      </caption>
      <thead>
        <tr>
          <th scope="col" class="corner">${this.rowField} ↓ ${this.columnField} →</th>
          ${view.columns.map((c) => html`<th scope="col">${c}</th>`)}
        </tr>
      </thead>
      <tbody>
        ${view.rows.map(
          (row, r) => html`<tr>
            <th scope="row">${row}</th>
            ${view.columns.map((column, c) => this.renderCell(view, row, column, view.values[r][c], r, c))}
          </tr>`,
        )}
      </tbody>
    </table>`;
  }

  private renderCell(view: HeatmapView, row: string, column: number, value: number | undefined, r: number, c: number) {
    const where = `${this.rowField} ${row} · ${this.columnField} ${column}`;
    const tabindex = r === this.active.r && c === this.active.c ? '0' : '-1';
    if (value === undefined) {
      return html`<td class="cell missing" data-r=${r} data-c=${c} tabindex=${tabindex} title=${`${where}: no data`}><span class="sr-only">no data</span></td>`;
    }
    if (!Number.isFinite(value)) {
      return html`<td class="cell invalid" data-r=${r} data-c=${c} tabindex=${tabindex} title=${`${where}: ${formatValue(value)}`}>${formatCell(value)}</td>`;
    }
    // The scale has three stops: --s is the position within the lower or the upper half, --t on the whole scale (for the text colour).
    const t = scaleOf(value, view);
    const upper = t >= 0.5;
    const s = upper ? (t - 0.5) * 2 : t * 2;
    return html`<td
      class="cell ${upper ? 'upper' : ''}"
      data-r=${r}
      data-c=${c}
      tabindex=${tabindex}
      style=${styleMap({ '--s': s.toFixed(4), '--t': t.toFixed(4) })}
      title=${`${where}: ${formatValue(value)}`}
    >
      ${formatCell(value)}
    </td>`;
  }

  private renderLegend(view: HeatmapView) {
    return html`<div part="legend" class="legend" aria-hidden="true">
      <span>${formatCell(view.low)}</span>
      <span class="ramp"></span>
      <span>${formatCell(view.high)}</span>
      ${view.missing ? html`<span class="swatch missing"></span><span>no data</span>` : nothing}
    </div>`;
  }
}
