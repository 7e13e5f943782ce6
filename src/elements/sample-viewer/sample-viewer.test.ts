import { expect, fixture, fixtureCleanup } from '@open-wc/testing';
import { SOURCE_URL } from 'trainwatch-test-env';
import { FixtureSource } from '../../sources/fixture-source.js';
import { liveStores, registerTransport } from '../../store/registry.js';
import { uniqueRun, waitFor, writer } from '../../../test/browser/helpers.js';
import type { SampleViewer } from './sample-viewer.component.js';
import './sample-viewer.js';

registerTransport('fixture:', (config) => FixtureSource.fromUrl(config.url));

interface SampleRow {
  step: number;
  score: number;
  /** tags_json as written: an object is stringified, a string is sent as is. */
  tags: Record<string, unknown> | string;
  metric?: string;
}

let clock = Date.now() - 60_000;
async function insertSamples(run: string, rows: SampleRow[]) {
  await writer.insert({
    table: 'training_observability.metric_points',
    format: 'JSONEachRow',
    values: rows.map((r) => ({
      run_id: run,
      metric: r.metric ?? 'sample',
      step: r.step,
      value: Number.isFinite(r.score) ? r.score : String(r.score).toLowerCase(),
      // Increasing times: samples of a step come back in the order written.
      event_time: new Date(clock++).toISOString().replace('T', ' ').replace('Z', ''),
      tags_json: typeof r.tags === 'string' ? r.tags : JSON.stringify(r.tags),
    })),
  });
}

const sample = (step: number, i: number, extra: Record<string, unknown> = {}): SampleRow => ({
  step,
  score: i / 10,
  tags: { prompt: `prompt ${step}.${i}`, completion: `completion ${step}.${i}`, scores: { reward: i / 10, length: 100 + i }, ...extra },
});

async function mount(attrs: Record<string, string>): Promise<SampleViewer> {
  const el = document.createElement('sample-viewer');
  el.setAttribute('src', SOURCE_URL);
  el.setAttribute('theme', 'light');
  el.setAttribute('poll-interval', '300');
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, value);
  return fixture<SampleViewer>(el);
}

const $ = (el: SampleViewer, selector: string) => el.shadowRoot!.querySelector<HTMLElement>(selector);
const $$ = (el: SampleViewer, selector: string) => [...el.shadowRoot!.querySelectorAll<HTMLElement>(selector)];
const text = (node: Element | null | undefined) => node?.textContent?.replace(/\s+/g, ' ').trim() ?? '';
const options = (el: SampleViewer) => $$(el, 'select option').map((o) => Number((o as HTMLOptionElement).value));
const prompts = (el: SampleViewer) => $$(el, '.sample .field:first-of-type pre').map((p) => p.textContent);

/** Waits until the cards of `step` are on screen (not the previous step's, dimmed). */
async function showing(el: SampleViewer, step: number, what = `the samples of step ${step}`) {
  await waitFor(() => el.state === 'ready' && el.shownStep === step && !$(el, '.cards.loading') && $(el, '.summary')?.textContent?.includes(`step ${step}`), what);
  await el.updateComplete;
}

describe('<sample-viewer>', () => {
  afterEach(() => fixtureCleanup());

  it('has documented defaults, and attributes and properties agree', async () => {
    const el = await fixture<SampleViewer>(document.createElement('sample-viewer'));
    expect([el.metric, el.promptField, el.completionField, el.scoresField, el.limit, el.step]).to.deep.equal(['sample', 'prompt', 'completion', 'scores', 20, undefined]);
    expect(el.state).to.equal('empty');
    expect(text($(el, '.message'))).to.contain('No run selected');
    el.setAttribute('prompt-field', 'question');
    el.setAttribute('limit', '5');
    await el.updateComplete;
    expect(el.promptField).to.equal('question');
    expect(el.limit).to.equal(5);
    el.step = 40;
    el.metric = 'eval.sample';
    await el.updateComplete;
    expect(el.getAttribute('step')).to.equal('40');
    expect(el.getAttribute('metric')).to.equal('eval.sample');
  });

  it('lists the steps with samples newest first and shows the newest step', async () => {
    const run = uniqueRun('sv-steps');
    const written = [10, 10, 30, 20, 20, 20];
    await insertSamples(run, written.map((step, i) => sample(step, i)));
    const el = await mount({ run });
    const newest = Math.max(...written);
    await showing(el, newest);
    const distinct = [...new Set(written)].sort((a, b) => b - a);
    expect(options(el)).to.deep.equal(distinct);
    expect($$(el, 'select option').map(text)).to.deep.equal(distinct.map((s) => `step ${s} · ${written.filter((w) => w === s).length} sample${written.filter((w) => w === s).length === 1 ? '' : 's'}`));
    expect(prompts(el)).to.deep.equal([`prompt ${newest}.2`]);
    expect(text($(el, '.meta'))).to.contain('following latest');
  });

  it('navigates older, newer, by the list, and back to following the latest step live', async () => {
    const run = uniqueRun('sv-nav');
    await insertSamples(run, [sample(100, 0), sample(200, 1), sample(200, 2), sample(300, 3)]);
    const el = await mount({ run });
    await showing(el, 300);
    const newer = $(el, '.newer') as HTMLButtonElement;
    const older = $(el, '.older') as HTMLButtonElement;
    const latest = $(el, '.latest') as HTMLButtonElement;
    expect([newer.disabled, older.disabled, latest.disabled]).to.deep.equal([true, false, true]);
    older.click();
    await showing(el, 200);
    expect(el.step).to.equal(200);
    expect(el.getAttribute('step')).to.equal('200');
    expect(prompts(el)).to.deep.equal(['prompt 200.1', 'prompt 200.2']);
    older.click();
    await showing(el, 100);
    expect(older.disabled).to.equal(true);
    newer.click();
    await showing(el, 200);
    const select = $(el, 'select') as HTMLSelectElement;
    select.value = '100';
    select.dispatchEvent(new Event('change'));
    await showing(el, 100);
    expect(prompts(el)).to.deep.equal(['prompt 100.0']);
    // Pinned: a new step is listed but not shown.
    await insertSamples(run, [sample(400, 4)]);
    await waitFor(() => options(el)[0] === 400, 'step 400 in the list');
    expect(el.shownStep).to.equal(100);
    expect(latest.disabled).to.equal(false);
    latest.click();
    await showing(el, 400);
    expect(el.step).to.equal(undefined);
    expect(el.hasAttribute('step')).to.equal(false);
    // Following: the next new step is shown as it arrives.
    await insertSamples(run, [sample(500, 5)]);
    await showing(el, 500, 'step 500 shown live');
    expect(prompts(el)).to.deep.equal(['prompt 500.5']);
  });

  it('shows the main score and each named score', async () => {
    const run = uniqueRun('sv-scores');
    const scores = { reward: 0.71, length: 182, judge: 'pass' };
    await insertSamples(run, [
      { step: 5, score: 0.71, tags: { prompt: 'p', completion: 'c', scores } },
      { step: 5, score: NaN, tags: { prompt: 'p2', completion: 'c2' } },
    ]);
    const el = await mount({ run });
    await showing(el, 5);
    const [first, second] = $$(el, '.sample');
    const pairs = [...first.querySelectorAll('.score')].map((s) => [text(s.querySelector('dt')), text(s.querySelector('dd'))]);
    expect(pairs).to.deep.equal([['score', '0.71'], ...Object.entries(scores).map(([k, v]) => [k, String(v)])]);
    expect(text(second.querySelector('.score.main dd'))).to.equal('NaN');
    expect(second.querySelectorAll('.score')).to.have.length(1);
  });

  it('shows markup in prompts, completions and score names as text, creating no element', async () => {
    const run = uniqueRun('sv-xss');
    const img = '<img src=x onerror=alert(1)>';
    const script = '<script>alert(1)</script>';
    await insertSamples(run, [{ step: 1, score: 1, tags: { prompt: img, completion: script, scores: { [img]: script } } }]);
    const el = await mount({ run });
    await showing(el, 1);
    const pres = $$(el, '.sample pre');
    expect(pres.map((p) => p.textContent)).to.deep.equal([img, script]);
    expect(text($(el, '.score:not(.main) dt'))).to.equal(img);
    expect(text($(el, '.score:not(.main) dd'))).to.equal(script);
    expect(el.shadowRoot!.querySelector('img, script')).to.equal(null);
  });

  it('shows a malformed tags_json as such, with its text, without breaking the other samples', async () => {
    const run = uniqueRun('sv-bad');
    const notJson = '{"prompt": "cut off <b>';
    const notObject = '[1, 2, 3]';
    await insertSamples(run, [sample(7, 1), { step: 7, score: 0.2, tags: notJson }, { step: 7, score: 0.3, tags: notObject }, sample(7, 4)]);
    const el = await mount({ run });
    await showing(el, 7);
    const cards = $$(el, '.sample');
    expect(cards).to.have.length(4);
    expect(cards.map((c) => text(c.querySelector('.malformed')))).to.deep.equal(['', '(malformed tags_json)', '(malformed tags_json)', '']);
    expect(cards[1].querySelector('pre.raw')!.textContent).to.equal(notJson);
    expect(cards[2].querySelector('pre.raw')!.textContent).to.equal(notObject);
    expect(text(cards[1].querySelector('.score.main dd'))).to.equal('0.2');
    expect(cards[3].querySelector('pre')!.textContent).to.equal('prompt 7.4');
    expect(el.shadowRoot!.querySelector('b')).to.equal(null);
  });

  it('reads renamed fields, limits the samples per step, and collapses long text', async () => {
    const run = uniqueRun('sv-fields');
    const long = Array.from({ length: 40 }, (_, i) => `line ${i}`).join('\n');
    await insertSamples(
      run,
      Array.from({ length: 5 }, (_, i) => ({ step: 3, score: i, tags: { question: `q${i}`, answer: i === 0 ? long : `a${i}`, metrics: { acc: i } } })),
    );
    const el = await mount({ run, 'prompt-field': 'question', 'completion-field': 'answer', 'scores-field': 'metrics', limit: '3' });
    await showing(el, 3);
    expect(prompts(el)).to.deep.equal(['q0', 'q1', 'q2']);
    // Scores 0, 1, 2 are shown: their mean is 1.
    expect(text($(el, '.summary'))).to.equal('step 3 · 3 of 5 samples · mean score 1');
    expect([text($(el, '.score:not(.main) dt')), text($(el, '.score:not(.main) dd'))]).to.deep.equal(['acc', '0']);
    const completion = $$(el, '.sample')[0].querySelectorAll('pre')[1];
    expect(completion.textContent).to.equal(long);
    expect(completion.classList.contains('clamped')).to.equal(true);
    const more = $(el, '.more') as HTMLButtonElement;
    expect(more.getAttribute('aria-expanded')).to.equal('false');
    more.click();
    await el.updateComplete;
    expect(completion.classList.contains('clamped')).to.equal(false);
    expect(more.getAttribute('aria-expanded')).to.equal('true');
  });

  it('shows loading, empty and error states', async () => {
    const loading = await mount({ src: 'fixture:loading', run: 'r' });
    expect(loading.state).to.equal('loading');
    expect(text($(loading, '.message'))).to.equal('Loading…');
    const run = uniqueRun('sv-empty');
    const empty = await mount({ run });
    await waitFor(() => empty.state === 'empty', 'the empty state');
    expect(text($(empty, '.message'))).to.equal(`No "sample" rows for run "${run}".`);
    const error = await mount({ src: 'http://127.0.0.1:9', run: 'r' });
    await waitFor(() => error.state === 'error', 'the error state');
    expect(text($(error, '[role="alert"]'))).to.contain('Cannot reach ClickHouse at http://127.0.0.1:9');
  });

  it('says a picked step has no samples', async () => {
    const run = uniqueRun('sv-nostep');
    await insertSamples(run, [sample(1, 1)]);
    const el = await mount({ run, step: '999' });
    await showing(el, 999);
    expect(text($(el, '.summary'))).to.equal('No samples at step 999.');
    expect(options(el)).to.deep.equal([999, 1]);
  });

  it('explains invalid attributes instead of throwing, and queries nothing', async () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ limit: '0' }, 'limit must be a whole number from 1 to 1000'],
      [{ limit: 'lots' }, 'limit must be a whole number from 1 to 1000'],
      [{ step: 'last' }, 'step must be a whole number ≥ 0'],
      [{ 'prompt-field': '' }, 'prompt-field must not be empty'],
      [{ 'poll-interval': '10' }, 'poll-interval must be at least 250 ms'],
    ];
    for (const [attrs, message] of cases) {
      const el = await mount({ run: 'r', ...attrs });
      expect(el.state).to.equal('error');
      expect(text($(el, '[role="alert"]'))).to.contain(message);
    }
    expect(liveStores()).to.have.length(0);
  });

  it('releases its subscriptions when removed', async () => {
    const run = uniqueRun('sv-teardown');
    await insertSamples(run, [sample(1, 1)]);
    const el = await mount({ run });
    await showing(el, 1);
    expect(el.holdsResources).to.equal(true);
    fixtureCleanup();
    expect(el.holdsResources).to.equal(false);
    expect(liveStores()).to.have.length(0);
  });

  it('is accessible', async () => {
    const run = uniqueRun('sv-a11y');
    await insertSamples(run, [sample(1, 1), sample(2, 2)]);
    const el = await mount({ run });
    await showing(el, 2);
    await expect(el).to.be.accessible();
  });
});
