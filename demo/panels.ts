/**
 * The demo's five tabs, as the user's own sketch has them, with every one of
 * the 26 items of their list (docs/data-contract.md numbers them) on a tab.
 * Each panel is nothing but trainwatch tags, as a wiki page would write them.
 */
import { html, nothing, type TemplateResult } from 'lit';

export interface View {
  /** Runs picked in the run picker. */
  runs: string[];
  /** The first picked run: elements that show one run follow it. */
  focus: string;
  window: string;
  xAxis: string;
  smoothing: number;
  logScale: boolean;
  /** A checkpoint picked in the Checkpoints tab, marked on its loss chart. */
  checkpoint?: { run: string; step: number };
  /** Host filter: empty for every host. */
  host: string;
  /** The level being shown, where a metric opened in detail comes back to. */
  back: string;
}

/** The metric view's details, from the hash: `#metric?run=…&metric=…&from=…&to=…&axis=…&back=…`. */
export interface MetricRoute {
  run: string;
  metric: string;
  axis: 'step' | 'time';
  /** The zoomed range, as numbers in text (steps, or epoch seconds on the time axis); unset: not zoomed. */
  from?: string;
  to?: string;
  /** The host of a per-host line (empty: every host). */
  host: string;
  /** The level the user came from, for the breadcrumb: always one of the levels. */
  back: string;
}

/**
 * The level and details a hash names. Anything a link may carry is data or
 * dropped: an unknown level is the first of `levels`, `back` is a level (never
 * a URL), `axis` is step or time, and `from` / `to` / `from_ms` / `to_ms` that
 * are not finite numbers are ignored (the whole run shows), never NaN ranges.
 */
export function parseRoute(hash: string, levels: readonly string[]): { route: string; metric?: MetricRoute } {
  const at = hash.indexOf('?');
  const route = (at < 0 ? hash : hash.slice(0, at)).replace(/^#/, '');
  const params = new URLSearchParams(at < 0 ? '' : hash.slice(at + 1));
  const number = (text: string | null) => (text?.trim() && Number.isFinite(Number(text)) ? Number(text) : undefined);
  const run = params.get('run');
  const metric = params.get('metric');
  if (route === 'metric' && run && metric) {
    const axis = params.get('axis') === 'time' ? 'time' : 'step';
    // The rollup links with epoch ms (a day's bounds); the element's time axis counts in seconds.
    const ms = (name: string) => number(params.get(name)) ?? (number(params.get(`${name}_ms`)) ?? NaN) / 1000;
    const [from, to] = [ms('from'), ms('to')].map((n) => (Number.isFinite(n) ? String(n) : undefined));
    const back = levels.find((l) => l === params.get('back')) ?? levels[0];
    return { route, metric: { run, metric, axis, from, to, host: params.get('host') ?? '', back } };
  }
  return { route: levels.find((l) => l === route) ?? levels[0] };
}

/** Where a chart's ↗ opens one metric in depth (the charts fill in run, metric and the visible range). */
export const detailHref = (back: string) => `#metric?run={run}&metric={metric}&host={host}&from={from}&to={to}&axis={axis}&back=${back}`;

export interface Tab {
  id: string;
  label: string;
  render: (view: View) => TemplateResult;
}

/**
 * Every chart of the dashboard is in one group: hovering one shows the same
 * step (or moment) in all of them, and zooming one zooms the others with
 * the same kind of x axis.
 */
const GROUP = 'dashboard';

const loss = (v: View, heading: string, run: string, metric: string, wide = false, mark = '') =>
  html`<loss-chart group=${GROUP} detail-href=${detailHref(v.back)} class=${wide ? 'wide' : ''} heading=${heading} run=${run} metric=${metric} x-axis=${v.xAxis} smoothing=${v.smoothing} ?log-scale=${v.logScale} mark-steps=${mark}></loss-chart>`;

const series = (v: View, heading: string, metric: string, extra: { stat?: string; groupBy?: string; run?: string; wide?: boolean } = {}) =>
  html`<metric-chart group=${GROUP} detail-href=${detailHref(v.back)} host=${v.host || nothing} class=${extra.wide ? 'wide' : ''} heading=${heading} run=${extra.run ?? v.runs.join(',')} metric=${metric} window=${v.window} stat=${extra.stat ?? nothing} group-by=${extra.groupBy ?? nothing}></metric-chart>`;

const number = (v: View, label: string, metric: string, extra: { thresholds?: string; direction?: string; aggregate?: string; unit?: string } = {}) =>
  html`<big-number label=${label} run=${v.focus} host=${v.host || nothing} metric=${metric} thresholds=${extra.thresholds ?? nothing} direction=${extra.direction ?? nothing} aggregate=${extra.aggregate ?? nothing} unit=${extra.unit ?? nothing}></big-number>`;

export const TABS: Tab[] = [
  {
    id: 'training',
    label: 'Training',
    render: (v) => html`
      <div class="numbers wide">
        ${number(v, 'Tokens / s', 'tokens_per_s', { thresholds: '4e6,8e6' })} ${number(v, 'Batches / s', 'batches_per_s', { thresholds: '3,4.5' })}
        ${number(v, 'Loss', 'loss')} ${number(v, 'Tokens processed', 'tokens_total')}
      </div>
      ${loss(v, 'Loss and validation loss · all picked runs', v.runs.join(','), 'loss,val_loss', true)}
      ${loss(v, `${v.focus} · loss, t+1, t+2 heads`, v.focus, 'loss,loss_t+1,loss_t+2')}
      ${loss(v, 'Validation loss', v.runs.join(','), 'val_loss')}
      ${series(v, 'Tokens / s', 'tokens_per_s')} ${series(v, 'Batches / s', 'batches_per_s')}
    `,
  },
  {
    id: 'model',
    label: 'Model',
    render: (v) => html`
      ${loss(v, 'MoE router loss and NULL router loss', v.runs.join(','), 'moe.router_loss,moe.null_router_loss')}
      ${series(v, `${v.focus} · NULL ratio across MoE layers`, 'moe.layer.*.null_ratio', { stat: 'p50,p90,max', run: v.focus })}
      ${series(v, `${v.focus} · GSA stats`, 'gsa.*', { run: v.focus })}
      ${series(v, `${v.focus} · recurrence performance (loss by depth)`, 'recurrence.depth.*.loss', { run: v.focus })}
      ${series(v, `${v.focus} · mHC gains`, 'mhc.gain_*', { run: v.focus })}
      <moe-tokens heading=${`${v.focus} · MoE favourite tokens per expert`} run=${v.focus}></moe-tokens>
      <moe-heatmap heading=${`${v.focus} · MoE Fourier subject × bucket`} run=${v.focus} normalize="row"></moe-heatmap>
      <sample-viewer class="wide" heading=${`${v.focus} · generated samples`} run=${v.focus}></sample-viewer>
    `,
  },
  {
    id: 'system',
    label: 'System',
    render: (v) => html`
      <gpu-util class="wide" heading=${`${v.focus} · GPU utilization and idle time`} run=${v.focus} window=${v.window} host=${v.host || nothing}></gpu-util>
      <gpu-util heading=${`${v.focus} · CPU utilization and idle time`} run=${v.focus} metric="sys.cpu_percent" window=${v.window} host=${v.host || nothing}></gpu-util>
      ${series(v, `${v.focus} · data transfer speed per host`, 'sys.net.*_bytes_per_s', { run: v.focus })}
      ${series(v, `${v.focus} · memory per host`, 'sys.mem_percent', { run: v.focus })}
    `,
  },
  {
    id: 'checkpoints',
    label: 'Checkpoints',
    render: (v) => html`
      <div class="numbers wide">
        ${number(v, 'Checkpoints saved', 'checkpoint.saved', { aggregate: 'count' })} ${number(v, 'Latest checkpoint size', 'checkpoint.saved')}
        ${number(v, 'Latest MMLU', 'checkpoint.eval.mmlu', { thresholds: '0.4,0.6' })} ${number(v, 'Latest GSM8K', 'checkpoint.eval.gsm8k', { thresholds: '0.2,0.4' })}
      </div>
      <checkpoint-table class="wide" heading=${`${v.focus} · checkpoints, benchmarks and hosting`} run=${v.focus}></checkpoint-table>
      ${loss(v, `${v.focus} · validation loss at the picked checkpoint`, v.focus, 'val_loss,loss', false, v.checkpoint?.run === v.focus ? String(v.checkpoint.step) : '')}
      <checkpoint-table heading=${`${v.focus} · hosted checkpoints`} run=${v.focus} hosted-only></checkpoint-table>
    `,
  },
  {
    id: 'progress',
    label: 'Progress',
    render: (v) => html`
      <div class="numbers wide">
        ${number(v, 'Tokens processed', 'tokens_total')} ${number(v, 'Current bucket', 'data.bucket')} ${number(v, 'Tokens / s', 'tokens_per_s', { thresholds: '4e6,8e6' })}
      </div>
      ${v.runs.map(
        (run) => html`
          <milestone-bar class="wide" heading=${`${run} · stages B1 / B2`} run=${run} targets="B1:2e9,B2:6e9"></milestone-bar>
          <milestone-bar class="wide" heading=${`${run} · token targets 3B / 8B / 70B / SFT`} run=${run} targets="3B:3e9,8B:8e9,70B:7e10,SFT:8e10"></milestone-bar>
        `,
      )}
    `,
  },
];
