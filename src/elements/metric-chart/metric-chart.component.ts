import { html, nothing, type PropertyValues } from 'lit';
import { formatAge, formatDuration, formatWithUnit } from '../../chart/format.js';
import { chartStyles } from '../../chart/chart.styles.js';
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

/** What the attributes say, read once per update; `error` when one of them is invalid. */
interface Config {
  error?: string;
  runs: string[];
  patterns: string[];
  windowSeconds: number;
  stats: Stat[];
  groupBy: GroupBy;
}

/** Buckets for a plot width: about one per pixel, in steps of 50 so a small resize refetches nothing. */
export function bucketsFor(width: number): number {
  return Math.min(4000, Math.max(50, Math.round((width > 0 ? width : 600) / 50) * 50));
}

/**
 * @summary Any metric, or every metric matching a pattern, over wall time for one or more runs.
 *
 * @attr run - Run id, or several separated by commas.
 * @attr metric - Metric names or patterns with `*` (`moe.layer.*.null_ratio`), comma-separated.
 * @attr window - How far back from the newest point of the runs: `15m`, `1h`, `7d`… or `all` (default).
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
 * @attr theme - `light`, `dark`, or unset to follow the system.
 *
 * Each line is the mean of its series' finite values per time bucket, about
 * one bucket per pixel. Series are named by what the pattern's `*` matched,
 * plus the host when there is one and the run when there are several.
 *
 * @fires trainwatch-state - The data state changed; `detail` is `{ state, message }`.
 *
 * @csspart base - The card around everything.
 * @csspart header - Title and data age.
 * @csspart plot - The chart area.
 * @csspart legend - The series with their latest values.
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
  static override styles = [themeStyles, uplotStyles, cardStyles, chartStyles, metricChartStyles];

  static override properties = {
    ...TrainwatchElement.properties,
    run: { type: String, reflect: true },
    metric: { type: String, reflect: true },
    window: { type: String, reflect: true },
    stat: { type: String, reflect: true },
    groupBy: { type: String, attribute: 'group-by', reflect: true },
    unit: { type: String },
    logScale: { type: Boolean, attribute: 'log-scale', reflect: true },
    heading: { type: String },
  };

  declare run: string;
  declare metric: string;
  declare window: string;
  declare stat: string;
  declare groupBy: GroupBy;
  declare unit: string | undefined;
  declare logScale: boolean;
  declare heading: string | undefined;

  private readonly data = new RowsController<'chart'>(this, () => {
    const config = this.readConfig();
    const query = this.queryFor(config);
    const queries: Record<string, RowQuery> = query ? { chart: query } : {};
    return { source: this.sourceConfig(), queries };
  });

  private config: Config = { runs: [], patterns: [], windowSeconds: 0, stats: [], groupBy: 'metric' };
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

  constructor() {
    super();
    this.run = '';
    this.metric = '';
    this.window = 'all';
    this.stat = '';
    this.groupBy = 'metric';
    this.logScale = false;
  }

  get runs(): string[] {
    return parseList(this.run);
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
    const config: Config = { runs, patterns, windowSeconds: 0, stats: [], groupBy: 'metric' };
    try {
      config.windowSeconds = parseWindow(this.window);
      config.stats = parseStats(this.stat);
      config.groupBy = parseGroupBy(this.groupBy);
      if (patterns.length > MAX_PATTERNS) throw new Error(`metric lists ${patterns.length} names; at most ${MAX_PATTERNS} fit one chart.`);
      if (this.pollInterval !== undefined && !(this.pollInterval >= 250)) throw new Error(`poll-interval must be at least 250 ms; got "${this.pollInterval}".`);
    } catch (error) {
      config.error = (error as Error).message;
    }
    return config;
  }

  private queryFor(config: Config): RowQuery | undefined {
    if (config.error || !config.runs.length || !config.patterns.length) return undefined;
    const width = this.plotWidth || this.getBoundingClientRect().width - 26;
    return metricChartQuery({ ...config, buckets: bucketsFor(width), across: config.stats.length > 0 });
  }

  protected override willUpdate(): void {
    this.config = this.readConfig();
    this.data.sync();
    const { runs, patterns, stats, groupBy } = this.config;
    const query = this.queryFor(this.config);
    const key = JSON.stringify([this.sourceConfig(), query && { ...query.params, buckets: 0 }, stats, this.unit]);
    const rows = this.data.rows('chart');
    const answered = this.data.status === 'ready' || rows.length > 0;
    if (answered && (rows !== this.modelFrom.rows || key !== this.modelFrom.key)) {
      this.model = buildModel(rows, { runs, patterns, groupBy, stats, unit: this.unit });
      this.modelFrom = { rows, key };
    } else if (!answered && key !== this.modelFrom.key) {
      this.model = undefined;
    }
  }

  protected override firstUpdated(): void {
    this.plot = new TimePlot(this.renderRoot.querySelector<HTMLElement>('.plot-mount')!);
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
    const key = JSON.stringify([width, height, [...this.hiddenLines], this.logScale, this.theme]);
    if (key === this.drawn.key && model === this.drawn.model) return;
    this.drawn = { model, key };
    this.plot.update(model.times, model.lines, {
      width,
      height,
      unit: this.unit ?? commonUnit(model.lines),
      logScale: this.logScale,
      theme: readCanvasTheme(this),
      hidden: this.hiddenLines,
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
    const what = patterns.map((p) => `"${p}"`).join(', ');
    const where = `run${runs.length > 1 ? 's' : ''} ${runs.map((r) => `"${r}"`).join(', ')}`;
    const when = windowSeconds ? ` in the last ${this.window.trim()}` : '';
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
    if (model.truncated) parts.push(`only the first ${model.lines.length} series fit: narrow the pattern`);
    return parts.join(' · ');
  }

  protected override render() {
    const { state, message } = this.computeState();
    const model = state === 'ready' ? this.model : undefined;
    const lines = model?.lines ?? [];
    const age = model && Number.isFinite(model.newest) ? Date.now() - model.newest : NaN;
    const stale = age > Math.max(60_000, 10 * (this.pollInterval ?? 2000));
    const title = this.heading ?? (this.metric.trim() || 'metric');
    const summary = lines.map((l) => `${l.label} ${formatWithUnit(l.last, l.unit)}`).join('; ');
    return html`
      <div part="base" class="base">
        <header part="header">
          <span class="title">${title}</span>
          ${Number.isFinite(age)
            ? html`<span class="meta ${stale ? 'stale' : ''}">last point ${formatAge(age)}${stale ? ' · stale' : ''}</span>`
            : nothing}
        </header>
        ${model ? html`<p class="note" part="note">${this.note(model)}</p>` : nothing}
        ${model && this.data.status === 'error' ? html`<p class="banner" role="alert">${this.data.error}</p>` : nothing}
        <div part="plot" class="plot" role="img" aria-label=${`${title}: ${summary || message}`}>
          <div class="plot-mount"></div>
          ${model && this.cursor && this.plot ? renderTooltip(model.times, this.visibleLines(model), this.cursor, this.plot.overOffset) : nothing}
          ${state === 'ready' ? nothing : html`<div class="overlay ${state}" role=${state === 'error' ? 'alert' : 'status'}>${message}</div>`}
        </div>
        <ul part="legend" class="legend">
          ${lines.map(
            (line) => html`<li>
              <button type="button" aria-pressed=${this.hiddenLines.has(line.id) ? 'false' : 'true'} @click=${() => this.toggle(line.id)}>
                <span class="swatch" style="background:${line.color}"></span><span class="label">${line.label}</span>
                <span class="value">${formatWithUnit(line.last, line.unit)}</span>
              </button>
            </li>`,
          )}
        </ul>
      </div>
    `;
  }
}
