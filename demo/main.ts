/**
 * The demo dashboard: a run picker, a time range and a connection light over
 * five tabs of trainwatch elements, all sharing one store. The view lives in
 * the URL (#tab?runs=…&window=…), so a link reproduces it.
 */
import { html, nothing, render } from 'lit';
import { colorFor, configure } from '../src/index.js';
import '../src/define.js';
import { TABS, type View } from './panels.js';

declare const __TRAINWATCH_DEMO__: { url: string; runs: string[] };

// `?src=` points the demo at another ClickHouse, or a relay as relay+http://…, without a rebuild.
const search = new URLSearchParams(location.search);
const url = search.get('src') ?? __TRAINWATCH_DEMO__.url;
configure({ url });
// Colours in run order, so run-0 is the first colour everywhere whatever draws first.
for (const run of __TRAINWATCH_DEMO__.runs) colorFor(run);

function readHash(): { tab: string; params: URLSearchParams } {
  const [tab, query = ''] = location.hash.slice(1).split('?');
  return { tab: TABS.some((t) => t.id === tab) ? tab : TABS[0].id, params: new URLSearchParams(query) };
}

const initial = readHash();
const state = {
  tab: initial.tab,
  runs: initial.params.get('runs')?.split(',').filter(Boolean),
  window: initial.params.get('window') ?? '1h',
  xAxis: 'step',
  smoothing: 0.6,
  logScale: false,
  checkpoint: undefined as View['checkpoint'],
};

function writeHash() {
  const params = new URLSearchParams();
  if (state.runs) params.set('runs', state.runs.join(','));
  params.set('window', state.window);
  history.replaceState(null, '', `#${state.tab}?${params.toString().replace(/%2C/g, ',')}`);
}

function view(): View {
  const runs = state.runs ?? [];
  return { runs, focus: runs[0] ?? '', window: state.window, xAxis: state.xAxis, smoothing: state.smoothing, logScale: state.logScale, checkpoint: state.checkpoint };
}

function update(patch: Partial<typeof state>) {
  Object.assign(state, patch);
  writeHash();
  draw();
}

function onTabKey(event: KeyboardEvent) {
  const at = TABS.findIndex((t) => t.id === state.tab);
  const delta = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
  if (!delta) return;
  update({ tab: TABS[(at + delta + TABS.length) % TABS.length].id });
  document.getElementById(`tab-${state.tab}`)?.focus();
}

function draw() {
  const v = view();
  const tab = TABS.find((t) => t.id === state.tab)!;
  render(
    html`
      <header class="top">
        <h1>trainwatch</h1>
        <time-range value=${state.window} @trainwatch-range-change=${(e: CustomEvent<{ window: string }>) => update({ window: e.detail.window })}></time-range>
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
      <run-picker
        class="runs"
        selected=${state.runs ? state.runs.join(',') : nothing}
        default-count="2"
        @trainwatch-runs-change=${(e: CustomEvent<{ runs: string[] }>) => update({ runs: e.detail.runs })}
      ></run-picker>
      <nav class="tabs" role="tablist" aria-label="Dashboard" @keydown=${onTabKey}>
        ${TABS.map(
          (t) => html`<button
            id=${`tab-${t.id}`}
            role="tab"
            aria-selected=${t.id === state.tab ? 'true' : 'false'}
            aria-controls="panel"
            tabindex=${t.id === state.tab ? 0 : -1}
            @click=${() => update({ tab: t.id })}
          >
            ${t.label}
          </button>`,
        )}
      </nav>
      <main
        id="panel"
        class="grid"
        role="tabpanel"
        aria-labelledby=${`tab-${tab.id}`}
        @trainwatch-checkpoint-select=${(e: CustomEvent<{ run: string; step: number }>) => update({ checkpoint: { run: e.detail.run, step: e.detail.step } })}
      >
        ${v.runs.length ? tab.render(v) : html`<p class="hint">Pick a run above to fill the dashboard.</p>`}
      </main>
    `,
    document.getElementById('app')!,
  );
}

window.addEventListener('hashchange', () => {
  const { tab, params } = readHash();
  state.tab = tab;
  state.runs = params.get('runs')?.split(',').filter(Boolean) ?? state.runs;
  state.window = params.get('window') ?? state.window;
  draw();
});
draw();
