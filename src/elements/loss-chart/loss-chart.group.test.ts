import { expect, fixture, fixtureCleanup, html } from '@open-wc/testing';
import { resetMouse, sendKeys, sendMouse } from '@web/test-runner-commands';
import { SOURCE_URL } from 'trainwatch-test-env';
import { insertPoints, uniqueRun, waitFor, type Point } from '../../../test/browser/helpers.js';
import { groupSize } from '../../chart/group-sync.js';
import { liveStores } from '../../store/registry.js';
import type { LossChart } from './loss-chart.component.js';
import './loss-chart.js';

const ramp = (n: number, f: (i: number) => number): Point[] => Array.from({ length: n }, (_, i) => ({ step: i, value: f(i) }));
const ready = (el: LossChart) => waitFor(() => el.state === 'ready' && el.chartData, `${el.run} to draw`);
const plotOf = (el: LossChart) => el.shadowRoot!.querySelector<HTMLElement>('.plot')!;
const live = (el: LossChart) => el.shadowRoot!.querySelector('[role="status"][aria-live="polite"]')!.textContent!.trim();
const xs = (el: LossChart) => Array.from(el.chartData![0]);

/** Three charts, the first two in one group; each of a run of its own. */
async function trio(runs: string[], group: string, xAxis = 'step') {
  const wrap = await fixture<HTMLDivElement>(html`<div style="width: 640px">
    <loss-chart src=${SOURCE_URL} run=${runs[0]} smoothing="0" poll-interval="300" group=${group} x-axis=${xAxis}></loss-chart>
    <loss-chart src=${SOURCE_URL} run=${runs[1]} smoothing="0" poll-interval="300" group=${group} x-axis=${xAxis}></loss-chart>
    <loss-chart src=${SOURCE_URL} run=${runs[2]} smoothing="0" poll-interval="300" x-axis=${xAxis}></loss-chart>
  </div>`);
  const charts = [...wrap.querySelectorAll('loss-chart')];
  for (const el of charts) await ready(el);
  return charts;
}

describe('<loss-chart> groups and keyboard', () => {
  afterEach(async () => {
    await resetMouse();
    fixtureCleanup();
    expect(liveStores().map((s) => s.source.id)).to.deep.equal([]);
  });

  it('zooms every chart of its group, each fetching its own finer points, and leaves others alone', async () => {
    const runs = [uniqueRun('ga'), uniqueRun('gb'), uniqueRun('gc')];
    const series = runs.map((_, k) => ramp(20_000, (i) => k + 3 + Math.cos(i / 37)));
    for (const [k, run] of runs.entries()) await insertPoints(run, 'loss', series[k]);
    const group = uniqueRun('group');
    const [a, b, c] = await trio(runs, group);
    const before = xs(c);
    expect(xs(b).length, 'the whole run is reduced').to.be.lessThan(5000);

    a.setZoom([5000, 5200]);
    expect(b.zoomRange).to.deep.equal([5000, 5200]);
    expect(c.zoomRange).to.equal(undefined);
    // The follower shows the zoomed range at raw resolution, fetched for it as if its user had zoomed.
    const data = await waitFor(() => {
      const d = b.chartData;
      return d && Array.from(d[0]).filter((x) => x >= 5000 && x <= 5200).length === 201 && d;
    }, 'the follower to fetch raw points of the range');
    const bx = Array.from(data[0]);
    for (let step = 5000; step <= 5200; step++) expect((data[1] as number[])[bx.indexOf(step)]).to.equal(series[1][step].value);
    expect(b.shadowRoot!.querySelector('.note')!.textContent).to.contain('zoomed');
    expect(xs(c)).to.deep.equal(before);
    // Only the chart the user zoomed says so.
    expect(live(a)).to.equal('Zoomed to steps 5000 to 5200.');
    expect(live(b)).to.equal('');

    // A reset in the follower resets the leader.
    b.shadowRoot!.querySelector<HTMLButtonElement>('.reset')!.click();
    expect(a.zoomRange).to.equal(undefined);
    expect(b.zoomRange).to.equal(undefined);
  });

  it('zooms the group by dragging across a plot, and shares the cursor', async () => {
    const runs = [uniqueRun('da'), uniqueRun('db'), uniqueRun('dc')];
    for (const run of runs) await insertPoints(run, 'loss', ramp(1000, (i) => 2 - i / 1000));
    const [a, b, c] = await trio(runs, uniqueRun('drag'));
    const over = a.shadowRoot!.querySelector<HTMLElement>('.u-over')!;
    const box = over.getBoundingClientRect();
    const y = Math.round(box.top + box.height / 2);
    await sendMouse({ type: 'move', position: [Math.round(box.left + box.width * 0.25), y] });
    await sendMouse({ type: 'down' });
    await sendMouse({ type: 'move', position: [Math.round(box.left + box.width * 0.5), y] });
    await sendMouse({ type: 'move', position: [Math.round(box.left + box.width * 0.75), y] });
    await sendMouse({ type: 'up' });
    const range = await waitFor(() => a.zoomRange, 'the drag to zoom');
    // About the middle half of steps 0…999 (a pixel is about two steps here).
    expect(range[0]).to.be.closeTo(250, 6);
    expect(range[1]).to.be.closeTo(750, 6);
    expect(b.zoomRange).to.deep.equal(range);
    expect(c.zoomRange).to.equal(undefined);
    // Zoomed once, by the chart dragged in: the follower neither replays the drag nor announces it.
    await waitFor(() => live(a).startsWith('Zoomed to steps'), 'the announcement');
    expect(live(b)).to.equal('');
    await waitFor(() => xs(b)[0] >= range[0] - 1 && xs(b).at(-1)! <= range[1] + 1, 'the follower to draw the range');

    // Hovering one chart of the group shows the other's tooltip at the same step; the outsider's stays hidden.
    await sendMouse({ type: 'move', position: [Math.round(box.left + box.width / 2), y] });
    const tip = await waitFor(() => {
      const t = b.shadowRoot!.querySelector<HTMLElement>('.tooltip')!;
      return !t.hidden && t;
    }, 'the synced tooltip');
    const own = a.shadowRoot!.querySelector<HTMLElement>('.tooltip')!;
    expect(own.hidden).to.equal(false);
    expect(tip.querySelector('.tip-x')!.textContent).to.equal(own.querySelector('.tip-x')!.textContent);
    expect(c.shadowRoot!.querySelector<HTMLElement>('.tooltip')!.hidden).to.equal(true);
  });

  it('does not zoom a group member whose x axis is another kind', async () => {
    const runs = [uniqueRun('ka'), uniqueRun('kb')];
    for (const run of runs) await insertPoints(run, 'loss', ramp(100, () => 1));
    const group = uniqueRun('kinds');
    const wrap = await fixture<HTMLDivElement>(html`<div style="width: 640px">
      <loss-chart src=${SOURCE_URL} run=${runs[0]} poll-interval="300" group=${group}></loss-chart>
      <loss-chart src=${SOURCE_URL} run=${runs[1]} poll-interval="300" group=${group} x-axis="time"></loss-chart>
    </div>`);
    const [steps, times] = wrap.querySelectorAll('loss-chart');
    await ready(steps);
    await ready(times);
    steps.setZoom([10, 20]);
    expect(times.zoomRange).to.equal(undefined);
  });

  it('leaves its group when removed, and joins another when the attribute changes', async () => {
    const runs = [uniqueRun('la'), uniqueRun('lb'), uniqueRun('lc')];
    for (const run of runs) await insertPoints(run, 'loss', ramp(100, () => 1));
    const group = uniqueRun('leave');
    const [a, b, c] = await trio(runs, group);
    expect(groupSize(group)).to.equal(2);
    b.remove();
    expect(groupSize(group)).to.equal(1);
    a.setZoom([10, 20]);
    expect(b.zoomRange).to.equal(undefined);
    c.group = group;
    await c.updateComplete;
    expect(c.getAttribute('group')).to.equal(group);
    expect(groupSize(group)).to.equal(2);
    a.setZoom([30, 40]);
    expect(c.zoomRange).to.deep.equal([30, 40]);
    c.removeAttribute('group');
    await c.updateComplete;
    expect(groupSize(group)).to.equal(1);
  });

  it('zooms, pans and resets from the keyboard, announcing each change', async () => {
    const run = uniqueRun('keys');
    const points = ramp(1000, (i) => 5 - i / 500);
    await insertPoints(run, 'loss', points);
    const el = await fixture<LossChart>(html`<loss-chart style="width: 640px" src=${SOURCE_URL} run=${run} smoothing="0" poll-interval="300"></loss-chart>`);
    const whole = Array.from((await ready(el))[0]);
    const plot = plotOf(el);
    expect(plot.tabIndex).to.equal(0);
    plot.focus();
    expect(el.shadowRoot!.activeElement).to.equal(plot);

    // Steps 0…999: + halves the range around its centre (499.5).
    await sendKeys({ press: '+' });
    expect(el.zoomRange).to.deep.equal([249.75, 749.25]);
    await waitFor(() => xs(el)[0] === 249 && xs(el).at(-1) === 750, 'the zoomed range drawn (with a neighbour each side)');
    await waitFor(() => live(el) === 'Zoomed to steps 250 to 749.', 'the announcement');
    await sendKeys({ press: '=' });
    expect(el.zoomRange).to.deep.equal([374.625, 624.375]);
    // → pans by a tenth of the visible 249.75 steps.
    await sendKeys({ press: 'ArrowRight' });
    expect(el.zoomRange![0]).to.be.closeTo(399.6, 1e-9);
    expect(el.zoomRange![1]).to.be.closeTo(649.35, 1e-9);
    await sendKeys({ press: 'ArrowLeft' });
    await sendKeys({ press: 'ArrowLeft' });
    expect(el.zoomRange![0]).to.be.closeTo(349.65, 1e-9);
    await waitFor(() => xs(el)[0] === 349 && xs(el).at(-1) === 600, 'the panned range drawn');
    await sendKeys({ press: '-' });
    expect(el.zoomRange![1] - el.zoomRange![0]).to.be.closeTo(499.5, 1e-9);
    await sendKeys({ press: '0' });
    expect(el.zoomRange).to.equal(undefined);
    await waitFor(() => xs(el).length === whole.length, 'the whole run again');
    expect(xs(el)).to.deep.equal(whole);
    await waitFor(() => live(el) === 'Zoom reset: showing everything.', 'the reset announcement');
    await sendKeys({ press: '+' });
    await sendKeys({ press: 'Escape' });
    expect(el.zoomRange).to.equal(undefined);
    await sendKeys({ press: '+' });
    await sendKeys({ press: 'Home' });
    expect(el.zoomRange).to.equal(undefined);
    // Zoomed out, - has nowhere to go.
    await sendKeys({ press: '-' });
    expect(el.zoomRange).to.equal(undefined);
  });

  it('describes each line for screen readers: latest point, extremes and NaN/Inf, overall and in view', async () => {
    const run = uniqueRun('summary');
    const values = [4, 2.5, NaN, 3, Infinity, 1.25, 2, -Infinity, 1.5, 1.75];
    await insertPoints(run, 'loss', values.map((value, step) => ({ step, value })));
    await insertPoints(run, 'val_loss', [0, 5, 9].map((step, i) => ({ step, value: [3, 2.25, 2][i] })));
    const el = await fixture<LossChart>(html`<loss-chart style="width: 640px" src=${SOURCE_URL} run=${run} metric="loss,val_loss" smoothing="0" poll-interval="300"></loss-chart>`);
    await waitFor(() => el.chartData?.length === 3, 'two lines');
    const plot = plotOf(el);
    const described = () =>
      plot
        .getAttribute('aria-describedby')!
        .split(' ')
        .map((id) => el.shadowRoot!.getElementById(id)!.textContent!.replace(/\s+/g, ' ').trim())
        .join(' | ');
    await waitFor(() => described().includes('val_loss'), 'the summary');
    expect(described()).to.equal(
      'loss: latest 1.75 at step 9; overall lowest 1.25, highest 4; 3 NaN/Inf overall. ' +
        'val_loss: latest 2 at step 9; overall lowest 2, highest 3; no NaN/Inf overall. | ' +
        'Keys: plus zooms in, minus zooms out, left and right arrows pan when zoomed, 0 resets the zoom.',
    );
    // The summary is a description, not a live region: polls do not read it out.
    expect(el.shadowRoot!.getElementById('summary')!.closest('[aria-live]')).to.equal(null);
    el.setZoom([1, 5]);
    await waitFor(() => described().includes('in view'), 'the summary in view');
    expect(described()).to.contain('loss: latest 1.75 at step 9; in view lowest 1.25, highest 3; 2 NaN/Inf in view.');
    expect(described()).to.contain('val_loss: latest 2 at step 9; in view lowest 2.25, highest 2.25; no NaN/Inf in view.');
  });

  it('reaches the legend toggles with Tab and switches a line with the keyboard', async () => {
    const run = uniqueRun('legend');
    await insertPoints(run, 'loss', ramp(5, () => 1));
    await insertPoints(run, 'val_loss', ramp(5, () => 2));
    const el = await fixture<LossChart>(html`<loss-chart style="width: 640px" src=${SOURCE_URL} run=${run} metric="loss,val_loss" poll-interval="300"></loss-chart>`);
    await waitFor(() => el.chartData?.length === 5, 'two smoothed lines');
    plotOf(el).focus();
    await sendKeys({ press: 'Tab' });
    const first = el.shadowRoot!.activeElement as HTMLButtonElement;
    expect(first.closest('.legend')).to.not.equal(null);
    expect(first.getAttribute('aria-pressed')).to.equal('true');
    await sendKeys({ press: 'Enter' });
    await el.updateComplete;
    expect(first.getAttribute('aria-pressed')).to.equal('false');
    await sendKeys({ press: 'Tab' });
    expect((el.shadowRoot!.activeElement as HTMLElement).textContent).to.contain('val_loss');
    await sendKeys({ press: 'Space' });
    await el.updateComplete;
    expect(el.shadowRoot!.activeElement!.getAttribute('aria-pressed')).to.equal('false');
    await expect(el).to.be.accessible();
  });
});
