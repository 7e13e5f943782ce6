/**
 * The typed page (test/typed-page) as a user's bundler builds it: `npm run build` bundles
 * page.ts and the React 19 dashboard.tsx with esbuild from the built package
 * (dist/typed-page/). Each bundle runs in its own frame, against the embedded ClickHouse,
 * and must draw what this test inserted.
 */
import { expect } from '@open-wc/testing';
import { SOURCE_URL } from 'trainwatch-test-env';
import { insertPoints, uniqueRun, waitFor } from './helpers.js';

/** What the tests read of the elements inside a frame (the frame has its own classes). */
interface FrameChart extends HTMLElement {
  run: string;
  state: string;
  chartData?: ArrayLike<number | null | undefined>[];
}
interface FrameElement extends HTMLElement {
  state?: string;
  window?: string;
  select?(runs: string[]): void;
}
interface StateDetail {
  state: string;
  message: string;
}
interface TypedPageModule {
  mountTypedPage(root: HTMLElement, options: { src: string; run: string }): {
    chart: FrameChart;
    latest: FrameElement;
    range: FrameElement;
    states: StateDetail[];
    ranges: { window: string; seconds: number }[];
  };
}
interface DashboardModule {
  renderDashboard(root: HTMLElement, props: { src: string; runs: string[]; onState?: (detail: StateDetail) => void }): { unmount(): void };
}

/** Loads a built module into a fresh frame and hands back its exports and the frame's root element. */
async function loadInFrame<T>(bundle: string): Promise<{ frame: HTMLIFrameElement; module: T; root: HTMLElement }> {
  const response = await fetch(bundle, { method: 'HEAD' });
  expect(response.status, `${bundle} exists: run \`npm run build\` (npm test builds it first)`).to.equal(200);
  const frame = document.createElement('iframe');
  frame.style.cssText = 'width: 900px; height: 700px';
  frame.srcdoc = `<!doctype html><body><div id="root"></div>
    <script type="module">import * as m from ${JSON.stringify(bundle)}; window.typedModule = m;</script></body>`;
  document.body.append(frame);
  const module = await waitFor(() => (frame.contentWindow as (Window & { typedModule?: T }) | null)?.typedModule, `${bundle} to load`, 15_000);
  return { frame, module, root: frame.contentDocument!.getElementById('root')! };
}

/** Loss falls as 3 / (1 + step); val_loss is logged every 10 steps, a little higher. */
const STEPS = Array.from({ length: 40 }, (_, step) => step);
const loss = (step: number) => 3 / (1 + step);
const valLoss = (step: number) => 3.3 / (1 + step);
const VAL_STEPS = STEPS.filter((step) => step % 10 === 0);

async function insertRun(run: string): Promise<void> {
  await insertPoints(run, 'loss', STEPS.map((step) => ({ step, value: loss(step) })));
  await insertPoints(run, 'val_loss', VAL_STEPS.map((step) => ({ step, value: valLoss(step) })));
}

/** The drawn column of one series: its values by step, misses as null. */
function column(chart: FrameChart, index: number): (number | null)[] {
  return Array.from(chart.chartData![index]!, (v) => (v === undefined || v === null ? null : Number(v)));
}

function expectClose(actual: (number | null)[], expected: (number | null)[]): void {
  expect(actual.length).to.equal(expected.length);
  actual.forEach((value, i) => {
    if (expected[i] === null) expect(value, `point ${i}`).to.equal(null);
    else expect(value, `point ${i}`).to.be.closeTo(expected[i]!, 1e-9);
  });
}

describe('the typed page, bundled by esbuild from the package', () => {
  it('draws the inserted loss and val_loss, reports its states through the typed listener, and follows the range', async () => {
    const run = uniqueRun('typed');
    await insertRun(run);
    const { frame, module, root } = await loadInFrame<TypedPageModule>('/dist/typed-page/page.js');
    try {
      const page = module.mountTypedPage(root, { src: SOURCE_URL, run });
      // The bundle registered the tags in the frame's own registry.
      expect(frame.contentWindow!.customElements.get('loss-chart')).to.not.equal(undefined);
      const { chart } = page;
      await waitFor(() => chart.state === 'ready' && chart.chartData?.length === 3, 'loss and val_loss drawn', 15_000);
      expect(Array.from(chart.chartData![0]!)).to.deep.equal(STEPS);
      // smoothing = 0: the raw points, as inserted.
      expectClose(column(chart, 1), STEPS.map(loss));
      expectClose(column(chart, 2), STEPS.map((step) => (VAL_STEPS.includes(step) ? valLoss(step) : null)));
      expect(page.states.map((s) => s.state)).to.include('ready');
      expect(page.states.at(-1)?.state).to.equal('ready');

      await waitFor(() => page.latest.state === 'ready', 'the latest loss', 15_000);
      // The latest loss, 3 / 40, in the big number (3 significant digits).
      const shown = page.latest.shadowRoot!.querySelector('[part~="value"]')?.textContent ?? '';
      expect(Number.parseFloat(shown.replace(/[^0-9.eE+-]/g, ''))).to.be.closeTo(loss(39), 0.0005);

      const button = [...page.range.shadowRoot!.querySelectorAll('button')].find((b) => b.textContent?.trim() === '15m');
      expect(button, 'the 15m choice').to.not.equal(undefined);
      button!.click();
      expect(page.ranges).to.deep.equal([{ window: '15m', seconds: 900 }]);
      expect(page.latest.window).to.equal('15m');
    } finally {
      frame.remove();
    }
  });

  it('renders in React 19: props reach the elements as properties and on… props listen for trainwatch events', async () => {
    const first = uniqueRun('react-a');
    const second = uniqueRun('react-b');
    await insertRun(first);
    await insertRun(second);
    const { frame, module, root } = await loadInFrame<DashboardModule>('/dist/typed-page/dashboard.js');
    const states: StateDetail[] = [];
    const reactRoot = module.renderDashboard(root, { src: SOURCE_URL, runs: [first], onState: (detail) => states.push(detail) });
    try {
      const chart = await waitFor(() => root.querySelector<FrameChart>('loss-chart') ?? undefined, 'React to render the chart');
      expect(chart.className).to.equal('loss');
      // React 19 set the number as a property (an attribute would be the string "0").
      expect((chart as unknown as { smoothing: unknown }).smoothing).to.equal(0);
      await waitFor(() => chart.state === 'ready' && chart.chartData?.length === 3, 'one run drawn', 15_000);
      expectClose(column(chart, 1), STEPS.map(loss));
      // ontrainwatch-state reached the component's callback.
      expect(states.map((s) => s.state)).to.include('ready');

      // The picker's trainwatch-runs-change goes through ontrainwatch-runs-change into React state and back to the chart.
      const picker = root.querySelector<FrameElement>('run-picker')!;
      picker.select!([first, second]);
      await waitFor(() => chart.run === `${first},${second}`, 'React to pass both runs to the chart');
      await waitFor(() => chart.state === 'ready' && chart.chartData?.length === 5, 'two runs drawn', 15_000);
      expect(Array.from(chart.chartData![0]!)).to.deep.equal(STEPS);
    } finally {
      reactRoot.unmount();
      frame.remove();
    }
  });
});
