/**
 * The soak: `trainwatch demo` with fast simulated runs, its dashboard open in
 * headless Chromium for a long session, every level visited in turn and the
 * full dashboard kept open in between. Every window it forces a GC and
 * samples the page's heap, DOM nodes, event listeners, frame times, long
 * tasks, requests to ClickHouse, the points the stores hold and the demo's
 * RSS. `bench/soak.ts` prints the figures; `test/node/soak-smoke.test.ts`
 * runs a short session and asserts what does not depend on machine speed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type CDPSession, type Page } from 'playwright-core';
import { chromiumLaunchOptions } from '../src/server/headless-chromium.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The store's documented default (`pointBudget` in src/store/registry.ts). */
export const DEFAULT_POINT_BUDGET = 60_000;

export interface SoakOptions {
  /** Length of the session after the warm-up tour, minutes. */
  minutes: number;
  /** Exactly this many sampling windows instead (a test's session, whatever the machine's speed). */
  windows?: number;
  /** Simulated steps per second of each live run. */
  rate: number;
  /** Port of the demo page (0: any free one). */
  port?: number;
  /** Steps backfilled per simulated run before it goes live (demo default 20000). */
  history?: number;
  /** Days of earlier runs for the health rollup. */
  pastDays?: number;
  /** Seconds per sampling window. */
  sampleSeconds?: number;
  /** Every this many windows, one window first tours every other level, then stays `sampleSeconds` on the dashboard. */
  tourEvery?: number;
  /** Seconds spent on each level of a tour (and of the warm-up) once its elements have answered. */
  dwellSeconds?: number;
  /** Sets `configure({ pointBudget })` on the page, so a short session outgrows it. */
  pointBudget?: number;
  /** Progress lines (stderr in the bench). */
  log?: (message: string) => void;
}

/** A level of the demo, as its URL hash. */
export interface Level {
  id: string;
  hash: string;
}

/** Every level of the demo: the rollup, the five tabs, and one metric in depth. */
export const LEVELS: Level[] = [
  { id: 'health', hash: 'health' },
  { id: 'training', hash: 'training' },
  { id: 'model', hash: 'model' },
  { id: 'system', hash: 'system' },
  { id: 'checkpoints', hash: 'checkpoints' },
  { id: 'progress', hash: 'progress' },
  { id: 'metric', hash: 'metric?run=run-0&metric=loss&axis=step&back=training' },
];

/** The level the session stays on: the fullest dashboard of live charts. */
export const HOME = 'training';

export interface Counts {
  /** Live DOM nodes in the renderer after a full GC (CDP `Nodes`: detached ones count too). */
  nodes: number;
  /** Live JS event listeners after a full GC (CDP `JSEventListeners`). */
  listeners: number;
  /** Elements in the document and every shadow root. */
  elements: number;
  /** Nodes of any kind (elements, text, comments, shadow roots) reachable from the document. */
  attached: number;
  /** Reachable elements by tag name (a difference between two visits says where). */
  tags: Record<string, number>;
  /** Stores alive on the page, and their subscriptions (series and row queries) summed. */
  stores: number;
  subscriptions: number;
}

export interface SoakSample extends Counts {
  /** Minutes since the session (after the warm-up) began. */
  minute: number;
  /** Whether this window toured the other levels before coming back. */
  toured: boolean;
  /** JS heap in use after a full GC, bytes. */
  heapUsed: number;
  /** ArrayBuffer backing stores (typed arrays of the series), bytes. */
  backingStore: number;
  frames: number;
  frameP50: number;
  frameP95: number;
  frameP99: number;
  frameMax: number;
  longTasks: number;
  longTaskMs: number;
  /** Requests to ClickHouse in the window, per minute. */
  requestsPerMinute: number;
  /** Time from sending a request to ClickHouse to the end of its answer, ms. */
  answerP50: number;
  answerP95: number;
  answerMax: number;
  /** Elements that said they were still waiting for an answer, in the window. */
  slowNotices: number;
  /** Series held by the page's stores, the most points one holds, and the sum. */
  series: number;
  maxPoints: number;
  totalPoints: number;
  /** The most points one series received since it was first seen: above the budget, it had to be reduced. */
  maxArrived: number;
  /** Resident memory of the demo process (embedded ClickHouse, simulator, Vite), bytes. */
  demoRss: number;
  /** 1-minute load average of the machine. */
  load: number;
}

export interface SoakResult {
  options: Required<Omit<SoakOptions, 'log' | 'pointBudget' | 'windows'>> & { pointBudget: number; windows?: number };
  url: string;
  startedAt: string;
  /** Counts on the home level right after the warm-up tour, and at every return since. */
  baseline: Counts;
  returns: Counts[];
  samples: SoakSample[];
  /** Every frame interval of the session (ms), for whole-session percentiles. */
  frameIntervals: number[];
  /** Page errors, console errors, elements in an error state, reloads: any fails the soak. */
  errors: string[];
  /**
   * "Waiting for ClickHouse: no answer for 4 s…" notices: the server was slow (a busy machine), the page
   * said so truthfully. Counted, not failed on: how often depends on the machine.
   */
  slow: string[];
  /** Source files changed during the session whose hot updates were kept from the page. */
  heldBack: string[];
  loadAverage: { start: number[]; end: number[] };
}

/**
 * Page-side probes, installed before the page's own scripts. A plain string:
 * tsx would wrap named functions in a helper the page does not have.
 */
const PROBES = `(() => {
  const soak = { intervals: [], longTasks: [], errors: [], running: true };
  window.__soak = soak;
  let last = 0;
  const frame = (now) => {
    if (last) soak.intervals.push(now - last);
    last = now;
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
  soak.take = () => {
    const out = { intervals: soak.intervals, longTasks: soak.longTasks };
    soak.intervals = [];
    soak.longTasks = [];
    return out;
  };
  soak.reset = () => {
    soak.intervals = [];
    soak.longTasks = [];
    last = 0;
  };
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) soak.longTasks.push(e.duration);
    }).observe({ type: 'longtask' });
  } catch {}
  addEventListener('trainwatch-state', (e) => {
    if (e.detail && e.detail.state === 'error') {
      const el = e.composedPath()[0];
      soak.errors.push((el && el.localName) + ': ' + e.detail.message);
    }
  }, true);
})()`;

/** What the page shows now: every trainwatch element's state, error banners, element count. */
const INSPECT = `(() => {
  const all = [];
  const walk = (root) => {
    for (const el of root.querySelectorAll('*')) {
      all.push(el);
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(document);
  let attached = 0;
  const visit = (node) => {
    attached++;
    if (node.shadowRoot) visit(node.shadowRoot);
    for (let c = node.firstChild; c; c = c.nextSibling) visit(c);
  };
  visit(document);
  const tags = {};
  for (const e of all) tags[e.localName] = (tags[e.localName] || 0) + 1;
  const elements = all.filter((e) => 'stateMessage' in e);
  const alerts = [];
  for (const el of elements) {
    for (const a of el.shadowRoot ? el.shadowRoot.querySelectorAll('[role=alert]') : []) {
      const text = a.textContent.trim();
      if (text) alerts.push(el.localName + ': ' + text);
    }
  }
  return {
    count: all.length,
    attached,
    histogram: tags,
    loading: elements.filter((e) => e.state === 'loading').map((e) => e.localName),
    errors: elements.filter((e) => e.state === 'error').map((e) => e.localName + ': ' + e.stateMessage).concat(alerts),
    tags: elements.map((e) => e.localName),
  };
})()`;

/** Series held by every store on the page, through the page's own store registry. */
const storesProbe = (registryUrl: string) => `(async () => {
  const { liveStores } = await import(${JSON.stringify(registryUrl)});
  // What each series' source count was when first seen: the points that arrived since are what it had to fit.
  const seen = (window.__soakSeen ??= new WeakMap());
  let series = 0, maxPoints = 0, totalPoints = 0, maxArrived = 0;
  for (const store of liveStores()) {
    for (const { buffer } of store.entries.values()) {
      series++;
      maxPoints = Math.max(maxPoints, buffer.length);
      totalPoints += buffer.length;
      if (!seen.has(buffer)) seen.set(buffer, buffer.total);
      maxArrived = Math.max(maxArrived, buffer.total - seen.get(buffer));
    }
  }
  return { series, maxPoints, totalPoints, maxArrived };
})()`;

/** The page's stores and their subscriptions. */
const SUBSCRIPTIONS = (registryUrl: string) =>
  `import(${JSON.stringify(registryUrl)}).then((r) => ({ stores: r.liveStores().length, subscriptions: r.liveStores().reduce((n, s) => n + s.subscriptionCount, 0) }))`;

/** True while no store on the page has a request in flight. */
const IDLE = (registryUrl: string) => `import(${JSON.stringify(registryUrl)}).then((r) => r.liveStores().every((s) => !s.inflight))`;

interface Inspection {
  count: number;
  attached: number;
  histogram: Record<string, number>;
  loading: string[];
  errors: string[];
  tags: string[];
}

export function percentile(values: readonly number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Least-squares slope of y over x. */
export function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  if (n < 2) return NaN;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den ? num / den : NaN;
}

function rssOf(pid: number | undefined): number {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

interface Demo {
  process: ChildProcess;
  url: string;
  clickhouse: string;
  output: () => string;
}

async function startDemo(options: { port: number; rate: number; history: number; pastDays: number }): Promise<Demo> {
  const args = ['bin/trainwatch.js', 'demo', '--port', String(options.port), '--clickhouse-port', '0'];
  args.push('--rate', String(options.rate), '--history', String(options.history), '--past-days', String(options.pastDays));
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const ready = await new Promise<{ url: string; clickhouse: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the demo did not start in 120 s:\n${output}`)), 120_000);
    const read = (chunk: Buffer) => {
      output += chunk;
      const page = /trainwatch demo: (http:\/\/\S+)/.exec(output)?.[1];
      const clickhouse = /embedded ClickHouse \S+ on (http:\/\/\S+)/.exec(output)?.[1];
      // Live means the backfill is in; the past days' runs are what the rollup needs.
      const past = !options.pastDays || /\(past \d+ days\): backfill: \d+ rows/.test(output);
      if (page && clickhouse && past && /simulator: live:/.test(output)) {
        clearTimeout(timer);
        resolve({ url: page, clickhouse });
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the demo exited with ${code}:\n${output}`));
    });
  });
  // Keep reading, so a full pipe never stalls the demo.
  return { process: child, ...ready, output: () => output };
}

async function stopDemo(demo: Demo): Promise<void> {
  if (demo.process.exitCode !== null) return;
  const exited = new Promise((resolve) => demo.process.once('exit', resolve));
  demo.process.kill('SIGINT');
  const timer = setTimeout(() => demo.process.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Runs one soak session; resolves with every sample, and the errors seen (empty when clean). */
export async function runSoak(input: SoakOptions): Promise<SoakResult> {
  const options = {
    minutes: input.minutes,
    rate: input.rate,
    port: input.port ?? 0,
    history: input.history ?? 20_000,
    pastDays: input.pastDays ?? 7,
    sampleSeconds: input.sampleSeconds ?? 30,
    tourEvery: input.tourEvery ?? 4,
    dwellSeconds: input.dwellSeconds ?? 3,
    pointBudget: input.pointBudget ?? DEFAULT_POINT_BUDGET,
    windows: input.windows,
  };
  const log = input.log ?? (() => {});
  const errors: string[] = [];
  const slow: string[] = [];
  const loadStart = loadavg();
  log(`starting the demo at ${options.rate} steps/s`);
  const demo = await startDemo(options);
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch(chromiumLaunchOptions());
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const clickhouseOrigin = new URL(demo.clickhouse).origin;
    let requests = 0;
    let loads = 0;
    let answers: number[] = [];
    page.on('request', (r) => {
      if (r.url().startsWith(clickhouseOrigin)) requests++;
    });
    page.on('requestfinished', (r) => {
      if (r.url().startsWith(clickhouseOrigin)) answers.push(r.timing().responseEnd);
    });
    page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
    page.on('crash', () => errors.push('the page crashed'));
    page.on('load', () => {
      if (++loads > 1) errors.push(`the page reloaded (a reload would reset the heap being measured) at ${page.url()}; the demo said:\n${demo.output().split('\n').slice(-8).join('\n')}`);
    });
    page.on('console', (m) => {
      // Chromium asks every page for /favicon.ico; the demo has none.
      if (m.type() === 'error' && !m.location().url.endsWith('/favicon.ico')) errors.push(`console error: ${m.text()}`);
    });
    // Others may edit the sources while the soak runs: Vite would then reload the page (and reset the heap
    // being measured) or swap modules under it. Its hot-update messages are held back and only counted.
    const heldBack = new Set<string>();
    await page.routeWebSocket(
      (u) => u.host === new URL(demo.url).host,
      (ws) => {
        const server = ws.connectToServer();
        server.onMessage((message) => {
          const data = JSON.parse(String(message)) as { type?: string; path?: string; updates?: Array<{ path: string }> };
          if (data.type === 'update' || data.type === 'full-reload' || data.type === 'prune') {
            for (const path of data.updates?.map((u) => u.path) ?? [data.path ?? '(page)']) heldBack.add(path);
          } else ws.send(message);
        });
      },
    );
    await page.addInitScript(PROBES);
    log(`opening ${demo.url}`);
    await page.goto(demo.url);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    const registryUrl = `${new URL(demo.url).origin}/@fs${ROOT}src/store/registry.ts`;
    if (input.pointBudget !== undefined) {
      await page.evaluate(`import(${JSON.stringify(registryUrl)}).then((r) => r.configure({ pointBudget: ${options.pointBudget} }))`);
    }
    /** Files error messages; a slow answer is a notice, not a fault of the page. Returns whether any was an error. */
    const record = (messages: string[], where: string): boolean => {
      let failed = false;
      for (const message of messages) {
        if (SLOW.test(message)) slow.push(`${where}: ${message}`);
        else {
          errors.push(`${where}: ${message}`);
          failed = true;
        }
      }
      return failed;
    };
    const fail = () => {
      if (errors.length) throw new SoakError(errors);
    };

    const visit = async (level: Level) => {
      const tab = page.locator(`#tab-${level.id}`);
      if (await tab.count()) await tab.click();
      else await page.evaluate(`location.hash = ${JSON.stringify(level.hash)}`);
      await page.waitForFunction(`location.hash === ${JSON.stringify(`#${level.hash}`)}`);
      // The demo redraws on hashchange; let it mount the level's elements before asking them.
      await page.waitForTimeout(300);
      await settle(page, level, errors, record);
      fail();
    };

    // Warm-up: every level once, then home.
    for (const level of LEVELS) {
      log(`warm-up: ${level.id}`);
      await visit(level);
      await page.waitForTimeout(options.dwellSeconds * 1000);
    }
    const home = LEVELS.find((l) => l.id === HOME)!;
    await visit(home);
    await page.waitForTimeout(options.dwellSeconds * 1000);
    const baseline = await counts(page, cdp, registryUrl);
    log(`baseline on ${HOME}: ${baseline.nodes} nodes, ${baseline.listeners} listeners, ${baseline.elements} elements`);
    const returns: Counts[] = [];
    await page.evaluate(storesProbe(registryUrl));

    const samples: SoakSample[] = [];
    const frameIntervals: number[] = [];
    const start = Date.now();
    const end = start + options.minutes * 60_000;
    await page.evaluate('window.__soak.reset()');
    requests = 0;
    answers = [];
    let windowStart = Date.now();
    for (let w = 1; input.windows ? w <= input.windows : Date.now() < end; w++) {
      const toured = w % options.tourEvery === 0;
      if (toured) {
        for (const level of LEVELS) {
          if (level.id === HOME) continue;
          await visit(level);
          await page.waitForTimeout(options.dwellSeconds * 1000);
        }
        await visit(home);
        // The dashboard's series are new since the tour: count what they gain from here.
        const fresh = (await page.evaluate(storesProbe(registryUrl))) as { series: number; maxPoints: number };
        log(`back on ${HOME}: ${fresh.series} series, at most ${fresh.maxPoints} points in one`);
      }
      // A toured window still gives the dashboard a full window before it is sampled.
      const due = (toured ? Date.now() : windowStart) + options.sampleSeconds * 1000;
      await page.waitForTimeout(Math.max(0, due - Date.now()));
      // Frames first: the forced GC below would show up as a long frame of its own.
      const taken = (await page.evaluate('window.__soak.take()')) as { intervals: number[]; longTasks: number[] };
      const windowMinutes = (Date.now() - windowStart) / 60_000;
      const windowRequests = requests;
      const windowAnswers = answers;
      const slowBefore = slow.length;
      const seen = (await page.evaluate(`window.__soak.errors.splice(0)`)) as string[];
      const state = (await page.evaluate(INSPECT)) as Inspection;
      record([...seen, ...state.errors], 'error state');
      const c = await counts(page, cdp, registryUrl);
      if (toured) returns.push(c);
      const heap = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number; backingStorageSize?: number };
      const stores = (await page.evaluate(storesProbe(registryUrl))) as { series: number; maxPoints: number; totalPoints: number; maxArrived: number };
      const intervals = taken.intervals;
      frameIntervals.push(...intervals);
      const sample: SoakSample = {
        minute: (Date.now() - start) / 60_000,
        toured,
        heapUsed: heap.usedSize,
        backingStore: heap.backingStorageSize ?? 0,
        ...c,
        frames: intervals.length,
        frameP50: percentile(intervals, 50),
        frameP95: percentile(intervals, 95),
        frameP99: percentile(intervals, 99),
        frameMax: intervals.length ? Math.max(...intervals) : NaN,
        longTasks: taken.longTasks.length,
        longTaskMs: taken.longTasks.reduce((a, b) => a + b, 0),
        requestsPerMinute: windowRequests / windowMinutes,
        answerP50: percentile(windowAnswers, 50),
        answerP95: percentile(windowAnswers, 95),
        answerMax: windowAnswers.length ? Math.max(...windowAnswers) : NaN,
        slowNotices: slow.length - slowBefore,
        series: stores.series,
        maxPoints: stores.maxPoints,
        totalPoints: stores.totalPoints,
        maxArrived: stores.maxArrived,
        demoRss: rssOf(demo.process.pid),
        load: loadavg()[0],
      };
      samples.push(sample);
      log(formatSample(sample));
      fail();
      // The sampling itself (GC, inspection) is not the page's own frame time.
      await page.evaluate('window.__soak.reset()');
      requests = 0;
      answers = [];
      windowStart = Date.now();
    }
    return {
      options,
      url: demo.url,
      startedAt: new Date(start).toISOString(),
      baseline,
      returns,
      samples,
      frameIntervals,
      errors,
      slow,
      heldBack: [...heldBack],
      loadAverage: { start: loadStart, end: loadavg() },
    };
  } catch (error) {
    if (error instanceof SoakError) throw error;
    throw new Error(`${error instanceof Error ? error.message : String(error)}${errors.length ? `\nerrors so far:\n${errors.join('\n')}` : ''}`, { cause: error });
  } finally {
    await browser?.close();
    await stopDemo(demo);
  }
}

/** The page logged an error or an element showed one. */
export class SoakError extends Error {
  readonly errors: string[];
  constructor(errors: string[]) {
    super(`the soak stopped on ${errors.length} error(s):\n  ${errors.join('\n  ')}`);
    this.errors = errors;
  }
}

/** The store's notice that a poll has gone unanswered for a while (src/store/store.ts `stillWaiting`). */
const SLOW = /Waiting for .+: no answer for \d+ s/;

/** Waits until no element on the page is still loading (a level's elements have all answered). */
async function settle(page: Page, level: Level, errors: string[], record: (messages: string[], where: string) => boolean): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const state = (await page.evaluate(INSPECT)) as Inspection;
    if (state.errors.length && record(state.errors, `error state on ${level.id}`)) return;
    if (state.tags.length > 2 && !state.loading.length) return;
    if (Date.now() > deadline) {
      errors.push(`on ${level.id}, still loading after 60 s: ${state.loading.join(', ') || '(no elements)'}`);
      return;
    }
    await page.waitForTimeout(250);
  }
}

async function counts(page: Page, cdp: CDPSession, registryUrl: string): Promise<Counts> {
  // A poll in flight holds its requests' abort listeners: count between polls (they come every 2 s).
  for (const deadline = Date.now() + 10_000; Date.now() < deadline && !(await page.evaluate(IDLE(registryUrl))); ) await page.waitForTimeout(50);
  await cdp.send('HeapProfiler.collectGarbage');
  const { metrics } = (await cdp.send('Performance.getMetrics')) as { metrics: Array<{ name: string; value: number }> };
  const metric = (name: string) => metrics.find((m) => m.name === name)?.value ?? NaN;
  const state = (await page.evaluate(INSPECT)) as Inspection;
  const subscribed = (await page.evaluate(SUBSCRIPTIONS(registryUrl))) as { stores: number; subscriptions: number };
  return { nodes: metric('Nodes'), listeners: metric('JSEventListeners'), elements: state.count, attached: state.attached, tags: state.histogram, ...subscribed };
}

const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(1) : '–');

function formatSample(s: SoakSample): string {
  return `${s.minute.toFixed(1)} min${s.toured ? ' (toured)' : ''}: heap ${mb(s.heapUsed)} MB + ${mb(s.backingStore)} MB buffers, ${s.nodes} nodes, ${s.listeners} listeners, frames p50/p95/p99/max ${ms(s.frameP50)}/${ms(s.frameP95)}/${ms(s.frameP99)}/${ms(s.frameMax)} ms, ${s.longTasks} long tasks, ${s.requestsPerMinute.toFixed(0)} req/min answered in p50/p95 ${ms(s.answerP50)}/${ms(s.answerP95)} ms, ${s.slowNotices} slow notices, ${s.maxPoints} points max (${s.maxArrived} arrived), demo ${mb(s.demoRss)} MB, load ${s.load.toFixed(2)}`;
}
