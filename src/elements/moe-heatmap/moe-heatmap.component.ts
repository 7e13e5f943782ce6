import { html, nothing } from 'lit';
import { styleMap } from 'lit/directives/style-map.js';
import { formatValue } from '../../chart/format.js';
import { themeStyles } from '../../chart/uplot.styles.js';
import { cardStyles } from '../../internal/card.styles.js';
import { TrainwatchElement, type DataState } from '../../internal/trainwatch-element.js';
import type { QueryRow, RowQuery } from '../../sources/source.js';
import { RowsController } from '../../store/rows-controller.js';
import { buildHeatmap, formatCell, NORMALIZE, ROW_ORDERS, scaleOf, type HeatmapView, type Normalize, type RowOrder } from './moe-heatmap.model.js';
import { heatmapQuery, heatmapStepsQuery } from './moe-heatmap.queries.js';
import { moeHeatmapStyles } from './moe-heatmap.styles.js';
import { announceStep, describeShownStep, pickedStep, readSteps, renderStepPicker, stepError, stepPickerStyles } from './step-picker.js';

/**
 * @summary A heatmap of a tagged share at one logged step: MoE routing energy per subject and Fourier bucket.
 *
 * Rows are the values of `row-field` (subjects), columns the numbers in
 * `column-field` (buckets) in numeric order, and each cell the mean value logged
 * for that pair at the shown step, darker for higher values, with the number in
 * the cell and in its tooltip. Pairs with nothing logged are hatched grey. The
 * grid is a `<table>`, so screen readers read it as one.
 *
 * @attr run - Run id.
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
 * @csspart header - Title, shown step and step picker.
 * @csspart step-picker - The step `<select>` and its label.
 * @csspart table - The heatmap table.
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
  static override styles = [themeStyles, cardStyles, stepPickerStyles, moeHeatmapStyles];

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

  constructor() {
    super();
    this.run = '';
    this.metric = 'moe.subject_bucket_share';
    this.rowField = 'subject';
    this.columnField = 'bucket';
    this.normalization = 'none';
    this.rowOrder = 'name';
  }

  private selection() {
    const run = this.run.trim();
    if (this.configError() || !run) return undefined;
    return { run, metric: this.metric, rowField: this.rowField, columnField: this.columnField, step: pickedStep(this.step) };
  }

  private configError(): string | undefined {
    if (!NORMALIZE.includes(this.normalization)) return `normalize must be one of ${NORMALIZE.join(', ')}; got "${this.normalization}".`;
    if (!ROW_ORDERS.includes(this.rowOrder)) return `row-order must be one of ${ROW_ORDERS.join(', ')}; got "${this.rowOrder}".`;
    if (!this.metric.trim()) return 'metric must not be empty.';
    if (!this.rowField.trim()) return 'row-field must name a tags_json field.';
    if (!this.columnField.trim()) return 'column-field must name a tags_json field.';
    return stepError(this.step);
  }

  protected override willUpdate(): void {
    this.data.sync();
    const key = JSON.stringify([this.sourceConfig(), this.run.trim(), this.metric, this.rowField, this.columnField]);
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
    if (!this.run.trim()) return { state: 'empty', message: 'No run selected: set the run attribute.' };
    const status = this.data.status;
    if (status === 'idle' || status === 'loading') return { state: 'loading', message: 'Loading…' };
    if (view) return { state: 'ready', message: '' };
    if (status === 'error') return { state: 'error', message: this.data.error ?? 'Error' };
    const steps = readSteps(this.data.rows('steps'));
    const picked = pickedStep(this.step);
    if (!steps.length) return { state: 'empty', message: `No "${this.metric}" rows for run "${this.run.trim()}".` };
    if (picked !== undefined && picked < Math.min(...steps)) {
      return { state: 'empty', message: `No "${this.metric}" rows at or before step ${picked.toLocaleString('en-US')}.` };
    }
    return {
      state: 'empty',
      message: `No "${this.metric}" rows carry the tags_json fields "${this.rowField}" and "${this.columnField}" (a number).`,
    };
  }

  private pick(step: number | undefined) {
    this.step = step;
    announceStep(this, step);
  }

  protected override render() {
    const current = this.view();
    const { state, message } = this.computeState(current);
    // Loading a picked step: the previous step's grid stays, dimmed, until it arrives.
    const pending = state === 'loading' && this.last.rows.length > 0;
    const view = state === 'ready' ? current : pending ? buildHeatmap(this.last.rows, this.normalization, this.rowOrder) : undefined;
    const picked = pickedStep(this.step);
    const pickable = this.run.trim() && !this.configError() && (this.last.steps.length > 0 || picked !== undefined);
    return html`
      <div part="base" class="base">
        <header part="header" role="none">
          <span class="title">${this.heading ?? `${this.rowField} × ${this.columnField}`}</span>
          ${view ? html`<span class="meta shown-step">${pending ? 'Loading…' : describeShownStep(view.step, picked)}</span>` : nothing}
          ${pickable ? renderStepPicker(this.last.steps, picked, (s) => this.pick(s)) : nothing}
        </header>
        ${view
          ? html`${this.data.status === 'error' ? html`<p class="banner" role="alert">${this.data.error}</p>` : nothing}
              <div class="body ${pending ? 'pending' : ''}" aria-busy=${pending ? 'true' : 'false'}>
                <div class="scroll">${this.renderTable(view)}</div>
                ${this.renderLegend(view)}
              </div>`
          : html`<p class="message ${state}" role=${state === 'error' ? 'alert' : 'status'}>${message}</p>`}
      </div>
    `;
  }

  private renderTable(view: HeatmapView) {
    const normalized = this.normalization === 'row' ? ', each row normalised to sum to 1' : '';
    return html`<table part="table">
      <caption class="sr-only">
        ${this.metric} at step ${view.step}: rows are ${this.rowField}, columns are ${this.columnField}${normalized}.
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
            ${view.columns.map((column, c) => this.renderCell(view, row, column, view.values[r][c]))}
          </tr>`,
        )}
      </tbody>
    </table>`;
  }

  private renderCell(view: HeatmapView, row: string, column: number, value: number | undefined) {
    const where = `${this.rowField} ${row} · ${this.columnField} ${column}`;
    if (value === undefined) {
      return html`<td class="cell missing" title=${`${where}: no data`}><span class="sr-only">no data</span></td>`;
    }
    if (!Number.isFinite(value)) return html`<td class="cell invalid" title=${`${where}: ${formatValue(value)}`}>${formatCell(value)}</td>`;
    // The scale has three stops: --s is the position within the lower or the upper half.
    const t = scaleOf(value, view);
    const upper = t >= 0.5;
    const s = upper ? (t - 0.5) * 2 : t * 2;
    return html`<td class="cell ${upper ? 'upper' : ''} ${t >= 0.6 ? 'hot' : ''}" style=${styleMap({ '--s': s.toFixed(4) })} title=${`${where}: ${formatValue(value)}`}>
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
