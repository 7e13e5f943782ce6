import { html, nothing, type PropertyValues } from 'lit';
import { renderChartAria, renderChartHead, renderChartPlot, runChartExport, type ChartExport } from '../../chart/chart-frame.js';
import { chartStyles } from '../../chart/chart.styles.js';
import { colorFor } from '../../chart/colors.js';
import { formatStep, formatValue } from '../../chart/format.js';
import { cursorSync, type ZoomRange } from '../../chart/group-sync.js';
import { formatX, LineChart, plotPng, type LineAnnotation, type LineSpec } from '../../chart/line-chart.js';
import { describeLine, explainEmpty, isStale, linesExtent, reductionNote, seriesState, withDetail, zoomedView } from '../../chart/series-lines.js';
import { readCanvasTheme, themeStyles, uplotStyles } from '../../chart/uplot.styles.js';
import { cardStyles } from '../../internal/card.styles.js';
import { ClockController } from '../../internal/clock-controller.js';
import { exportMenuStyles } from '../../internal/export-menu.js';
import { parseList } from '../../internal/list.js';
import { TrainwatchElement, type DataStateDetail } from '../../internal/trainwatch-element.js';
import { got, quote } from '../../internal/invalid.js';
import { RowsController } from '../../store/rows-controller.js';
import { SeriesController } from '../../store/series-controller.js';
import type { DetailView, SeriesBuffer } from '../../store/series.js';
import { fetchRawPoints, rawCsv, rawRequests, shownCsv } from '../loss-chart/loss-chart.export.js';
import { readCheckpoints, readSpikes, readStats, type Checkpoint, type NonFinitePoint, type RangeStats, type Spike } from './metric-detail.model.js';
import { checkpointStepsQuery, spikesQuery, statsQuery, SPIKE_HALF_WINDOW, SPIKE_POINT_LIMIT, type DetailRange } from './metric-detail.queries.js';
import { nonFiniteKind, renderFirstNonFinite, renderSpikes, renderStats, type ShownStats } from './metric-detail.parts.js';
import { optionalNumber, RangeController, type DetailAxis } from './metric-detail.range.js';
import { metricDetailStyles } from './metric-detail.styles.js';

export type { DetailAxis, ZoomChangeDetail } from './metric-detail.range.js';
const X_AXES: DetailAxis[] = ['step', 'time'];

/**
 * @summary One metric of one run in depth: full width, zoomable to raw points, with statistics of the visible range, spikes and checkpoints.
 *
 * @attr run - Run id (one; of a list, the first). Default: the page filter's run.
 * @attr metric - Metric name. Default `loss`.
 * @attr x-axis - `step` (default) or `time` (wall clock).
 * @attr from - Start of the zoomed range: a step, or epoch seconds on the time axis. With `to`, zooms there; setting them later zooms again.
 *   The properties follow the zoom (undefined when zoomed out); the attributes are not rewritten.
 * @attr to - End of the zoomed range (inclusive); either one alone is completed by the data's extent.
 * @attr host - Only this host's rows count in the statistics and the spike search (empty: every host). The line is the
 *   run's metric over every host and rank (the mean per step where several write one step), as in `<loss-chart>`.
 *   Not taken from a page filter: run-level metrics are written without a host.
 * @attr smoothing - Debiased EMA weight in [0, 1). Default 0: raw points only.
 * @attr log-scale - Logarithmic y axis.
 * @attr spike-threshold - How far from the rolling median a point must be to be a spike, in robust standard
 *   deviations (1.4826 × MAD over 51 points). Default 6.
 * @attr checkpoint-metric - Metric whose steps are drawn as checkpoint lines. Default `checkpoint.saved`; empty: none.
 * @attr heading - Title. Default: "<metric> · <run>".
 * @attr group - Charts with the same group share the cursor and zoom (same x-axis kind). Unset: independent.
 * @attr src - ClickHouse HTTP URL, or a relay's as `relay+http(s)://…`. Default: the enclosing `<trainwatch-source>`, else `configure()`.
 * @attr user - ClickHouse user (use a read-only one on shared pages).
 * @attr password - ClickHouse password.
 * @attr table - Database-qualified table. Default `training_observability.metric_points`.
 * @attr poll-interval - Poll interval in ms (default 2000).
 * @attr theme - `light`, `dark`, or unset to follow the system.
 *
 * The line is drawn like `<loss-chart>`'s: dragging across the plot zooms in,
 * and a step range the store holds only reduced is fetched again down to raw
 * points; a double click or "Reset zoom" zooms out. NaN/±Inf values are
 * triangles along the top edge.
 *
 * Under the plot, **statistics of the visible range**, computed by ClickHouse
 * over the raw rows of that range (every row, not the points drawn): count,
 * NaN and ±Inf counts, and over the finite values min, max, mean, p50, p90,
 * p99 (`quantilesExactInclusive`: exact, interpolated between neighbours like
 * numpy's default) and the last value (highest step, newest row). They are
 * asked again a moment after the zoom settles, and at every poll.
 *
 * **Where things went wrong**: the same query finds the first step of the
 * range with a NaN or ±Inf row and the time of its earliest such row
 * (`firstNonFinite`). Under the statistics, a button "First NaN/Inf: step N ·
 * time" zooms to the 25 steps on each side of it (on the time axis, the time
 * 25 steps take at the range's average pace, at least a second each side); a
 * dashed line labelled "first NaN" (or "first +Inf", "first -Inf") marks it on
 * the plot through its NaN/Inf triangle. A range without any says so instead.
 *
 * **Spikes** (circled, and listed as buttons that zoom to them): per step the
 * mean of the finite values; a point is a spike when it is further from the
 * median of the 51 points around it (25 each side, fewer at the range's
 * ends) than `spike-threshold` × 1.4826 × their median absolute deviation
 * (a Hampel filter, computed in ClickHouse over the visible range, up to
 * 200,000 steps; zoom in beyond that). **Checkpoints**: a dashed line at
 * each step the run logged `checkpoint-metric`.
 *
 * Keyboard: the plot takes focus; `+` (or `=`) zooms in, `-` out, ← and → pan,
 * `0`, `Home` or `Escape` reset. Zoom changes are announced politely; a
 * visually hidden summary describes the line, the statistics, the spikes and
 * the checkpoints.
 *
 * Export (the ⤓ menu, or the methods): a PNG of the chart, a CSV of the points
 * drawn, a CSV of every raw point of the visible range (up to 1,000,000).
 *
 * @fires trainwatch-state - The data state changed; `detail` is `{ state, message }`.
 * @fires trainwatch-zoom-change - The visible range changed (drag, keys, a spike or first-NaN/Inf button, reset, `setZoom()`, the group;
 *   not `from`/`to` themselves): `detail` is `{ from, to, axis }`, `from`/`to` undefined when zoomed out. A page can
 *   put them in its URL and hand them back as attributes.
 *
 * @csspart base - The card around everything.
 * @csspart header - Title, data age, reset button and export menu.
 * @csspart note - The line under the title saying how points are reduced.
 * @csspart reset-zoom - The "Reset zoom" button, while zoomed.
 * @csspart export - The export menu (a `<details>`).
 * @csspart export-menu - The export menu's list of downloads.
 * @csspart plot - The chart area (focusable: the keys above zoom and pan it).
 * @csspart stats - The statistics of the visible range.
 * @csspart first-non-finite - The line with the "First NaN/Inf" button (or saying there is none).
 * @csspart spikes - The list of spikes (buttons).
 *
 * @cssprop --trainwatch-background - Card background.
 * @cssprop --trainwatch-color - Text colour.
 * @cssprop --trainwatch-muted-color - Secondary text and axes.
 * @cssprop --trainwatch-grid-color - Grid lines.
 * @cssprop --trainwatch-border-color - Card border.
 * @cssprop --trainwatch-error-color - Error text.
 * @cssprop --trainwatch-bad-color - Spike circles, and the borders of the spike and first-NaN/Inf buttons.
 * @cssprop --trainwatch-focus-color - Keyboard focus ring.
 * @cssprop --trainwatch-font-family - Font.
 * @cssprop --trainwatch-radius - Card corner radius.
 * @cssprop --trainwatch-plot-height - Height of the chart area (default 420px).
 */
export class MetricDetail extends TrainwatchElement {
  static override styles = [themeStyles, uplotStyles, cardStyles, chartStyles, exportMenuStyles, metricDetailStyles];

  static override properties = {
    ...TrainwatchElement.properties,
    run: { type: String, reflect: true },
    metric: { type: String, reflect: true },
    xAxis: { type: String, attribute: 'x-axis', reflect: true },
    from: { type: Number, converter: optionalNumber },
    to: { type: Number, converter: optionalNumber },
    host: { type: String },
    smoothing: { type: Number, reflect: true },
    logScale: { type: Boolean, attribute: 'log-scale', reflect: true },
    spikeThreshold: { type: Number, attribute: 'spike-threshold' },
    checkpointMetric: { type: String, attribute: 'checkpoint-metric' },
    heading: { type: String },
    group: { type: String, reflect: true },
  };

  declare run: string;
  declare metric: string;
  declare xAxis: DetailAxis;
  /** Start of the zoom (a step, or epoch seconds); follows the zoom. */
  declare from: number | undefined;
  /** End of the zoom (inclusive); follows the zoom. */
  declare to: number | undefined;
  /** Only this host's rows in the statistics and spikes (empty: every host). */
  declare host: string | undefined;
  declare smoothing: number;
  declare logScale: boolean;
  /** Robust z-score above which a point is a spike. */
  declare spikeThreshold: number;
  /** Metric whose steps are checkpoint lines (empty: none). */
  declare checkpointMetric: string;
  declare heading: string | undefined;
  /** Charts with the same group share the cursor and zoom. */
  declare group: string | undefined;

  private readonly data = new SeriesController(
    this,
    () => ({ source: this.sourceConfig(), keys: this.configError() || !this.shownRun || !this.shownMetric ? [] : [{ run: this.shownRun, metric: this.shownMetric }] }),
    () => this.plotWidth(),
  );

  private readonly rows = new RowsController<'stats' | 'spikes' | 'checkpoints'>(this, () => {
    if (this.configError() || !this.shownRun || !this.shownMetric) return { source: this.sourceConfig(), queries: {} };
    const range = this.rangeInput(this.range.queried);
    const checkpoints = this.checkpointMetric.trim();
    return {
      source: this.sourceConfig(),
      queries: {
        stats: statsQuery(range),
        spikes: spikesQuery({ ...range, threshold: this.spikeThreshold }),
        checkpoints: checkpoints ? checkpointStepsQuery(this.shownRun, checkpoints) : undefined,
      },
    };
  });

  private chart: LineChart | undefined;
  private resizeObserver: ResizeObserver | undefined;
  private readonly clock = new ClockController(this);
  private drawnVersions = '';
  private drawnAnnotations: LineAnnotation[] = [];
  private drawnNonFinite: LineAnnotation | undefined;
  /** The last statistics that arrived and the range they are of (kept while the next range of the same series loads). */
  private shown: ShownStats | undefined;
  private shownOf = '';
  private readonly range = new RangeController(this, {
    extent: () => this.dataExtent(),
    announce: (message) => this.say(message),
    changed: () => {
      this.drawnVersions = '';
      this.requestUpdate();
    },
  });
  private liveText = '';
  private exportError = '';

  constructor() {
    super();
    this.run = '';
    this.metric = 'loss';
    this.xAxis = 'step';
    this.smoothing = 0;
    this.logScale = false;
    this.spikeThreshold = 6;
    this.checkpointMetric = 'checkpoint.saved';
  }

  /** The run shown: the first of `run`, else of the page filter's. */
  get shownRun(): string {
    return parseList(this.inheritedRun(this.run))[0] ?? '';
  }

  private get shownMetric(): string {
    return this.metric.trim();
  }

  /** The uPlot data currently drawn: [x, y (, smoothed)]. */
  get chartData() {
    return this.chart?.data;
  }

  /** Zooms to a range (steps, or epoch seconds on the time axis), or back out with undefined. */
  setZoom(range: ZoomRange | undefined): void {
    this.range.set(range);
  }

  get zoomRange(): ZoomRange | undefined {
    return this.range.zoom;
  }

  /** The statistics shown and the range they are of (undefined before the first answer). */
  get rangeStats(): (RangeStats & { range: ZoomRange | undefined }) | undefined {
    return this.shown && { ...this.shown.stats, range: this.shown.range };
  }

  /** The spikes found in the range the statistics are of, in step order (the most severe 100). */
  get spikes(): readonly Spike[] {
    return this.shown?.spikes ?? [];
  }

  /**
   * The first NaN/±Inf of the range the statistics are of: its step and the
   * time of its earliest NaN/±Inf row (epoch ms); undefined when the range has
   * none (or before the statistics arrived).
   */
  get firstNonFinite(): { step: number; time: number } | undefined {
    const point = this.shown?.stats.firstNonFinite;
    return point && { step: point.step, time: point.atMs };
  }

  /** The line marking the first NaN/±Inf in the last drawing, in the x axis' units. */
  get nonFiniteMark(): LineAnnotation | undefined {
    return this.drawnNonFinite;
  }

  /** The run's checkpoints (steps at which it logged `checkpoint-metric`). */
  get checkpoints(): readonly Checkpoint[] {
    return readCheckpoints(this.rows.rows('checkpoints'));
  }

  /** The checkpoint lines of the last drawing, in the x axis' units. */
  get checkpointMarks(): readonly LineAnnotation[] {
    return this.drawnAnnotations;
  }

  /** True while this element holds a timer, observer or subscription (for teardown checks). */
  get holdsResources(): boolean {
    return this.clock.running || this.resizeObserver !== undefined || this.data.store !== undefined || this.rows.store !== undefined || this.range.holdsTimer;
  }

  /** The chart as CSV: the points drawn (default), or with `raw: true` every raw point of the visible range, read again. */
  async toCSV(options: { raw?: boolean } = {}): Promise<string> {
    if (!this.chart?.data || this.state !== 'ready') throw new Error('Nothing to export yet: the chart has not drawn.');
    if (!options.raw) return shownCsv(this.chart.shown, this.smoothing > 0);
    const store = this.data.store;
    if (!store) throw new Error('Nothing to export: the chart reads no series.');
    const requests = rawRequests(this.lineSpecs(), this.xAxis, this.zoomRange, (key) => store.series(key)?.lastStep ?? Number.MAX_SAFE_INTEGER);
    return rawCsv(requests, await fetchRawPoints(store, requests));
  }

  /** The chart as drawn, on the card's background under its title, as a PNG. */
  async toPNG(): Promise<Blob> {
    const canvas = this.chart?.canvas;
    const card = this.renderRoot.querySelector<HTMLElement>('.base');
    if (!canvas || !card || this.state !== 'ready') throw new Error('Nothing to export yet: the chart has not drawn.');
    return plotPng(canvas, card, this.chartTitle);
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

  protected override willUpdate(changed: PropertyValues<this>): void {
    this.range.update(changed);
    this.data.sync();
    this.rows.sync();
    const of = JSON.stringify([this.sourceConfig(), this.shownRun, this.shownMetric, this.host, this.xAxis]);
    if (of !== this.shownOf || !this.rows.store) this.shown = undefined;
    this.shownOf = of;
    const stats = readStats(this.rows.rows('stats'));
    if (stats && this.rows.status !== 'loading') this.shown = { stats, ...readSpikes(this.rows.rows('spikes')), range: this.range.queried, axis: this.xAxis };
  }

  protected override firstUpdated(): void {
    const plot = this.renderRoot.querySelector<HTMLElement>('.plot-mount')!;
    const tooltip = this.renderRoot.querySelector<HTMLElement>('.tooltip')!;
    this.chart = new LineChart(plot, tooltip);
    this.chart.onZoom = (range) => this.range.set(range);
    this.observeSize();
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (changed.has('theme')) this.drawnVersions = '';
    this.range.applyAttributes();
    this.draw();
    const { state, message } = this.computeState();
    this.announce(state, message);
  }

  private rangeInput(range: ZoomRange | undefined): DetailRange {
    return { run: this.shownRun, metric: this.shownMetric, host: this.host?.trim() ?? '', axis: this.xAxis, range };
  }

  private get chartTitle(): string {
    return this.heading ?? `${this.shownMetric} · ${this.shownRun}`;
  }

  private dataExtent(): ZoomRange | undefined {
    return linesExtent(this.lineSpecs(), this.xAxis);
  }

  private say(message: string) {
    this.liveText = message;
    this.requestUpdate();
  }

  private plotWidth(): number | undefined {
    const width = this.renderRoot.querySelector<HTMLElement>('.plot')?.clientWidth || this.getBoundingClientRect().width;
    return width > 0 ? Math.round(width) : undefined;
  }

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
    if (!(this.spikeThreshold > 0)) return `spike-threshold must be a number above 0; ${got(this.getAttribute('spike-threshold') ?? this.spikeThreshold)}.`;
    if (this.pollIntervalError()) return this.pollIntervalError();
    // A metric name is matched exactly; a `*` pattern here would quietly match nothing.
    if (this.shownMetric.includes('*')) return `metric-detail shows one metric; ${quote(this.shownMetric)} is a pattern (use <metric-chart> for patterns).`;
    return undefined;
  }

  private lineSpecs(): LineSpec[] {
    return this.data.series
      .filter((s) => s.length > 0)
      .map((s) => ({
        id: `${s.key.run}\u0000${s.key.metric}`,
        run: s.key.run,
        metric: s.key.metric,
        label: s.key.metric,
        color: colorFor(s.key.run),
        dash: 0,
        data: withDetail(s, this.detailFor(s)),
        origin: s.times[0],
      }));
  }

  /** Checkpoint lines: at each checkpoint's step (or time), labelled with its step. */
  private annotations(): LineAnnotation[] {
    return this.checkpoints.map((c) => ({ x: this.xAxis === 'step' ? c.step : c.atMs / 1000, label: `ckpt ${formatX(c.step, 'step')}` }));
  }

  /** The line at the first NaN/±Inf of the range: a NaN has no y to circle. */
  private nonFiniteAnnotation(): LineAnnotation | undefined {
    const point = this.shown?.stats.firstNonFinite;
    if (!point) return undefined;
    return { x: this.xAxis === 'step' ? point.step : point.atMs / 1000, label: `first ${nonFiniteKind(point.value)}` };
  }

  private draw() {
    const plot = this.renderRoot.querySelector<HTMLElement>('.plot');
    if (!this.chart || !plot) return;
    const series = this.data.series;
    const width = Math.floor(plot.clientWidth);
    const height = Math.floor(plot.clientHeight);
    const zoom = this.zoomRange;
    const details = series.map((s) => this.detailFor(s)?.version ?? -1);
    const annotations = this.annotations();
    const nonFinite = this.nonFiniteAnnotation();
    const highlights = this.spikes.map((s) => ({ x: this.xAxis === 'step' ? s.step : s.atMs / 1000, y: s.value }));
    const sync = cursorSync(this.group?.trim(), this.xAxis);
    const versions = JSON.stringify([series.map((s) => [s.key, s.version, s.length]), details, zoom, width, height, this.xAxis, this.smoothing, this.logScale, annotations, nonFinite, highlights, sync?.key]);
    if (versions === this.drawnVersions) return;
    this.drawnVersions = versions;
    const lines = this.lineSpecs();
    if (!lines.length) {
      this.chart.destroy();
      this.drawnAnnotations = [];
      this.drawnNonFinite = undefined;
      return;
    }
    this.drawnAnnotations = annotations;
    this.drawnNonFinite = nonFinite;
    this.chart.update(lines, {
      xAxis: this.xAxis,
      smoothing: this.smoothing,
      logScale: this.logScale,
      theme: readCanvasTheme(this),
      width,
      height,
      zoom,
      annotations: nonFinite ? [...annotations, nonFinite] : annotations,
      highlights,
      highlightColor: getComputedStyle(this).getPropertyValue('--_bad').trim() || undefined,
      sync,
    });
  }

  private computeState(): DataStateDetail {
    const error = this.configError();
    if (error) return { state: 'error', message: error };
    if (!this.shownRun) return { state: 'empty', message: 'No run selected: set the run attribute.' };
    if (!this.shownMetric) return { state: 'empty', message: 'No metric selected: set the metric attribute.' };
    const series = this.data.series;
    return seriesState(series, this.data.keys.length, () => explainEmpty(this.data.store, [this.shownRun], this.table ?? 'training_observability.metric_points', series));
  }

  private async runExport(kind: ChartExport) {
    this.exportError = '';
    this.exportError = await runChartExport(kind, { stem: [this.shownRun, this.shownMetric], toPNG: () => this.toPNG(), toCSV: (o) => this.toCSV(o), say: (m) => this.say(m) });
    this.requestUpdate();
  }

  private onPlotKey(event: KeyboardEvent) {
    if (this.state === 'ready') this.range.handleKey(event);
  }

  /** A spike's button: zoom to the window it was judged in. */
  private zoomToSpike(spike: Spike) {
    const range: ZoomRange = this.xAxis === 'step' ? [spike.from, spike.to] : [spike.fromMs / 1000, spike.toMs / 1000];
    // A window of one point has no width: widen it by a step (or a second) on each side.
    this.range.set(range[1] > range[0] ? range : [range[0] - 1, range[1] + 1]);
  }

  /**
   * The first NaN/Inf's button: 25 steps on each side of it (as a spike's
   * window), or on the time axis the time 25 steps take at the range's
   * average pace (at least a second each side).
   */
  private zoomToNonFinite(point: NonFinitePoint) {
    if (this.xAxis === 'step') {
      this.range.set([Math.max(0, point.step - SPIKE_HALF_WINDOW), point.step + SPIKE_HALF_WINDOW]);
      return;
    }
    const stats = this.shown?.stats;
    const msPerStep = stats && stats.lastStep > stats.firstStep ? (stats.lastMs - stats.firstMs) / (stats.lastStep - stats.firstStep) : 0;
    const half = Math.max(1000, SPIKE_HALF_WINDOW * msPerStep) / 1000;
    this.range.set([point.atMs / 1000 - half, point.atMs / 1000 + half]);
  }

  protected override render() {
    const { state, message } = this.computeState();
    const ready = state === 'ready';
    const series = this.data.series;
    const lines = ready ? this.lineSpecs() : [];
    const lastTime = Math.max(...series.map((s) => s.lastTime).filter(Number.isFinite), -Infinity);
    const age = Number.isFinite(lastTime) ? Date.now() - lastTime : NaN;
    const erroring = series.find((s) => s.status === 'error') ?? (this.rows.status === 'error' ? { error: this.rows.error } : undefined);
    const title = this.chartTitle;
    const note = ready ? reductionNote(this.chart, series, (s) => this.detailFor(s), this.zoomRange !== undefined) : '';
    const spikes = this.shown?.spikes ?? [];
    const found = this.shown?.found ?? 0;
    const settling = this.range.settling || this.rows.status === 'loading';
    const tooMany = (this.shown?.stats.steps ?? 0) > SPIKE_POINT_LIMIT;
    const line = lines[0];
    const latest = line ? `latest ${formatValue(line.data.values[line.data.values.length - 1])} at step ${formatStep(line.data.steps[line.data.steps.length - 1])}` : '';
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
        ${renderChartPlot({ label: `${title}: ${latest || message}`, state, message, onKey: (e) => this.onPlotKey(e) })}
        ${ready ? renderStats(this.shown, settling, this.host?.trim() ?? '') : nothing}
        ${ready ? renderFirstNonFinite(this.shown, settling, (point) => this.zoomToNonFinite(point)) : nothing}
        ${ready
          ? renderSpikes({
              spikes,
              found,
              tooMany,
              settling,
              threshold: this.spikeThreshold,
              checkpoints: this.checkpointsInView(),
              zoom: (spike) => this.zoomToSpike(spike),
            })
          : nothing}
        <p id="summary" class="sr-only">${line ? describeLine(line, this.xAxis, this.zoomRange, false) : message}</p>
        ${renderChartAria(this.liveText)}
      </div>
    `;
  }

  private checkpointsInView(): Checkpoint[] {
    const zoom = this.zoomRange;
    if (!zoom) return [...this.checkpoints];
    return this.checkpoints.filter((c) => {
      const x = this.xAxis === 'step' ? c.step : c.atMs / 1000;
      return x >= zoom[0] && x <= zoom[1];
    });
  }
}
