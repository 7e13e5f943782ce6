/**
 * Canvas drawing for `<gpu-util>`: the heatmap (one rect per cell; a DOM node
 * per bucket would be thousands of nodes) and the fleet-mean line under it,
 * both sharing the same columns.
 */
import type { CanvasTheme } from '../../chart/uplot.styles.js';
import { utilColor, type UtilModel } from './gpu-util.model.js';

/** Sizes a canvas to `width` × `height` CSS pixels at the screen's resolution; returns its context in CSS pixels. */
function prepare(canvas: HTMLCanvasElement, width: number, height: number): CanvasRenderingContext2D | null {
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.max(1, Math.round(width * dpr));
  canvas.height = Math.max(1, Math.round(height * dpr));
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const ctx = canvas.getContext('2d');
  ctx?.setTransform(dpr, 0, 0, dpr, 0, 0);
  return ctx;
}

/** Left edge of column `c` in CSS pixels: whole pixels, so neighbouring cells neither overlap nor leave seams. */
export const columnX = (c: number, columns: number, width: number): number => Math.round((c * width) / columns);

/** Cells at their colour, buckets without samples in the theme's grid grey; a 1 px gap between rows. */
export function drawHeatmap(canvas: HTMLCanvasElement, model: UtilModel, width: number, rowHeight: number, theme: CanvasTheme): void {
  const { series, columns, cells } = model;
  const ctx = prepare(canvas, width, series.length * rowHeight);
  if (!ctx || !columns) return;
  const gap = rowHeight >= 8 ? 1 : 0;
  for (let r = 0; r < series.length; r++) {
    const y = r * rowHeight;
    for (let c = 0; c < columns; c++) {
      const v = cells[r * columns + c];
      const x0 = columnX(c, columns, width);
      ctx.fillStyle = Number.isFinite(v) ? utilColor(v) : theme.grid;
      ctx.fillRect(x0, y, columnX(c + 1, columns, width) - x0, rowHeight - gap);
    }
  }
}

/** The mean over all series per column on a 0–100 % scale, with the idle threshold dashed. */
export function drawMeanLine(canvas: HTMLCanvasElement, model: UtilModel, width: number, height: number, threshold: number, theme: CanvasTheme): void {
  const ctx = prepare(canvas, width, height);
  if (!ctx) return;
  const { columns, meanLine } = model;
  const pad = 3;
  const y = (v: number) => pad + (1 - Math.min(100, Math.max(0, v)) / 100) * (height - 2 * pad);
  ctx.lineWidth = 1;
  ctx.strokeStyle = theme.grid;
  ctx.strokeRect(0.5, 0.5, width - 1, height - 1);
  if (threshold > 0 && threshold < 100) {
    ctx.setLineDash([3, 3]);
    ctx.strokeStyle = theme.muted;
    ctx.beginPath();
    ctx.moveTo(0, Math.round(y(threshold)) + 0.5);
    ctx.lineTo(width, Math.round(y(threshold)) + 0.5);
    ctx.stroke();
    ctx.setLineDash([]);
  }
  ctx.strokeStyle = theme.fg;
  ctx.fillStyle = theme.fg;
  ctx.lineWidth = 1.5;
  ctx.lineJoin = 'round';
  ctx.beginPath();
  let drawing = false;
  for (let c = 0; c < columns; c++) {
    const v = meanLine[c];
    const x = (columnX(c, columns, width) + columnX(c + 1, columns, width)) / 2;
    if (!Number.isFinite(v)) {
      drawing = false;
      continue;
    }
    // A column between two gaps gets a dot, or it would not show at all.
    const isolated = !drawing && !Number.isFinite(meanLine[c + 1]);
    if (isolated) ctx.fillRect(x - 1.5, y(v) - 1.5, 3, 3);
    if (drawing) ctx.lineTo(x, y(v));
    else ctx.moveTo(x, y(v));
    drawing = true;
  }
  ctx.stroke();
}
