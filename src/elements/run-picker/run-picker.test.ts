import { expect, fixture, fixtureCleanup, html, oneEvent } from '@open-wc/testing';
import { SOURCE_URL } from 'trainwatch-test-env';
import { insertPoints, uniqueRun, waitFor } from '../../../test/browser/helpers.js';
import { colorFor } from '../../chart/colors.js';
import { liveStores } from '../../store/registry.js';
import type { TrainwatchFilters } from '../trainwatch-filters/trainwatch-filters.component.js';
import '../trainwatch-filters/trainwatch-filters.js';
import { RunPicker } from './run-picker.component.js';
import './run-picker.js';

const badge = (el: RunPicker, run: string) =>
  [...el.shadowRoot!.querySelectorAll<HTMLButtonElement>('button[part="badge"]')].find((b) => b.querySelector('.name')!.textContent === run);

async function picker(attrs = '') {
  const el = await fixture<RunPicker>(html`<run-picker src=${SOURCE_URL} limit="1000" poll-interval="300"></run-picker>`);
  if (attrs) el.setAttribute('selected', attrs);
  return el;
}

describe('<run-picker>', () => {
  afterEach(() => {
    fixtureCleanup();
    expect(liveStores()).to.have.length(0);
  });

  it('lists runs newest first with their status: live, stale, finished, failed (with the reason)', async () => {
    const now = Date.now();
    const [live, finished, failed, stale] = ['live', 'finished', 'failed', 'stale'].map((p) => uniqueRun(`picker-${p}`));
    await insertPoints(live, 'loss', [{ step: 7, value: 1, time: now - 2_000 }]);
    await insertPoints(finished, 'loss', [{ step: 40, value: 1, time: now - 600_000 }]);
    await insertPoints(finished, 'run.status', [{ step: 40, value: 1, time: now - 600_000 }], { tags_json: '{"status":"finished"}' });
    await insertPoints(failed, 'loss', [{ step: 12, value: NaN, time: now - 1_200_000 }]);
    await insertPoints(failed, 'run.status', [{ step: 12, value: 2, time: now - 1_200_000 }], { tags_json: '{"status":"failed","reason":"loss diverged"}' });
    await insertPoints(stale, 'loss', [{ step: 3, value: 1, time: now - 1_800_000 }]);
    const el = await picker(live);
    await waitFor(() => badge(el, stale), 'the runs to load');
    const mine = [live, finished, failed, stale];
    const order = el.summaries.map((s) => s.run).filter((r) => mine.includes(r));
    expect(order).to.deep.equal(mine);
    const status = (run: string) => badge(el, run)!.querySelector('.status')!.textContent;
    expect([live, finished, failed, stale].map(status)).to.deep.equal(['live', 'finished', 'failed', 'stale']);
    expect(badge(el, failed)!.title).to.equal(`${failed}: loss diverged`);
    expect(badge(el, live)!.querySelector('.detail')!.textContent).to.match(/^step 7 · /);
    // Each badge wears its run's page-wide colour.
    expect(badge(el, finished)!.style.getPropertyValue('--_run').trim()).to.equal(colorFor(finished));
  });

  it('selects the newest runs by default and toggles a run with a click or the keyboard, announcing the selection', async () => {
    const run = uniqueRun('picker-default');
    await insertPoints(run, 'loss', [{ step: 1, value: 1, time: Date.now() + 86_400_000 }]);
    const el = await fixture<RunPicker>(html`<run-picker src=${SOURCE_URL} default-count="1" poll-interval="300"></run-picker>`);
    const first = oneEvent(el, 'trainwatch-runs-change');
    expect((await first).detail.runs).to.deep.equal([run]);
    expect(el.getAttribute('selected')).to.equal(run);
    await el.updateComplete;
    expect(badge(el, run)!.getAttribute('aria-pressed')).to.equal('true');
    const off = oneEvent(el, 'trainwatch-runs-change');
    badge(el, run)!.click();
    expect((await off).detail.runs).to.deep.equal([]);
    await el.updateComplete;
    expect(badge(el, run)!.getAttribute('aria-pressed')).to.equal('false');
    // A run id with markup is a name, not HTML.
    const hostile = uniqueRun('<img src=x onerror=alert(1)>');
    await insertPoints(hostile, 'loss', [{ step: 1, value: 1, time: Date.now() + 2 * 86_400_000 }]);
    await waitFor(() => badge(el, hostile), 'the hostile run');
    expect(el.shadowRoot!.querySelector('img')).to.equal(null);
  });

  it('inside <trainwatch-filters> shows and sets their runs, and gives them its selection when they have none', async () => {
    const [a, b] = ['a', 'b'].map((p) => uniqueRun(`picker-filters-${p}`));
    for (const run of [a, b]) await insertPoints(run, 'loss', [{ step: 1, value: 1, time: Date.UTC(2026, 0, 5) }]);
    const root = await fixture<TrainwatchFilters>(html`<trainwatch-filters>
      <run-picker src=${SOURCE_URL} selected=${a} limit="1000" poll-interval="300"></run-picker>
    </trainwatch-filters>`);
    const el = root.querySelector('run-picker')!;
    await waitFor(() => root.run === a, 'the picker to give the filters its selection');
    await waitFor(() => badge(el, b), 'the runs to load');
    await el.updateComplete;
    expect(badge(el, a)!.getAttribute('aria-pressed')).to.equal('true');
    // The filters change (a link, back / forward): the picker shows it.
    root.run = b;
    await waitFor(() => el.runs.join() === b, 'the picker to follow');
    await el.updateComplete;
    expect(el.getAttribute('selected')).to.equal(b);
    expect([a, b].map((r) => badge(el, r)!.getAttribute('aria-pressed'))).to.deep.equal(['false', 'true']);
    // Deselecting every run is a choice: the filters are left without runs, and nothing refills them.
    badge(el, b)!.click();
    await waitFor(() => root.run === '', 'the filters to lose their run');
    await new Promise((r) => setTimeout(r, 700));
    await el.updateComplete;
    expect(root.run).to.equal('');
    expect([a, b].map((r) => badge(el, r)!.getAttribute('aria-pressed'))).to.deep.equal(['false', 'false']);
  });

  it('says why when the server cannot be reached', async () => {
    const el = await fixture<RunPicker>(html`<run-picker src="http://127.0.0.1:9" poll-interval="300"></run-picker>`);
    await waitFor(() => el.state === 'error', 'the error');
    expect(el.shadowRoot!.querySelector('[role="alert"]')!.textContent).to.match(/Cannot reach ClickHouse at http:\/\/127\.0\.0\.1:9/);
  });
});
