/**
 * The wiki case end to end: a plain static HTML page that loads only the built
 * single-file bundle with one script tag draws a chart from ClickHouse.
 */
import { expect } from '@open-wc/testing';
import { CLICKHOUSE_URL } from 'trainwatch-test-env';
import { insertPoints, uniqueRun, waitFor } from './helpers.js';

interface FrameChart extends HTMLElement {
  state: string;
  chartData?: ArrayLike<number>[];
}

async function loadWikiPage(run: string): Promise<HTMLIFrameElement> {
  const response = await fetch('/test/static/wiki.html');
  expect(response.ok, 'test/static/wiki.html is served').to.equal(true);
  // The page is used as written, except for where its ClickHouse and run are.
  const page = (await response.text()).replaceAll('http://127.0.0.1:8123', CLICKHOUSE_URL).replace('run="r1"', `run="${run}"`);
  const frame = document.createElement('iframe');
  frame.style.cssText = 'width: 800px; height: 500px';
  frame.srcdoc = page;
  const loaded = new Promise((resolve) => frame.addEventListener('load', resolve, { once: true }));
  document.body.append(frame);
  await loaded;
  return frame;
}

describe('single-file bundle in a static page', () => {
  it('is built (npm test builds it first)', async () => {
    const response = await fetch('/dist/bundle/trainwatch.js', { method: 'HEAD' });
    expect(response.status, 'dist/bundle/trainwatch.js exists: run `npm run build`').to.equal(200);
  });

  it('draws loss, loss_t+1 and val_loss of a run from a script tag alone', async () => {
    const run = uniqueRun('wiki');
    const steps = Array.from({ length: 40 }, (_, step) => step);
    await insertPoints(run, 'loss', steps.map((step) => ({ step, value: 3 / (1 + step) })));
    await insertPoints(run, 'loss_t+1', steps.map((step) => ({ step, value: 3.2 / (1 + step) })));
    await insertPoints(run, 'val_loss', [0, 20].map((step) => ({ step, value: 2.9 / (1 + step) })));
    const frame = await loadWikiPage(run);
    try {
      const chart = await waitFor(
        () => frame.contentDocument?.querySelector<FrameChart>('loss-chart') ?? undefined,
        'the element in the page',
      );
      await waitFor(() => chart.state === 'ready' && chart.chartData?.length === 7, 'three smoothed lines', 10_000);
      const data = chart.chartData!;
      expect(Array.from(data[0])).to.deep.equal(steps);
      // The bundle defined the tag in the page's own registry, not via this test's imports.
      expect(frame.contentWindow!.customElements.get('loss-chart')).to.not.equal(undefined);
      expect(customElements.get('loss-chart')).to.equal(undefined);
    } finally {
      frame.remove();
    }
  });

  it('can be loaded twice without breaking the page', async () => {
    const frame = document.createElement('iframe');
    frame.srcdoc = `<script type="module" src="/dist/bundle/trainwatch.js"></script>
      <script type="module">
        const a = await import('/dist/bundle/trainwatch.js?again');
        window.result = customElements.get('loss-chart') ? 'defined' : 'missing';
      </script>`;
    document.body.append(frame);
    try {
      const win = frame.contentWindow as Window & { result?: string };
      const errors: string[] = [];
      win.addEventListener('error', (e) => errors.push(e.message));
      await waitFor(() => win.result, 'both copies to load');
      expect(win.result).to.equal('defined');
      expect(errors).to.deep.equal([]);
    } finally {
      frame.remove();
    }
  });
});
