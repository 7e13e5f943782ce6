import { expect, fixture, fixtureCleanup, html, oneEvent } from '@open-wc/testing';
import { SOURCE_URL } from 'trainwatch-test-env';
import { uniqueRun, waitFor, writer } from '../../../test/browser/helpers.js';
import { FixtureSource } from '../../sources/fixture-source.js';
import { liveStores, registerTransport } from '../../store/registry.js';
import { MoeTokens } from './moe-tokens.component.js';
import './moe-tokens.js';

registerTransport('fixture:', (config) => FixtureSource.fromUrl(config.url));

const METRIC = 'moe.expert_token_share';
type Entry = [expert: number | string, token: string, share: number];

/** One row per (expert, token) at a step, tags as the trainer writes them. */
async function insertShares(run: string, step: number, entries: Entry[], fields = { expert: 'expert', token: 'token' }, metric = METRIC) {
  await writer.insert({
    table: 'training_observability.metric_points',
    format: 'JSONEachRow',
    values: entries.map(([expert, token, share]) => ({
      run_id: run,
      metric,
      step,
      value: share,
      event_time: new Date(Date.UTC(2026, 0, 1) + step * 1000).toISOString().replace('T', ' ').replace('Z', ''),
      tags_json: JSON.stringify({ [fields.expert]: expert, [fields.token]: token }),
    })),
  });
}

// Step 100, then step 200: expert 0's list changes, "the" is in experts 0 and 2 at step 200.
const STEP_100: Entry[] = [
  [0, 'of', 0.5],
  [0, 'the', 0.3],
  [0, 'a', 0.1],
  [2, 'def', 0.6],
  [2, 'return', 0.2],
  [10, 'x', 0.9],
];
const STEP_200: Entry[] = [
  [0, 'the', 0.42],
  [0, 'of', 0.25],
  [0, 'and', 0.125],
  [0, 'a', 0.05],
  [2, 'def', 0.55],
  [2, 'the', 0.0075],
  [2, 'return', 0.15],
  [10, 'y', 0.33],
];

/** What the test expects a share to read: a percentage, one decimal (two below 1%). */
const percent = (share: number) => `${(share * 100).toFixed(share * 100 < 1 ? 2 : 1)}%`;

/** Top `k` of an expert's entries, largest share first. */
const topOf = (entries: Entry[], expert: number, k: number) =>
  entries
    .filter((e) => e[0] === expert)
    .sort((a, b) => b[2] - a[2])
    .slice(0, k);

/** Mounts an element with every attribute set before it connects, as a page would write it. */
async function tokensFor(run: string, attrs: Record<string, string> = {}) {
  const wrap = await fixture<HTMLDivElement>(html`<div style="width: 900px"></div>`);
  const el = document.createElement('moe-tokens');
  for (const [name, value] of Object.entries({ src: SOURCE_URL, run, 'poll-interval': '300', ...attrs })) el.setAttribute(name, value);
  wrap.append(el);
  await el.updateComplete;
  return el;
}

const root = (el: MoeTokens) => el.shadowRoot!;
const panels = (el: MoeTokens) => [...root(el).querySelectorAll<HTMLElement>('.panel')];
const panel = (el: MoeTokens, expert: string) => root(el).querySelector<HTMLElement>(`.panel[data-expert="${expert}"]`)!;
const barsOf = (el: MoeTokens, expert: string) =>
  [...panel(el, expert).querySelectorAll<HTMLElement>('.bar')].map((b) => ({
    token: b.dataset.token,
    text: b.querySelector('.text')!.textContent,
    pct: b.querySelector('.pct')!.textContent,
  }));
const shownStep = (el: MoeTokens) => root(el).querySelector('.shown-step')?.textContent ?? '';
const ready = (el: MoeTokens, what = 'the panels') => waitFor(() => el.state === 'ready' && panels(el).length > 0, what);

describe('<moe-tokens>', () => {
  afterEach(() => {
    fixtureCleanup();
    expect(liveStores().map((s) => s.source.id)).to.deep.equal([]);
  });

  it('has documented defaults and reflects attributes to properties', async () => {
    const el = await fixture<MoeTokens>(html`<moe-tokens></moe-tokens>`);
    expect(el.metric).to.equal(METRIC);
    expect(el.expertField).to.equal('expert');
    expect(el.tokenField).to.equal('token');
    expect(el.top).to.equal(5);
    expect(el.step).to.equal(undefined);
    expect(el.state).to.equal('empty');
    expect(root(el).querySelector('.message')!.textContent).to.contain('No run selected');
    expect(liveStores()).to.have.length(0);
    el.setAttribute('top', '3');
    el.setAttribute('expert-field', 'e');
    el.setAttribute('token-field', 'tok');
    el.setAttribute('step', '1200');
    await el.updateComplete;
    expect(el.top).to.equal(3);
    expect(el.expertField).to.equal('e');
    expect(el.tokenField).to.equal('tok');
    expect(el.step).to.equal(1200);
    el.run = 'some-run';
    el.step = undefined;
    await el.updateComplete;
    expect(el.getAttribute('run')).to.equal('some-run');
    expect(el.hasAttribute('step')).to.equal(false);
  });

  it('shows the latest step: experts in numeric order, each with its top tokens and their shares', async () => {
    const run = uniqueRun('moe-latest');
    await insertShares(run, 100, STEP_100);
    await insertShares(run, 200, STEP_200);
    const el = await tokensFor(run, { top: '3' });
    await ready(el);
    expect(shownStep(el)).to.equal('step 200 · latest');
    expect(panels(el).map((p) => p.dataset.expert)).to.deep.equal(['0', '2', '10']);
    for (const expert of [0, 2, 10]) {
      const expected = topOf(STEP_200, expert, 3);
      expect(barsOf(el, String(expert)), `expert ${expert}`).to.deep.equal(expected.map(([, token, share]) => ({ token, text: token, pct: percent(share) })));
    }
    // Bars are drawn against the largest share shown, so panels compare.
    const max = Math.max(...[0, 2, 10].flatMap((e) => topOf(STEP_200, e, 3).map((x) => x[2])));
    const fill = panel(el, '0').querySelector<HTMLElement>('.bar .fill')!;
    expect(parseFloat(fill.style.width)).to.be.closeTo((0.42 / max) * 100, 1e-3);
    const select = root(el).querySelector('select')!;
    expect([...select.options].map((o) => o.value)).to.deep.equal(['', '200', '100']);
    expect(select.value).to.equal('');
  });

  it('gives a token in several experts’ top lists one colour in every panel, and lists its experts', async () => {
    const run = uniqueRun('moe-shared');
    await insertShares(run, 100, STEP_100);
    await insertShares(run, 200, STEP_200);
    const el = await tokensFor(run);
    await ready(el);
    const bar = (expert: string, token: string) => panel(el, expert).querySelector<HTMLElement>(`.bar[data-token="${token}"]`)!;
    const colour = (b: HTMLElement) => getComputedStyle(b.querySelector('.fill')!).backgroundColor;
    expect(bar('0', 'the').classList.contains('shared')).to.equal(true);
    expect(bar('2', 'the').classList.contains('shared')).to.equal(true);
    expect(bar('0', 'of').classList.contains('shared')).to.equal(false);
    expect(colour(bar('0', 'the'))).to.equal(colour(bar('2', 'the')));
    expect(colour(bar('0', 'the'))).to.not.equal(colour(bar('0', 'of')));
    // Unshared tokens share one neutral colour.
    expect(colour(bar('0', 'of'))).to.equal(colour(bar('2', 'def')));
    const chips = [...root(el).querySelectorAll<HTMLElement>('.legend .chip')];
    expect(chips.map((c) => c.dataset.token)).to.deep.equal(['the']);
    expect(chips[0].textContent).to.contain('→ 0, 2');
    expect(getComputedStyle(chips[0].querySelector('.swatch')!).backgroundColor).to.equal(colour(bar('0', 'the')));
    // Clicking the chip dims every other token.
    chips[0].click();
    await el.updateComplete;
    expect(chips[0].getAttribute('aria-pressed')).to.equal('true');
    expect(bar('0', 'of').classList.contains('dimmed')).to.equal(true);
    expect(bar('2', 'the').classList.contains('dimmed')).to.equal(false);
  });

  it('marks tokens that entered an expert’s top list since the previous logged step', async () => {
    const run = uniqueRun('moe-drift');
    await insertShares(run, 100, STEP_100);
    await insertShares(run, 200, STEP_200);
    const el = await tokensFor(run, { top: '3' });
    await ready(el);
    for (const expert of [0, 2, 10]) {
      const before = new Set(topOf(STEP_100, expert, 3).map((e) => e[1]));
      const entered = topOf(STEP_200, expert, 3).map((e) => e[1]).filter((t) => !before.has(t));
      const marked = [...panel(el, String(expert)).querySelectorAll<HTMLElement>('.bar')].filter((b) => b.querySelector('.entered')).map((b) => b.dataset.token);
      expect(marked, `expert ${expert}`).to.deep.equal(entered);
      const drift = panel(el, String(expert)).querySelector('.drift');
      expect(drift?.textContent?.trim() ?? '', `expert ${expert}`).to.equal(entered.length ? `+${entered.length} new` : '');
    }
  });

  it('shows an older step when the user picks it, and back to the latest', async () => {
    const run = uniqueRun('moe-pick');
    await insertShares(run, 100, STEP_100);
    await insertShares(run, 200, STEP_200);
    const el = await tokensFor(run);
    await ready(el);
    const select = root(el).querySelector('select')!;
    const fired = oneEvent(el, 'trainwatch-step-change');
    select.value = '100';
    select.dispatchEvent(new Event('change'));
    expect((await fired).detail.step).to.equal(100);
    expect(el.step).to.equal(100);
    await el.updateComplete;
    expect(el.getAttribute('step')).to.equal('100');
    // Until step 100 arrives, step 200's panels stay, dimmed and marked busy.
    expect(el.state).to.equal('loading');
    expect(root(el).querySelector('.body.pending[aria-busy="true"] .panel')).to.not.equal(null);
    expect(shownStep(el)).to.equal('Loading…');
    await waitFor(() => el.state === 'ready' && shownStep(el) === 'step 100', 'step 100');
    expect(barsOf(el, '0').map((b) => [b.token, b.pct])).to.deep.equal(topOf(STEP_100, 0, 5).map(([, t, s]) => [t, percent(s)]));
    // Step 100 has no previous step: nothing is marked new.
    expect(root(el).querySelectorAll('.entered')).to.have.length(0);
    expect(root(el).querySelector<HTMLSelectElement>('select')!.value).to.equal('100');
    const back = root(el).querySelector('select')!;
    back.value = '';
    back.dispatchEvent(new Event('change'));
    await waitFor(() => el.state === 'ready' && shownStep(el) === 'step 200 · latest', 'the latest step again');
    expect(el.hasAttribute('step')).to.equal(false);
  });

  it('shows the last logged step at or before a fixed step', async () => {
    const run = uniqueRun('moe-fixed');
    await insertShares(run, 100, STEP_100);
    await insertShares(run, 200, STEP_200);
    const el = await tokensFor(run, { step: '150' });
    await ready(el);
    expect(shownStep(el)).to.equal('step 100 (last logged at or before 150)');
    expect(barsOf(el, '10').map((b) => b.token)).to.deep.equal(['x']);
    const before = await tokensFor(run, { step: '50' });
    await waitFor(() => before.state === 'empty', 'the empty state');
    expect(before.stateMessage).to.contain('at or before step 50');
  });

  it('shows whitespace, control characters and markup in tokens as visible text', async () => {
    const run = uniqueRun('moe-text');
    const markup = '<img src=x onerror=alert(1)>';
    await insertShares(run, 100, [
      [1, ' ', 0.4],
      [1, '\n', 0.3],
      [1, ' the', 0.2],
      [1, markup, 0.1],
      [1, 'a\u0007b\tc', 0.05],
    ]);
    const el = await tokensFor(run);
    await ready(el);
    const bars = barsOf(el, '1');
    expect(bars.map((b) => b.text)).to.deep.equal(['␣', '⏎', '␣the', markup.replaceAll(' ', '␣'), 'a␇b⇥c']);
    expect(bars.map((b) => b.token)).to.deep.equal([' ', '\n', ' the', markup, 'a\u0007b\tc']);
    expect(root(el).querySelector('img')).to.equal(null);
    // The exact token is in the tooltip, JSON-quoted.
    expect(panel(el, '1').querySelector<HTMLElement>('.bar')!.title).to.contain('" "');
  });

  it('reads expert and token from renamed tags_json fields, with string expert ids', async () => {
    const run = uniqueRun('moe-fields');
    await insertShares(run, 7, [['e2', 'foo', 0.6], ['e10', 'bar', 0.3], ['e2', 'bar', 0.1]], { expert: 'moe_expert', token: 'tok' });
    const el = await tokensFor(run, { 'expert-field': 'moe_expert', 'token-field': 'tok' });
    await ready(el);
    expect(panels(el).map((p) => p.dataset.expert)).to.deep.equal(['e2', 'e10']);
    expect(barsOf(el, 'e2').map((b) => [b.token, b.pct])).to.deep.equal([['foo', percent(0.6)], ['bar', percent(0.1)]]);
    // The default field names find nothing in these rows, and say so.
    const plain = await tokensFor(run);
    await waitFor(() => plain.state === 'empty', 'the empty state');
    expect(plain.stateMessage).to.contain('tags_json fields "expert" and "token"');
  });

  it('says when the run has no such metric, and treats an SQL-looking run id as a name', async () => {
    const el = await tokensFor("x' OR 1=1 --");
    await waitFor(() => el.state === 'empty', 'the empty state');
    expect(el.stateMessage).to.equal(`No "${METRIC}" rows for run "x' OR 1=1 --".`);
    expect(root(el).querySelector('.message')!.getAttribute('role')).to.equal('status');
  });

  it('shows a loading state until the first answer', async () => {
    const el = await tokensFor('gpt-124m-baseline', { src: 'fixture:loading' });
    expect(el.state).to.equal('loading');
    expect(root(el).querySelector('.message')!.textContent).to.equal('Loading…');
  });

  it('reports an unreachable server', async () => {
    const el = await tokensFor('r', { src: 'http://127.0.0.1:9' });
    await waitFor(() => el.state === 'error', 'the error state');
    expect(root(el).querySelector('[role="alert"]')!.textContent).to.contain('Cannot reach ClickHouse at http://127.0.0.1:9');
  });

  it('rejects invalid attribute values with a message, without querying', async () => {
    for (const [name, value, message] of [
      ['top', '0', 'top must be a whole number from 1 to 100; got "0"'],
      ['top', 'many', 'top must be a whole number from 1 to 100; got "many"'],
      ['step', '-5', 'step must be a whole number ≥ 0'],
      ['expert-field', ' ', 'expert-field must name a tags_json field'],
    ]) {
      const el = await tokensFor('r', { [name]: value });
      expect(el.state, `${name}=${value}`).to.equal('error');
      expect(root(el).querySelector('[role="alert"]')!.textContent).to.contain(message);
      el.remove();
    }
    expect(liveStores()).to.have.length(0);
  });

  it('releases its subscription when removed', async () => {
    const run = uniqueRun('moe-teardown');
    await insertShares(run, 1, [[0, 'a', 1]]);
    const el = await tokensFor(run);
    await ready(el);
    const store = liveStores()[0];
    expect(store.active).to.equal(true);
    el.remove();
    expect(liveStores()).to.have.length(0);
    expect(store.active).to.equal(false);
  });

  it('is accessible, in both themes and with several on a page', async () => {
    const run = uniqueRun('moe-a11y');
    await insertShares(run, 100, STEP_100);
    await insertShares(run, 200, STEP_200);
    for (const theme of ['light', 'dark']) {
      const el = await tokensFor(run, { theme });
      await ready(el);
      await expect(el).to.be.accessible();
    }
  });
});
