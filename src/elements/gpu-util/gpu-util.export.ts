/**
 * What `<gpu-util>` exports: the cells it shows as CSV, the samples behind
 * them as raw CSV, and its canvases and text as one PNG.
 */
import { toNumber } from '../../chart/format.js';
import { isoTime, toCsv, type PngLayer } from '../../internal/export.js';
import type { QueryRow } from '../../sources/source.js';
import { rawValue } from '../../store/rows-once.js';
import { NO_DEVICE, type UtilModel } from './gpu-util.model.js';

const gpuCell = (device: number) => (device === NO_DEVICE ? '' : device);

/**
 * One row per cell that has samples, in the heatmap's order (host, GPU, then
 * time): the bucket's start and end, the mean of its samples and their count.
 * `gpu` is empty for host-wide rows (`sys.cpu_percent`).
 */
export function cellsCsv(model: UtilModel | undefined): string {
  const rows: unknown[][] = [];
  if (model) {
    model.series.forEach((s, r) => {
      for (let c = 0; c < model.columns; c++) {
        const i = r * model.columns + c;
        if (!model.counts[i]) continue;
        const from = model.start + c * model.bucketMs;
        rows.push([s.host, gpuCell(s.device), isoTime(from), isoTime(from + model.bucketMs), model.cells[i], model.counts[i]]);
      }
    });
  }
  return toCsv(['host', 'gpu', 'time', 'time_end', 'value', 'samples'], rows);
}

/** Every sample of the shown window as logged (rows of `rawSamplesQuery`). */
export function samplesCsv(rows: readonly QueryRow[]): string {
  return toCsv(
    ['host', 'gpu', 'rank', 'metric', 'step', 'time', 'value'],
    rows.map((row) => [String(row.h ?? ''), gpuCell(toNumber(row.d)), toNumber(row.r), String(row.m ?? ''), toNumber(row.st), isoTime(toNumber(row.t)), rawValue(row)]),
  );
}

/**
 * The plot part as image layers: the text (row labels as drawn, the time
 * axis, the mean line's scale), the heatmap and the mean line, each where the
 * page shows it, in a frame the size of the plot. Undefined before it is drawn.
 */
export function plotLayers(root: ParentNode, model: UtilModel, compact: boolean): { layers: PngLayer[]; width: number; height: number } | undefined {
  const frame = root.querySelector<HTMLElement>('.body');
  const heat = root.querySelector<HTMLCanvasElement>('canvas.heatmap');
  const mean = root.querySelector<HTMLCanvasElement>('canvas.meanline');
  if (!frame || !heat || !mean) return undefined;
  const box = frame.getBoundingClientRect();
  const at = (canvas: HTMLCanvasElement): PngLayer => {
    const r = canvas.getBoundingClientRect();
    return { canvas, x: r.left - box.left, y: r.top - box.top };
  };
  // Labels as the rows show them, without the screen-reader-only text.
  const labels = [...root.querySelectorAll<HTMLElement>('.labels li')].map((li, i): [HTMLElement, string] => {
    const s = model.series[i];
    const firstOfHost = i === 0 || model.series[i - 1].host !== s.host;
    return [li, `${s.straggler ? '▼ ' : ''}${compact ? (firstOfHost ? s.host : '') : s.label}`];
  });
  const others = [...root.querySelectorAll<HTMLElement>('.side, .axis span')].map((e): [HTMLElement, string] => [e, e.innerText]);
  return { layers: [textLayer(frame, [...labels, ...others]), at(heat), at(mean)], width: box.width, height: box.height };
}

/**
 * The text around the canvases (row labels, the time axis, the mean line's
 * scale) painted on a canvas the size of `frame`, each text where the page
 * shows its element, in its font and colour, so a saved image keeps its labels.
 */
export function textLayer(frame: HTMLElement, texts: ReadonlyArray<readonly [element: HTMLElement, text: string]>): PngLayer {
  const scale = Math.max(1, globalThis.devicePixelRatio || 1);
  const box = frame.getBoundingClientRect();
  const canvas = document.createElement('canvas');
  canvas.width = Math.ceil(box.width * scale);
  canvas.height = Math.ceil(box.height * scale);
  const ctx = canvas.getContext('2d');
  if (ctx) {
    ctx.scale(scale, scale);
    ctx.textBaseline = 'middle';
    for (const [element, text] of texts) {
      const rect = element.getBoundingClientRect();
      if (!rect.width || !rect.height) continue;
      const style = getComputedStyle(element);
      const lines = text.split('\n').filter((line) => line.trim());
      const lineHeight = rect.height / Math.max(1, lines.length);
      ctx.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
      ctx.fillStyle = style.color;
      const right = style.textAlign === 'right' || style.textAlign === 'end';
      ctx.textAlign = right ? 'right' : 'left';
      const x = (right ? rect.right : rect.left) - box.left;
      lines.forEach((line, k) => ctx.fillText(line.trim(), x, rect.top - box.top + lineHeight * (k + 0.5), rect.width));
    }
  }
  return { canvas, x: 0, y: 0 };
}
