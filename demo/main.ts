/**
 * The demo dashboard in three levels: a health rollup (what is broken now),
 * per-area tabs (the trend and why), and one metric in depth (what exactly
 * happened). Runs, host and time window are page-wide filters kept in the
 * query string by <trainwatch-filters url-sync>; the level and its details
 * are in the hash. A link reproduces the view.
 */
import { html, nothing, render } from 'lit';
import { colorFor, configure, DEFAULT_HEALTH_CHECKS, type HealthCheck, type HealthSelectDetail, type TrainwatchFilters } from '../src/index.js';
import '../src/define.js';
import { detailHref, parseRoute, TABS, type MetricRoute, type View } from './panels.js';

declare const __TRAINWATCH_DEMO__: { url: string; runs: string[] };

// `?src=` points the demo at another ClickHouse, or a relay as relay+http://…, without a rebuild.
const search = new URLSearchParams(location.search);
const url = search.get('src') ?? __TRAINWATCH_DEMO__.url;
configure({ url });
// Colours in run order, so run-0 is the first colour everywhere whatever draws first.
for (const run of __TRAINWATCH_DEMO__.runs) colorFor(run);

const HEALTH = { id: 'health', label: 'Health' };
const LEVELS = [HEALTH, ...TABS];

/** The level and its details, from the hash (see `parseRoute`). */
const readHash = () => parseRoute(location.hash, LEVELS.map((l) => l.id));

const state = {
  ...readHash(),
  runs: [] as string[],
  window: '1h',
  host: '',
  xAxis: 'step',
  smoothing: 0.6,
  logScale: false,
  checkpoint: undefined as View['checkpoint'],
};

function view(): View {
  const runs = state.runs;
  return {
    runs,
    focus: runs[0] ?? '',
    window: state.window,
    host: state.host,
    xAxis: state.xAxis,
    smoothing: state.smoothing,
    logScale: state.logScale,
    checkpoint: state.checkpoint,
    back: state.route,
  };
}

function update(patch: Partial<typeof state>) {
  Object.assign(state, patch);
  draw();
}

function go(route: string) {
  location.hash = route;
}

function onTabKey(event: KeyboardEvent) {
  const at = LEVELS.findIndex((l) => l.id === state.route);
  const delta = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
  if (!delta || at < 0) return;
  go(LEVELS[(at + delta + LEVELS.length) % LEVELS.length].id);
  document.getElementById(`tab-${LEVELS[(at + delta + LEVELS.length) % LEVELS.length].id}`)?.focus();
}

function breadcrumb() {
  const metric = state.route === 'metric' ? state.metric : undefined;
  const area = metric ? LEVELS.find((l) => l.id === metric.back) : LEVELS.find((l) => l.id === state.route);
  const crumbs: Array<{ label: string; href?: string }> = [{ label: 'Health', href: state.route === HEALTH.id ? undefined : '#health' }];
  if (area && area.id !== HEALTH.id) crumbs.push({ label: area.label, href: metric ? `#${area.id}` : undefined });
  if (metric) crumbs.push({ label: `${metric.run} · ${metric.metric}` });
  return html`<nav class="crumbs" aria-label="Breadcrumb">
    <ol>
      ${crumbs.map(
        (c, i) => html`<li>${c.href ? html`<a href=${c.href}>${c.label}</a>` : html`<span aria-current=${i === crumbs.length - 1 ? 'page' : nothing}>${c.label}</span>`}</li>`,
      )}
    </ol>
  </nav>`;
}

/**
 * The rollup's checks: the defaults, but a checkpoint a day is enough, and no throughput
 * target: the demo's week-long runs log one step a minute, so their tokens/s is honestly low.
 */
const DEMO_CHECKS: HealthCheck[] = DEFAULT_HEALTH_CHECKS.filter((c) => c.id !== 'throughput').map((c) => (c.id === 'checkpoint' ? { ...c, hours: 24 } : c));

/** Whether the last click asked for a new tab or window (so the page must not take it over). */
let modified = false;
addEventListener('click', (e) => (modified = e.ctrlKey || e.metaKey || e.shiftKey || e.button === 1), true);
const lastClickWanted = () => modified;

function renderHealth() {
  // Every run of the demo, not only the picked ones: the rollup is where a broken run shows up first.
  const href = `#metric?run={run}&metric={metric}&from_ms={from}&to_ms={to}&axis=time&back=health`;
  return html`
    <health-table class="wide" heading="Health of every run · last 7 days" run=${__TRAINWATCH_DEMO__.runs.join(',')}
      days="7"
      .checks=${DEMO_CHECKS}
      href=${href}
      @trainwatch-health-select=${(e: CustomEvent<HealthSelectDetail>) => {
        // A run's name (no day) opens its Training tab with that run picked, rather than one metric.
        // Ctrl/Cmd/Shift-click keeps the browser's own "open in a new tab" (the link's href).
        if (e.detail.day || lastClickWanted()) return;
        e.preventDefault();
        // A new query string is a new page load: the filters read it as any shared link.
        const query = new URLSearchParams(location.search);
        query.set('tw-run', e.detail.run);
        location.assign(`${location.pathname}?${query.toString().replace(/%2C/g, ',')}#training`);
      }}
    ></health-table>
    <p class="hint wide">
      Each cell is the worst of the run's checks that day: GPU utilization, loss still improving, a checkpoint within a day, no NaN/Inf, still reporting.
      A cell opens the metric that scored worst, on that day; a run's name opens its Training tab.
    </p>
  `;
}

function renderMetric(route: MetricRoute) {
  // A check may name a pattern (sys.gpu.*.util_percent): one metric in depth cannot show it, a metric chart can.
  if (route.metric.includes('*')) {
    return html`<metric-chart class="wide" heading=${`${route.metric} · ${route.run}`} run=${route.run} metric=${route.metric} window="all" detail-href=${detailHref(route.back)}></metric-chart>`;
  }
  return html`
    <metric-detail
      class="wide"
      run=${route.run}
      metric=${route.metric}
      x-axis=${route.axis}
      host=${route.host || nothing}
      from=${route.from ?? nothing}
      to=${route.to ?? nothing}
      @trainwatch-zoom-change=${(e: CustomEvent<{ from?: number; to?: number; axis: string }>) => {
        // The zoom goes into the hash, so the link of what is on screen reproduces it.
        const params = new URLSearchParams({ run: route.run, metric: route.metric, axis: route.axis, back: route.back });
        if (route.host) params.set('host', route.host);
        if (e.detail.from !== undefined && e.detail.to !== undefined) {
          params.set('from', String(e.detail.from));
          params.set('to', String(e.detail.to));
        }
        history.replaceState(null, '', `#metric?${params}`);
        state.metric = readHash().metric;
      }}
    ></metric-detail>
    <loss-chart
      class="wide"
      heading=${`${route.metric} · every picked run`}
      run=${[...new Set([route.run, ...state.runs])].join(',')}
      metric=${route.metric}
      x-axis=${route.axis}
      smoothing="0"
      detail-href=${detailHref(route.back)}
    ></loss-chart>
  `;
}

function draw() {
  const v = view();
  const level = LEVELS.find((l) => l.id === state.route);
  const tab = TABS.find((t) => t.id === state.route);
  const body =
    state.route === 'metric' && state.metric
      ? renderMetric(state.metric)
      : state.route === HEALTH.id
        ? renderHealth()
        : !v.runs.length
          ? html`<p class="hint">Pick a run above to fill the dashboard.</p>`
          : tab!.render(v);
  render(
    html`
      <trainwatch-filters
        url-sync
        url-prefix="tw-"
        window="1h"
        @trainwatch-filters-change=${(e: CustomEvent<{ run: string; host: string; window: string }>) =>
          update({ runs: e.detail.run.split(',').filter(Boolean), window: e.detail.window || '1h', host: e.detail.host })}
      >
        <header class="top">
          <h1><a href="#health">trainwatch</a></h1>
          <time-range></time-range>
          <host-picker></host-picker>
          <label class="toggle">
            x axis
            <select @change=${(e: Event) => update({ xAxis: (e.target as HTMLSelectElement).value })}>
              ${['step', 'relative', 'time'].map((x) => html`<option value=${x} ?selected=${x === state.xAxis}>${x === 'relative' ? 'relative time' : x === 'time' ? 'wall time' : x}</option>`)}
            </select>
          </label>
          <label class="toggle">
            smoothing
            <input type="range" min="0" max="0.99" step="0.01" .value=${String(state.smoothing)} @input=${(e: Event) => update({ smoothing: Number((e.target as HTMLInputElement).value) })} />
          </label>
          <label class="toggle"><input type="checkbox" ?checked=${state.logScale} @change=${(e: Event) => update({ logScale: (e.target as HTMLInputElement).checked })} /> log y</label>
          <span class="source" title=${url}>${url.startsWith('relay+') ? `relay ${url.slice(6)}` : `ClickHouse ${url}`}</span>
          <connection-status></connection-status>
        </header>
        <run-picker class="runs" default-count="2"></run-picker>
        <nav class="tabs" role="tablist" aria-label="Dashboard" @keydown=${onTabKey}>
          ${LEVELS.map(
            (l) => html`<button
              id=${`tab-${l.id}`}
              role="tab"
              aria-selected=${l.id === state.route ? 'true' : 'false'}
              aria-controls="panel"
              tabindex=${l.id === state.route ? 0 : -1}
              @click=${() => go(l.id)}
            >
              ${l.label}
            </button>`,
          )}
        </nav>
        ${breadcrumb()}
        <main
          id="panel"
          class="grid"
          role=${level ? 'tabpanel' : nothing}
          aria-labelledby=${level ? `tab-${level.id}` : nothing}
          aria-label=${level ? nothing : 'Metric in detail'}
          @trainwatch-checkpoint-select=${(e: CustomEvent<{ run: string; step: number }>) => update({ checkpoint: { run: e.detail.run, step: e.detail.step } })}
        >
          ${body}
        </main>
      </trainwatch-filters>
    `,
    document.getElementById('app')!,
  );
}

window.addEventListener('hashchange', () => {
  Object.assign(state, { metric: undefined }, readHash());
  draw();
  window.scrollTo(0, 0);
});
draw();
// The filters read the URL while rendering; the demo's own copy of them starts from there.
const filters = document.querySelector<TrainwatchFilters>('trainwatch-filters')!;
await filters.updateComplete;
update({ runs: (filters.filters.run ?? '').split(',').filter(Boolean), window: filters.filters.window || '1h', host: filters.filters.host ?? '' });
