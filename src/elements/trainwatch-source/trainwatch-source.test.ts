import { expect, fixture, fixtureCleanup, html } from '@open-wc/testing';
import { CLICKHOUSE_URL, SOURCE_URL } from 'trainwatch-test-env';
import { insertPoints, uniqueRun, waitFor } from '../../../test/browser/helpers.js';
import type { BigNumber } from '../big-number/big-number.component.js';
import '../big-number/big-number.js';
import '../loss-chart/loss-chart.js';
import type { LossChart } from '../loss-chart/loss-chart.component.js';
import { configure, liveStores, resetConfiguration } from '../../store/registry.js';
import { TrainwatchSource } from './trainwatch-source.component.js';
import './trainwatch-source.js';

const UNREACHABLE = 'http://127.0.0.1:9';

async function drawn(el: LossChart): Promise<number[]> {
  await waitFor(() => el.state === 'ready' && el.chartData, `${el.getAttribute('run')} to draw (state ${el.state}: ${el.stateMessage})`, 10_000);
  return Array.from(el.chartData![0]);
}

async function runWithSteps(prefix: string, steps: number[]): Promise<string> {
  const run = uniqueRun(prefix);
  await insertPoints(run, 'loss', steps.map((step) => ({ step, value: 1 / (1 + step) })));
  return run;
}

describe('<trainwatch-source>', () => {
  afterEach(() => {
    fixtureCleanup();
    resetConfiguration();
    expect(liveStores()).to.have.length(0);
  });

  it('hands its URL to the elements inside it, also inside another component’s shadow root', async () => {
    const run = await runWithSteps('source-inherit', [0, 1, 2]);
    const host = await fixture<HTMLElement>(html`<trainwatch-source url=${SOURCE_URL}><div class="wrapper"></div></trainwatch-source>`);
    const light = document.createElement('loss-chart');
    light.run = run;
    light.smoothing = 0;
    // An element rendered by some other component, in its shadow DOM.
    const wrapper = host.querySelector('.wrapper')!;
    const shadow = wrapper.attachShadow({ mode: 'open' });
    const nested = document.createElement('loss-chart');
    nested.run = run;
    nested.smoothing = 0;
    shadow.append(nested);
    host.append(light);
    expect(await drawn(light)).to.deep.equal([0, 1, 2]);
    expect(await drawn(nested)).to.deep.equal([0, 1, 2]);
    // Same source, same store: the page polls once for both.
    expect(liveStores()).to.have.length(1);
  });

  it('is overridden by an element’s own src, field by field', async () => {
    const run = await runWithSteps('source-override', [0, 5]);
    const host = await fixture<HTMLElement>(html`<trainwatch-source url=${UNREACHABLE}>
      <loss-chart class="inherits" run=${run} smoothing="0"></loss-chart>
      <loss-chart class="own" src=${SOURCE_URL} run=${run} smoothing="0"></loss-chart>
    </trainwatch-source>`);
    const own = host.querySelector<LossChart>('.own')!;
    const inherits = host.querySelector<LossChart>('.inherits')!;
    expect(await drawn(own)).to.deep.equal([0, 5]);
    await waitFor(() => inherits.state === 'error', 'the inheriting chart to fail on the unreachable source');
    expect(inherits.stateMessage).to.contain('127.0.0.1:9');
  });

  it('moves its elements when its URL changes', async () => {
    const run = await runWithSteps('source-change', [3, 4]);
    const host = await fixture<TrainwatchSource>(html`<trainwatch-source url=${UNREACHABLE}><loss-chart run=${run} smoothing="0"></loss-chart></trainwatch-source>`);
    const chart = host.querySelector('loss-chart')!;
    await waitFor(() => chart.state === 'error', 'the error from the first URL');
    host.url = SOURCE_URL;
    expect(await drawn(chart)).to.deep.equal([3, 4]);
    // The store of the old URL is released, not left polling.
    await waitFor(() => liveStores().length === 1, 'one store left');
  });

  it('never sends its credentials to a server an element names itself', async () => {
    const run = await runWithSteps('source-credentials', [0, 1]);
    const host = await fixture<HTMLElement>(html`<trainwatch-source url=${CLICKHOUSE_URL} user="viewer" password="nope">
      <loss-chart class="inherits" run=${run} smoothing="0"></loss-chart>
      <loss-chart class="own" src=${CLICKHOUSE_URL} run=${run} smoothing="0"></loss-chart>
    </trainwatch-source>`);
    const inherits = host.querySelector<LossChart>('.inherits')!;
    await waitFor(() => inherits.state === 'error', 'the wrong credentials to be refused');
    expect(inherits.stateMessage).to.contain('refused the credentials');
    // The element naming its own URL connects as the default user, not as "viewer"/"nope".
    expect(await drawn(host.querySelector<LossChart>('.own')!)).to.deep.equal([0, 1]);
  });

  it('layers an inner source over an outer one', async () => {
    const run = await runWithSteps('source-nested', [7]);
    const host = await fixture<HTMLElement>(html`<trainwatch-source url=${UNREACHABLE} poll-interval="400">
      <trainwatch-source class="inner" url=${SOURCE_URL}>
        <loss-chart run=${run} smoothing="0"></loss-chart>
      </trainwatch-source>
    </trainwatch-source>`);
    const inner = host.querySelector<TrainwatchSource>('.inner')!;
    expect(await drawn(host.querySelector<LossChart>('loss-chart')!)).to.deep.equal([7]);
    expect(inner.settings.url).to.equal(SOURCE_URL);
    // Unset fields fall through from the outer source.
    expect(inner.settings.pollInterval).to.equal(400);
  });

  it('takes precedence over configure(), which fills what it leaves unset', async () => {
    const run = await runWithSteps('source-configure', [2]);
    configure({ url: UNREACHABLE, pollInterval: 350 });
    const host = await fixture<TrainwatchSource>(html`<trainwatch-source url=${SOURCE_URL}><big-number run=${run} metric="loss"></big-number></trainwatch-source>`);
    const number = host.querySelector<BigNumber>('big-number')!;
    await waitFor(() => number.state === 'ready', `the number (state ${number.state}: ${number.stateMessage})`, 10_000);
    expect(number.shadowRoot!.textContent).to.contain('0.333');
  });

  it('lets configure() after the elements render move them (a notebook configures late)', async () => {
    const run = await runWithSteps('configure-late', [4, 6]);
    configure({ url: UNREACHABLE });
    const chart = await fixture<LossChart>(html`<loss-chart run=${run} smoothing="0"></loss-chart>`);
    await waitFor(() => chart.state === 'error', 'the error from the first page source');
    configure({ url: SOURCE_URL });
    expect(await drawn(chart)).to.deep.equal([4, 6]);
  });

  it('reaches elements that connected before the source element was defined', async () => {
    const run = await runWithSteps('source-late', [1, 2]);
    // A fresh tag, so it is certainly undefined while the chart connects inside it.
    const tag = `late-source-${Math.random().toString(36).slice(2, 8)}`;
    const host = await fixture<HTMLElement>(html`<div></div>`);
    host.innerHTML = `<${tag} url="${SOURCE_URL}"><loss-chart smoothing="0"></loss-chart></${tag}>`;
    const chart = host.querySelector('loss-chart')!;
    chart.run = run;
    await chart.updateComplete;
    expect(chart.state).to.not.equal('ready');
    customElements.define(tag, class extends TrainwatchSource {});
    expect(await drawn(chart)).to.deep.equal([1, 2]);
  });
});
