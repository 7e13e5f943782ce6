/**
 * test/static/source.html, a wiki-style page with only the built bundle: one
 * <trainwatch-source> gives its elements the source, and one element names
 * another server (the outage proxy in front of the same ClickHouse) with its
 * own `src`. In the relay run (RELAY_URL set) the same page also reads through
 * the relay.
 */
import { expect } from '@open-wc/testing';
import { CLICKHOUSE_URL, PROXY_URL, RELAY_URL } from 'trainwatch-test-env';
import { insertPoints, uniqueRun, waitFor } from './helpers.js';

interface FrameChart extends HTMLElement {
  state: string;
  stateMessage: string;
  chartData?: ArrayLike<number | null>[];
}

const STEPS = Array.from({ length: 25 }, (_, step) => step);

async function seed(run: string) {
  await insertPoints(run, 'loss', STEPS.map((step) => ({ step, value: 3 / (1 + step) })));
  await insertPoints(run, 'val_loss', [0, 12, 24].map((step) => ({ step, value: 3.5 / (1 + step) })));
  await insertPoints(run, 'tokens_total', STEPS.map((step) => ({ step, value: 4096 * (step + 1) })));
}

/** source.html as written, with the test's servers and run in place of its own. */
async function loadPage(run: string, mainUrl: string, edit: (page: string) => string = (page) => page): Promise<HTMLIFrameElement> {
  const response = await fetch('/test/static/source.html');
  expect(response.ok, 'test/static/source.html is served').to.equal(true);
  const page = edit(
    (await response.text())
      .replaceAll('http://127.0.0.1:8123', mainUrl)
      .replaceAll('http://127.0.0.1:8124', PROXY_URL)
      .replaceAll('run="r1"', `run="${run}"`),
  );
  const frame = document.createElement('iframe');
  frame.style.cssText = 'width: 900px; height: 900px';
  frame.srcdoc = page;
  const loaded = new Promise((resolve) => frame.addEventListener('load', resolve, { once: true }));
  document.body.append(frame);
  await loaded;
  return frame;
}

function charts(frame: HTMLIFrameElement) {
  const doc = frame.contentDocument!;
  return {
    main: doc.querySelector<FrameChart>('loss-chart:not(#replica)')!,
    replica: doc.querySelector<FrameChart>('#replica')!,
    bigNumber: doc.querySelector<FrameChart>('big-number')!,
  };
}

async function drawsLoss(chart: FrameChart, what: string) {
  await waitFor(() => chart.state === 'ready' && chart.chartData?.[0]?.length === STEPS.length, `${what} to draw (state ${chart.state})`, 12_000);
  expect(Array.from(chart.chartData![0])).to.deep.equal(STEPS);
  expect(Array.from(chart.chartData![1])).to.deep.equal(STEPS.map((step) => 3 / (1 + step)));
}

async function showsTokens(element: FrameChart) {
  const text = await waitFor(() => {
    const value = element.shadowRoot?.querySelector('[part="value"]')?.textContent?.trim();
    return value && value !== '–' ? value : undefined;
  }, 'the big number to show a value', 12_000);
  expect(text).to.equal('102,400');
}

const origin = (url: string) => new URL(url.replace(/^relay\+/, '')).origin;

describe('a static page with only the bundle and a <trainwatch-source>', () => {
  afterEach(() => {
    for (const frame of document.querySelectorAll('iframe')) frame.remove();
  });

  it('draws every element from the source, and the one with its own src from there', async () => {
    const run = uniqueRun('source-page');
    await seed(run);
    const frame = await loadPage(run, CLICKHOUSE_URL);
    await waitFor(() => frame.contentWindow!.customElements.get('trainwatch-source'), 'the bundle to define the tags');
    const { main, replica, bigNumber } = charts(frame);
    await drawsLoss(main, 'the chart reading from the source');
    expect(main.chartData!.length, 'x, loss and val_loss').to.equal(3);
    await showsTokens(bigNumber);
    await drawsLoss(replica, 'the chart with its own src');
    // Where the requests went: the source's server, the replica, and the bundle; nothing else
    // (an element that missed the source would have asked the default http://127.0.0.1:8123).
    const origins = frame.contentWindow!.performance.getEntriesByType('resource').map((entry) => new URL(entry.name).origin);
    expect(new Set(origins)).to.deep.equal(new Set([location.origin, origin(CLICKHOUSE_URL), origin(PROXY_URL)]));
  });

  it("inherits the source's credentials, and does not take them to the server an element names itself", async () => {
    const run = uniqueRun('source-password');
    await seed(run);
    const frame = await loadPage(run, CLICKHOUSE_URL, (page) => page.replace('password="viewer-secret"', 'password="not-the-password"'));
    const { main, replica, bigNumber } = charts(frame);
    // Inside the source: the wrong password reached ClickHouse with them, and ClickHouse refused it.
    await waitFor(() => main.state === 'error' && bigNumber.state === 'error', `both to fail (${main.state}: ${main.stateMessage})`, 12_000);
    expect(main.stateMessage).to.match(/password|authenticat/i);
    // The replica names its own server: it was never given the source's user and password.
    await drawsLoss(replica, 'the chart with its own src');
  });

  // Only in the relay run (npm test's second pass), where the test environment has a relay.
  if (RELAY_URL) {
    it('reads through a relay when the source url is relay+http://…', async () => {
      const run = uniqueRun('source-relay');
      await seed(run);
      const frame = await loadPage(run, `relay+${RELAY_URL}`);
      const { main, replica, bigNumber } = charts(frame);
      await drawsLoss(main, 'the chart reading through the relay');
      await showsTokens(bigNumber);
      await drawsLoss(replica, 'the chart with its own src');
      // The page never asked ClickHouse itself. (The relay's stream is one long fetch, which
      // resource timing lists only once it ends, so its absence here proves nothing.)
      const origins = frame.contentWindow!.performance.getEntriesByType('resource').map((entry) => new URL(entry.name).origin);
      expect(origins).not.to.include(origin(CLICKHOUSE_URL));
    });
  }
});
