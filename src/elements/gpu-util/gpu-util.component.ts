import { html, nothing, type PropertyValues } from 'lit';
import { styleMap } from 'lit/directives/style-map.js';
import { colorFor } from '../../chart/colors.js';
import { formatDuration } from '../../chart/format.js';
import { readCanvasTheme, themeStyles } from '../../chart/uplot.styles.js';
import { cardStyles } from '../../internal/card.styles.js';
import { canvasesToPng, download, fileName } from '../../internal/export.js';
import { exportMenuStyles, renderExportMenu } from '../../internal/export-menu.js';
import { parseList } from '../../internal/list.js';
import { parseWindow } from '../../internal/time-window.js';
import { TrainwatchElement, type DataState, type DataStateDetail } from '../../internal/trainwatch-element.js';
import { got } from '../../internal/invalid.js';
import type { RowQuery } from '../../sources/source.js';
import { RowsController } from '../../store/rows-controller.js';
import { columnX, drawHeatmap, drawMeanLine } from './gpu-util.draw.js';
import { cellsCsv, plotLayers, samplesCsv } from './gpu-util.export.js';
import { buildModel, type UtilModel } from './gpu-util.model.js';
import { cellText, clock, footer, meanLineText, rowLabel, summaryText, tooltip, type Hover } from './gpu-util.parts.js';
import { MAX_SERIES, gridQuery, idleQuery, probeQuery, rawSamplesQuery, type UtilQueryInput } from './gpu-util.queries.js';
import { gpuUtilStyles } from './gpu-util.styles.js';
import { cellAfterKey } from '../../internal/grid-keys.js';
import { checkRawSize, rawExportLimit, rowsOnce } from '../../store/rows-once.js';

export const DEFAULT_METRIC = 'sys.gpu.*.util_percent';
/** About one column per 4 px of heatmap, in steps of 10 so a resize rarely asks again. */
const PX_PER_BUCKET = 4;
const MIN_BUCKETS = 10;
const MAX_BUCKETS = 400;
const MEAN_HEIGHT = 48;

/**
 * @summary Utilization heatmap: one row per (host, GPU), one column per time bucket, the fleet mean under it, and idle time and stragglers in words.
 *
 * Reads `sys.gpu.<idx>.util_percent` (per host; `device` = GPU index, `rank` = global rank), or any
 * per-host percentage such as `sys.cpu_percent` (`device` 65535: the row is the host).
 * Non-finite values are left out.
 *
 * - **Cells**: mean of the samples in the bucket, coloured on viridis from 0 to 100 %; grey when
 *   the bucket has no sample. Bucket width: the window over about one column per 4 px, at least
 *   1.5 × the median sampling interval, rounded up to 1 s, 2 s, 5 s, 10 s, 15 s, 30 s, 1 m… and aligned
 *   to multiples of itself.
 * - **Mean line**: per column, the mean of the cells that have data; the idle threshold dashed.
 * - **Mean**: the mean of every series' mean over the window (each GPU weighs the same).
 * - **Idle time**: per series (host, device, metric), samples sorted by time, each sample stands for
 *   the time until the series' next sample, capped at 3 × the series' median interval so a gap in
 *   reporting is not counted; the last sample stands for one median interval; a series with one
 *   sample covers no time. Idle time is the sum of the spans of samples strictly below
 *   `idle-threshold`, shown as a share of all spans and in GPU-hours / minutes / seconds.
 * - **Stragglers**: series whose mean is below the median of the series' means by more than
 *   `straggler-gap` points; flagged in the row labels and listed in the summary.
 *
 * At most 512 series are shown (by host, then device).
 *
 * **Keyboard**: the heatmap takes focus; the arrow keys move a highlighted cell
 * (Home / End: first / last bucket, Page Up / Page Down: first / last row,
 * Ctrl+Home / Ctrl+End: first / last cell, Escape: none) whose host, GPU,
 * time and value are shown as in the tooltip and announced.
 *
 * **Export** (the header's menu, or the methods): `toPNG()` the heatmap, its
 * labels and the mean line as one image; `toCSV()` one row per cell with
 * samples (host, gpu, time, time_end, value = mean %, samples); `toCSV({ raw: true })`
 * every sample of the window as logged (non-finite values included).
 *
 * @attr run - Run id. Given several (comma-separated), the first is shown and the header says so. Default: the enclosing `<trainwatch-filters>`' run.
 * @attr host - Only this host's rows; empty (default) for every host, or the enclosing `<trainwatch-filters>`' host.
 * @attr metric - Metric name or pattern (`*` = any characters). Default `sys.gpu.*.util_percent`.
 * @attr window - Time window back from the run's newest point: `15m`, `1h` (default, or the enclosing `<trainwatch-filters>`' window), `24h`, `all`.
 * @attr idle-threshold - Utilization in % below which a sample counts as idle. Default 10.
 * @attr straggler-gap - Points below the median GPU mean that make a straggler. Default 15.
 * @attr heading - Title. Default "GPU utilization" (or "CPU utilization" for `sys.cpu_percent`, else the metric).
 * @attr src - ClickHouse HTTP URL. Default: the page's `configure()` source.
 * @attr user - ClickHouse user (use a read-only one on shared pages).
 * @attr password - ClickHouse password.
 * @attr table - Database-qualified table. Default `training_observability.metric_points`.
 * @attr poll-interval - Poll interval in ms (default 2000).
 * @attr theme - `light`, `dark`, or unset to follow the system.
 *
 * @fires trainwatch-state - The data state changed; `detail` is `{ state, message }`.
 *
 * @csspart base - The card around everything.
 * @csspart header - Title, meta and the export menu.
 * @csspart export - The export menu's disclosure (a `<details>`).
 * @csspart export-menu - The export menu's list of downloads.
 * @csspart plot - Row labels, heatmap, mean line and time axis.
 * @csspart labels - The list of row labels.
 * @csspart tooltip - The tooltip of the cell under the pointer or the keyboard's highlight.
 * @csspart legend - The colour scale.
 * @csspart summary - Mean, idle time and stragglers.
 *
 * @cssprop --trainwatch-background - Card background.
 * @cssprop --trainwatch-color - Text colour.
 * @cssprop --trainwatch-muted-color - Secondary text.
 * @cssprop --trainwatch-grid-color - Buckets without data, frame of the mean line.
 * @cssprop --trainwatch-border-color - Card border.
 * @cssprop --trainwatch-error-color - Errors and stragglers.
 * @cssprop --trainwatch-font-family - Font.
 * @cssprop --trainwatch-radius - Card corner radius.
 * @cssprop --trainwatch-label-width - Width of the row labels' column (default 10em; longer labels are cut, the tooltip has them whole).
 */
export class GpuUtil extends TrainwatchElement {
  static override styles = [themeStyles, cardStyles, exportMenuStyles, gpuUtilStyles];

  static override properties = {
    ...TrainwatchElement.properties,
    run: { type: String, reflect: true },
    host: { type: String, reflect: true },
    metric: { type: String, reflect: true },
    window: { type: String, reflect: true },
    idleThreshold: { type: Number, attribute: 'idle-threshold', reflect: true },
    stragglerGap: { type: Number, attribute: 'straggler-gap', reflect: true },
    heading: { type: String },
  };

  declare run: string;
  /** Unset: every host, or the enclosing filters' host. */
  declare host: string | undefined;
  declare metric: string;
  /** Unset: `1h`, or the enclosing filters' window. */
  declare window: string | undefined;
  declare idleThreshold: number;
  declare stragglerGap: number;
  declare heading: string | undefined;

  /** Width of the heatmap in CSS px (0 until measured: nothing is asked before). */
  private heatWidth = 0;
  private resizeObserver: ResizeObserver | undefined;
  private hover: Hover | undefined;
  /** The highlighted cell was moved by the keyboard (not the pointer): it is announced, and stays until blur. */
  private keyboardCell = false;
  /** What the live region says: the keyboard's cell. */
  private announcement = '';
  private exportError = '';
  private current: UtilModel | undefined;
  private builtFrom: unknown[] = [];
  private drawn: unknown[] = [];
  private view: DataStateDetail = { state: 'loading', message: 'Loading…' };

  private readonly data = new RowsController<'grid' | 'idle'>(this, () => {
    const input = this.queryInput();
    const queries: Record<string, RowQuery> = input ? { grid: gridQuery(input), idle: idleQuery(input) } : {};
    return { source: this.sourceConfig(), queries };
  });

  /** Asked only while the answer is empty, to say why. */
  private readonly probe = new RowsController<'probe'>(this, () => {
    const empty = this.data.status === 'ready' && !this.data.rows('idle').length && !this.data.rows('grid').length;
    const queries: Record<string, RowQuery> = empty ? { probe: probeQuery(this.runs[0], this.metric.trim(), this.shownHost) } : {};
    return { source: this.sourceConfig(), queries };
  });

  constructor() {
    super();
    this.run = '';
    this.metric = DEFAULT_METRIC;
    this.idleThreshold = 10;
    this.stragglerGap = 15;
  }

  /** The runs asked for: its own `run`, else the enclosing filters'. */
  get runs(): string[] {
    return parseList(this.inheritedRun(this.run));
  }

  /** The host shown: its own `host`, else the enclosing filters'; empty for every host. */
  get shownHost(): string {
    return this.inheritedHost(this.host);
  }

  /** The window shown, as written: its own `window`, else the enclosing filters', else `1h`. */
  get shownWindow(): string {
    return this.inheritedWindow(this.window, '1h').trim();
  }

  /** What is drawn: series, grid and summary figures (undefined before data). */
  get model(): UtilModel | undefined {
    return this.current;
  }

  /** Time buckets asked for: the heatmap's width / 4, in steps of 10, from 10 to 400. */
  get buckets(): number {
    return Math.min(MAX_BUCKETS, Math.max(MIN_BUCKETS, Math.floor(this.heatWidth / PX_PER_BUCKET / 10) * 10));
  }

  /** True while this element holds an observer or a subscription (for teardown checks). */
  get holdsResources(): boolean {
    return this.resizeObserver !== undefined || this.data.store !== undefined || this.probe.store !== undefined;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.hasUpdated) this.observeSize();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.resizeObserver?.disconnect();
    this.resizeObserver = undefined;
    this.drawn = [];
  }

  private observeSize() {
    // A zero-height sizer: what we draw never changes its size, so redrawing cannot feed back into the observer.
    const sizer = this.renderRoot.querySelector<HTMLElement>('.sizer');
    if (!sizer || this.resizeObserver) return;
    this.resizeObserver = new ResizeObserver(() => {
      const width = Math.floor(sizer.clientWidth);
      if (width > 0 && width !== this.heatWidth) {
        this.heatWidth = width;
        this.requestUpdate();
      }
    });
    this.resizeObserver.observe(sizer);
  }

  private windowSeconds(): number {
    return parseWindow(this.shownWindow);
  }

  private configError(): string | undefined {
    try {
      this.windowSeconds();
    } catch (error) {
      return (error as Error).message;
    }
    if (!(this.metric ?? '').trim()) return 'metric must name a metric or a pattern such as sys.gpu.*.util_percent.';
    if (!(Number.isFinite(this.idleThreshold) && this.idleThreshold >= 0)) {
      return `idle-threshold must be a percentage ≥ 0; ${got(this.getAttribute('idle-threshold') ?? this.idleThreshold)}.`;
    }
    if (!(Number.isFinite(this.stragglerGap) && this.stragglerGap >= 0)) {
      return `straggler-gap must be a number of points ≥ 0; ${got(this.getAttribute('straggler-gap') ?? this.stragglerGap)}.`;
    }
    return this.pollIntervalError();
  }

  private queryInput(): UtilQueryInput | undefined {
    if (this.configError() || !this.runs.length || !this.heatWidth) return undefined;
    const metric = this.metric.trim();
    return { run: this.runs[0], host: this.shownHost, metric, window: this.windowSeconds(), buckets: this.buckets, idleThreshold: this.idleThreshold };
  }

  protected override willUpdate(): void {
    this.data.sync();
    this.probe.sync();
    const grid = this.data.rows('grid');
    const idle = this.data.rows('idle');
    const settings = JSON.stringify([this.sourceConfig(), this.runs[0], this.shownHost, this.metric, this.shownWindow, this.idleThreshold]);
    // A resize asks again for another number of buckets: the last answer stays up until the new one arrives.
    const resizing = this.data.status === 'loading' && settings === this.builtFrom[3];
    const inputs = [grid, idle, this.stragglerGap, settings];
    if (!resizing && inputs.some((v, i) => v !== this.builtFrom[i])) {
      this.builtFrom = inputs;
      this.current = buildModel(grid, idle, this.stragglerGap, MAX_SERIES);
    }
    this.view = this.computeState();
  }

  protected override firstUpdated(): void {
    this.observeSize();
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (changed.has('theme')) this.drawn = [];
    this.draw();
    this.announce(this.view.state, this.view.message);
  }

  private computeState(): { state: DataState; message: string } {
    const error = this.configError();
    if (error) return { state: 'error', message: error };
    if (!this.runs.length) return { state: 'empty', message: 'No run selected: set the run attribute.' };
    if (this.current) return { state: 'ready', message: '' };
    if (this.data.status === 'error') return { state: 'error', message: this.data.error ?? 'Error' };
    if (this.data.status !== 'ready' || this.probe.status === 'loading' || this.probe.status === 'idle') return { state: 'loading', message: 'Loading…' };
    return { state: 'empty', message: this.explainEmpty() };
  }

  private explainEmpty(): string {
    const [info] = this.probe.rows('probe');
    const run = this.runs[0];
    if (info && Number(info.n) === 0) return `Run "${run}" not found in ${this.table ?? 'training_observability.metric_points'}.`;
    if (info && Number(info.matched) === 0) return `Run "${run}" has no metric matching "${this.metric}".`;
    const host = this.shownHost;
    if (info && host && Number(info.on_host) === 0) return `Run "${run}" has no "${this.metric}" samples on host "${host}".`;
    const span = this.windowSeconds() ? `in the last ${this.shownWindow} of` : 'in';
    return `No finite samples of "${this.metric}" ${span} run "${run}"${host ? ` on host "${host}"` : ''}.`;
  }

  /** 16 px rows up to 24 series, 10 px up to 64, then thinner rows labelled by host only. */
  private rowHeight(rows: number): number {
    return rows <= 24 ? 16 : rows <= 64 ? 10 : Math.max(3, Math.floor(640 / rows));
  }

  private draw() {
    const model = this.current;
    const heat = this.renderRoot.querySelector<HTMLCanvasElement>('canvas.heatmap');
    const mean = this.renderRoot.querySelector<HTMLCanvasElement>('canvas.meanline');
    if (!model || !heat || !mean || !this.heatWidth) return;
    const key = [model, this.heatWidth, this.idleThreshold];
    if (key.every((v, i) => v === this.drawn[i])) return;
    this.drawn = key;
    const theme = readCanvasTheme(this);
    drawHeatmap(heat, model, this.heatWidth, this.rowHeight(model.series.length), theme);
    drawMeanLine(mean, model, this.heatWidth, MEAN_HEIGHT, this.idleThreshold, theme);
  }

  private onPointer(event: PointerEvent) {
    const model = this.current;
    const canvas = event.currentTarget as HTMLCanvasElement;
    if (!model?.columns) return;
    const rect = canvas.getBoundingClientRect();
    const x = event.clientX - rect.left;
    const y = event.clientY - rect.top;
    const row = Math.floor(y / this.rowHeight(model.series.length));
    let col = Math.min(model.columns - 1, Math.max(0, Math.floor((x * model.columns) / this.heatWidth)));
    if (col + 1 < model.columns && columnX(col + 1, model.columns, this.heatWidth) <= x) col++;
    else if (col > 0 && columnX(col, model.columns, this.heatWidth) > x) col--;
    this.hover = row >= 0 && row < model.series.length ? { row, col, x, y } : undefined;
    this.keyboardCell = false;
    this.requestUpdate();
  }

  private onLeave() {
    if (this.keyboardCell) return;
    this.hover = undefined;
    this.requestUpdate();
  }

  /** Highlights a cell from the keyboard: the tooltip sits under it and the live region reads it. */
  private moveTo(row: number, col: number) {
    const m = this.current;
    if (!m?.columns || !m.series.length) return;
    row = Math.min(m.series.length - 1, Math.max(0, row));
    col = Math.min(m.columns - 1, Math.max(0, col));
    const h = this.rowHeight(m.series.length);
    const x = (columnX(col, m.columns, this.heatWidth) + columnX(col + 1, m.columns, this.heatWidth)) / 2;
    this.hover = { row, col, x, y: row * h + h / 2 };
    this.keyboardCell = true;
    this.announcement = cellText(m, row, col);
    this.requestUpdate();
  }

  private onFocus() {
    const m = this.current;
    if (!m?.columns) return;
    // Start at the newest bucket of the first row: what a reader of a live heatmap wants first.
    if (this.hover) this.moveTo(this.hover.row, this.hover.col);
    else this.moveTo(0, m.columns - 1);
  }

  private onBlur() {
    if (!this.keyboardCell) return;
    this.keyboardCell = false;
    this.hover = undefined;
    this.announcement = '';
    this.requestUpdate();
  }

  private onKeydown(event: KeyboardEvent) {
    const m = this.current;
    if (!m?.columns) return;
    const to = cellAfterKey(event, this.hover ?? { row: 0, col: m.columns - 1 }, m.series.length, m.columns);
    if (event.key === 'Escape' && this.hover) {
      this.hover = undefined;
      this.announcement = '';
      this.requestUpdate();
    } else if (to) {
      this.moveTo(to.row, to.col);
    } else {
      return;
    }
    event.preventDefault();
  }

  /**
   * CSV of what is shown: one row per cell with samples (host, gpu, time =
   * bucket start and time_end in ISO UTC, value = mean %, samples). With
   * `raw`, every sample of the window as logged (host, gpu, rank, metric,
   * step, time, value, non-finite values included), read again from the
   * source; it rejects with a message past 100,000 samples.
   */
  async toCSV(options: { raw?: boolean } = {}): Promise<string> {
    if (!options.raw) return cellsCsv(this.view.state === 'ready' ? this.current : undefined);
    const input = this.queryInput();
    if (!input || this.view.state !== 'ready') return samplesCsv([]);
    const limit = rawExportLimit.rows;
    const rows = await rowsOnce(this.sourceConfig(), rawSamplesQuery(input, limit));
    checkRawSize(rows, limit, 'samples');
    return samplesCsv(rows);
  }

  /** The heatmap with its labels, the mean line and the time axis as a PNG, on the card's background, titled. */
  async toPNG(): Promise<Blob> {
    await this.updateComplete;
    const m = this.current;
    const nothingYet = new Error(`Nothing to draw yet: ${this.view.message || this.view.state}`);
    if (this.view.state !== 'ready' || !m) throw nothingYet;
    this.draw();
    const picture = plotLayers(this.renderRoot, m, this.rowHeight(m.series.length) < 10);
    if (!picture) throw nothingYet;
    const style = getComputedStyle(this);
    return canvasesToPng(picture.layers, {
      width: picture.width,
      height: picture.height,
      background: style.getPropertyValue('--_bg').trim() || '#ffffff',
      color: style.getPropertyValue('--_fg').trim() || undefined,
      font: style.getPropertyValue('--_font').trim() || undefined,
      title: [this.headingText, ...this.metaParts()].join(' · '),
    });
  }

  private async runExport(what: 'png' | 'csv' | 'raw') {
    this.exportError = '';
    this.requestUpdate();
    try {
      const stem = [this.headingText, this.runs[0] ?? '', what === 'raw' ? 'raw' : ''].filter(Boolean);
      if (what === 'png') download(fileName(stem, 'png'), await this.toPNG());
      else download(fileName(stem, 'csv'), await this.toCSV({ raw: what === 'raw' }));
    } catch (error) {
      this.exportError = `Export failed: ${(error as Error).message}`;
      this.requestUpdate();
    }
  }

  private metaParts(): string[] {
    const m = this.current;
    const runs = this.runs;
    return [
      runs.length > 1 ? `${runs[0]} (first of ${runs.length} runs)` : runs[0],
      this.shownHost ? `host ${this.shownHost}` : '',
      this.view.state === 'ready' && m ? `${this.windowSeconds() ? `last ${this.shownWindow}` : 'whole run'} · ${formatDuration(m.bucketMs / 1000)} buckets` : '',
    ].filter(Boolean);
  }

  private renderCursor(m: UtilModel, hover: Hover, rowHeight: number) {
    const left = columnX(hover.col, m.columns, this.heatWidth);
    const width = columnX(hover.col + 1, m.columns, this.heatWidth) - left;
    return html`<div class="cell-cursor" style=${styleMap({ left: `${left}px`, top: `${hover.row * rowHeight}px`, width: `${width}px`, height: `${rowHeight}px` })}></div>`;
  }

  private get headingText(): string {
    if (this.heading) return this.heading;
    if (this.metric === DEFAULT_METRIC) return 'GPU utilization';
    return this.metric === 'sys.cpu_percent' ? 'CPU utilization' : this.metric;
  }

  protected override render() {
    const m = this.current;
    const { state, message } = this.view;
    const ready = state === 'ready' && m;
    const rowHeight = m ? this.rowHeight(m.series.length) : 16;
    const run = this.runs[0];
    const [runText, ...rest] = this.metaParts();
    const hover = ready && this.hover && this.hover.row < m.series.length && this.hover.col < m.columns ? this.hover : undefined;
    return html`
      <div part="base" class="base">
        <div class="header" part="header">
          <span class="title">${this.headingText}</span>
          <span class="meta"
            >${run ? html`<span class="swatch" style=${styleMap({ background: colorFor(run) })}></span>` : nothing}${[runText, ...rest].filter(Boolean).join(' · ')}</span
          >
          ${ready
            ? renderExportMenu(
                [
                  { label: 'PNG image', run: () => this.runExport('png') },
                  { label: 'CSV of the cells shown', run: () => this.runExport('csv') },
                  { label: 'CSV of the raw samples', run: () => this.runExport('raw') },
                ],
                this.headingText,
              )
            : nothing}
        </div>
        ${ready && this.data.status === 'error' ? html`<p class="banner" role="alert">${this.data.error}</p>` : nothing}
        ${this.exportError ? html`<p class="banner" role="alert">${this.exportError}</p>` : nothing}
        <div part="plot" class="body ${ready ? '' : 'waiting'}" style="--_row: ${rowHeight}px">
          <ul part="labels" class="labels">
            ${ready ? m.series.map((_, i) => rowLabel(m, i, rowHeight < 10, this.hover?.row === i)) : nothing}
          </ul>
          <div class="heat">
            <div class="sizer"></div>
            <canvas
              class="heatmap"
              ?hidden=${!ready}
              role="img"
              tabindex=${ready ? '0' : '-1'}
              aria-label=${ready ? `${this.headingText}: ${summaryText(m, this.idleThreshold)} Arrow keys read the cells.` : `${this.headingText}: ${message}`}
              @pointermove=${this.onPointer}
              @pointerleave=${this.onLeave}
              @focus=${this.onFocus}
              @blur=${this.onBlur}
              @keydown=${this.onKeydown}
            ></canvas>
            ${m && hover && this.keyboardCell ? this.renderCursor(m, hover, rowHeight) : nothing}
            ${m && hover ? tooltip(m, hover, this.heatWidth) : nothing}
            <p class="sr-only" role="status">${this.announcement}</p>
          </div>
          ${ready ? html`<div class="side">fleet mean<br />0–100%</div>` : html`<div></div>`}
          <div class="mean"><canvas class="meanline" ?hidden=${!ready} role="img" aria-label=${ready ? meanLineText(m) : 'Fleet mean: no data yet.'}></canvas></div>
          <div></div>
          ${ready
            ? html`<div class="axis">
                <span>${clock(m.start, m)}</span><span>${clock(m.start + (m.columns * m.bucketMs) / 2, m)}</span
                ><span>${clock(m.start + m.columns * m.bucketMs, m)}</span>
              </div>`
            : html`<div></div>`}
          ${ready ? nothing : html`<div class="overlay ${state}" role=${state === 'error' ? 'alert' : 'status'}>${message}</div>`}
        </div>
        ${ready ? footer(m, this.idleThreshold, this.stragglerGap, MAX_SERIES) : nothing}
      </div>
    `;
  }
}

