/**
 * The browser half of the benchmarks: the Node side (bench/*.ts) drives these
 * functions through Playwright and reads what they measure. Each one has a
 * peer run the same way, so the Node side reports a ratio from one run.
 */
import uPlot from 'uplot';
import { configure, type LossChart, type SeriesBuffer } from '../../src/index.js';
import { liveStores } from '../../src/store/registry.js';
import type { BenchApi } from '../bench-api.js';
import '../../src/define.js';
import { decodePointRows } from '../../src/sources/rowbinary.js';

const stage = document.getElementById('stage')!;
const frame = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));

async function until<T>(probe: () => T | undefined | false, timeout = 120_000): Promise<T> {
  const started = performance.now();
  for (;;) {
    const v = probe();
    if (v) return v;
    if (performance.now() - started > timeout) throw new Error('benchmark timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

function clear() {
  stage.replaceChildren();
  stage.className = '';
}

const bench: BenchApi = {
  /** Time from adding a <loss-chart> to its first drawn frame. */
  async chartFirstDraw(url: string, run: string, metric: string): Promise<{ ms: number; drawn: number }> {
    clear();
    stage.className = 'single';
    const started = performance.now();
    const el = document.createElement('loss-chart') as LossChart;
    Object.assign(el, { src: url, run, metric, smoothing: 0, pollInterval: 60_000 });
    stage.append(el);
    await until(() => el.state === 'ready' && el.chartData);
    await frame();
    const ms = performance.now() - started;
    const drawn = el.chartData![0].length;
    clear();
    return { ms, drawn };
  },

  /** The naive peer: download every point of the series, then draw them all with uPlot. */
  async naiveFirstDraw(url: string, run: string, metric: string): Promise<{ ms: number; drawn: number }> {
    clear();
    stage.className = 'single';
    const started = performance.now();
    const query = `SELECT toUInt16(0), toUInt8(0), toInt64(step), toInt64(toUnixTimestamp64Milli(event_time)), value
      FROM training_observability.metric_points WHERE run_id = {run:String} AND metric = {metric:String} ORDER BY step FORMAT RowBinary`;
    const params = new URLSearchParams({ param_run: run, param_metric: metric });
    const response = await fetch(`${url}/?${params}`, { method: 'POST', body: query, headers: { Authorization: `Basic ${btoa('default:')}` } });
    const rows = decodePointRows(new Uint8Array(await response.arrayBuffer()));
    const host = document.createElement('div');
    stage.append(host);
    new uPlot({ width: 1000, height: 240, series: [{}, { stroke: 'steelblue' }] }, [rows.step, rows.value] as unknown as uPlot.AlignedData, host);
    await frame();
    const ms = performance.now() - started;
    clear();
    return { ms, drawn: rows.length };
  },

  /**
   * `count` charts over `series` (run, metric) pairs. `shared`: one page-wide
   * source, as trainwatch is meant to be used; otherwise each chart gets a
   * source of its own (a distinct poll interval), as if each polled alone.
   */
  async mount(url: string, series: Array<[string, string]>, count: number, shared: boolean, pollInterval: number, pointBudget?: number): Promise<void> {
    clear();
    configure({ url, pointBudget });
    for (let i = 0; i < count; i++) {
      const el = document.createElement('loss-chart') as LossChart;
      const [run, metric] = series[i % series.length];
      Object.assign(el, { run, metric, pollInterval: shared ? pollInterval : pollInterval + i });
      stage.append(el);
    }
    const charts = [...stage.querySelectorAll<LossChart>('loss-chart')];
    await until(() => charts.every((c) => c.state === 'ready'));
  },

  /** Over `ms` of steady state: HTTP requests to `url`, and main-thread long tasks. */
  async steadyState(url: string, ms: number): Promise<{ requests: number; longTasks: number[]; drawMs: number[] }> {
    const origin = new URL(url).origin;
    let requests = 0;
    const longTasks: number[] = [];
    const resources = new PerformanceObserver((list) => {
      requests += list.getEntries().filter((e) => e.name.startsWith(origin)).length;
    });
    const tasks = new PerformanceObserver((list) => longTasks.push(...list.getEntries().map((e) => e.duration)));
    resources.observe({ type: 'resource' });
    tasks.observe({ type: 'longtask' });
    const charts = [...stage.querySelectorAll<LossChart>('loss-chart')];
    const drawMs: number[] = [];
    const sampler = setInterval(() => drawMs.push(...charts.map((c) => c.drawTimeMs)), 1000);
    await new Promise((r) => setTimeout(r, ms));
    clearInterval(sampler);
    resources.disconnect();
    tasks.disconnect();
    return { requests, longTasks, drawMs };
  },

  /** Points and typed-array bytes the page's stores hold. */
  held(): { points: number; bytes: number; total: number } {
    const buffers = new Set<SeriesBuffer>();
    const charts = [...stage.querySelectorAll<LossChart>('loss-chart')];
    for (const store of liveStores()) {
      for (const chart of charts) {
        for (const run of chart.runs) {
          for (const metric of chart.metrics) {
            const s = store.series({ run, metric });
            if (s) buffers.add(s);
          }
        }
      }
    }
    let points = 0;
    let bytes = 0;
    let total = 0;
    for (const s of buffers) {
      points += s.length;
      bytes += s.byteLength;
      total += s.total;
    }
    return { points, bytes, total };
  },

  clear,
};

declare global {
  interface Window {
    trainwatchBench: BenchApi;
  }
}
window.trainwatchBench = bench;
