/**
 * A uPlot instance that lives as long as its element: built once per layout,
 * fed with setData, resized with setSize, destroyed on disconnect. Rebuilt only
 * when the set of lines or the axis kind changes.
 */
import uPlot from 'uplot';
import { canvasesToPng } from '../internal/export.js';
import { DASHES } from './colors.js';
import { formatDuration, formatStep, formatTime, formatValue } from './format.js';
import { alignLines, logDrawable, prepareLine, timesPow2, yExponent, type LineSource, type PreparedLine, type XAxisMode } from './series-data.js';
import type { CanvasTheme } from './uplot.styles.js';

export interface LineSpec {
  id: string;
  /** The series the line draws. */
  run: string;
  metric: string;
  label: string;
  color: string;
  /** Index into DASHES. */
  dash: number;
  data: LineSource;
  /** Epoch ms the relative axis counts from. */
  origin: number;
}

export interface LineChartOptions {
  xAxis: XAxisMode;
  smoothing: number;
  logScale: boolean;
  theme: CanvasTheme;
  width: number;
  height: number;
  /** Visible x range when zoomed; undefined shows everything. */
  zoom?: readonly [number, number];
  /** Steps marked by a dashed vertical line (a selected checkpoint); step axis only. */
  marks?: readonly number[];
  /** Labelled dashed vertical lines at x (in the axis' units, any axis), e.g. checkpoints; a label that would overlap the previous one is left out. */
  annotations?: readonly LineAnnotation[];
  /** Points circled on the plot (x in the axis' units), e.g. spikes. */
  highlights?: readonly PointHighlight[];
  /** Colour of the highlight circles (default: the theme's text colour). */
  highlightColor?: string;
  /** Cursor sync with the other charts of a group (`cursorSync()`). */
  sync?: uPlot.Cursor.Sync;
}

export interface LineAnnotation {
  x: number;
  label: string;
}

export interface PointHighlight {
  x: number;
  y: number;
}

/** A line as drawn: its spec and the points that reached the canvas. */
export interface ShownLine {
  line: LineSpec;
  points: PreparedLine;
  /** Switched off in the legend. */
  hidden: boolean;
}

function withAlpha(hex: string, alpha: number): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

export function formatX(value: number, mode: XAxisMode): string {
  if (mode === 'step') return formatStep(value);
  if (mode === 'time') return formatTime(value * 1000);
  return formatDuration(value);
}

/** A chart's canvas as a PNG, on its card's background and under its title (what "PNG image" downloads). */
export function plotPng(canvas: HTMLCanvasElement, card: HTMLElement, title: string): Promise<Blob> {
  const box = canvas.getBoundingClientRect();
  const style = getComputedStyle(card);
  return canvasesToPng([{ canvas, x: 0, y: 0 }], {
    width: box.width,
    height: box.height,
    background: style.backgroundColor,
    title,
    color: style.color,
    font: style.fontFamily,
  });
}

export class LineChart {
  private plot: uPlot | undefined;
  private layout = '';
  private readonly mount: HTMLElement;
  private readonly tooltip: HTMLElement;
  private lines: LineSpec[] = [];
  private options: LineChartOptions | undefined;
  private hidden = new Set<string>();
  private markers: Float64Array[] = [];
  private prepared: PreparedLine[] = [];
  /** Points drawn and points held, after the last update. */
  drawn = 0;
  total = 0;
  /** Milliseconds the last update took, from new data to the drawn frame. */
  lastUpdateMs = 0;
  private updateStarted = 0;
  /** NaN/±Inf values among the points held (each is marked on the chart). */
  nonFinite = 0;
  /** Finite values left out because the y axis is logarithmic (≤ 0, or beyond 1e±30). */
  notPositive = 0;
  /** y values are drawn times 2^yExp (0 unless they are too large or too small for uPlot's axis). */
  yExp = 0;
  /** Called with the x range a user selected by dragging, or undefined on a double click (zoom out). */
  onZoom: ((range: readonly [number, number] | undefined) => void) | undefined;

  constructor(mount: HTMLElement, tooltip: HTMLElement) {
    this.mount = mount;
    this.tooltip = tooltip;
  }

  /** The data uPlot currently draws (tests read it to check what reached the chart). */
  get data(): uPlot.AlignedData | undefined {
    return this.plot?.data;
  }

  /** Every line with the points drawn of it, for "CSV of what is shown". */
  get shown(): ShownLine[] {
    if (!this.plot) return [];
    return this.lines.map((line, i) => ({ line, points: this.prepared[i], hidden: this.hidden.has(line.id) })).filter((l) => l.points);
  }

  /** The canvas uPlot draws on (axes included), for PNG export. */
  get canvas(): HTMLCanvasElement | undefined {
    return this.plot?.ctx.canvas;
  }

  update(lines: LineSpec[], options: LineChartOptions): void {
    this.lines = lines;
    this.options = options;
    if (options.width <= 0 || options.height <= 0) return;
    this.updateStarted = performance.now();
    const prepared = lines.map((l) => prepareLine(l.data, options.xAxis, l.origin, options.smoothing, options.width, options.zoom));
    this.prepared = prepared;
    this.drawn = prepared.reduce((n, p) => n + p.x.length, 0);
    this.total = prepared.reduce((n, p) => n + p.total, 0);
    this.markers = prepared.map((p) => p.nonFinite);
    this.nonFinite = this.markers.reduce((n, m) => n + m.length, 0);
    this.notPositive = options.logScale ? prepared.reduce((n, p) => n + p.notPositive, 0) : 0;
    this.yExp = yExponent(prepared.flatMap((p) => (p.smooth ? [p.raw, p.smooth] : [p.raw])), options.logScale);
    const columns = alignLines(prepared, options.logScale, options.xAxis !== 'step', this.yExp) as unknown as uPlot.AlignedData;
    const layout = JSON.stringify([lines.map((l) => [l.id, l.color, l.dash]), options.marks, options.xAxis, options.smoothing > 0, options.logScale, options.theme, options.sync?.key]);
    if (!this.plot || layout !== this.layout) {
      this.plot?.destroy();
      this.layout = layout;
      this.plot = new uPlot(this.buildOptions(options), columns, this.mount);
      this.plot.over.addEventListener('dblclick', () => this.onZoom?.(undefined));
      this.applyVisibility();
    } else {
      this.plot.setData(columns);
    }
    // setData rescales to the data; a zoomed chart keeps its window while live points arrive.
    if (options.zoom) this.plot.setScale('x', { min: options.zoom[0], max: options.zoom[1] });
  }

  setSize(width: number, height: number): void {
    if (this.options) this.update(this.lines, { ...this.options, width, height });
    this.plot?.setSize({ width, height });
  }

  /** Shows or hides every drawn series of a line (the legend toggles). */
  setLineVisible(id: string, visible: boolean): void {
    if (visible) this.hidden.delete(id);
    else this.hidden.add(id);
    this.applyVisibility();
  }

  destroy(): void {
    this.plot?.destroy();
    this.plot = undefined;
    this.layout = '';
    // V8 may keep a destroyed uPlot reachable for a while (its `rect` getter); it then holds no data.
    this.prepared = [];
    this.lines = [];
    this.markers = [];
    this.options = undefined;
  }

  private applyVisibility() {
    if (!this.plot || !this.options) return;
    const perLine = this.options.smoothing > 0 ? 2 : 1;
    this.lines.forEach((line, i) => {
      for (let s = 0; s < perLine; s++) this.plot!.setSeries(1 + i * perLine + s, { show: !this.hidden.has(line.id) });
    });
  }

  private buildOptions(options: LineChartOptions): uPlot.Options {
    const { theme, xAxis } = options;
    const smoothed = options.smoothing > 0;
    const series: uPlot.Series[] = [{}];
    for (const line of this.lines) {
      const dash = DASHES[line.dash % DASHES.length];
      series.push({
        label: smoothed ? `${line.label} (raw)` : line.label,
        stroke: smoothed ? withAlpha(line.color, 0.25) : line.color,
        width: smoothed ? 1 : 1.5,
        dash,
        points: { show: false },
      });
      if (smoothed) series.push({ label: line.label, stroke: line.color, width: 2, dash, points: { show: false } });
    }
    const axis = (values?: uPlot.Axis['values']): uPlot.Axis => ({
      stroke: theme.muted,
      grid: { stroke: theme.grid, width: 1 },
      ticks: { stroke: theme.grid, width: 1 },
      font: `11px ${theme.font}`,
      values,
    });
    return {
      width: options.width,
      height: options.height,
      legend: { show: false },
      // Dragging selects a range; the element decides what to show there (and may fetch finer data).
      cursor: { drag: { x: true, y: false, setScale: false }, points: { size: 6 }, bind: { dblclick: () => null }, ...(options.sync ? { sync: options.sync } : {}) },
      scales: {
        x: { time: xAxis === 'time' },
        y: options.logScale ? { distr: 3 } : {},
      },
      axes: [
        xAxis === 'time' ? axis() : axis((_u, ticks) => ticks.map((t) => formatX(t, xAxis))),
        {
          // A log axis leaves its minor ticks unlabelled (null).
          ...axis((_u, ticks) => ticks.map((t) => (t == null ? '' : formatValue(timesPow2(t, -this.yExp))))),
          // Wide enough for "−1.000e+308".
          size: (_u, values) => Math.max(56, 7 * Math.max(0, ...(values ?? []).map((v) => String(v ?? '').length)) + 12),
        },
      ],
      series,
      hooks: {
        setCursor: [(u) => this.showTooltip(u)],
        setSelect: [(u) => this.selected(u)],
        draw: [(u) => this.drawMarkers(u)],
      },
    };
  }

  private selected(u: uPlot) {
    const { left, width } = u.select;
    if (width < 2) return;
    const min = u.posToVal(left, 'x');
    const max = u.posToVal(left + width, 'x');
    u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
    if (max > min) this.onZoom?.([min, max]);
  }

  /** A small triangle at the top of the plot for every NaN/±Inf, at most one per pixel per line. */
  private drawMarkers(u: uPlot) {
    if (this.updateStarted) {
      // uPlot draws in a microtask after setData: this is the end of the update.
      this.lastUpdateMs = performance.now() - this.updateStarted;
      this.updateStarted = 0;
    }
    const ctx = u.ctx;
    const top = u.bbox.top;
    const size = 5 * devicePixelRatio;
    ctx.save();
    if (this.options?.xAxis === 'step' && this.options.marks?.length) {
      ctx.strokeStyle = this.options.theme.fg;
      ctx.lineWidth = devicePixelRatio;
      ctx.setLineDash([4 * devicePixelRatio, 3 * devicePixelRatio]);
      for (const step of this.options.marks) {
        const cx = Math.round(u.valToPos(step, 'x', true));
        if (cx < u.bbox.left || cx > u.bbox.left + u.bbox.width) continue;
        ctx.beginPath();
        ctx.moveTo(cx, top);
        ctx.lineTo(cx, top + u.bbox.height);
        ctx.stroke();
      }
      ctx.setLineDash([]);
    }
    this.drawAnnotations(u);
    this.drawHighlights(u);
    this.markers.forEach((xs, i) => {
      const line = this.lines[i];
      if (!xs.length || !line || this.hidden.has(line.id)) return;
      ctx.fillStyle = line.color;
      let last = -Infinity;
      for (let j = 0; j < xs.length; j++) {
        const cx = Math.round(u.valToPos(xs[j], 'x', true));
        if (cx === last || cx < u.bbox.left || cx > u.bbox.left + u.bbox.width) continue;
        last = cx;
        ctx.beginPath();
        ctx.moveTo(cx - size, top);
        ctx.lineTo(cx + size, top);
        ctx.lineTo(cx, top + 1.6 * size);
        ctx.closePath();
        ctx.fill();
      }
    });
    ctx.restore();
  }

  /** Dashed vertical lines in the muted colour, each labelled at the top unless the label would overlap the one before. */
  private drawAnnotations(u: uPlot) {
    const notes = this.options?.annotations;
    if (!notes?.length || !this.options) return;
    const { ctx, bbox } = u;
    const dpr = devicePixelRatio;
    ctx.save();
    ctx.strokeStyle = this.options.theme.muted;
    ctx.fillStyle = this.options.theme.muted;
    ctx.lineWidth = dpr;
    ctx.font = `${10 * dpr}px ${this.options.theme.font}`;
    ctx.textBaseline = 'top';
    let labelEnd = -Infinity;
    for (const note of [...notes].sort((a, b) => a.x - b.x)) {
      const cx = Math.round(u.valToPos(note.x, 'x', true));
      if (cx < bbox.left || cx > bbox.left + bbox.width) continue;
      ctx.setLineDash([2 * dpr, 3 * dpr]);
      ctx.beginPath();
      ctx.moveTo(cx, bbox.top);
      ctx.lineTo(cx, bbox.top + bbox.height);
      ctx.stroke();
      const width = ctx.measureText(note.label).width;
      const at = cx + 3 * dpr;
      if (at > labelEnd && at + width <= bbox.left + bbox.width) {
        ctx.fillText(note.label, at, bbox.top + 12 * dpr);
        labelEnd = at + width + 6 * dpr;
      }
    }
    ctx.restore();
  }

  /** A ring around each highlighted point. */
  private drawHighlights(u: uPlot) {
    const points = this.options?.highlights;
    if (!points?.length || !this.options) return;
    const { ctx, bbox } = u;
    const dpr = devicePixelRatio;
    ctx.save();
    ctx.strokeStyle = this.options.highlightColor ?? this.options.theme.fg;
    ctx.lineWidth = 2 * dpr;
    for (const p of points) {
      if (!Number.isFinite(p.y) || (this.options.logScale && !logDrawable(p.y))) continue;
      const cx = u.valToPos(p.x, 'x', true);
      const cy = u.valToPos(timesPow2(p.y, this.yExp), 'y', true);
      if (cx < bbox.left || cx > bbox.left + bbox.width || cy < bbox.top || cy > bbox.top + bbox.height) continue;
      ctx.beginPath();
      ctx.arc(cx, cy, 6 * dpr, 0, 2 * Math.PI);
      ctx.stroke();
    }
    ctx.restore();
  }

  private showTooltip(u: uPlot) {
    const idx = u.cursor.idx;
    const left = u.cursor.left ?? -1;
    if (idx == null || left < 0 || !this.options) {
      this.tooltip.hidden = true;
      return;
    }
    const mode = this.options.xAxis;
    const perLine = this.options.smoothing > 0 ? 2 : 1;
    const rows: string[] = [];
    this.lines.forEach((line, i) => {
      if (this.hidden.has(line.id)) return;
      const col = 1 + i * perLine + (perLine - 1);
      const at = nearestDefined(u.data[col], idx);
      if (at < 0) return;
      const drawn = u.data[col][at];
      // null: the raw value is NaN/±Inf (or ≤ 0 on a log axis), or this is a gap in time, which has no value.
      const value = drawn == null ? rawAt(this.prepared[i], u.data[0][at]) : timesPow2(drawn, -this.yExp);
      if (value === undefined) return;
      rows.push(`<div><span class="swatch" style="background:${line.color}"></span>${escapeHtml(line.label)}: <b>${formatValue(value)}</b></div>`);
    });
    const header = `<div class="tip-x">${mode === 'step' ? 'step ' : ''}${escapeHtml(formatX(u.data[0][idx], mode))}</div>`;
    this.tooltip.innerHTML = header + rows.join('');
    this.tooltip.hidden = false;
    const plotLeft = u.over.offsetLeft;
    const x = plotLeft + left;
    const flip = x > u.width / 2;
    this.tooltip.style.left = flip ? '' : `${x + 12}px`;
    this.tooltip.style.right = flip ? `${u.width - x + 12}px` : '';
    this.tooltip.style.top = `${u.over.offsetTop + 8}px`;
  }
}

/** Index of the series' value at idx, or of the nearest one a few columns away (aligned series have holes); -1 for none. */
function nearestDefined(column: ArrayLike<number | null | undefined>, idx: number): number {
  for (let d = 0; d < 64; d++) {
    if (idx - d >= 0 && column[idx - d] !== undefined) return idx - d;
    if (column[idx + d] !== undefined) return idx + d;
  }
  return -1;
}

/** The raw value a prepared line holds at x, or undefined when it has no point there. */
function rawAt(line: PreparedLine | undefined, x: number): number | undefined {
  if (!line) return undefined;
  let lo = 0;
  let hi = line.x.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (line.x[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return line.x[lo] === x ? line.raw[lo] : undefined;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
