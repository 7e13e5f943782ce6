import { expect, fixture, fixtureCleanup } from '@open-wc/testing';
import { SOURCE_URL } from 'trainwatch-test-env';
import { insertPoints, uniqueRun, waitFor, type Point } from '../../../test/browser/helpers.js';
import { colorFor } from '../../chart/colors.js';
import { liveStores } from '../../store/registry.js';
import { csvObjects, exportByKeyboard, exportMenuByKeyboard, parseCsv } from '../../../test/browser/export-helpers.js';
import { rawExportLimit } from '../../store/rows-once.js';
import type { BigNumber } from './big-number.component.js';
import './big-number.js';

const T0 = Date.UTC(2026, 0, 1);
/** 40 points 40 s apart: a 15 min window holds the newest 23, one per 15 s bucket at most. */
const POINTS: Point[] = Array.from({ length: 40 }, (_, i) => ({ step: i * 10, value: 1000 + 7 * i, time: T0 + i * 40_000 }));

async function mount(attrs: Record<string, string>): Promise<BigNumber> {
  const el = document.createElement('big-number');
  el.setAttribute('src', SOURCE_URL);
  el.setAttribute('theme', 'light');
  el.setAttribute('poll-interval', '300');
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, value);
  const mounted = await fixture<BigNumber>(el);
  await waitFor(() => mounted.state === 'ready', `the ready state of <big-number run="${mounted.run}">`);
  await mounted.updateComplete;
  return mounted;
}

const $ = (el: BigNumber, selector: string) => el.shadowRoot!.querySelector<HTMLElement>(selector)!;
const iso = (ms: number) => new Date(ms).toISOString();

/** The documented sparkline: the window (from the first point at the earliest) cut into 60 buckets, the mean of each. */
function sparkline(points: Point[], windowMs: number): Array<[from: number, mean: number]> {
  const end = Math.max(...points.map((p) => p.time!));
  const start = Math.max(Math.min(...points.map((p) => p.time!)), end - windowMs);
  const width = Math.max(1, Math.floor((end - start + 59) / 60));
  const by = new Map<number, number[]>();
  for (const p of points) {
    if (p.time! < start) continue;
    const b = Math.min(59, Math.floor((p.time! - start) / width));
    by.set(b, [...(by.get(b) ?? []), p.value]);
  }
  return [...by.entries()].sort((a, b) => a[0] - b[0]).map(([b, values]) => [start + b * width, values.reduce((x, y) => x + y, 0) / values.length]);
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

describe('<big-number> export and accessibility', () => {
  afterEach(() => {
    fixtureCleanup();
    expect(liveStores()).to.have.length(0);
  });

  it('exports the value and its sparkline points as CSV', async () => {
    const run = uniqueRun('bn-csv');
    await insertPoints(run, 'tokens_per_s', POINTS, { unit: 'tok/s' });
    const el = await mount({ run, metric: 'tokens_per_s' });
    const rows = csvObjects(await el.toCSV());
    const last = POINTS.at(-1)!;
    expect(rows[0]).to.deep.equal({ run, kind: 'value', aggregate: 'last', time: iso(last.time!), step: String(last.step), value: String(last.value), unit: 'tok/s' });
    const spark = sparkline(POINTS, 15 * 60_000);
    expect(spark).to.have.length(23);
    expect(rows.slice(1)).to.deep.equal(spark.map(([from, v]) => ({ run, kind: 'sparkline', aggregate: 'mean per bucket', time: iso(from), step: '', value: String(v), unit: 'tok/s' })));
  });

  it('exports an aggregate over the window, one block per run in the order of the run attribute', async () => {
    const a = uniqueRun('bn-agg-a');
    const b = uniqueRun('bn-agg-b');
    await insertPoints(a, 'util', POINTS);
    await insertPoints(b, 'util', POINTS.slice(0, 10).map((p) => ({ ...p, value: 2 * p.value })));
    const el = await mount({ run: `${b},${a}`, metric: 'util', aggregate: 'max', window: '5m' });
    const rows = csvObjects(await el.toCSV());
    const values = rows.filter((r) => r.kind === 'value');
    const inWindow = (points: Point[]) => points.filter((p) => p.time! >= points.at(-1)!.time! - 300_000);
    expect(values.map((r) => [r.run, r.aggregate, Number(r.value)])).to.deep.equal([
      [b, 'max over 5m', Math.max(...inWindow(POINTS.slice(0, 10)).map((p) => 2 * p.value))],
      [a, 'max over 5m', Math.max(...inWindow(POINTS).map((p) => p.value))],
    ]);
    expect(rows.map((r) => r.run)).to.deep.equal([...rows.filter((r) => r.run === b).map(() => b), ...rows.filter((r) => r.run === a).map(() => a)]);
    expect(rows.filter((r) => r.kind === 'sparkline' && r.run === a).map((r) => r.aggregate)).to.include('max per bucket');
  });

  it('exports every point of the window raw, NaN and Inf included', async () => {
    const run = uniqueRun('bn-raw');
    const points: Point[] = [...POINTS.slice(0, 30), { step: 300, value: NaN, time: T0 + 30 * 40_000 }, { step: 310, value: -Infinity, time: T0 + 31 * 40_000 }];
    await insertPoints(run, 'loss', points, { unit: 'nat' });
    await insertPoints(run, 'other', POINTS);
    const el = await mount({ run, metric: 'loss', window: '10m' });
    const end = points.at(-1)!.time!;
    const spelled = (v: number) => (Number.isNaN(v) ? 'NaN' : v === -Infinity ? '-Inf' : String(v));
    const expected = points
      .filter((p) => p.time! >= end - 600_000)
      .map((p) => ({ run, step: String(p.step), time: iso(p.time!), value: spelled(p.value), unit: 'nat' }));
    expect(expected.length).to.be.within(10, 20);
    expect(csvObjects(await el.toCSV({ raw: true }))).to.deep.equal(expected);
  });

  it('refuses a raw export past the row limit', async () => {
    const run = uniqueRun('bn-limit');
    await insertPoints(run, 'x', POINTS);
    const el = await mount({ run, metric: 'x', window: 'all' });
    const saved = rawExportLimit.rows;
    try {
      rawExportLimit.rows = POINTS.length;
      expect(parseCsv(await el.toCSV({ raw: true }))).to.have.length(1 + POINTS.length);
      rawExportLimit.rows = POINTS.length - 1;
      let error: Error | undefined;
      await el.toCSV({ raw: true }).catch((e: Error) => (error = e));
      expect(error?.message).to.contain(`more than ${POINTS.length - 1} points, too many to export raw`);
    } finally {
      rawExportLimit.rows = saved;
    }
  });

  it('quotes hostile run ids and units, and defuses a leading =', async () => {
    const suffix = uniqueRun('bn');
    const run = `=danger "q"\nline-${suffix}`;
    await insertPoints(run, 'x', POINTS.slice(0, 2), { unit: '=1+2,"u"' });
    const el = await mount({ run, metric: 'x' });
    // Written out by hand: a ' before =, quotes doubled, cells with , " or a line break quoted.
    const runCell = `"'=danger ""q""\nline-${suffix}"`;
    const unitCell = `"'=1+2,""u"""`;
    const shown = (await el.toCSV()).split('\r\n');
    expect(shown[1]).to.equal(`${runCell},value,last,${iso(POINTS[1].time!)},${POINTS[1].step},${POINTS[1].value},${unitCell}`);
    const raw = (await el.toCSV({ raw: true })).split('\r\n');
    expect(raw.slice(1, 3)).to.deep.equal(POINTS.slice(0, 2).map((p) => `${runCell},${p.step},${iso(p.time!)},${p.value},${unitCell}`));
    expect(parseCsv(raw.join('\r\n'))[1][0]).to.equal(`'${run}`);
  });

  it('opens the export menu from the keyboard and downloads what the methods return', async () => {
    const run = uniqueRun('bn-menu');
    await insertPoints(run, 'tokens_per_s', POINTS, { unit: 'tok/s' });
    const el = await mount({ run, metric: 'tokens_per_s' });
    expect(await exportMenuByKeyboard(el)).to.deep.equal(['CSV of what is shown', 'CSV of the raw points']);
    const shown = await exportByKeyboard(el, 'CSV of what is shown');
    expect(shown.name).to.equal(`tokens_per_s-${run}.csv`);
    expect(await shown.blob.text()).to.equal(await el.toCSV());
    const raw = await exportByKeyboard(el, 'CSV of the raw points');
    expect(raw.name).to.equal(`tokens_per_s-${run}-raw.csv`);
    expect(parseCsv(await raw.blob.text())).to.have.length(1 + 23);
  });

  it('describes the sparkline in words', async () => {
    const run = uniqueRun('bn-words');
    await insertPoints(run, 'tokens_per_s', POINTS, { unit: 'tok/s' });
    const el = await mount({ run, metric: 'tokens_per_s', decimals: '0' });
    const spark = sparkline(POINTS, 15 * 60_000).map(([, v]) => v);
    const f = (v: number) => `${v.toLocaleString('en-US')} tok/s`;
    expect($(el, '[part="sparkline"]').getAttribute('aria-label')).to.equal(
      `Sparkline, mean per bucket over 15m: ${spark.length} points, first ${f(spark[0])}, last ${f(spark.at(-1)!)}, lowest ${f(Math.min(...spark))}, highest ${f(Math.max(...spark))}`,
    );
    expect($(el, '.sr-only').textContent).to.equal('change over 15m:');
  });

  it('keeps text contrast at 4.5:1 or more in both themes, and marks runs with their page colour', async () => {
    const a = uniqueRun('bn-contrast-a');
    const b = uniqueRun('bn-contrast-b');
    // a: warn (between the thresholds) and falling; b: good and rising.
    await insertPoints(a, 'util', [{ step: 0, value: 90 }, { step: 1, value: 75 }]);
    await insertPoints(b, 'util', [{ step: 0, value: 80 }, { step: 1, value: 95 }]);
    for (const theme of ['light', 'dark']) {
      const el = await mount({ run: `${a},${b}`, metric: 'util', thresholds: '70,90', theme, 'stale-after': 'never' });
      const background = getComputedStyle($(el, '.base')).backgroundColor;
      const texts = [...el.shadowRoot!.querySelectorAll<HTMLElement>('[part="value"], .change, .caption, .name, .title')];
      expect(texts.length).to.equal(9);
      for (const text of texts) {
        expect(contrast(getComputedStyle(text).color, background), `${theme} ${text.className} "${text.textContent}"`).to.be.at.least(4.5);
      }
      expect([...el.shadowRoot!.querySelectorAll<HTMLElement>('[part="value"]')].map((v) => v.dataset.level)).to.deep.equal(['warn', 'good']);
      const swatches = [...el.shadowRoot!.querySelectorAll<HTMLElement>('.name .swatch')].map((s) => rgb(s.style.background));
      expect(swatches).to.deep.equal([rgb(colorFor(a)), rgb(colorFor(b))]);
      expect(el.shadowRoot!.querySelector('header')).to.equal(null);
      await expect(el).to.be.accessible();
      el.remove();
    }
  });
});
