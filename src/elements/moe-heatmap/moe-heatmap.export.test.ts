import { expect, fixture, fixtureCleanup, html } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import { SOURCE_URL } from 'trainwatch-test-env';
import { uniqueRun, waitFor, writer } from '../../../test/browser/helpers.js';
import { liveStores } from '../../store/registry.js';
import { csvObjects, deepActive, exportByKeyboard, exportMenuByKeyboard, parseCsv } from '../../../test/browser/export-helpers.js';
import { rawExportLimit } from '../../store/rows-once.js';
import { MoeHeatmap } from './moe-heatmap.component.js';
import './moe-heatmap.js';

const METRIC = 'moe.subject_bucket_share';
const T0 = Date.UTC(2026, 0, 1);

interface Logged {
  row: string;
  column: number;
  value: number;
  host?: string;
  rank?: number;
}

const timeOf = (step: number, rank: number) => T0 + step * 1000 + rank;

async function insertCells(run: string, step: number, cells: Logged[]) {
  await writer.insert({
    table: 'training_observability.metric_points',
    format: 'JSONEachRow',
    values: cells.map((c) => ({
      run_id: run,
      metric: METRIC,
      step,
      host: c.host ?? 'node-0',
      rank: c.rank ?? 0,
      // JSON has no NaN; ClickHouse reads it from a string.
      value: Number.isFinite(c.value) ? c.value : 'nan',
      event_time: new Date(timeOf(step, c.rank ?? 0)).toISOString().replace('T', ' ').replace('Z', ''),
      tags_json: JSON.stringify({ subject: c.row, bucket: c.column }),
    })),
  });
}

// Step 300 is the latest; "code 1" is written by two ranks; "math 10" is missing.
const STEP_300: Logged[] = [
  { row: 'math', column: 1, value: 0.1 },
  { row: 'math', column: 2, value: 0.6 },
  { row: 'code', column: 1, value: 0.25 },
  { row: 'code', column: 1, value: 0.35, host: 'node-1', rank: 1 },
  { row: 'code', column: 2, value: 0.05 },
  { row: 'code', column: 10, value: 0.7 },
];
const STEP_100: Logged[] = [
  { row: 'math', column: 1, value: 0.5 },
  { row: 'math', column: 2, value: 0.5 },
];

async function mount(run: string, attrs: Record<string, string> = {}) {
  const el = await fixture<MoeHeatmap>(html`<moe-heatmap src=${SOURCE_URL} run=${run} poll-interval="300" theme=${attrs.theme ?? 'light'} normalize=${attrs.normalize ?? 'none'}></moe-heatmap>`);
  await waitFor(() => el.state === 'ready' && el.shadowRoot!.querySelector('tbody tr'), 'the table');
  return el;
}

const $ = <T extends HTMLElement = HTMLElement>(el: MoeHeatmap, selector: string) => el.shadowRoot!.querySelector<T>(selector)!;
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/** The cells of a step as the heatmap shows them: the mean per (row, column), rows by name, columns ascending. */
function expectedCells(cells: Logged[]): Array<{ row: string; column: number; value: number }> {
  const by = new Map<string, number[]>();
  for (const c of cells) by.set(JSON.stringify([c.row, c.column]), [...(by.get(JSON.stringify([c.row, c.column])) ?? []), c.value]);
  return [...by.entries()]
    .map(([key, values]) => {
      const [row, column] = JSON.parse(key) as [string, number];
      return { row, column, value: mean(values) };
    })
    .sort((a, b) => (a.row < b.row ? -1 : a.row > b.row ? 1 : a.column - b.column));
}

/** A CSS colour as sRGB bytes, and the WCAG contrast of two. */
function rgb(color: string): number[] {
  const ctx = Object.assign(document.createElement('canvas'), { width: 1, height: 1 }).getContext('2d')!;
  ctx.fillStyle = color;
  ctx.fillRect(0, 0, 1, 1);
  return [...ctx.getImageData(0, 0, 1, 1).data.slice(0, 3)];
}
function contrast(a: string, b: string): number {
  const lum = (c: string) => {
    const [r, g, bl] = rgb(c).map((v) => (v / 255 <= 0.04045 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

describe('<moe-heatmap> export and keyboard', () => {
  afterEach(() => {
    fixtureCleanup();
    expect(liveStores().map((s) => s.source.id)).to.deep.equal([]);
  });

  it('exports the cells shown as CSV: step, subject, bucket, the mean over ranks', async () => {
    const run = uniqueRun('heat-csv');
    await insertCells(run, 100, STEP_100);
    await insertCells(run, 300, STEP_300);
    const el = await mount(run);
    const rows = csvObjects(await el.toCSV());
    const expected = expectedCells(STEP_300);
    expect(rows.map((r) => [r.step, r.subject, r.bucket])).to.deep.equal(expected.map((c) => ['300', c.row, String(c.column)]));
    rows.forEach((r, i) => expect(Number(r.value), `${r.subject} ${r.bucket}`).to.be.closeTo(expected[i].value, 1e-12));
    expect(parseCsv(await el.toCSV())[0]).to.deep.equal(['step', 'subject', 'bucket', 'value']);
  });

  it('exports row shares when rows are normalised', async () => {
    const run = uniqueRun('heat-norm-csv');
    await insertCells(run, 300, STEP_300);
    const el = await mount(run, { normalize: 'row' });
    const rows = csvObjects(await el.toCSV());
    const expected = expectedCells(STEP_300);
    const sums = new Map<string, number>();
    for (const c of expected) sums.set(c.row, (sums.get(c.row) ?? 0) + c.value);
    expect(Object.keys(rows[0])).to.deep.equal(['step', 'subject', 'bucket', 'row_share']);
    rows.forEach((r, i) => expect(Number(r.row_share), `${r.subject} ${r.bucket}`).to.be.closeTo(expected[i].value / sums.get(expected[i].row)!, 1e-12));
  });

  it('exports every point of the shown step raw, before the mean and normalisation, and follows a picked step', async () => {
    const run = uniqueRun('heat-raw');
    await insertCells(run, 100, STEP_100);
    await insertCells(run, 300, [...STEP_300, { row: 'nan', column: 4, value: NaN, rank: 2 }]);
    const el = await mount(run, { normalize: 'row' });
    const raw = (cells: Logged[], step: number) =>
      cells
        .map((c) => ({ step: String(step), subject: c.row, bucket: String(c.column), value: Number.isNaN(c.value) ? 'NaN' : String(c.value), host: c.host ?? 'node-0', rank: String(c.rank ?? 0), time: new Date(timeOf(step, c.rank ?? 0)).toISOString() }))
        .sort((a, b) => (a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : Number(a.bucket) - Number(b.bucket) || a.host.localeCompare(b.host)));
    expect(csvObjects(await el.toCSV({ raw: true }))).to.deep.equal(raw([...STEP_300, { row: 'nan', column: 4, value: NaN, rank: 2 }], 300));
    el.step = 150;
    await waitFor(() => el.state === 'ready' && $(el, '.shown-step').textContent!.startsWith('step 100'), 'step 100');
    expect(csvObjects(await el.toCSV({ raw: true }))).to.deep.equal(raw(STEP_100, 100));
  });

  it('refuses a raw export past the row limit', async () => {
    const run = uniqueRun('heat-limit');
    await insertCells(run, 300, STEP_300);
    const el = await mount(run);
    const saved = rawExportLimit.rows;
    try {
      rawExportLimit.rows = STEP_300.length;
      expect(parseCsv(await el.toCSV({ raw: true }))).to.have.length(1 + STEP_300.length);
      rawExportLimit.rows = STEP_300.length - 1;
      let error: Error | undefined;
      await el.toCSV({ raw: true }).catch((e: Error) => (error = e));
      expect(error?.message).to.contain(`more than ${STEP_300.length - 1} points, too many to export raw`);
    } finally {
      rawExportLimit.rows = saved;
    }
  });

  it('quotes hostile subjects and defuses a leading =', async () => {
    const run = uniqueRun('heat-hostile');
    const subject = '=cmd|" /C calc"!A0,\nx';
    await insertCells(run, 7, [{ row: subject, column: 3, value: 0.5 }]);
    const el = await mount(run);
    // Written out by hand: a ' before =, quotes doubled, the cell quoted.
    const cell = `"'=cmd|"" /C calc""!A0,\nx"`;
    expect((await el.toCSV()).split('\r\n')[1]).to.equal(`7,${cell},3,0.5`);
    expect((await el.toCSV({ raw: true })).split('\r\n')[1]).to.equal(`7,${cell},3,0.5,node-0,0,${new Date(timeOf(7, 0)).toISOString()}`);
  });

  it('moves between cells with the arrow keys, one tab stop, and shows the focused cell', async () => {
    const run = uniqueRun('heat-keys');
    await insertCells(run, 300, STEP_300);
    const el = await mount(run);
    const expected = expectedCells(STEP_300);
    const rowNames = ['code', 'math'];
    const columns = [1, 2, 10];
    const detail = () => $(el, '[part="detail"]').textContent!.trim();
    const expectAt = async (r: number, c: number) => {
      await el.updateComplete;
      const td = deepActive() as HTMLTableCellElement;
      expect(td.tagName).to.equal('TD');
      expect([td.dataset.r, td.dataset.c]).to.deep.equal([String(r), String(c)]);
      expect(el.shadowRoot!.querySelectorAll('td[tabindex="0"]')).to.have.length(1);
      const cell = expected.find((x) => x.row === rowNames[r] && x.column === columns[c]);
      const [where, value] = detail().split(': ');
      expect(where).to.equal(`subject ${rowNames[r]} · bucket ${columns[c]}`);
      if (cell) expect(Number(value)).to.be.closeTo(cell.value, 1e-4);
      else expect(value).to.equal('no data');
    };
    expect(detail()).to.equal('');
    expect($(el, 'table').getAttribute('role')).to.equal('grid');
    // After the header's controls, Tab enters the table at its first cell.
    $(el, 'details.export summary').focus();
    await sendKeys({ press: 'Tab' });
    await expectAt(0, 0);
    await sendKeys({ press: 'ArrowRight' });
    await expectAt(0, 1);
    await sendKeys({ press: 'ArrowDown' });
    await expectAt(1, 1);
    await sendKeys({ press: 'End' });
    await expectAt(1, 2);
    await sendKeys({ press: 'ArrowRight' });
    await expectAt(1, 2);
    await sendKeys({ press: 'Control+Home' });
    await expectAt(0, 0);
    await sendKeys({ press: 'PageDown' });
    await expectAt(1, 0);
    // Leaving the table and coming back returns to the same cell.
    await sendKeys({ press: 'Shift+Tab' });
    await el.updateComplete;
    expect(detail()).to.equal('');
    await sendKeys({ press: 'Tab' });
    await expectAt(1, 0);
  });

  it('picks a step from the keyboard', async () => {
    const run = uniqueRun('heat-pick-keys');
    await insertCells(run, 100, STEP_100);
    await insertCells(run, 300, STEP_300);
    const el = await mount(run);
    const select = $<HTMLSelectElement>(el, 'select');
    select.focus();
    expect(deepActive()).to.equal(select);
    const steps: Array<number | null> = [];
    el.addEventListener('trainwatch-step-change', (e) => steps.push(e.detail.step));
    await sendKeys({ press: 'ArrowDown' });
    await sendKeys({ press: 'ArrowDown' });
    expect(steps).to.deep.equal([300, 100]);
    await waitFor(() => el.state === 'ready' && $(el, '.shown-step').textContent === 'step 100', 'step 100');
    expect(csvObjects(await el.toCSV()).map((r) => [r.step, r.subject, r.bucket])).to.deep.equal([['100', 'math', '1'], ['100', 'math', '2']]);
  });

  it('opens the export menu from the keyboard and downloads what the methods return', async () => {
    const run = uniqueRun('heat-menu');
    await insertCells(run, 300, STEP_300);
    const el = await mount(run);
    expect(await exportMenuByKeyboard(el)).to.deep.equal(['CSV of the cells shown', 'CSV of the raw points']);
    const shown = await exportByKeyboard(el, 'CSV of the cells shown');
    expect(shown.name).to.equal(`moe.subject_bucket_share-${run}-step-300.csv`);
    expect(await shown.blob.text()).to.equal(await el.toCSV());
    const raw = await exportByKeyboard(el, 'CSV of the raw points');
    expect(raw.name).to.equal(`moe.subject_bucket_share-${run}-step-300-raw.csv`);
    expect(parseCsv(await raw.blob.text())).to.have.length(1 + STEP_300.length);
  });

  it('writes every cell in black or white at 4.5:1 or more against its colour, in both themes', async () => {
    const run = uniqueRun('heat-contrast');
    // The whole scale (0 … 1 on a 0 … 1 scale) every 0.01, and closely around both themes' flips.
    const near = [0.495, 0.498, 0.499, 0.5, 0.501, 0.502, 0.505, 0.695, 0.698, 0.699, 0.7, 0.701, 0.702, 0.705];
    await insertCells(run, 1, [
      ...Array.from({ length: 101 }, (_, i) => ({ row: 'scale', column: i, value: i / 100 })),
      ...near.map((value, i) => ({ row: 'near', column: i, value })),
    ]);
    for (const theme of ['light', 'dark']) {
      const el = await mount(run, { theme });
      const cells = [...el.shadowRoot!.querySelectorAll<HTMLElement>('td.cell:not(.missing)')];
      expect(cells).to.have.length(101 + near.length);
      for (const td of cells) {
        const style = getComputedStyle(td);
        expect(rgb(style.color).join(), `${theme} text of ${td.title}`).to.be.oneOf(['0,0,0', '255,255,255']);
        expect(contrast(style.color, style.backgroundColor), `${theme} ${td.title}`).to.be.at.least(4.5);
      }
      expect(el.shadowRoot!.querySelector('header')).to.equal(null);
      await expect(el).to.be.accessible();
      el.remove();
    }
  });
});
