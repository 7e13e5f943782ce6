/**
 * Hostile URLs: what a shared link can carry into a page. The query string
 * `<trainwatch-filters url-sync>` reads (`?tw-run=…&tw-host=…&tw-window=…`),
 * and the demo's hash (`#metric?run=…&metric=…&from=…&to=…&from_ms=…&axis=…&host=…&back=…`),
 * fed generated values — quotes, SQL, placeholders, malformed escapes, lone
 * surrogates, `javascript:` URLs, garbage numbers — through fast-check.
 */
import { expect } from '@open-wc/testing';
import fc from 'fast-check';
import { CLICKHOUSE_URL } from 'trainwatch-test-env';
import { detailHref, parseRoute } from '../../demo/panels.js';
import '../../src/define.js';
import { fillDetailHref } from '../../src/chart/open-detail.js';
import { readUrlFilters, writeUrlFilters } from '../../src/elements/trainwatch-filters/url-filters.js';
import type { TrainwatchFilters } from '../../src/elements/trainwatch-filters/trainwatch-filters.component.js';
import { TrainwatchElement } from '../../src/internal/trainwatch-element.js';
import { liveStores } from '../../src/store/registry.js';
import { waitFor } from './helpers.js';
import { anyText, hostileText, isTracer, NUMBERISH, PWNED } from './hostile-values.js';

const LEVELS = ['health', 'training', 'model', 'system', 'checkpoints', 'progress'];

/** A value as a link carries it: encoded as a browser would, or pasted raw (`&`, `#`, `%` and all). */
const inLink = fc.tuple(fc.oneof(hostileText, fc.constantFrom(...NUMBERISH)), fc.boolean()).map(([value, raw]) => ({
  value,
  text: raw ? value : encodeURIComponent(value.replace(/[\uD800-\uDFFF]/g, '\uFFFD')),
}));

const sql: string[] = [];
const realFetch = window.fetch.bind(window);
let inFlight = 0;

describe('hostile URLs', function () {
  this.timeout(60_000);
  const original = location.href;
  const uncaught: string[] = [];
  const onError = (event: ErrorEvent) => uncaught.push(event.message);
  const onRejection = (event: PromiseRejectionEvent) => uncaught.push(String(event.reason));

  before(() => {
    window.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
      if (typeof init?.body === 'string') sql.push(init.body);
      inFlight++;
      try {
        return await realFetch(input, init);
      } finally {
        inFlight--;
      }
    };
    window.addEventListener('error', onError);
    window.addEventListener('unhandledrejection', onRejection);
  });

  after(() => {
    window.fetch = realFetch;
    window.removeEventListener('error', onError);
    window.removeEventListener('unhandledrejection', onRejection);
    history.replaceState(null, '', original);
  });

  it('the demo reads any hash as data: a level it has, a back that is a level, numbers or nothing', () => {
    let cases = 0;
    fc.assert(
      fc.property(fc.constantFrom('metric', 'training', 'health', ''), fc.array(fc.tuple(fc.constantFrom('run', 'metric', 'from', 'to', 'from_ms', 'to_ms', 'axis', 'host', 'back', 'run'), inLink), { maxLength: 9 }), (route, pairs) => {
        cases++;
        const hash = `#${route}?${pairs.map(([name, v]) => `${name}=${v.text}`).join('&')}`;
        const parsed = parseRoute(hash, LEVELS);
        const query = new URLSearchParams(hash.slice(hash.indexOf('?') + 1));
        if (!parsed.metric) {
          expect(LEVELS, 'a level the demo has').to.include(parsed.route);
          return;
        }
        const m = parsed.metric;
        // Run, metric and host are data, exactly as the link says.
        expect([m.run, m.metric, m.host]).to.deep.equal([query.get('run'), query.get('metric'), query.get('host') ?? '']);
        expect(LEVELS, 'back is a level, never a URL').to.include(m.back);
        expect(['step', 'time']).to.include(m.axis);
        for (const end of [m.from, m.to]) if (end !== undefined) expect(Number.isFinite(Number(end)), `a finite number: ${end}`).to.equal(true);
        // What the link says it is, or nothing: from wins over from_ms (seconds = ms / 1000).
        const expected = (name: string) => {
          const finite = (t: string | null) => (t !== null && t.trim() !== '' && Number.isFinite(Number(t)) ? Number(t) : undefined);
          const direct = finite(query.get(name));
          const ms = finite(query.get(`${name}_ms`));
          return direct ?? (ms === undefined ? undefined : ms / 1000);
        };
        expect(m.from === undefined ? undefined : Number(m.from)).to.equal(expected('from'));
        expect(m.to === undefined ? undefined : Number(m.to)).to.equal(expected('to'));
        // The ↗ links the metric view makes lead back into the demo, whatever the run and metric.
        const link = fillDetailHref(detailHref(m.back), { run: m.run, metric: m.metric, axis: 'step' });
        expect(new URL(link, location.href).origin).to.equal(location.origin);
        expect(link.startsWith('#metric?')).to.equal(true);
      }),
      { numRuns: 2000, seed: 20261125 },
    );
    expect(cases).to.equal(2000);
    expect(parseRoute('#metric?run=r&metric=m&back=javascript:alert(1)', LEVELS).metric!.back).to.equal('health');
    expect(parseRoute('#metric?run=r&metric=m&from=NaN&to=1e999&from_ms=abc', LEVELS).metric).to.include({ from: undefined, to: undefined });
    expect(parseRoute('#metric?run=r&metric=m&from_ms=1500&to=%205%20', LEVELS).metric).to.include({ from: '1.5', to: '5' });
  });

  it('the URL filters round-trip any text, lone surrogates included, without throwing', () => {
    fc.assert(
      fc.property(fc.oneof(hostileText, anyText), fc.constantFrom('', 'tw-', '&', '=%'), (value, prefix) => {
        const search = writeUrlFilters('?keep=1&x=%ZZ', prefix, { run: value, host: value, window: value });
        const back = readUrlFilters(search, prefix);
        const wellFormed = value.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD').trim();
        const expected = wellFormed ? { run: wellFormed, host: wellFormed, window: wellFormed } : {};
        expect(back).to.deep.equal(expected);
        expect(search.startsWith('?keep=1&x=%ZZ')).to.equal(true);
      }),
      { numRuns: 1500, seed: 20261125 },
    );
  });

  it('<trainwatch-filters url-sync> takes hostile query strings as data, and its elements stay safe', async () => {
    let batches = 0;
    await fc.assert(
      fc.asyncProperty(inLink, inLink, inLink, async (run, host, windowText) => {
        batches++;
        sql.length = 0;
        uncaught.length = 0;
        history.replaceState(null, '', `${location.pathname}?a=1&tw-run=${run.text}&tw-host=${host.text}&tw-window=${windowText.text}#x`);
        const expected = readUrlFilters(location.search, 'tw-');
        const root = document.createElement('div');
        root.innerHTML = `<trainwatch-filters url-sync url-prefix="tw-" window="1h">
            <loss-chart src="${CLICKHOUSE_URL}"></loss-chart>
            <big-number src="${CLICKHOUSE_URL}" metric="loss"></big-number>
            <gpu-util src="${CLICKHOUSE_URL}"></gpu-util>
          </trainwatch-filters>`;
        document.body.append(root);
        try {
          const filters = root.querySelector<TrainwatchFilters>('trainwatch-filters')!;
          const elements = [...root.querySelectorAll<TrainwatchElement>('loss-chart, big-number, gpu-util')];
          await filters.updateComplete;
          await Promise.all(elements.map((el) => el.updateComplete));
          await waitFor(() => inFlight === 0, 'requests to be answered');
          await Promise.all(elements.map((el) => el.updateComplete));
          // What the URL says, as plain text (the attribute's window when the URL has none).
          expect(filters.filters.run).to.equal(expected.run);
          expect(filters.filters.host).to.equal(expected.host);
          expect(filters.filters.window).to.equal(expected.window ?? '1h');
          for (const el of elements) {
            expect(['loading', 'ready', 'empty', 'error'], `<${el.localName}> state`).to.include(el.state);
            if (el.state !== 'error') continue;
            expect(el.stateMessage, `<${el.localName}>`).to.match(/^\S.*\S$/s);
            const given = [run.value, host.value, windowText.value].join('\n');
            for (const junk of ['undefined', '[object ', '    at ']) if (!given.includes(junk)) expect(el.stateMessage).to.not.include(junk);
          }
          for (const body of sql) for (const v of [run.value, host.value]) if (isTracer(v)) expect(body.includes(v), `SQL carries ${JSON.stringify(v)}`).to.equal(false);
          // Changing the filters writes the URL back, any text included, the other parameters kept.
          filters.run = `${run.value}\uD800`;
          await filters.updateComplete;
          expect(location.search.startsWith('?a=1&')).to.equal(true);
          expect(location.hash).to.equal('#x');
          expect((window as unknown as Record<string, unknown>)[PWNED]).to.equal(undefined);
          expect(uncaught).to.deep.equal([]);
        } finally {
          root.remove();
          history.replaceState(null, '', original);
        }
      }),
      { numRuns: 60 },
    );
    expect(batches).to.equal(60);
    await waitFor(() => liveStores().length === 0, 'every store to close');
  });
});
