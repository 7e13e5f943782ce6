/**
 * Hostile data, part 3: markup and script in every text field (run id,
 * metric, host, unit, tags_json contents), and malformed or huge tags_json.
 * Every element shows the text as text, links only to http(s) URLs, keeps
 * the rows it can read, and never runs anything (`window.__pwned` stays unset).
 */
import { expect, fixture, fixtureCleanup, html } from '@open-wc/testing';
import { SOURCE_URL } from 'trainwatch-test-env';
import { uniqueRun, waitFor, writer } from './helpers.js';
import { liveStores } from '../../src/store/registry.js';
import type { TrainwatchElement } from '../../src/internal/trainwatch-element.js';
import type { LossChart } from '../../src/elements/loss-chart/loss-chart.component.js';
import '../../src/define.js';

declare global {
  interface Window {
    __pwned?: unknown;
  }
}

const TABLE = 'training_observability.metric_points';
const IMG = '<img src=x onerror="window.__pwned=1">';
const SCRIPT = '<script>window.__pwned=2</script>';
const SVG = '"><svg onload=window.__pwned=3>';
const JS_URL = 'javascript:window.__pwned=4';
const run = `${IMG}${uniqueRun('markup')}`;
const host = `${SVG}host`;
const unit = SCRIPT;
const evilMetric = `layer.${IMG}`;
const T0 = Date.UTC(2026, 0, 1);
const at = (s: number) => new Date(T0 + s * 1000).toISOString().replace('T', ' ').replace('Z', '');

/** Every element under root, through open shadow roots. */
function deepAll(root: ParentNode): Element[] {
  const out: Element[] = [];
  for (const el of root.querySelectorAll('*')) {
    out.push(el);
    if (el.shadowRoot) out.push(...deepAll(el.shadowRoot));
  }
  return out;
}
const deepText = (el: Element) => [el.shadowRoot?.textContent ?? '', ...deepAll(el.shadowRoot!).map((e) => e.shadowRoot?.textContent ?? '')].join(' ');

/** Nothing the data carried became an element, a handler or a link elsewhere than http(s). */
function expectInert(el: Element) {
  const all = deepAll(el.shadowRoot!);
  expect(all.filter((e) => ['IMG', 'SCRIPT', 'IFRAME', 'OBJECT', 'EMBED'].includes(e.tagName)).map((e) => e.outerHTML), 'no element from data').to.deep.equal([]);
  expect(all.filter((e) => [...e.attributes].some((a) => /^on/i.test(a.name))).map((e) => e.outerHTML.slice(0, 120)), 'no handler attribute').to.deep.equal([]);
  for (const a of all.filter((e): e is HTMLAnchorElement => e instanceof HTMLAnchorElement && e.hasAttribute('href'))) {
    expect(new URL(a.href).protocol, a.href).to.be.oneOf(['http:', 'https:']);
  }
  expect(window.__pwned).to.equal(undefined);
}

const settled = (el: TrainwatchElement, what: string) => waitFor(() => el.state !== 'loading' && el.state, `${what} to settle`, 15_000);

describe('hostile data: markup in every text field, malformed tags_json', function () {
  this.timeout(60_000);

  before(async () => {
    const row = (metric: string, step: number, value: number, tags = '', extra: Record<string, unknown> = {}) => ({ run_id: run, metric, step, value, event_time: at(step), host, unit, tags_json: tags, ...extra });
    const deep = '{"a":'.repeat(5000) + '1' + '}'.repeat(5000);
    const huge = JSON.stringify({ path: 'x'.repeat(1_000_000), prompt: 'y'.repeat(1_000_000) });
    await writer.insert({
      table: TABLE,
      format: 'JSONEachRow',
      values: [
        ...Array.from({ length: 10 }, (_, i) => row('loss', i, 1 / (i + 1))),
        ...Array.from({ length: 10 }, (_, i) => row(evilMetric, i, i)),
        ...Array.from({ length: 10 }, (_, i) => row('tokens_total', i, i * 1e6)),
        // Checkpoints: markup in path, a javascript: URL and an https one; then malformed tags of every kind.
        row('checkpoint.saved', 1, 100, JSON.stringify({ path: IMG, duration_s: 2 })),
        row('checkpoint.hosted', 1, 1, JSON.stringify({ url: JS_URL, where: SCRIPT })),
        row('checkpoint.saved', 2, 200, JSON.stringify({ path: 'https://ok.example/ckpt-2', duration_s: '<b>' })),
        row('checkpoint.hosted', 2, 1, JSON.stringify({ url: 'https://ok.example/ckpt-2', where: 'hub' })),
        row('checkpoint.saved', 3, 300, 'not json'),
        row('checkpoint.saved', 4, 400, '[1, 2, 3]'),
        row('checkpoint.saved', 5, 500, '42'),
        row('checkpoint.saved', 6, 600, deep),
        row('checkpoint.saved', 7, 700, huge),
        row('checkpoint.saved', 8, 800, '{"path":"\\ud800\\uZZZZ"}'),
        // Samples and MoE rows with markup, and malformed ones.
        row('sample', 9, 0.5, JSON.stringify({ prompt: IMG, completion: SCRIPT, scores: { [SVG]: 1 } })),
        row('sample', 9, 0.25, 'not json'),
        row('sample', 9, 0.125, huge),
        row('moe.expert_token_share', 9, 0.5, JSON.stringify({ expert: 1, token: IMG })),
        row('moe.expert_token_share', 9, 0.25, '[1]'),
        row('moe.subject_bucket_share', 9, 0.5, JSON.stringify({ subject: SVG, bucket: 1 })),
        row('moe.subject_bucket_share', 9, 0.25, deep),
        row('run.status', 9, 1, JSON.stringify({ status: '<b>running</b>', reason: IMG })),
      ],
    });
    // Bytes that are not UTF-8 at all: {"path":"\xFF\xFE<img>"}.
    await writer.command({
      query: `INSERT INTO ${TABLE} (run_id, metric, step, value, event_time, tags_json) SELECT {run:String}, 'checkpoint.saved', 10, 1000, {t:DateTime64(3)}, unhex('7B2270617468223A22FFFE3C696D673E227D')`,
      query_params: { run, t: at(10) },
    });
  });

  afterEach(() => {
    fixtureCleanup();
    expect(liveStores().map((s) => s.source.id)).to.deep.equal([]);
  });

  it('<loss-chart>: run, host, unit and metric as text, in the legend, the summary and uPlot\'s tooltip', async () => {
    const el = await fixture<LossChart>(html`<loss-chart style="width: 640px" src=${SOURCE_URL} run=${`${run},other`} metric=${`loss,${evilMetric}`} smoothing="0" poll-interval="60000"></loss-chart>`);
    await waitFor(() => el.state === 'ready' && el.chartData, 'loss-chart to draw');
    const legend = el.shadowRoot!.querySelector('.legend')!.textContent!;
    expect(legend).to.contain(`${run} · loss`).and.contain(`${run} · ${evilMetric}`);
    // Hover the plot: uPlot's cursor and our tooltip (built as HTML) show the labels as text.
    const over = el.shadowRoot!.querySelector<HTMLElement>('.u-over')!;
    const box = over.getBoundingClientRect();
    over.dispatchEvent(new MouseEvent('mousemove', { clientX: box.left + box.width / 2, clientY: box.top + 10, bubbles: true }));
    const tip = await waitFor(() => { const t = el.shadowRoot!.querySelector<HTMLElement>('.tooltip')!; return !t.hidden && t; }, 'the tooltip');
    expect(tip.textContent).to.contain(`${run} · ${evilMetric}`);
    expectInert(el);
  });

  it('<checkpoint-table> keeps every checkpoint row whatever its tags_json, links only the https URL', async () => {
    const el = await fixture<TrainwatchElement>(html`<checkpoint-table src=${SOURCE_URL} run=${run} poll-interval="60000"></checkpoint-table>`);
    await waitFor(() => el.state === 'ready', 'checkpoint-table to be ready', 15_000);
    const rows = [...el.shadowRoot!.querySelectorAll('tbody tr')];
    // Steps 1–8 and 10 were saved: nine rows, newest first, malformed tags included.
    expect(rows.map((r) => r.querySelector('td')!.textContent!.trim())).to.deep.equal(['10', '8', '7', '6', '5', '4', '3', '2', '1']);
    const links = [...el.shadowRoot!.querySelectorAll<HTMLAnchorElement>('a[href]')].map((a) => a.href);
    expect(links.every((href) => href === 'https://ok.example/ckpt-2')).to.equal(true);
    expect(links.length).to.be.greaterThan(0);
    expect(el.shadowRoot!.textContent).to.contain(IMG);
    expectInert(el);
  });

  const cases: Array<[string, (r: string) => ReturnType<typeof html>, string[]]> = [
    ['metric-chart', (r) => html`<metric-chart style="width: 640px" src=${SOURCE_URL} run=${r} metric="layer.*" group-by="host" window="all" poll-interval="60000"></metric-chart>`, [host]],
    ['metric-chart by metric', (r) => html`<metric-chart style="width: 640px" src=${SOURCE_URL} run=${r} metric="layer.*" window="all" poll-interval="60000"></metric-chart>`, [IMG]],
    ['metric-detail', (r) => html`<metric-detail style="width: 640px" src=${SOURCE_URL} run=${r} metric=${evilMetric} poll-interval="60000"></metric-detail>`, [evilMetric]],
    ['big-number', (r) => html`<big-number src=${SOURCE_URL} run=${r} metric="loss" window="all" poll-interval="60000"></big-number>`, []],
    ['sample-viewer', (r) => html`<sample-viewer src=${SOURCE_URL} run=${r} poll-interval="60000"></sample-viewer>`, [IMG, SCRIPT]],
    ['gpu-util', (r) => html`<gpu-util style="width: 640px" src=${SOURCE_URL} run=${r} metric="layer.*" window="all" poll-interval="60000"></gpu-util>`, [host]],
    ['checkpoint-table', (r) => html`<checkpoint-table src=${SOURCE_URL} run=${r} poll-interval="60000"></checkpoint-table>`, [IMG, SCRIPT]],
    ['milestone-bar', (r) => html`<milestone-bar src=${SOURCE_URL} run=${r} targets="A:1e7" poll-interval="60000"></milestone-bar>`, []],
    // moe-tokens shows a token's spaces as ␣ (tokens often are a space and a word).
    ['moe-tokens', (r) => html`<moe-tokens src=${SOURCE_URL} run=${r} poll-interval="60000"></moe-tokens>`, [IMG.replaceAll(' ', '␣')]],
    ['moe-heatmap', (r) => html`<moe-heatmap src=${SOURCE_URL} run=${r} poll-interval="60000"></moe-heatmap>`, [SVG]],
    ['run-picker', () => html`<run-picker src=${SOURCE_URL} limit="1000" poll-interval="60000"></run-picker>`, [run]],
    ['health-table', (r) => html`<health-table src=${SOURCE_URL} run=${r} poll-interval="60000"></health-table>`, [run]],
    ['host-picker', (r) => html`<host-picker src=${SOURCE_URL} run=${r} poll-interval="60000"></host-picker>`, [host]],
  ];
  for (const [name, template, texts] of cases) {
    it(`<${name}> shows markup from the data as text and runs none of it`, async () => {
      const el = await fixture<TrainwatchElement>(template(run));
      expect(await settled(el, name), el.stateMessage).to.be.oneOf(['ready', 'empty']);
      // Some elements load a second query (a step's samples): wait for the text, then check.
      await waitFor(() => texts.every((text) => deepText(el).includes(text)), `${name} to show ${texts.join(', ')}`).catch(() => {});
      for (const text of texts) expect(deepText(el), name).to.contain(text);
      expectInert(el);
    });
  }
});
