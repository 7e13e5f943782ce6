/**
 * A uPlot instance for lines that already share their x values (time
 * buckets): built once, fed with setData, resized with setSize, destroyed on
 * disconnect. Rebuilt only when the set of lines, the unit, the scale or the
 * theme changes. Values are formatted with the unit on the y axis. Dragging
 * across the plot selects a time range to zoom to; a double click zooms out.
 */
import uPlot from 'uplot';
import { DASHES } from '../../chart/colors.js';
import { formatWithUnit } from '../../chart/format.js';
import { logDrawable, timesPow2, yExponent } from '../../chart/series-data.js';
import type { CanvasTheme } from '../../chart/uplot.styles.js';
import { gapStarts } from '../../decimate/gaps.js';

const BYTES = /^(B|bytes?)(\/s)?$/i;
/** Tick steps for byte units, so ticks fall on 256 MiB, 1 GiB… rather than 477 MiB. */
const BINARY_STEPS = Array.from({ length: 51 }, (_, i) => 2 ** i);

export interface PlotLine {
  id: string;
  label: string;
  color: string;
  dash: number;
  values: Array<number | null>;
}

export interface PlotOptions {
  width: number;
  height: number;
  unit: string;
  logScale: boolean;
  theme: CanvasTheme;
  /** Lines the legend switched off. */
  hidden: ReadonlySet<string>;
  /** Visible time range when zoomed, epoch s; undefined shows everything. */
  zoom?: readonly [number, number];
  /** Cursor sync with the other charts of a group (`cursorSync()`). */
  sync?: uPlot.Cursor.Sync;
}

export class TimePlot {
  private plot: uPlot | undefined;
  private layout = '';
  private lines: PlotLine[] = [];
  private readonly mount: HTMLElement;
  /** Model bucket of each x uPlot draws (-1: a slot added to break the line at a gap in time). */
  private slots: number[] = [];
  /** y values are drawn times 2^yExp (0 unless too large or small for uPlot's axis). */
  yExp = 0;
  /** Called with the bucket under the cursor and its x offset in the plot, or undefined when it leaves. */
  onCursor: ((index: number | undefined, left: number) => void) | undefined;
  /** Called with the time range (epoch s) a user selected by dragging, or undefined on a double click (zoom out). */
  onZoom: ((range: readonly [number, number] | undefined) => void) | undefined;

  constructor(mount: HTMLElement) {
    this.mount = mount;
  }

  /** The data uPlot currently draws: [times, ...one column per line] (tests read it). */
  get data(): uPlot.AlignedData | undefined {
    return this.plot?.data;
  }

  /** The canvas uPlot draws on (axes included), for PNG export. */
  get canvas(): HTMLCanvasElement | undefined {
    return this.plot?.ctx.canvas;
  }

  /** The plot area's offset in the mount, for placing a tooltip. */
  get overOffset(): { left: number; top: number; width: number } {
    const over = this.plot?.over;
    return { left: over?.offsetLeft ?? 0, top: over?.offsetTop ?? 0, width: this.plot?.width ?? 0 };
  }

  update(times: number[], lines: PlotLine[], options: PlotOptions): void {
    this.lines = lines;
    if (options.width <= 0 || options.height <= 0) return;
    const { xs, slots, columns } = plotColumns(times, lines, options.logScale);
    this.slots = slots;
    this.yExp = yExponent(columns, options.logScale);
    const data = [xs, ...(this.yExp ? columns.map((c) => c.map((v) => (v == null ? v : timesPow2(v, this.yExp)))) : columns)] as uPlot.AlignedData;
    const layout = JSON.stringify([lines.map((l) => [l.id, l.label, l.color, l.dash]), options.unit, options.logScale, options.theme, options.sync?.key]);
    if (!this.plot || layout !== this.layout) {
      this.plot?.destroy();
      this.layout = layout;
      this.plot = new uPlot(this.buildOptions(options), data, this.mount);
      this.plot.over.addEventListener('dblclick', () => this.onZoom?.(undefined));
    } else {
      this.plot.setData(data);
      if (this.plot.width !== options.width || this.plot.height !== options.height) this.setSize(options.width, options.height);
    }
    this.lines.forEach((line, i) => this.plot!.setSeries(i + 1, { show: !options.hidden.has(line.id) }));
    // setData rescales to the data; a zoomed chart keeps its window.
    if (options.zoom) this.plot.setScale('x', { min: options.zoom[0], max: options.zoom[1] });
  }

  setSize(width: number, height: number): void {
    if (width > 0 && height > 0) this.plot?.setSize({ width, height });
  }

  destroy(): void {
    this.plot?.destroy();
    this.plot = undefined;
    this.layout = '';
  }

  private buildOptions(options: PlotOptions): uPlot.Options {
    const { theme, unit } = options;
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
      // Dragging selects a range; the element decides what to show there (and fetches finer buckets).
      cursor: { drag: { x: true, y: false, setScale: false }, points: { size: 6 }, bind: { dblclick: () => null }, ...(options.sync ? { sync: options.sync } : {}) },
      scales: { x: { time: true }, y: options.logScale ? { distr: 3 } : {} },
      axes: [
        axis(),
        {
          // A log axis leaves its minor ticks unlabelled (null).
          ...axis((_u, ticks) => ticks.map((t) => (t == null ? '' : formatWithUnit(timesPow2(t, -this.yExp), unit)))),
          // As wide as the longest label ("5.25 batch/s"), so units never get clipped.
          size: (u, values) => {
            if (!values?.length) return 40;
            u.ctx.save();
            u.ctx.font = `${11 * devicePixelRatio}px ${theme.font}`;
            const widest = Math.max(...values.map((v) => u.ctx.measureText(String(v ?? '')).width)) / devicePixelRatio;
            u.ctx.restore();
            return Math.ceil(widest) + 18;
          },
          ...(BYTES.test(unit) && !options.logScale ? { incrs: BINARY_STEPS } : {}),
        },
      ],
      series: [
        {},
        ...this.lines.map((line) => ({
          label: line.label,
          stroke: line.color,
          width: 1.5,
          dash: DASHES[line.dash % DASHES.length],
          // Buckets without a point (undefined: a series sampled less often than the bucket width) are bridged; null breaks the line.
          spanGaps: false,
        })),
      ],
      hooks: {
        setSelect: [
          (u) => {
            const { left, width } = u.select;
            if (width < 2) return;
            const min = u.posToVal(left, 'x');
            const max = u.posToVal(left + width, 'x');
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
            if (max > min) this.onZoom?.([min, max]);
          },
        ],
        setCursor: [
          (u) => {
            const idx = u.cursor.idx;
            const left = u.cursor.left ?? -1;
            const bucket = idx == null || left < 0 ? -1 : (this.slots[idx] ?? -1);
            this.onCursor?.(bucket < 0 ? undefined : bucket, left);
          },
        ],
      },
    };
  }
}

/**
 * uPlot's columns from the model's: a bucket a line has no value in is
 * undefined (bridged); a pause far longer than the usual spacing is null (the
 * line breaks), in a slot added between the buckets when none lies there; a
 * value a log axis cannot place is null too.
 */
function plotColumns(times: number[], lines: PlotLine[], logScale: boolean) {
  const xs: number[] = [];
  const slots: number[] = [];
  const pauses = gapStarts(times);
  for (let i = 0, g = 0; i < times.length; i++) {
    xs.push(times[i]);
    slots.push(i);
    if (pauses[g] === i) {
      xs.push((times[i] + times[i + 1]) / 2);
      slots.push(-1);
      g++;
    }
  }
  const columns = lines.map((line) => {
    const out = new Array<number | null | undefined>(xs.length);
    const at: number[] = [];
    const when: number[] = [];
    slots.forEach((i, j) => {
      const v = i < 0 ? null : line.values[i];
      out[j] = v === null ? (i < 0 ? null : undefined) : logScale && !logDrawable(v) ? null : v;
      if (v !== null) at.push(j), when.push(xs[j]);
    });
    // A line paused while others went on breaks at the first slot of its own pause.
    for (const k of gapStarts(when)) if (at[k] + 1 < at[k + 1]) out[at[k] + 1] = null;
    return out;
  });
  return { xs, slots, columns };
}
