import { html, nothing, type PropertyValues } from 'lit';
import { formatAge, formatCount, formatDuration, formatTime, formatWithUnit } from '../../chart/format.js';
import { chartStyles } from '../../chart/chart.styles.js';
import { cursorSync, ZoomController, type ZoomRange } from '../../chart/group-sync.js';
import { plotPng } from '../../chart/line-chart.js';
import { openDetailStyles, renderOpenDetail, visibleRange } from '../../chart/open-detail.js';
import { readCanvasTheme, themeStyles, uplotStyles } from '../../chart/uplot.styles.js';
import { cardStyles } from '../../internal/card.styles.js';
import { parseWindow } from '../../internal/time-window.js';
import { TrainwatchElement, type DataState } from '../../internal/trainwatch-element.js';
import type { RowQuery } from '../../sources/source.js';
import { RowsController } from '../../store/rows-controller.js';
import { buildModel, commonUnit, type ChartLine, type ChartModel } from './metric-chart.data.js';
import { MAX_PATTERNS, metricChartQuery, parseGroupBy, parseList, parseStats, type GroupBy, type Stat } from './metric-chart.queries.js';
import { metricChartStyles } from './metric-chart.styles.js';
import { renderTooltip, type Cursor } from './metric-chart.tooltip.js';
import { TimePlot } from './time-plot.js';
import { ClockController } from '../../internal/clock-controller.js';
import { download, fileName } from '../../internal/export.js';
import { exportMenuStyles, renderExportMenu } from '../../internal/export-menu.js';
import { rawCsv, shownCsv } from './metric-chart.export.js';

/** What the attributes say, read once per update; `error` when one of them is invalid. */
interface Config {
  error?: string;
  runs: string[];
  patterns: string[];
  windowSeconds: number;
  stats: Stat[];
  groupBy: GroupBy;
  host: string;
}

/** A zoomed range is fetched this much wider on each side, so lines run to the plot's edges. */
const ZOOM_MARGIN = 0.05;

/** Epoch seconds as people read a time in a sentence. */
const timeWords = (seconds: number) => `${formatTime(seconds * 1000)} UTC`;

/** Buckets for a plot width: about one per pixel, in steps of 50 so a small resize refetches nothing. */
export function bucketsFor(width: number): number {
  return Math.min(4000, Math.max(50, Math.round((width > 0 ? width : 600) / 50) * 50));
}

/**
 * @summary Any metric, or every metric matching a pattern, over wall time for one or more runs.
 *
 * @attr run - Run id, or several separated by commas.
 * @attr metric - Metric names or patterns with `*` (`moe.layer.*.null_ratio`), comma-separated.
 * @attr window - How far back from the newest point of the runs: `15m`, `1h`, `7d`… or `all`. Default: the page filter's window (`<trainwatch-filters>`), else `all`.
 * @attr host - Only this host's rows. Default: the page filter's host, else every host.
 * @attr stat - Statistics across the matched series per time bucket instead of a line per series:
 *   a comma list of `mean`, `min`, `max`, `p10`, `p50`, `p90`, `p99`.
 * @attr group-by - What makes one series: `metric` (default; per metric and host), `host` (metrics averaged per host) or `none`.
 * @attr unit - Unit for values; default: the table's `unit` column.
 * @attr log-scale - Logarithmic y axis.
 * @attr heading - Title; default: the metric attribute.
 * @attr src - ClickHouse HTTP URL. Default: the page's `configure()` source.
 * @attr user - ClickHouse user (use a read-only one on shared pages).
 * @attr password - ClickHouse password.
 * @attr table - Database-qualified table. Default `training_observability.metric_points`.
 * @attr poll-interval - Poll interval in ms (default 2000).
 * @attr group - Charts (`<metric-chart>`, `<loss-chart x-axis="time">`) with the same group share the cursor
 *   and zoom: zooming one zooms every other of the group on a wall-time axis. Unset: independent.
 * @attr detail-href - URL template of a single-metric view (e.g. a page with `<metric-detail>`):
 *   `{run}`, `{metric}`, `{host}`, `{from}`, `{to}` and `{axis}` are replaced, URL-encoded, by the series' run,
 *   metric and host and the visible time range (epoch seconds; empty when not zoomed; `{axis}` is `time`).
 *   Set, each legend entry that is one metric (not a statistic, not grouped by host) gets a ↗ link there;
 *   set but empty, a ↗ button that only fires `trainwatch-open-detail`. Unset (default): no ↗. Only http(s) links are made: any other scheme (`javascript:`) gets the button.
 * @attr theme - `light`, `dark`, or unset to follow the system.
 *
 * Each line is the mean of its series' finite values per time bucket, about
 * one bucket per pixel. Series are named by what the pattern's `*` matched,
 * plus the host when there is one and the run when there are several.
 *
 * Dragging across the plot zooms into that time range, fetched again with
 * buckets spread over it; a double click or "Reset zoom" zooms out. Keyboard:
 * the plot takes focus; `+` (or `=`) zooms in around the centre, `-` zooms
 * out, ← and → pan by a tenth of the visible range, `0`, `Home` or `Escape`
 * reset. Zoom changes are announced politely, and a visually hidden summary
 * (per line: latest value and time, lowest and highest in view, NaN/Inf
 * left out) describes the plot to screen readers.
 *
 * Export (the ⤓ menu, or the methods): a PNG of the chart as drawn, a CSV of
 * the bucket values drawn, or a CSV of every raw row matched in the visible
 * range (the whole window when not zoomed), up to 1,000,000 rows.
 *
 * @fires trainwatch-state - The data state changed; `detail` is `{ state, message }`.
 * @fires trainwatch-open-detail - A legend entry's ↗ was clicked; `detail` is `{ run, metric, host?, from?, to?, axis }`.
 *   Cancelable: a page that calls `preventDefault()` routes itself and the link is not followed.
 *
 * @csspart base - The card around everything.
 * @csspart header - Title, data age, reset button and export menu.
 * @csspart note - The line under the title saying what a bucket holds.
 * @csspart reset-zoom - The "Reset zoom" button, while zoomed.
 * @csspart export - The export menu (a `<details>`).
 * @csspart export-menu - The export menu's list of downloads.
 * @csspart plot - The chart area (focusable: the keys above zoom and pan it).
 * @csspart legend - The series with their latest values.
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
export class MetricChart extends TrainwatchElement {
  static override styles = [themeStyles, uplotStyles, cardStyles, chartStyles, exportMenuStyles, openDetailStyles, metricChartStyles];

  static override properties = {
    ...TrainwatchElement.properties,
    run: { type: String, reflect: true },
    metric: { type: String, reflect: true },
    window: { type: String, reflect: true },
    host: { type: String, reflect: true },
    stat: { type: String, reflect: true },
    groupBy: { type: String, attribute: 'group-by', reflect: true },
    unit: { type: String },
    logScale: { type: Boolean, attribute: 'log-scale', reflect: true },
    heading: { type: String },
    group: { type: String, reflect: true },
    detailHref: { type: String, attribute: 'detail-href' },
  };

  declare run: string;
  declare metric: string;
  /** Unset: the page filter's window, else `all`. */
  declare window: string | undefined;
  /** Only this host's rows (unset: the page filter's host, else every host). */
  declare host: string | undefined;
  declare stat: string;
  declare groupBy: GroupBy;
  declare unit: string | undefined;
  declare logScale: boolean;
  declare heading: string | undefined;
  /** Charts with the same group share the cursor and zoom. */
  declare group: string | undefined;
  /** URL template of the single-metric view each legend entry's ↗ leads to (empty: a ↗ that only fires the event). */
  declare detailHref: string | undefined;

  private readonly data = new RowsController<'chart'>(this, () => {
    const config = this.readConfig();
    const query = this.queryFor(config);
    const queries: Record<string, RowQuery> = query ? { chart: query } : {};
    return { source: this.sourceConfig(), queries };
  });

  private config: Config = { runs: [], patterns: [], windowSeconds: 0, stats: [], groupBy: 'metric', host: '' };
  private plot: TimePlot | undefined;
  private resizeObserver: ResizeObserver | undefined;
  /** Ages and staleness move with the clock, not only with polls. */
  private readonly clock = new ClockController(this);
  private plotWidth = 0;
  private hiddenLines = new Set<string>();
  private cursor: Cursor | undefined;
  /** The model drawn, kept while a resize refetches at another bucket count. */
  private model: ChartModel | undefined;
  private modelFrom: { rows: unknown; key: string } = { rows: undefined, key: '' };
  /** What the plot last drew, so timer and cursor updates redraw nothing. */
  private drawn: { model?: ChartModel; key: string } = { key: '' };
  /** The time range (epoch s) of everything the chart can show, kept while zoomed data covers less. */
  private extent: ZoomRange | undefined;
  /** The zoomed time range, keyboard zoom and the chart's group. */
  private readonly zoomer = new ZoomController(this, {
    group: () => this.group,
    axis: () => 'time',
    extent: () => this.extent,
    minSpan: () => 1,
    describe: ([lo, hi]) => `${timeWords(lo)} to ${timeWords(hi)}`,
    changed: () => this.requestUpdate(),
    announce: (message) => this.say(message),
  });
  /** The polite live region's text: zoom changes and export results. */
  private liveText = '';
  private exportError = '';

  constructor() {
    super();
    this.run = '';
    this.metric = '';
    this.stat = '';
    this.groupBy = 'metric';
    this.logScale = false;
  }

  get runs(): string[] {
    return parseList(this.inheritedRun(this.run));
  }

  /** The window in use: the element's, else the page filter's, else `all`. */
  get shownWindow(): string {
    return this.inheritedWindow(this.window, 'all').trim();
  }

  get patterns(): string[] {
    return parseList(this.metric);
  }

  /** The row query the element sends now (undefined while nothing is asked). */
  get query(): RowQuery | undefined {
    return this.queryFor(this.readConfig());
  }

  /** The uPlot data currently drawn: [bucket times in s, ...one column per line]. */
  get chartData() {
    return this.plot?.data;
  }

  /** The lines as drawn, with labels, colours, units and latest values. */
  get lines(): readonly ChartLine[] {
    return this.model?.lines ?? [];
  }

  /** Zooms to a time range (epoch s), or back out with undefined; the chart's group follows. */
  setZoom(range: ZoomRange | undefined): void {
    this.zoomer.set(range);
  }

  /** The zoomed time range (epoch s), if any. */
  get zoomRange(): ZoomRange | undefined {
    return this.zoomer.zoom;
  }

  /**
   * The chart as CSV: the bucket values drawn (default), or with `raw: true`
   * every raw row matched in the visible range (the whole window when not
   * zoomed), NaN/Inf included. Rejects with a sentence when there is nothing
   * to export or the range holds more than 1,000,000 rows.
   */
  async toCSV(options: { raw?: boolean } = {}): Promise<string> {
    const model = this.model;
    if (!model || this.state !== 'ready') throw new Error('Nothing to export yet: the chart has not drawn.');
    if (!options.raw) return shownCsv(model, this.hiddenLines);
    const { runs, patterns, windowSeconds, host } = this.config;
    const zoom = this.zoomRange;
    return rawCsv(() => this.data.store, {
      runs,
      patterns,
      windowSeconds,
      host,
      fromMs: zoom ? Math.ceil(zoom[0] * 1000) : 0,
      toMs: zoom ? Math.floor(zoom[1] * 1000) : 0,
    });
  }

  /** The chart as drawn, on the card's background under its title, as a PNG. */
  async toPNG(): Promise<Blob> {
    const canvas = this.plot?.canvas;
    const card = this.renderRoot.querySelector<HTMLElement>('.base');
    if (!canvas || !card || this.state !== 'ready') throw new Error('Nothing to export yet: the chart has not drawn.');
    return plotPng(canvas, card, this.chartTitle);
  }

  private get chartTitle(): string {
    return this.heading ?? (this.metric.trim() || 'metric');
  }

  private say(message: string) {
    this.liveText = message;
    this.requestUpdate();
  }

  private async runExport(kind: 'png' | 'shown' | 'raw') {
    this.exportError = '';
    const stem = [...this.runs, ...this.patterns];
    try {
      if (kind === 'png') {
        download(fileName(stem, 'png'), await this.toPNG());
        this.say('PNG image downloaded.');
      } else {
        if (kind === 'raw') this.say('Fetching the raw points…');
        const csv = await this.toCSV({ raw: kind === 'raw' });
        download(fileName([...stem, kind === 'raw' ? 'raw' : 'shown'], 'csv'), csv);
        const rows = csv.split('\r\n').length - 2;
        this.say(`CSV downloaded: ${formatCount(rows)} ${kind === 'raw' ? 'raw points' : `value${rows === 1 ? '' : 's'}`}.`);
      }
    } catch (error) {
      this.exportError = `Export failed: ${(error as Error).message}`;
      this.say('');
    }
    this.requestUpdate();
  }

  private onPlotKey(event: KeyboardEvent) {
    if (this.state === 'ready' || this.zoomRange) this.zoomer.handleKey(event);
  }

  /** True while this element holds a timer, observer or subscription (for teardown checks). */
  get holdsResources(): boolean {
    return this.clock.running || this.resizeObserver !== undefined || this.data.store !== undefined;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.hasUpdated) this.observeSize();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.resizeObserver?.disconnect();
    this.resizeObserver = undefined;
    this.plot?.destroy();
    this.drawn = { key: '' };
  }

  private readConfig(): Config {
    const runs = this.runs;
    const patterns = this.patterns;
    const config: Config = { runs, patterns, windowSeconds: 0, stats: [], groupBy: 'metric', host: this.inheritedHost(this.host) };
    try {
      config.windowSeconds = parseWindow(this.shownWindow);
      config.stats = parseStats(this.stat);
      config.groupBy = parseGroupBy(this.groupBy);
      if (patterns.length > MAX_PATTERNS) throw new Error(`metric lists ${patterns.length} names; at most ${MAX_PATTERNS} fit one chart.`);
      const interval = this.pollIntervalError();
      if (interval) throw new Error(interval);
    } catch (error) {
      config.error = (error as Error).message;
    }
    return config;
  }

  private queryFor(config: Config): RowQuery | undefined {
    if (config.error || !config.runs.length || !config.patterns.length) return undefined;
    const width = this.plotWidth || this.getBoundingClientRect().width - 26;
    const zoom = this.zoomRange;
    const margin = zoom ? (zoom[1] - zoom[0]) * ZOOM_MARGIN : 0;
    return metricChartQuery({
      ...config,
      buckets: bucketsFor(width),
      across: config.stats.length > 0,
      ...(zoom ? { fromMs: Math.floor((zoom[0] - margin) * 1000), toMs: Math.ceil((zoom[1] + margin) * 1000) } : {}),
    });
  }

  protected override willUpdate(): void {
    this.config = this.readConfig();
    this.data.sync();
    const { runs, patterns, stats, groupBy } = this.config;
    const query = this.queryFor(this.config);
    // A new width or zoom keeps the lines drawn until the finer answer arrives.
    const key = JSON.stringify([this.sourceConfig(), query && { ...query.params, buckets: 0, from_ms: 0, to_ms: 0 }, stats, this.unit]);
    const rows = this.data.rows('chart');
    const answered = this.data.status === 'ready' || rows.length > 0;
    if (answered && (rows !== this.modelFrom.rows || key !== this.modelFrom.key)) {
      this.model = buildModel(rows, { runs, patterns, groupBy, stats, unit: this.unit });
      if (key !== this.modelFrom.key) this.extent = undefined;
      this.modelFrom = { rows, key };
      this.extent = this.widerExtent(this.model);
    } else if (!answered && key !== this.modelFrom.key) {
      this.model = undefined;
    }
  }

  /** Everything the chart can show: the model's times, and while zoomed also what it showed before. */
  private widerExtent(model: ChartModel): ZoomRange | undefined {
    const { times } = model;
    const own: ZoomRange | undefined = times.length > 1 ? [times[0], times[times.length - 1]] : undefined;
    if (!this.zoomRange || !this.extent) return own ?? this.extent;
    return own ? [Math.min(own[0], this.extent[0]), Math.max(own[1], this.extent[1])] : this.extent;
  }

  protected override firstUpdated(): void {
    this.plot = new TimePlot(this.renderRoot.querySelector<HTMLElement>('.plot-mount')!);
    this.plot.onZoom = (range) => this.zoomer.set(range);
    this.plot.onCursor = (index, left) => {
      this.cursor = index === undefined ? undefined : { index, left };
      this.requestUpdate();
    };
    this.observeSize();
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (changed.has('theme')) this.drawn = { key: '' };
    this.draw();
    const { state, message } = this.computeState();
    this.announce(state, message);
  }

  private observeSize() {
    const plot = this.renderRoot.querySelector<HTMLElement>('.plot');
    if (!plot || this.resizeObserver) return;
    this.resizeObserver = new ResizeObserver(() => {
      const before = bucketsFor(this.plotWidth);
      this.plotWidth = plot.clientWidth;
      this.plot?.setSize(plot.clientWidth, plot.clientHeight);
      // A new width asks for another bucket count; the drawn lines stay until it arrives.
      if (bucketsFor(this.plotWidth) !== before) this.requestUpdate();
    });
    this.resizeObserver.observe(plot);
  }

  private draw() {
    const mount = this.renderRoot.querySelector<HTMLElement>('.plot');
    const model = this.model;
    if (!this.plot || !mount) return;
    if (!model?.lines.length || this.computeState().state !== 'ready') {
      this.plot.destroy();
      this.drawn = { key: '' };
      return;
    }
    const width = mount.clientWidth;
    const height = mount.clientHeight;
    const zoom = this.zoomRange;
    const sync = cursorSync(this.group?.trim(), 'time');
    const key = JSON.stringify([width, height, [...this.hiddenLines], this.logScale, this.theme, zoom, sync?.key]);
    if (key === this.drawn.key && model === this.drawn.model) return;
    this.drawn = { model, key };
    this.plot.update(model.times, model.lines, {
      width,
      height,
      unit: this.unit ?? commonUnit(model.lines),
      logScale: this.logScale,
      theme: readCanvasTheme(this),
      hidden: this.hiddenLines,
      zoom,
      sync,
    });
  }

  private computeState(): { state: DataState; message: string } {
    const { error, runs, patterns, windowSeconds } = this.config;
    if (error) return { state: 'error', message: error };
    if (!runs.length) return { state: 'empty', message: 'No run selected: set the run attribute.' };
    if (!patterns.length) return { state: 'empty', message: 'No metric selected: set the metric attribute to a name or a pattern such as gsa.*.' };
    if (this.model?.lines.length) return { state: 'ready', message: '' };
    if (this.data.status === 'error') return { state: 'error', message: this.data.error ?? 'Error' };
    if (this.data.status !== 'ready') return { state: 'loading', message: 'Loading…' };
    if (this.zoomRange) return { state: 'empty', message: 'Nothing in the zoomed range: reset the zoom to see everything.' };
    const what = patterns.map((p) => `"${p}"`).join(', ');
    const where = `run${runs.length > 1 ? 's' : ''} ${runs.map((r) => `"${r}"`).join(', ')}`;
    const when = `${windowSeconds ? ` in the last ${this.shownWindow}` : ''}${this.config.host ? ` on host ${this.config.host}` : ''}`;
    return { state: 'empty', message: `Nothing matches ${what} for ${where}${when}.` };
  }

  private visibleLines(model: ChartModel): ChartLine[] {
    return model.lines.filter((line) => !this.hiddenLines.has(line.id));
  }

  private toggle(id: string) {
    if (!this.hiddenLines.delete(id)) this.hiddenLines.add(id);
    this.requestUpdate();
  }

  /** "p50, max across 12 series · per 5s" or "mean per 5s", and a warning when series were left out. */
  private note(model: ChartModel): string {
    const bucket = model.bucketMs < 1000 ? `${model.bucketMs} ms` : formatDuration(model.bucketMs / 1000);
    const { stats } = this.config;
    const parts = [stats.length ? `${stats.join(', ')} across ${model.across} series per ${bucket}` : `mean per ${bucket}`];
    if (model.matched > model.lines.length) parts.push(`${model.matched.toLocaleString('en-US')} series match; showing the first ${model.lines.length}: narrow the pattern`);
    else if (model.truncated) parts.push(`only the first ${model.lines.length} series fit: narrow the pattern`);
    return parts.join(' · ');
  }

  protected override render() {
    const { state, message } = this.computeState();
    const model = state === 'ready' ? this.model : undefined;
    const lines = model?.lines ?? [];
    const age = model && Number.isFinite(model.newest) ? Date.now() - model.newest : NaN;
    const stale = age > Math.max(60_000, 10 * (this.pollInterval ?? 2000));
    const title = this.chartTitle;
    const summary = lines.map((l) => `${l.label} ${formatWithUnit(l.last, l.unit)}`).join('; ');
    return html`
      <div part="base" class="base">
        <div class="header" part="header">
          <span class="title">${title}</span>
          ${this.zoomRange
            ? html`<button type="button" class="reset" part="reset-zoom" @click=${() => this.setZoom(undefined)}>Reset zoom</button>`
            : nothing}
          ${Number.isFinite(age)
            ? html`<span class="meta ${stale ? 'stale' : ''}">last point ${formatAge(age)}${stale ? ' · stale' : ''}</span>`
            : nothing}
          ${model
            ? renderExportMenu(
                [
                  { label: 'PNG image', run: () => this.runExport('png') },
                  { label: 'CSV of what is shown', run: () => this.runExport('shown') },
                  { label: 'CSV of raw points in range', run: () => this.runExport('raw') },
                ],
                `${title} chart`,
              )
            : nothing}
        </div>
        ${model ? html`<p class="note" part="note">${this.note(model)}</p>` : nothing}
        ${model && this.data.status === 'error' ? html`<p class="banner" role="alert">${this.data.error}</p>` : nothing}
        ${this.exportError ? html`<p class="banner" role="alert">${this.exportError}</p>` : nothing}
        <div
          part="plot"
          class="plot"
          role="img"
          tabindex="0"
          aria-label=${`${title}: ${summary || message}`}
          aria-describedby="summary keys"
          @keydown=${this.onPlotKey}
        >
          <div class="plot-mount"></div>
          ${model && this.cursor && this.plot ? renderTooltip(model.times, this.visibleLines(model), this.cursor, this.plot.overOffset) : nothing}
          ${state === 'ready' ? nothing : html`<div class="overlay ${state}" role=${state === 'error' ? 'alert' : 'status'}>${message}</div>`}
        </div>
        <div id="summary" class="sr-only">${model ? lines.map((line) => html`<p>${this.describeLine(model, line)}</p> `) : message}</div>
        <p id="keys" class="sr-only">Keys: plus zooms in, minus zooms out, left and right arrows pan when zoomed, 0 resets the zoom.</p>
        <div class="sr-only" role="status" aria-live="polite">${this.liveText}</div>
        <ul part="legend" class="legend">
          ${lines.map(
            (line) => html`<li>
              <button type="button" aria-pressed=${this.hiddenLines.has(line.id) ? 'false' : 'true'} @click=${() => this.toggle(line.id)}>
                <span class="swatch" style="background:${line.color}"></span><span class="label">${line.label}</span>
                <span class="value">${formatWithUnit(line.last, line.unit)}</span>
              </button>
              ${line.metric && !line.stat
                ? renderOpenDetail(this, this.detailHref, { run: line.run, metric: line.metric, ...(line.host ? { host: line.host } : {}), ...visibleRange(this.zoomRange, 'time') })
                : nothing}
            </li>`,
          )}
        </ul>
      </div>
    `;
  }

  /** One line in words: "eth0.sent · node-0: latest 3 MiB/s at 2026-01-01 00:02:00 UTC; overall lowest …; no NaN/Inf overall." */
  private describeLine(model: ChartModel, line: ChartLine): string {
    const zoom = this.zoomRange;
    const inView = (t: number) => !zoom || (t >= zoom[0] && t <= zoom[1]);
    let min = Infinity;
    let max = -Infinity;
    let lastAt = NaN;
    let lastValue = NaN;
    line.values.forEach((v, i) => {
      if (v === null || !inView(model.times[i])) return;
      lastAt = model.times[i];
      lastValue = v;
      min = Math.min(min, v);
      max = Math.max(max, v);
    });
    let nonFinite = 0;
    for (const [t, n] of line.nonFiniteBy) if (inView(t)) nonFinite += n;
    const where = zoom ? 'in view' : 'overall';
    const latest = Number.isFinite(lastAt) ? `${zoom ? 'last in view' : 'latest'} ${formatWithUnit(lastValue, line.unit)} at ${timeWords(lastAt)}` : `no value ${where}`;
    const extremes = min <= max ? `${where} lowest ${formatWithUnit(min, line.unit)}, highest ${formatWithUnit(max, line.unit)}` : 'nothing to compare';
    const odd = nonFinite ? `${nonFinite.toLocaleString('en-US')} NaN/Inf ${where} left out` : `no NaN/Inf ${where}`;
    const hidden = this.hiddenLines.has(line.id) ? ' (hidden)' : '';
    return `${line.label}${hidden}: ${latest}; ${extremes}; ${odd}.`;
  }
}
