/**
 * Getting data out of an element: CSV text, PNG images of canvases, and the
 * download of either. Shared by every element's export menu, so every CSV
 * quotes and spells numbers the same way.
 */

/** A CSV cell: numbers at full precision (NaN, Inf, -Inf spelled out), text quoted when it must be. */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN';
    if (value === Infinity) return 'Inf';
    if (value === -Infinity) return '-Inf';
    return String(value);
  }
  if (typeof value === 'bigint') return String(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : value.toISOString();
  let text = String(value);
  // A spreadsheet would run text starting with = + - @ as a formula: data from trainers is not trusted.
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** RFC 4180 CSV (CRLF line ends) of a header and rows. */
export function toCsv(header: readonly string[], rows: Iterable<readonly unknown[]>): string {
  const lines = [header.map(csvCell).join(',')];
  for (const row of rows) lines.push(row.map(csvCell).join(','));
  return lines.join('\r\n') + '\r\n';
}

/** Epoch ms as an ISO 8601 UTC timestamp for CSV columns (empty when not finite). */
export function isoTime(ms: number): string {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? '' : date.toISOString();
}

/** A file name from free text (run ids, metric names): safe on every OS, never empty. */
export function fileName(parts: readonly string[], extension: string): string {
  const stem = parts
    .join('-')
    .replace(/[^\w.+-]+/g, '_')
    .replace(/^[._-]+|[._-]+$/g, '')
    .slice(0, 120);
  return `${stem || 'trainwatch'}.${extension}`;
}

/** Starts the browser's download of a blob (or CSV text) under a file name. */
export function download(name: string, data: Blob | string): void {
  const blob = typeof data === 'string' ? new Blob([data], { type: 'text/csv;charset=utf-8' }) : data;
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.rel = 'noopener';
  link.style.display = 'none';
  document.body.append(link);
  link.click();
  link.remove();
  // The click starts the download synchronously; the URL can go once the task ends.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

export interface PngLayer {
  canvas: HTMLCanvasElement;
  /** Where the canvas sits in CSS pixels, relative to the image's top left. */
  x: number;
  y: number;
}

/**
 * One PNG from canvases laid over a background (a chart can be several
 * canvases, and a canvas alone is transparent: the card's background is
 * painted under it so the image reads the same outside the page).
 * `title` is drawn above the plot so a saved image says what it shows.
 */
export async function canvasesToPng(
  layers: readonly PngLayer[],
  options: { width: number; height: number; background: string; title?: string; color?: string; font?: string },
): Promise<Blob> {
  const scale = Math.max(1, globalThis.devicePixelRatio || 1);
  const titleHeight = options.title ? 24 : 0;
  const out = document.createElement('canvas');
  out.width = Math.ceil(options.width * scale);
  out.height = Math.ceil((options.height + titleHeight) * scale);
  const ctx = out.getContext('2d');
  if (!ctx) throw new Error('this browser cannot draw a PNG (no 2D canvas)');
  ctx.fillStyle = options.background;
  ctx.fillRect(0, 0, out.width, out.height);
  if (options.title) {
    ctx.fillStyle = options.color ?? '#1f2328';
    ctx.font = `600 ${13 * scale}px ${options.font ?? 'system-ui, sans-serif'}`;
    ctx.textBaseline = 'middle';
    ctx.fillText(options.title, 8 * scale, (titleHeight / 2) * scale, out.width - 16 * scale);
  }
  for (const layer of layers) {
    if (!layer.canvas.width || !layer.canvas.height) continue;
    const width = layer.canvas.getBoundingClientRect().width || layer.canvas.width / scale;
    const height = layer.canvas.getBoundingClientRect().height || layer.canvas.height / scale;
    ctx.drawImage(layer.canvas, layer.x * scale, (layer.y + titleHeight) * scale, width * scale, height * scale);
  }
  return new Promise((resolve, reject) => out.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('the PNG could not be encoded'))), 'image/png'));
}
