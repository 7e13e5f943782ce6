import { expect, fixture, fixtureCleanup, html } from '@open-wc/testing';
import { SOURCE_URL } from 'trainwatch-test-env';
import { insertPoints, uniqueRun, waitFor, type Point } from '../../../test/browser/helpers.js';
import { formatDuration } from '../../chart/format.js';
import { liveStores } from '../../store/registry.js';
import { MilestoneBar } from './milestone-bar.component.js';
import { parseAmount, parseTargets } from './milestone-bar.model.js';
import './milestone-bar.js';

const T0 = Date.UTC(2026, 0, 1);
const TARGETS = '3B:3e9,8B:8e9,70B:7e10,SFT:8e10';

/**
 * 1e9 tokens per 100 s for 2000 s, then 2e9 per 100 s up to 40e9 at 3000 s:
 * the recent rate is twice the average, so an ETA from the wrong span shows.
 */
function tokenRun(): Point[] {
  return Array.from({ length: 31 }, (_, i) => ({
    step: i * 100,
    time: T0 + i * 100_000,
    value: i <= 20 ? i * 1e9 : 20e9 + (i - 20) * 2e9,
  }));
}

/** The rate as the element should measure it: from the last point at or before (newest − window) to the newest. */
function expectedRate(points: Point[], windowS: number): number {
  const last = points.at(-1)!;
  const start = windowS > 0 ? points.filter((p) => p.time! <= last.time! - windowS * 1000).at(-1) ?? points[0] : points[0];
  return (last.value - start.value) / ((last.time! - start.time!) / 1000);
}

async function barFor(run: string, attrs: Partial<Record<string, string>> = {}) {
  return fixture<MilestoneBar>(html`<milestone-bar
    src=${attrs.src ?? SOURCE_URL}
    run=${run}
    targets=${attrs.targets ?? TARGETS}
    rate-window=${attrs.rateWindow ?? '10m'}
    metric=${attrs.metric ?? 'tokens_total'}
    poll-interval="300"
  ></milestone-bar>`);
}

const ready = (el: MilestoneBar) => waitFor(() => el.state === 'ready' && el.shadowRoot!.querySelector('ol') && el, 'the milestones');
const items = (el: MilestoneBar) =>
  [...el.shadowRoot!.querySelectorAll('ol li')].map((li) => ({
    status: li.className,
    label: li.querySelector('.label')!.textContent!.trim(),
    target: li.querySelector('.target')!.textContent!.trim(),
    text: li.querySelector('.status')!.textContent!.replace(/\s+/g, ' ').trim(),
  }));

describe('<milestone-bar>', () => {
  afterEach(() => {
    fixtureCleanup();
    expect(liveStores().map((s) => s.source.id)).to.deep.equal([]);
  });

  it('has documented defaults and reflects attributes to properties', async () => {
    const el = await fixture<MilestoneBar>(html`<milestone-bar></milestone-bar>`);
    expect(el.metric).to.equal('tokens_total');
    expect(el.targets).to.equal(TARGETS);
    expect(el.rateWindow).to.equal('10m');
    expect(el.unit).to.equal('tok');
    el.setAttribute('run', 'r1');
    el.setAttribute('rate-window', '1h');
    el.setAttribute('targets', 'B1:2e9,B2:6e9');
    await el.updateComplete;
    expect(el.run).to.equal('r1');
    expect(el.rateWindow).to.equal('1h');
    expect(el.targets).to.equal('B1:2e9,B2:6e9');
    el.metric = 'samples_total';
    await el.updateComplete;
    expect(el.getAttribute('metric')).to.equal('samples_total');
  });

  it('says what to do when no run is set', async () => {
    const el = await fixture<MilestoneBar>(html`<milestone-bar></milestone-bar>`);
    expect(el.state).to.equal('empty');
    expect(el.shadowRoot!.querySelector('.message')!.textContent).to.contain('No run selected');
    expect(liveStores()).to.have.length(0);
  });

  it('reads targets as 3e9, 3_000_000_000 or 3B, smallest first', () => {
    expect(parseAmount('3e9')).to.equal(3e9);
    expect(parseAmount('3_000_000_000')).to.equal(3e9);
    expect(parseAmount('3B')).to.equal(3e9);
    expect(parseAmount('500M')).to.equal(5e8);
    expect(parseAmount('1.5k')).to.equal(1500);
    expect(parseAmount('7e10')).to.equal(7e10);
    expect(parseAmount('-3')).to.be.NaN;
    expect(parseAmount('0')).to.be.NaN;
    expect(parseTargets('SFT:8e10, 3B:3B ,8B:8_000_000_000')).to.deep.equal([
      { label: '3B', value: 3e9 },
      { label: '8B', value: 8e9 },
      { label: 'SFT', value: 8e10 },
    ]);
    expect(parseTargets('2e9')).to.deep.equal([{ label: '2e9', value: 2e9 }]);
    expect(() => parseTargets('3B:three')).to.throw('Invalid target "3B:three"');
  });

  it('shows how long reached milestones took, and percent and ETA of the next ones', async () => {
    const run = uniqueRun('ms');
    const points = tokenRun();
    await insertPoints(run, 'tokens_total', points, { unit: 'tok' });
    const el = await barFor(run);
    await ready(el);
    const last = points.at(-1)!;
    const rate = expectedRate(points, 600);
    expect(rate).to.equal(2e7);
    const firstReaching = (target: number) => points.find((p) => p.value >= target)!;
    const took = (target: number) => (firstReaching(target).time! - points[0].time!) / 1000;
    const eta = (target: number) => (target - last.value) / rate;
    const list = items(el);
    expect(list.map((m) => [m.label, m.status])).to.deep.equal([
      ['3B', 'reached'],
      ['8B', 'reached'],
      ['70B', 'current'],
      ['SFT', 'later'],
    ]);
    expect(list.map((m) => m.target)).to.deep.equal(['3B tok', '8B tok', '70B tok', '80B tok']);
    expect(took(3e9)).to.equal(300);
    expect(list[0].text).to.equal(`reached in ${formatDuration(took(3e9))} · 2026-01-01 00:05:00 UTC · step ${firstReaching(3e9).step}`);
    expect(list[1].text).to.equal(`reached in ${formatDuration(took(8e9))} · 2026-01-01 00:13:20 UTC · step ${firstReaching(8e9).step}`);
    expect(Math.floor((last.value / 7e10) * 100)).to.equal(57);
    expect(list[2].text).to.equal(`57% · ETA ${formatDuration(eta(7e10))}`);
    expect(list[3].text).to.equal(`ETA ${formatDuration(eta(8e10))}`);
    expect(list[3].text).to.not.contain('reached');
    const [m70, sft] = el.milestones.slice(2);
    expect(m70.etaSeconds).to.equal(1500);
    expect(sft.etaSeconds).to.equal(2000);
    expect(el.shadowRoot!.querySelector('.current-value')!.textContent).to.equal('40B tok');
    expect(el.shadowRoot!.querySelector('.rate')!.textContent).to.equal('20M tok/s over the last 10m');
    // The track: two full segments, the third filled by the share between 8B and 70B.
    const fills = [...el.shadowRoot!.querySelectorAll<HTMLElement>('.fill')].map((f) => parseFloat(f.style.width));
    expect(fills.slice(0, 2)).to.deep.equal([100, 100]);
    expect(fills[2]).to.be.closeTo(((last.value - 8e9) / (7e10 - 8e9)) * 100, 1e-3);
    expect(fills[3]).to.equal(0);
  });

  it('measures the rate over the whole run with rate-window="all"', async () => {
    const run = uniqueRun('ms-all');
    const points = tokenRun();
    await insertPoints(run, 'tokens_total', points);
    const el = await barFor(run, { rateWindow: 'all' });
    await ready(el);
    const rate = expectedRate(points, 0);
    expect(rate).to.be.closeTo(40e9 / 3000, 1e-3);
    expect(el.milestones[2].etaSeconds).to.be.closeTo((7e10 - 40e9) / rate, 1e-6);
    expect(items(el)[2].text).to.equal(`57% · ETA ${formatDuration((7e10 - 40e9) / rate)}`);
  });

  it('says "no ETA" when the rate is zero or unknown', async () => {
    const flat = uniqueRun('ms-flat');
    await insertPoints(flat, 'tokens_total', [0, 1, 2].map((i) => ({ step: i, value: 5e8, time: T0 + i * 60_000 })));
    const single = uniqueRun('ms-single');
    await insertPoints(single, 'tokens_total', [{ step: 1, value: 1.5e9, time: T0 }]);
    const a = await barFor(flat, { targets: 'B1:2B,B2:6B' });
    const b = await barFor(single, { targets: 'B1:2B,B2:6B' });
    await ready(a);
    await ready(b);
    expect(items(a).map((m) => m.text)).to.deep.equal(['25% · no ETA', 'no ETA']);
    expect(items(b).map((m) => m.text)).to.deep.equal(['75% · no ETA', 'no ETA']);
    expect(b.shadowRoot!.querySelector('.rate')!.textContent).to.equal('rate unknown');
    expect(a.shadowRoot!.textContent).to.not.contain('Infinity');
  });

  it('shows an invalid targets list as a clear message', async () => {
    const el = await barFor('r', { targets: '3B:three,8B:8e9' });
    expect(el.state).to.equal('error');
    expect(el.shadowRoot!.querySelector('[role="alert"]')!.textContent).to.contain('Invalid target "3B:three" in targets: use label:value pairs');
    expect(liveStores()).to.have.length(0);
    el.targets = ' , ';
    await el.updateComplete;
    expect(el.stateMessage).to.contain('targets is empty');
    el.targets = 'B1:2e9';
    el.rateWindow = 'soon';
    await el.updateComplete;
    expect(el.stateMessage).to.contain('Invalid window "soon"');
  });

  it('shows markup in target labels as text', async () => {
    const run = uniqueRun('ms-xss');
    await insertPoints(run, 'tokens_total', tokenRun());
    const evil = '<img src=x onerror=alert(1)>';
    const el = await barFor(run, { targets: `${evil}:5e9,done:1e11` });
    await ready(el);
    expect(el.shadowRoot!.querySelector('img')).to.equal(null);
    expect(items(el)[0].label).to.equal(evil);
    expect(el.shadowRoot!.querySelector('.mark')!.textContent).to.equal(evil);
  });

  it('shows loading, then says when the run has no such metric', async () => {
    const run = uniqueRun('ms-empty');
    await insertPoints(run, 'loss', [{ step: 1, value: 2 }]);
    const el = document.createElement('milestone-bar');
    el.src = SOURCE_URL;
    el.run = run;
    document.body.append(el);
    try {
      await el.updateComplete;
      expect(el.state).to.equal('loading');
      expect(el.shadowRoot!.querySelector('[role="status"]')!.textContent).to.contain('Loading');
      await waitFor(() => el.state === 'empty', 'the empty state');
      expect(el.shadowRoot!.querySelector('.message')!.textContent).to.equal(`No "tokens_total" points for run "${run}" yet.`);
    } finally {
      el.remove();
    }
  });

  it('treats an SQL-looking run id as just a name', async () => {
    const el = await barFor("x' OR 1=1 --");
    await waitFor(() => el.state === 'empty', 'the empty state');
    expect(el.stateMessage).to.contain(`run "x' OR 1=1 --"`);
  });

  it('reports an unreachable server', async () => {
    const el = await barFor('r', { src: 'http://127.0.0.1:9' });
    await waitFor(() => el.state === 'error', 'the error state');
    expect(el.shadowRoot!.querySelector('[role="alert"]')!.textContent).to.contain('Cannot reach ClickHouse at http://127.0.0.1:9');
  });

  it('releases its subscription and timer when removed', async () => {
    const run = uniqueRun('ms-teardown');
    await insertPoints(run, 'tokens_total', tokenRun());
    const el = await barFor(run);
    await ready(el);
    expect(el.holdsResources).to.equal(true);
    el.remove();
    expect(el.holdsResources).to.equal(false);
    expect(liveStores()).to.have.length(0);
  });

  it('is accessible', async () => {
    const run = uniqueRun('ms-a11y');
    await insertPoints(run, 'tokens_total', tokenRun());
    const el = await barFor(run);
    await ready(el);
    await expect(el).to.be.accessible();
  });
});
