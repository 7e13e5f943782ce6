/**
 * Observable-style use of the single-file bundle: `await import(".../trainwatch.js")`
 * from a cell, `configure()` or a `<trainwatch-source>` for the source, and
 * elements made with `document.createElement` or an `html` template literal.
 * This test page itself imports the built bundle (not the sources).
 */
import { expect } from '@open-wc/testing';
import { CLICKHOUSE_URL } from 'trainwatch-test-env';
import { insertPoints, uniqueRun, waitFor } from './helpers.js';

type Trainwatch = typeof import('../../src/define.js');

/** A variable, so nothing resolves or bundles the import: the browser fetches the file as a notebook would. */
const BUNDLE = '/dist/bundle/trainwatch.js';

interface Chart extends HTMLElement {
  state: string;
  stateMessage: string;
  chartData?: ArrayLike<number | null>[];
}

/** Observable's `html` in miniature: markup parsed in a <template>, interpolated values as attribute text. */
function html(strings: TemplateStringsArray, ...values: unknown[]): Element {
  const escape = (v: unknown) => String(v).replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;');
  const template = document.createElement('template');
  template.innerHTML = strings.reduce((out, s, i) => out + escape(values[i - 1]) + s);
  return template.content.firstElementChild!;
}

const STEPS = Array.from({ length: 25 }, (_, step) => step);

async function seedLoss(run: string, scale: number) {
  await insertPoints(run, 'loss', STEPS.map((step) => ({ step, value: scale / (1 + step) })));
}

async function drawn(chart: Chart, scale: number) {
  await waitFor(() => chart.state === 'ready' && chart.chartData?.[0]?.length === STEPS.length, `the chart to draw (state ${chart.state})`, 12_000);
  expect(Array.from(chart.chartData![0])).to.deep.equal(STEPS);
  expect(Array.from(chart.chartData![1])).to.deep.equal(STEPS.map((step) => scale / (1 + step)));
}

describe('Observable-style ESM import of the bundle', () => {
  let tw: Trainwatch;

  before(async () => {
    tw = (await import(/* @vite-ignore */ BUNDLE)) as Trainwatch;
  });

  afterEach(() => {
    for (const element of document.querySelectorAll('loss-chart, trainwatch-source, iframe')) element.remove();
  });

  it('gives the API, registers the tags, and a second import is the same module', async () => {
    const again = (await import(/* @vite-ignore */ BUNDLE)) as Trainwatch;
    expect(again).to.equal(tw);
    expect(tw.configure).to.be.a('function');
    expect(customElements.get('loss-chart')).to.equal(tw.LossChart);
    expect(customElements.get('trainwatch-source')).to.equal(tw.TrainwatchSource);
    expect(customElements.get('big-number')).to.equal(tw.BigNumber);
  });

  it('an html`…` cell inside a <trainwatch-source> reads from it, whatever configure() says', async () => {
    const run = uniqueRun('observable-source');
    await seedLoss(run, 3);
    tw.configure({ url: 'http://127.0.0.1:9' }); // nothing listens there
    const cell = html`<trainwatch-source url=${CLICKHOUSE_URL} poll-interval="500">
      <loss-chart run=${run} smoothing="0"></loss-chart>
    </trainwatch-source>`;
    document.body.append(cell);
    await drawn(cell.querySelector<Chart>('loss-chart')!, 3);
  });

  it('configure({ url }) from a later cell moves an element made before it with document.createElement', async () => {
    const run = uniqueRun('observable-configure');
    await seedLoss(run, 7);
    tw.configure({ url: 'http://127.0.0.1:9' });
    const chart = document.createElement('loss-chart') as Chart;
    chart.setAttribute('run', run);
    chart.setAttribute('smoothing', '0');
    document.body.append(chart);
    await waitFor(() => chart.state === 'error', 'an error from the address nothing listens on', 12_000);
    tw.configure({ url: CLICKHOUSE_URL, pollInterval: 500 });
    await drawn(chart, 7);
  });

  it('a page that only imports the bundle fetches the bundle and ClickHouse, nothing else', async () => {
    const run = uniqueRun('observable-resources');
    await seedLoss(run, 2);
    const frame = document.createElement('iframe');
    frame.style.cssText = 'width: 800px; height: 500px';
    frame.srcdoc = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>cell</title></head><body>
      <script type="module">
        const tw = await import(${JSON.stringify(BUNDLE)});
        tw.configure({ url: ${JSON.stringify(CLICKHOUSE_URL)}, pollInterval: 500 });
        const chart = document.createElement('loss-chart');
        chart.setAttribute('run', ${JSON.stringify(run)});
        chart.setAttribute('smoothing', '0');
        document.body.append(chart);
      </script></body></html>`;
    document.body.append(frame);
    const chart = await waitFor(() => frame.contentDocument?.querySelector<Chart>('loss-chart') ?? undefined, 'the chart in the frame');
    await drawn(chart, 2);
    const fetched = frame.contentWindow!.performance.getEntriesByType('resource').map((entry) => new URL(entry.name));
    const bundleLoads = fetched.filter((url) => url.origin === location.origin && url.pathname === BUNDLE);
    const clickhouse = fetched.filter((url) => url.origin === new URL(CLICKHOUSE_URL).origin);
    expect(bundleLoads.length, 'the bundle, once').to.equal(1);
    expect(clickhouse.length, 'ClickHouse requests').to.be.greaterThan(0);
    expect(fetched.length - bundleLoads.length - clickhouse.length, `other requests: ${fetched.map(String).join(', ')}`).to.equal(0);
  });
});
