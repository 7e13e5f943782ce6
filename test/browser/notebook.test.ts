/**
 * Notebook outputs from python/trainwatch_notebook.py in Chromium, against the
 * embedded ClickHouse. The outputs are the committed test/static/notebook-cell*.html
 * (test/node/notebook.test.ts proves they are what the helper writes) with the
 * real bundle, ClickHouse URL and run put in place of their placeholders.
 *
 * Two hosts: JupyterLab's way (test/static/notebook-host.html: innerHTML into a
 * detached output node, scripts re-created, then attached) and nbconvert's (the
 * outputs written straight into an exported HTML page).
 *
 * The test server hands files through its esbuild plugin: the fixtures arrive
 * re-serialized by an HTML parser (the same DOM: a broken escape would show as
 * injected elements) and the bundle transpiled for es2022. The byte-for-byte
 * checks of both are test/node/notebook.test.ts's.
 */
import { expect } from '@open-wc/testing';
import { CLICKHOUSE_URL } from 'trainwatch-test-env';
import { insertPoints, uniqueRun, waitFor } from './helpers.js';

interface CellsFile {
  placeholders: { bundle: string; url: string; run: string };
  cells: Array<{ file: string; options: Record<string, string | number> }>;
}

interface NotebookWindow extends Window {
  renderOutput(source: string): HTMLElement;
  errors: string[];
  pwned?: string;
}

interface FrameChart extends HTMLElement {
  state: string;
  stateMessage: string;
  chartData?: ArrayLike<number | null>[];
}

let spec: CellsFile;
let bundle: string;

/** The helper's two rules for inlined JavaScript (test/node/notebook.test.ts checks it applies exactly these). */
function escapeInlineScript(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1').replaceAll('<!--', '\\x3C!--');
}

/** A committed output with the real bundle, this run's ClickHouse and `run` in place of the placeholders. */
async function cellOutput(file: string, run: string): Promise<string> {
  const response = await fetch(`/test/static/${file}`);
  expect(response.ok, `test/static/${file} is served`).to.equal(true);
  return (await response.text())
    .replaceAll(spec.placeholders.url, CLICKHOUSE_URL)
    .replaceAll(spec.placeholders.run, run)
    .replace(spec.placeholders.bundle, () => escapeInlineScript(bundle));
}

const STEPS = Array.from({ length: 30 }, (_, step) => step);

/** Rows of a run: loss = scale / (1 + step), val_loss every 10 steps, tokens_total = 4096 per step. */
async function seed(run: string, scale: number) {
  await insertPoints(run, 'loss', STEPS.map((step) => ({ step, value: scale / (1 + step) })));
  await insertPoints(run, 'val_loss', [0, 10, 20].map((step) => ({ step, value: (scale + 0.5) / (1 + step) })));
  await insertPoints(run, 'tokens_total', STEPS.map((step) => ({ step, value: 4096 * (step + 1) })));
}

async function openFrame(setup: (frame: HTMLIFrameElement) => void): Promise<HTMLIFrameElement> {
  const frame = document.createElement('iframe');
  frame.style.cssText = 'width: 900px; height: 900px';
  setup(frame);
  const loaded = new Promise((resolve) => frame.addEventListener('load', resolve, { once: true }));
  document.body.append(frame);
  await loaded;
  return frame;
}

/** Waits until the output's loss chart draws `loss` of the run scaled by `scale`, and returns what it drew. */
async function drawnLoss(output: ParentNode, scale: number) {
  const chart = await waitFor(() => output.querySelector<FrameChart>('loss-chart') ?? undefined, 'the loss chart');
  await waitFor(() => chart.state === 'ready' && chart.chartData?.[0]?.length === STEPS.length, `the loss chart to draw (state ${chart.state}: ${chart.stateMessage})`, 12_000);
  const [x, loss] = chart.chartData!;
  expect(Array.from(x)).to.deep.equal(STEPS);
  expect(Array.from(loss)).to.deep.equal(STEPS.map((step) => scale / (1 + step)));
}

/** The big number's text once it shows a value. */
async function bigNumberText(output: ParentNode): Promise<string> {
  const element = await waitFor(() => output.querySelector('big-number') ?? undefined, 'the big number');
  return waitFor(() => {
    const text = element.shadowRoot?.querySelector('[part="value"]')?.textContent?.trim();
    return text && text !== '–' ? text : undefined;
  }, 'the big number to show a value', 12_000);
}

describe('notebook outputs (python/trainwatch_notebook.py)', () => {
  before(async () => {
    spec = (await (await fetch('/test/static/notebook-cells.json')).json()) as CellsFile;
    const response = await fetch('/dist/bundle/trainwatch.js');
    expect(response.status, 'dist/bundle/trainwatch.js exists: run `npm run build`').to.equal(200);
    bundle = await response.text();
  });

  afterEach(() => {
    for (const frame of document.querySelectorAll('iframe')) frame.remove();
  });

  it('JupyterLab way: two cells, each inlining the bundle, draw their own run from the source they are wrapped in', async () => {
    const runA = uniqueRun('nb-a');
    const runB = uniqueRun('nb-b');
    await Promise.all([seed(runA, 3), seed(runB, 5)]);
    const frame = await openFrame((f) => (f.src = '/test/static/notebook-host.html'));
    const win = frame.contentWindow as NotebookWindow;

    const first = win.renderOutput(await cellOutput('notebook-cell.html', runA));
    await drawnLoss(first, 3);
    expect(await bigNumberText(first)).to.equal('122,880');

    // Count the second copy's registrations: proof that its inlined bundle really ran too.
    const registry = win.customElements;
    const get = registry.get.bind(registry);
    const asked: string[] = [];
    registry.get = (name: string) => (asked.push(name), get(name));
    const second = win.renderOutput(await cellOutput('notebook-cell.html', runB));
    await drawnLoss(second, 5);
    expect(await bigNumberText(second)).to.equal('122,880');
    await waitFor(() => ['trainwatch-source', 'loss-chart', 'big-number'].every((tag) => asked.includes(tag)), 'the second copy of the bundle to run');

    // The first copy keeps the tags; the second's load broke nothing, and the first cell still draws.
    expect(second.querySelector('loss-chart')).to.be.instanceOf(get('loss-chart')!);
    expect(first.querySelector<FrameChart>('loss-chart')!.state).to.equal('ready');
    expect(win.errors).to.deep.equal([]);
    // The elements have no src of their own: they read where their <trainwatch-source> says.
    expect(first.querySelector('loss-chart')!.hasAttribute('src')).to.equal(false);
    expect(first.querySelector('trainwatch-source')!.getAttribute('url')).to.equal(CLICKHOUSE_URL);
  });

  it('JupyterLab way: an output that references the bundle by URL draws, and a second one loads nothing again', async () => {
    const run = uniqueRun('nb-served');
    await seed(run, 2);
    const frame = await openFrame((f) => (f.src = '/test/static/notebook-host.html'));
    const win = frame.contentWindow as NotebookWindow;
    const output = win.renderOutput(await cellOutput('notebook-cell-served.html', run));
    await drawnLoss(output, 2);
    const again = win.renderOutput(await cellOutput('notebook-cell-served.html', run));
    await drawnLoss(again, 2);
    const bundleLoads = win.performance.getEntriesByType('resource').filter((e) => new URL(e.name).pathname === '/dist/bundle/trainwatch.js');
    expect(bundleLoads.length).to.equal(1);
    expect(win.errors).to.deep.equal([]);
  });

  it('nbconvert way: an exported page with two inlined outputs draws both and fetches nothing but ClickHouse', async () => {
    const runA = uniqueRun('nbconvert-a');
    const runB = uniqueRun('nbconvert-b');
    await Promise.all([seed(runA, 4), seed(runB, 6)]);
    const outputs = [await cellOutput('notebook-cell.html', runA), await cellOutput('notebook-cell.html', runB)];
    const page = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>exported notebook</title></head>
<body class="jp-Notebook">
${outputs
  .map((html, i) => `<div class="jp-Cell jp-CodeCell" id="cell-${i}"><div class="jp-OutputArea-output" data-mime-type="text/html">\n${html}</div></div>`)
  .join('\n')}
</body>
</html>`;
    const frame = await openFrame((f) => (f.srcdoc = page));
    const doc = frame.contentDocument!;
    await drawnLoss(doc.getElementById('cell-0')!, 4);
    await drawnLoss(doc.getElementById('cell-1')!, 6);
    expect(await bigNumberText(doc.getElementById('cell-1')!)).to.equal('122,880');
    const origins = new Set(frame.contentWindow!.performance.getEntriesByType('resource').map((e) => new URL(e.name).origin));
    expect([...origins]).to.deep.equal([new URL(CLICKHOUSE_URL).origin]);
  });

  it('hostile source values stay attribute text: nothing they contain runs or becomes an element', async () => {
    const hostile = spec.cells.find((c) => c.file === 'notebook-cell-hostile.html')!;
    const run = uniqueRun('nb-hostile');
    const frame = await openFrame((f) => (f.src = '/test/static/notebook-host.html'));
    const win = frame.contentWindow as NotebookWindow;
    const output = win.renderOutput(await cellOutput(hostile.file, run));
    const source = output.querySelector('trainwatch-source')!;
    // Read as the HTML parser left them, before the bundle (a module, so later) upgrades the element.
    expect(win.customElements.get('trainwatch-source'), 'not yet defined').to.equal(undefined);
    const o = hostile.options;
    expect(source.getAttributeNames()).to.deep.equal(['url', 'user', 'password', 'token', 'table', 'poll-interval']);
    for (const [attribute, key] of [
      ['url', 'url'],
      ['user', 'user'],
      ['password', 'password'],
      ['token', 'token'],
      ['table', 'table'],
      ['poll-interval', 'poll_interval'],
    ]) {
      expect(source.getAttribute(attribute), attribute).to.equal(String(o[key]));
    }
    // Once the bundle has upgraded them, anything the values had smuggled in would have run.
    await Promise.all(['trainwatch-source', 'loss-chart'].map((tag) => win.customElements.whenDefined(tag)));
    source.dispatchEvent(new MouseEvent('click', { bubbles: true }));
    source.focus();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(win.pwned).to.equal(undefined);
    expect([...source.children].map((e) => e.localName)).to.deep.equal(['loss-chart']);
    expect(output.querySelectorAll('img, svg, script').length, 'only the bundle script').to.equal(1);
  });
});
