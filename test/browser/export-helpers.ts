/**
 * Test helpers for the export tests of `<gpu-util>`, `<big-number>`,
 * `<moe-heatmap>` and `<moe-tokens>`: an RFC 4180 reader written here (not the
 * exporter's code), a catcher for the browser download an export starts,
 * and a check that bytes are a PNG the browser decodes.
 */
import { expect } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';

/** Parses CSV (quoted cells, doubled quotes, CRLF or LF line ends) into rows of cells. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      continue;
    } else if (ch === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += ch;
  }
  if (cell || row.length) rows.push([...row, cell]);
  return rows;
}

/** Rows of a CSV as objects keyed by its header. */
export function csvObjects(text: string): Array<Record<string, string>> {
  const [header, ...rows] = parseCsv(text);
  return rows.map((row) => Object.fromEntries(header.map((name, i) => [name, row[i]])));
}

export interface Download {
  name: string;
  blob: Blob;
}

/**
 * Runs `action` and returns the download it starts (the `<a download>` click),
 * stopping the browser from saving it.
 */
export async function catchDownload(action: () => unknown, timeout = 10_000): Promise<Download> {
  let resolve!: (d: Promise<Download>) => void;
  const caught = new Promise<Download>((r) => (resolve = r));
  const onClick = (event: Event) => {
    const link = event.target;
    if (!(link instanceof HTMLAnchorElement) || !link.download) return;
    event.preventDefault();
    // Read the blob before the exporter revokes its URL (after this task).
    resolve(fetch(link.href).then(async (r) => ({ name: link.download, blob: await r.blob() })));
  };
  document.addEventListener('click', onClick, true);
  try {
    await action();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('no download started')), timeout)));
    try {
      return await Promise.race([caught, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  } finally {
    document.removeEventListener('click', onClick, true);
  }
}

/** Asserts the blob is a PNG (signature bytes) the browser decodes, and returns the decoded image. */
export async function decodePng(blob: Blob): Promise<ImageBitmap> {
  expect(blob.type).to.equal('image/png');
  const head = new Uint8Array(await blob.slice(0, 8).arrayBuffer());
  expect([...head]).to.deep.equal([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const bitmap = await createImageBitmap(blob);
  expect(bitmap.width).to.be.greaterThan(0);
  expect(bitmap.height).to.be.greaterThan(0);
  return bitmap;
}

/** The sRGB colour of one pixel of a decoded image. */
export function pixelOf(bitmap: ImageBitmap, x: number, y: number): number[] {
  const canvas = document.createElement('canvas');
  canvas.width = bitmap.width;
  canvas.height = bitmap.height;
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage(bitmap, 0, 0);
  return [...ctx.getImageData(Math.floor(x), Math.floor(y), 1, 1).data.slice(0, 3)];
}

/** The element focused inside a shadow root (or the document's). */
export function deepActive(): Element | null {
  let active: Element | null = document.activeElement;
  while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
  return active;
}

/**
 * Opens an element's export menu with the keyboard (focus on its summary,
 * Enter), checks that it opened and that Tab reaches its first entry, and
 * returns the entries' labels. Escape closes it again, back on the summary.
 */
export async function exportMenuByKeyboard(host: HTMLElement): Promise<string[]> {
  const root = host.shadowRoot!;
  const menu = root.querySelector<HTMLDetailsElement>('details.export');
  expect(menu, 'an export menu').to.not.equal(null);
  const summary = menu!.querySelector('summary')!;
  expect(summary.getAttribute('aria-label')).to.match(/^Export /);
  summary.focus();
  expect(deepActive()).to.equal(summary);
  await sendKeys({ press: 'Enter' });
  expect(menu!.open, 'Enter opens the menu').to.equal(true);
  const buttons = [...menu!.querySelectorAll('button')];
  await sendKeys({ press: 'Tab' });
  expect(deepActive(), 'Tab reaches the first entry').to.equal(buttons[0]);
  await sendKeys({ press: 'Escape' });
  expect(menu!.open, 'Escape closes the menu').to.equal(false);
  expect(deepActive(), 'focus is back on the summary').to.equal(summary);
  return buttons.map((b) => b.textContent!.trim());
}

/** Activates one entry of an element's export menu by the keyboard and returns the download it starts. */
export async function exportByKeyboard(host: HTMLElement, label: string, timeout = 10_000): Promise<Download> {
  const menu = host.shadowRoot!.querySelector<HTMLDetailsElement>('details.export')!;
  menu.querySelector('summary')!.focus();
  await sendKeys({ press: 'Enter' });
  const buttons = [...menu.querySelectorAll('button')];
  const index = buttons.findIndex((b) => b.textContent!.trim() === label);
  expect(index, `an entry "${label}"`).to.be.at.least(0);
  return catchDownload(async () => {
    for (let i = 0; i <= index; i++) await sendKeys({ press: 'Tab' });
    expect(deepActive()).to.equal(buttons[index]);
    await sendKeys({ press: 'Enter' });
  }, timeout);
}
