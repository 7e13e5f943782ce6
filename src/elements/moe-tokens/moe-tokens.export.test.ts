import { expect, fixture, fixtureCleanup, html } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import { SOURCE_URL } from 'trainwatch-test-env';
import { uniqueRun, waitFor, writer } from '../../../test/browser/helpers.js';
import { liveStores } from '../../store/registry.js';
import { csvObjects, deepActive, exportByKeyboard, exportMenuByKeyboard, parseCsv } from '../../../test/browser/export-helpers.js';
import { rawExportLimit } from '../../store/rows-once.js';
import { MoeTokens } from './moe-tokens.component.js';
import './moe-tokens.js';

const METRIC = 'moe.expert_token_share';
const T0 = Date.UTC(2026, 0, 1);
type Entry = [expert: number | string, token: string, share: number, rank?: number];

const timeOf = (step: number, rank: number) => T0 + step * 1000 + rank;

async function insertShares(run: string, step: number, entries: Entry[]) {
  await writer.insert({
    table: 'training_observability.metric_points',
    format: 'JSONEachRow',
    values: entries.map(([expert, token, share, rank = 0]) => ({
      run_id: run,
      metric: METRIC,
      step,
      host: `node-${rank}`,
      rank,
      value: share,
      event_time: new Date(timeOf(step, rank)).toISOString().replace('T', ' ').replace('Z', ''),
      tags_json: JSON.stringify({ expert, token }),
    })),
  });
}

const STEP_100: Entry[] = [
  [0, 'of', 0.5],
  [0, 'the', 0.3],
  [0, 'a', 0.1],
  [2, 'def', 0.6],
  [2, 'return', 0.2],
  [10, 'x', 0.9],
];
// "the" is in experts 0 and 2; "and" is new in expert 0; expert 2's "return" is written by two ranks.
const STEP_200: Entry[] = [
  [0, 'the', 0.42],
  [0, 'of', 0.25],
  [0, 'and', 0.125],
  [0, 'a', 0.05],
  [2, 'def', 0.55],
  [2, 'the', 0.0075],
  [2, 'return', 0.125],
  [2, 'return', 0.175, 1],
  [10, 'y', 0.33],
];

async function mount(run: string, attrs: Record<string, string> = {}) {
  const el = await fixture<MoeTokens>(html`<moe-tokens style="width: 900px" src=${SOURCE_URL} run=${run} poll-interval="300" theme=${attrs.theme ?? 'light'} top=${attrs.top ?? '3'}></moe-tokens>`);
  await waitFor(() => el.state === 'ready' && el.shadowRoot!.querySelector('.panel'), 'the panels');
  return el;
}

const $ = <T extends HTMLElement = HTMLElement>(el: MoeTokens, selector: string) => el.shadowRoot!.querySelector<T>(selector)!;
const $$ = <T extends HTMLElement = HTMLElement>(el: MoeTokens, selector: string) => [...el.shadowRoot!.querySelectorAll<T>(selector)];

/** Each expert's top `k` at a step: the mean over ranks, largest first (ties by token). */
function tops(entries: Entry[], k: number): Map<string, Array<[token: string, share: number]>> {
  const sums = new Map<string, number[]>();
  for (const [expert, token, share] of entries) sums.set(JSON.stringify([String(expert), token]), [...(sums.get(JSON.stringify([String(expert), token])) ?? []), share]);
  const by = new Map<string, Array<[string, number]>>();
  for (const [key, shares] of sums) {
    const [expert, token] = JSON.parse(key) as [string, string];
    by.set(expert, [...(by.get(expert) ?? []), [token, shares.reduce((a, b) => a + b, 0) / shares.length]]);
  }
  for (const list of by.values()) list.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).splice(k);
  return by;
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

describe('<moe-tokens> export and keyboard', () => {
  afterEach(() => {
    fixtureCleanup();
    expect(liveStores().map((s) => s.source.id)).to.deep.equal([]);
  });

  it('exports the bars shown as CSV: expert, position, token, share, the other experts holding it, new', async () => {
    const run = uniqueRun('tok-csv');
    await insertShares(run, 100, STEP_100);
    await insertShares(run, 200, STEP_200);
    const el = await mount(run);
    const now = tops(STEP_200, 3);
    const before = tops(STEP_100, 3);
    const holders = (token: string) => [...now].filter(([, list]) => list.some(([t]) => t === token)).map(([e]) => e);
    const expected = ['0', '2', '10'].flatMap((expert) =>
      now.get(expert)!.map(([token, share], i) => ({
        step: '200',
        expert,
        position: String(i + 1),
        token,
        share,
        also_in: holders(token).filter((e) => e !== expert).join('; '),
        new: String(before.has(expert) && !before.get(expert)!.some(([t]) => t === token)),
      })),
    );
    const rows = csvObjects(await el.toCSV());
    expect(rows.map(({ share: _, ...rest }) => rest)).to.deep.equal(expected.map(({ share: _, ...rest }) => rest));
    rows.forEach((r, i) => expect(Number(r.share), `${r.expert} ${r.token}`).to.be.closeTo(expected[i].share, 1e-12));
    expect(rows.find((r) => r.expert === '0' && r.token === 'and')!.new).to.equal('true');
    expect(rows.find((r) => r.expert === '2' && r.token === 'the')!.also_in).to.equal('0');
  });

  it('exports every point of the shown step raw: all tokens, each rank', async () => {
    const run = uniqueRun('tok-raw');
    await insertShares(run, 100, STEP_100);
    await insertShares(run, 200, STEP_200);
    const el = await mount(run, { top: '1' });
    const expected = STEP_200.map(([expert, token, share, rank = 0]) => ({ step: '200', expert: String(expert), token, share: String(share), host: `node-${rank}`, rank: String(rank), time: new Date(timeOf(200, rank)).toISOString() })).sort(
      (a, b) => (a.expert < b.expert ? -1 : a.expert > b.expert ? 1 : Number(b.share) - Number(a.share) || (a.token < b.token ? -1 : a.token > b.token ? 1 : 0) || a.host.localeCompare(b.host)),
    );
    expect(csvObjects(await el.toCSV({ raw: true }))).to.deep.equal(expected);
    expect(parseCsv(await el.toCSV())).to.have.length(1 + 3);
  });

  it('refuses a raw export past the row limit', async () => {
    const run = uniqueRun('tok-limit');
    await insertShares(run, 200, STEP_200);
    const el = await mount(run);
    const saved = rawExportLimit.rows;
    try {
      rawExportLimit.rows = STEP_200.length;
      expect(parseCsv(await el.toCSV({ raw: true }))).to.have.length(1 + STEP_200.length);
      rawExportLimit.rows = STEP_200.length - 1;
      let error: Error | undefined;
      await el.toCSV({ raw: true }).catch((e: Error) => (error = e));
      expect(error?.message).to.contain(`more than ${STEP_200.length - 1} points, too many to export raw`);
    } finally {
      rawExportLimit.rows = saved;
    }
  });

  it('writes tokens exactly as logged, quoting hostile ones and defusing formulas', async () => {
    const run = uniqueRun('tok-hostile');
    await insertShares(run, 5, [
      [0, '=1+1,"x"\n', 0.5],
      [0, ' ', 0.3],
      [0, '@SUM(A1)', 0.2],
    ]);
    const el = await mount(run);
    // Written out by hand: a ' before = and @, quotes doubled, cells with , " or a line break quoted; a space stays a space.
    expect((await el.toCSV()).split('\r\n').slice(1, 4)).to.deep.equal([`5,0,1,"'=1+1,""x""\n",0.5,,false`, '5,0,2, ,0.3,,false', `5,0,3,'@SUM(A1),0.2,,false`]);
    expect((await el.toCSV({ raw: true })).split('\r\n')[1]).to.equal(`5,0,"'=1+1,""x""\n",0.5,node-0,0,${new Date(timeOf(5, 0)).toISOString()}`);
  });

  it('opens the export menu from the keyboard and downloads what the methods return', async () => {
    const run = uniqueRun('tok-menu');
    await insertShares(run, 200, STEP_200);
    const el = await mount(run);
    expect(await exportMenuByKeyboard(el)).to.deep.equal(['CSV of the bars shown', 'CSV of the raw points']);
    const shown = await exportByKeyboard(el, 'CSV of the bars shown');
    expect(shown.name).to.equal(`moe.expert_token_share-${run}-step-200.csv`);
    expect(await shown.blob.text()).to.equal(await el.toCSV());
    const raw = await exportByKeyboard(el, 'CSV of the raw points');
    expect(parseCsv(await raw.blob.text())).to.have.length(1 + STEP_200.length);
  });

  it('lists every shared token from the keyboard and dims by a chip pressed with the keyboard', async () => {
    const run = uniqueRun('tok-more');
    // 11 tokens in both experts' top lists: 9 get colours, 2 are behind "+2 more shared".
    const tokens = Array.from({ length: 11 }, (_, i) => `t${String(i).padStart(2, '0')}`);
    await insertShares(run, 1, [...tokens.map((t, i): Entry => [0, t, 0.5 - i / 100]), ...tokens.map((t, i): Entry => [1, t, 0.4 - i / 100])]);
    const el = await mount(run, { top: '11' });
    expect($$(el, '.legend .chip')).to.have.length(9);
    const more = $(el, '.legend button.more');
    expect(more.textContent!.trim()).to.equal('+2 more shared');
    expect(more.getAttribute('aria-expanded')).to.equal('false');
    more.focus();
    await sendKeys({ press: 'Enter' });
    await el.updateComplete;
    expect(more.getAttribute('aria-expanded')).to.equal('true');
    const chips = $$(el, '.legend .chip');
    expect(chips.map((c) => c.dataset.token)).to.deep.equal(tokens);
    // Shift+Tab from the toggle reaches the last (uncoloured) chip; Space presses it.
    await sendKeys({ press: 'Shift+Tab' });
    expect(deepActive()).to.equal(chips[10]);
    await sendKeys({ press: 'Space' });
    await el.updateComplete;
    expect(chips[10].getAttribute('aria-pressed')).to.equal('true');
    const dimmed = $$(el, '.bar.dimmed').map((b) => b.dataset.token);
    expect(dimmed).to.have.length(2 * 10);
    expect(dimmed).to.not.include(tokens[10]);
  });

  it('says in each bar what its tooltip adds, for screen readers', async () => {
    const run = uniqueRun('tok-sr');
    await insertShares(run, 100, STEP_100);
    await insertShares(run, 200, STEP_200);
    const el = await mount(run);
    const bar = (expert: string, token: string) => $(el, `.panel[data-expert="${expert}"] .bar[data-token="${token}"]`);
    const spoken = (b: HTMLElement) => [...b.querySelectorAll('.sr-only')].map((s) => s.textContent).join('|');
    expect(spoken(bar('0', 'the'))).to.equal(', also in experts 2');
    expect(spoken(bar('2', 'the')), 'new in expert 2 since step 100').to.equal('new: |, also in experts 0');
    expect(spoken(bar('0', 'and'))).to.equal('new: ');
    expect(bar('0', 'and').querySelector('.entered')!.getAttribute('aria-hidden')).to.equal('true');
    expect(spoken(bar('0', 'of'))).to.equal('');
  });

  it('keeps every text at 4.5:1 or more in both themes, dimmed bars included', async () => {
    const run = uniqueRun('tok-contrast');
    await insertShares(run, 100, STEP_100);
    await insertShares(run, 200, STEP_200);
    for (const theme of ['light', 'dark']) {
      const el = await mount(run, { theme });
      $(el, '.legend .chip').click();
      await el.updateComplete;
      expect($$(el, '.bar.dimmed').length).to.be.greaterThan(0);
      const background = getComputedStyle($(el, '.base')).backgroundColor;
      const texts = $$(el, '*').filter((e) => !e.closest('.sr-only, select, details') && [...e.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent!.trim()));
      expect(texts.length).to.be.greaterThan(20);
      for (const e of texts) expect(contrast(getComputedStyle(e).color, background), `${theme} ${e.className} "${e.textContent!.trim()}"`).to.be.at.least(4.5);
      expect(el.shadowRoot!.querySelector('header')).to.equal(null);
      await expect(el).to.be.accessible();
      el.remove();
    }
  });
});
