import { html, nothing, type PropertyValues } from 'lit';
import { colorFor } from '../../chart/colors.js';
import { formatStep, formatValue } from '../../chart/format.js';
import { cursorSync, ZoomController, type ZoomRange } from '../../chart/group-sync.js';
import { formatX, LineChart, plotPng, type LineSpec } from '../../chart/line-chart.js';
import { openDetailStyles, renderOpenDetail, visibleRange } from '../../chart/open-detail.js';
import type { XAxisMode } from '../../chart/series-data.js';
import { describeLine, explainEmpty, isStale, linesExtent, reductionNote, seriesState, withDetail, zoomedView } from '../../chart/series-lines.js';
import { renderChartAria, renderChartHead, renderChartPlot, runChartExport, type ChartExport } from '../../chart/chart-frame.js';
import { chartStyles } from '../../chart/chart.styles.js';
import { readCanvasTheme, themeStyles, uplotStyles } from '../../chart/uplot.styles.js';
import { debiasedEma } from '../../decimate/ema.js';
import { SeriesController } from '../../store/series-controller.js';
import type { DetailView, SeriesBuffer } from '../../store/series.js';
import { parseList } from '../../internal/list.js';
import { TrainwatchElement, type DataState, type DataStateDetail } from '../../internal/trainwatch-element.js';
import { got } from '../../internal/invalid.js';
import { lossChartStyles } from './loss-chart.styles.js';
import { ClockController } from '../../internal/clock-controller.js';
import { exportMenuStyles } from '../../internal/export-menu.js';
import { fetchRawPoints, rawCsv, rawRequests, shownCsv } from './loss-chart.export.js';

export { parseList, type DataState, type DataStateDetail };

const X_AXES: XAxisMode[] = ['step', 'time', 'relative'];


/**
 * @summary Live loss curves of one or more runs from ClickHouse, smoothed like TensorBoard.
 *
 * @attr run - Run id, or several separated by commas.
 * @attr metric - Metric name(s), comma-separated. Default `loss`.
 * @attr src - ClickHouse HTTP URL. Default: the page's `configure()` source, else http://127.0.0.1:8123.
 * @attr user - ClickHouse user (use a read-only one on shared pages).
 * @attr password - ClickHouse password.
 * @attr table - Database-qualified table. Default `training_observability.metric_points`.
 * @attr x-axis - `step` (default), `time` (wall clock) or `relative` (time since the run's first point).
 * @attr smoothing - Debiased EMA weight in [0, 1). Default 0.6; 0 draws raw points only.
 * @attr log-scale - Logarithmic y axis.
 * @attr poll-interval - Poll interval in ms (default 2000).
 * @attr heading - Title shown above the chart. Default: the metric names.
 * @attr mark-steps - Steps to mark with dashed vertical lines (step axis), comma-separated; e.g. the checkpoint picked in a `<checkpoint-table>`.
 * @attr group - Charts (`<loss-chart>`, `<metric-chart>`) with the same group share the cursor and zoom:
 *   zooming one zooms every other of the group whose x axis has the same kind. Unset: independent.
 * @attr detail-href - URL template of a single-metric view (e.g. a page with `<metric-detail>`):
 *   `{run}`, `{metric}`, `{from}`, `{to}` and `{axis}` are replaced, URL-encoded, by the line's run and
 *   metric and the visible range (steps, or epoch seconds on a time axis; empty when not zoomed).
 *   Set, each legend entry gets a ↗ link there; set but empty, a ↗ button that only fires
 *   `trainwatch-open-detail`. Unset (default): no ↗. Only http(s) links are made: any other scheme (`javascript:`) gets the button.
 * @attr theme - `light`, `dark`, or unset to follow the system.
 *
 * Dragging across the plot zooms into that range: on the step axis, a range the
 * store holds only in reduced form is fetched again at the chart's resolution,
 * down to raw points when they fit. A double click or "Reset zoom" zooms out,
 * without a refetch. A note under the title says when points are reduced
 * ("8,000 of 10M points · min/max per 5,000 steps") and how many NaN/Inf are
 * marked (triangles along the top edge).
 *
 * Keyboard: the plot takes focus; `+` (or `=`) zooms in around the centre, `-`
 * zooms out, ← and → pan by a tenth of the visible range, `0`, `Home` or
 * `Escape` reset the zoom. Zoom changes are announced politely, and a visually
 * hidden summary (per line: latest value and step, lowest and highest value in
 * view, NaN/Inf count) describes the plot to screen readers.
 *
 * Export (the ⤓ menu, or the methods): a PNG of the chart as drawn, a CSV of
 * the points drawn, or a CSV of every raw point of the visible range (the whole
 * run when not zoomed) fetched again from the source, up to 1,000,000 points.
 *
 * @fires trainwatch-state - The data state changed; `detail` is `{ state, message }`.
 * @fires trainwatch-open-detail - A legend entry's ↗ was clicked; `detail` is `{ run, metric, from?, to?, axis }`.
 *   Cancelable: a page that calls `preventDefault()` routes itself and the link is not followed.
 *
 * @csspart base - The card around everything.
 * @csspart header - Title, data age, reset button and export menu.
 * @csspart note - The line under the title saying how points are reduced.
 * @csspart reset-zoom - The "Reset zoom" button, while zoomed.
 * @csspart export - The export menu (a `<details>`).
 * @csspart export-menu - The export menu's list of downloads.
 * @csspart plot - The chart area (focusable: the keys above zoom and pan it).
 * @csspart legend - The list of series with their latest values.
 * @csspart open-detail - The ↗ link (or button) of a legend entry, with `detail-href`.
 *
 * @cssprop --trainwatch-background - Card background.
 * @cssprop --trainwatch-color - Text colour.
 * @cssprop --trainwatch-muted-color - Secondary text and axes.
 * @cssprop --trainwatch-grid-color - Grid lines.
 * @cssprop --trainwatch-border-color - Card border.
 * @cssprop --trainwatch-error-color - Error text.
 * @cssprop --trainwatch-font-family - Font.
 * @cssprop --trainwatch-radius - Card corner radius.
 * @cssprop --trainwatch-plot-height - Height of the chart area (default 240px).
 */
export class LossChart extends TrainwatchElement {
  static override styles = [themeStyles, uplotStyles, chartStyles, exportMenuStyles, openDetailStyles, lossChartStyles];

  static override properties = {
    ...TrainwatchElement.properties,
    run: { type: String, reflect: true },
    metric: { type: String, reflect: true },
    xAxis: { type: String, attribute: 'x-axis', reflect: true },
    smoothing: { type: Number, reflect: true },
    logScale: { type: Boolean, attribute: 'log-scale', reflect: true },
    heading: { type: String },
    markSteps: { type: String, attribute: 'mark-steps' },
    group: { type: String, reflect: true },
    detailHref: { type: String, attribute: 'detail-href' },
  };

  declare run: string;
  declare metric: string;
  declare xAxis: XAxisMode;
  declare smoothing: number;
  declare logScale: boolean;
  declare heading: string | undefined;
  /** Comma-separated steps marked by dashed vertical lines, e.g. a checkpoint picked in a <checkpoint-table>. */
  declare markSteps: string | undefined;
  /** Charts with the same group share the cursor and zoom. */
  declare group: string | undefined;
  /** URL template of the single-metric view each legend entry's ↗ leads to (empty: a ↗ that only fires the event). */
  declare detailHref: string | undefined;

  private readonly data = new SeriesController(this, () => ({
    source: this.sourceConfig(),
    keys: this.configError() ? [] : this.runs.flatMap((run) => this.metrics.map((metric) => ({ run, metric }))),
  }), () => this.plotWidth());

  private chart: LineChart | undefined;
  private resizeObserver: ResizeObserver | undefined;
  /** Ages and staleness move with the clock, not only with polls. */
  private readonly clock = new ClockController(this);
  private hiddenLines = new Set<string>();
  private drawnVersions = '';
  /** The zoomed x range, keyboard zoom and the chart's group. */
  private readonly zoomer = new ZoomController(this, {
    group: () => this.group,
    axis: () => this.xAxis,
    extent: () => this.dataExtent(),
    minSpan: () => (this.xAxis === 'step' ? 4 : 1),
    describe: ([lo, hi]) => `${this.xAxis === 'step' ? 'steps ' : ''}${formatX(lo, this.xAxis)} to ${formatX(hi, this.xAxis)}`,
    changed: () => {
      this.drawnVersions = '';
      this.requestUpdate();
    },
    announce: (message) => this.say(message),
  });
  /** The polite live region's text: zoom changes and export results. */
  private liveText = '';
  private exportError = '';

  constructor() {
    super();
    this.run = '';
    this.metric = 'loss';
    this.xAxis = 'step';
    this.smoothing = 0.6;
    this.logScale = false;
  }

  get runs(): string[] {
    return parseList(this.inheritedRun(this.run));
  }

  get metrics(): string[] {
    return parseList(this.metric);
  }

  /** Milliseconds the chart's last redraw took (benchmarks read it). */
  get drawTimeMs(): number {
    return this.chart?.lastUpdateMs ?? 0;
  }

  /** The uPlot data currently drawn: [x, ...y columns]. */
  get chartData() {
    return this.chart?.data;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.hasUpdated) this.observeSize();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.resizeObserver?.disconnect();
    this.resizeObserver = undefined;
    this.chart?.destroy();
    this.drawnVersions = '';
  }

  /** True while this element holds a timer, observer or subscription (for teardown checks). */
  get holdsResources(): boolean {
    return this.clock.running || this.resizeObserver !== undefined || this.data.store !== undefined;
  }

  protected override willUpdate(): void {
    this.data.sync();
  }

  protected override firstUpdated(): void {
    const plot = this.renderRoot.querySelector<HTMLElement>('.plot-mount')!;
    const tooltip = this.renderRoot.querySelector<HTMLElement>('.tooltip')!;
    this.chart = new LineChart(plot, tooltip);
    this.chart.onZoom = (range) => this.zoomer.set(range);
    this.observeSize();
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (changed.has('theme')) this.drawnVersions = '';
    this.draw();
    this.announceState();
  }

  /** Zooms the x axis to a range (in the axis' units), or back out with undefined; the chart's group follows. */
  setZoom(range: ZoomRange | undefined): void {
    this.zoomer.set(range);
  }

  /** The zoomed range, if any (undefined once the x axis changes kind). */
  get zoomRange(): ZoomRange | undefined {
    return this.zoomer.zoom;
  }

  /**
   * The chart as CSV: the points drawn (default), or with `raw: true` every
   * raw point of the visible range (the whole run when not zoomed), fetched
   * again from the source. Rejects with a sentence when there is nothing to
   * export or the range holds more than 1,000,000 points.
   */
  async toCSV(options: { raw?: boolean } = {}): Promise<string> {
    if (!this.chart?.data || this.state !== 'ready') throw new Error('Nothing to export yet: the chart has not drawn.');
    if (!options.raw) return shownCsv(this.chart.shown, this.smoothing > 0);
    const store = this.data.store;
    if (!store) throw new Error('Nothing to export: the chart reads no series.');
    // Up to the newest step held: what the chart shows (and a range the store has not cached once more arrives).
    const requests = rawRequests(this.lineSpecs(this.data.series), this.xAxis, this.zoomRange, (key) => store.series(key)?.lastStep ?? Number.MAX_SAFE_INTEGER);
    return rawCsv(requests, await fetchRawPoints(store, requests));
  }

  /** The chart as drawn, on the card's background under its title, as a PNG. */
  async toPNG(): Promise<Blob> {
    const canvas = this.chart?.canvas;
    const card = this.renderRoot.querySelector<HTMLElement>('.base');
    if (!canvas || !card || this.state !== 'ready') throw new Error('Nothing to export yet: the chart has not drawn.');
    return plotPng(canvas, card, this.chartTitle);
  }

  private get chartTitle(): string {
    return this.heading ?? this.metrics.join(', ');
  }

  /** Lowest and highest x of every line on the current axis. */
  private dataExtent(): ZoomRange | undefined {
    return linesExtent(this.lineSpecs(this.data.series), this.xAxis);
  }

  private say(message: string) {
    this.liveText = message;
    this.requestUpdate();
  }

  private async runExport(kind: ChartExport) {
    this.exportError = '';
    this.exportError = await runChartExport(kind, { stem: [...this.runs, ...this.metrics], toPNG: () => this.toPNG(), toCSV: (o) => this.toCSV(o), say: (m) => this.say(m) });
    this.requestUpdate();
  }

  private onPlotKey(event: KeyboardEvent) {
    if (this.state === 'ready') this.zoomer.handleKey(event);
  }

  private plotWidth(): number | undefined {
    const width = this.renderRoot.querySelector<HTMLElement>('.plot')?.clientWidth || this.getBoundingClientRect().width;
    return width > 0 ? Math.round(width) : undefined;
  }

  /**
   * The finer data of a zoomed step range, when the store holds that range
   * only reduced: asked of the store (one shared request, cached per range).
   */
  private detailFor(s: SeriesBuffer): DetailView | undefined {
    return zoomedView(this.data.store, s, this.xAxis, this.zoomRange, this.plotWidth() ?? 1000);
  }

  private observeSize() {
    const plot = this.renderRoot.querySelector<HTMLElement>('.plot');
    if (!plot || this.resizeObserver) return;
    this.resizeObserver = new ResizeObserver(() => {
      this.drawnVersions = '';
      this.draw();
    });
    this.resizeObserver.observe(plot);
  }

  private configError(): string | undefined {
    if (!X_AXES.includes(this.xAxis)) return `x-axis must be one of ${X_AXES.join(', ')}; ${got(this.xAxis)}.`;
    if (!(this.smoothing >= 0 && this.smoothing < 1)) return `smoothing must be a number from 0 to 0.999; ${got(this.getAttribute('smoothing') ?? this.smoothing)}.`;
    return this.pollIntervalError();
  }

  private lineSpecs(series: SeriesBuffer[]): LineSpec[] {
    const oneRun = this.runs.length === 1;
    const origins = new Map<string, number>();
    for (const s of series) {
      if (!s.length) continue;
      origins.set(s.key.run, Math.min(origins.get(s.key.run) ?? Infinity, s.times[0]));
    }
    return series
      .filter((s) => s.length > 0)
      .map((s) => {
        const metricIndex = this.metrics.indexOf(s.key.metric);
        return {
          id: `${s.key.run}\u0000${s.key.metric}`,
          run: s.key.run,
          metric: s.key.metric,
          label: oneRun ? s.key.metric : `${s.key.run} · ${s.key.metric}`,
          // One run: a colour per metric. Several: the run's colour, a dash per metric.
          color: colorFor(oneRun ? `metric:${s.key.metric}` : s.key.run),
          dash: oneRun ? 0 : metricIndex,
          data: withDetail(s, this.detailFor(s)),
          origin: origins.get(s.key.run) ?? 0,
        };
      });
  }

  private draw() {
    const plot = this.renderRoot.querySelector<HTMLElement>('.plot');
    if (!this.chart || !plot) return;
    const series = this.data.series;
    const width = Math.floor(plot.clientWidth);
    const height = Math.floor(plot.clientHeight);
    const zoom = this.zoomRange;
    const details = series.map((s) => this.detailFor(s)?.version ?? -1);
    const marks = parseList(this.markSteps).map(Number).filter(Number.isFinite);
    const sync = cursorSync(this.group?.trim(), this.xAxis);
    const versions = JSON.stringify([series.map((s) => [s.key, s.version, s.length]), details, zoom, width, height, this.xAxis, this.smoothing, this.logScale, marks, sync?.key]);
    if (versions === this.drawnVersions) return;
    this.drawnVersions = versions;
    const lines = this.lineSpecs(series);
    if (!lines.length) {
      this.chart.destroy();
      return;
    }
    this.chart.update(lines, {
      xAxis: this.xAxis,
      smoothing: this.smoothing,
      logScale: this.logScale,
      theme: readCanvasTheme(this),
      width,
      height,
      zoom,
      marks,
      sync,
    });
    for (const id of this.hiddenLines) this.chart.setLineVisible(id, false);
  }

  private computeState(series: SeriesBuffer[]): DetailState {
    const error = this.configError();
    if (error) return { state: 'error', message: error };
    if (!this.runs.length) return { state: 'empty', message: 'No run selected: set the run attribute.' };
    if (!this.metrics.length) return { state: 'empty', message: 'No metric selected: set the metric attribute.' };
    return seriesState(series, this.data.keys.length, () =>
      explainEmpty(this.data.store, this.runs, this.table ?? 'training_observability.metric_points', series),
    );
  }

  /**
   * What the chart shows of what exists, when that is not everything:
   * "8,000 of 10M points · min/max per 5,000 steps · 3 NaN/Inf marked".
   */
  get reductionNote(): string {
    return reductionNote(this.chart, this.data.series, (s) => this.detailFor(s), this.zoomRange !== undefined);
  }

  private announceState() {
    const { state, message } = this.computeState(this.data.series);
    this.announce(state, message);
  }

  private toggleLine(id: string) {
    const visible = this.hiddenLines.has(id);
    if (visible) this.hiddenLines.delete(id);
    else this.hiddenLines.add(id);
    this.chart?.setLineVisible(id, visible);
    this.requestUpdate();
  }

  protected override render() {
    const series = this.data.series;
    const { state, message } = this.computeState(series);
    const lines = this.lineSpecs(series);
    const lastTime = Math.max(...series.map((s) => s.lastTime).filter(Number.isFinite), -Infinity);
    const age = Number.isFinite(lastTime) ? Date.now() - lastTime : NaN;
    const erroring = series.find((s) => s.status === 'error');
    const title = this.chartTitle;
    const note = state === 'ready' ? this.reductionNote : '';
    const summary = lines
      .map((l) => `${l.label} ${formatValue(l.data.values[l.data.values.length - 1])} at step ${formatStep(l.data.steps[l.data.steps.length - 1])}`)
      .join('; ');
    const ready = state === 'ready';
    return html`
      <div part="base" class="base">
        ${renderChartHead({
          title,
          reset: this.zoomRange ? () => this.setZoom(undefined) : undefined,
          age,
          stale: isStale(age, this.pollInterval),
          exports: ready ? (kind) => this.runExport(kind) : undefined,
        })}
        ${ready && note ? html`<p class="note" part="note">${note}</p>` : nothing}
        ${ready && erroring ? html`<p class="banner" role="alert">${erroring.error}</p>` : nothing}
        ${this.exportError ? html`<p class="banner" role="alert">${this.exportError}</p>` : nothing}
        ${renderChartPlot({ label: `${title}: ${summary || message}`, state, message, onKey: (e) => this.onPlotKey(e) })}
        <div id="summary" class="sr-only">${ready ? lines.map((line) => html`<p>${this.describeLine(line)}</p> `) : message}</div>
        ${renderChartAria(this.liveText)}
        <ul part="legend" class="legend">
          ${lines.map((line) => this.renderLegendItem(line))}
          ${ready ? series.filter((s) => s.length === 0).map((s) => html`<li class="missing">${s.key.run} · ${s.key.metric}: no data</li>`) : nothing}
        </ul>
      </div>
    `;
  }

  /** One line in words: "loss: latest 0.52 at step 4,000; in view lowest 0.4, highest 3.1; 2 NaN/Inf in view." */
  private describeLine(line: LineSpec): string {
    return describeLine(line, this.xAxis, this.zoomRange, this.hiddenLines.has(line.id));
  }

  private renderLegendItem(line: LineSpec) {
    const values = line.data.values;
    const last = values[values.length - 1];
    const smoothedLast = this.smoothing > 0 ? debiasedEma(values, this.smoothing)[values.length - 1] : last;
    const visible = !this.hiddenLines.has(line.id);
    return html`<li>
      <button type="button" aria-pressed=${visible ? 'true' : 'false'} @click=${() => this.toggleLine(line.id)}>
        <span class="swatch" style="background:${line.color}"></span>${line.label}
        <span class="value">${formatValue(smoothedLast)}${this.smoothing > 0 ? ` (raw ${formatValue(last)})` : ''}</span>
      </button>
      ${renderOpenDetail(this, this.detailHref, { run: line.run, metric: line.metric, ...visibleRange(this.zoomRange, this.xAxis, line.origin) })}
    </li>`;
  }
}

type DetailState = DataStateDetail;

