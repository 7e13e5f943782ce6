/**
 * `trainwatch demo`: the embedded ClickHouse, the simulator writing live runs
 * into it, and the demo dashboard served by Vite — one command for a newcomer.
 */
import { fileURLToPath } from 'node:url';
import { startClickHouseServer, type EmbeddedClickHouse } from './clickhouse-server.js';
import { integer, parse, untilInterrupted } from './cli-args.js';
import { backfill, simulate } from './simulator.js';

const DEMO_ROOT = fileURLToPath(new URL('../../demo/', import.meta.url));

/** The preferred port, or any free one when it is taken (a second demo, a real ClickHouse…). */
async function startClickHouse(port: number, dataDir: string | undefined): Promise<EmbeddedClickHouse> {
  try {
    return await startClickHouseServer({ port, dataDir });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    console.log(`port ${port} is busy; using a free port for the embedded ClickHouse`);
    return startClickHouseServer({ port: 0, dataDir });
  }
}

export async function demo(args: string[]): Promise<void> {
  const v = parse(args, {
    port: { type: 'string' },
    'clickhouse-port': { type: 'string' },
    runs: { type: 'string' },
    finished: { type: 'string' },
    failed: { type: 'string' },
    history: { type: 'string' },
    rate: { type: 'string' },
    data: { type: 'string' },
    relay: { type: 'boolean' },
    'past-days': { type: 'string' },
    'relay-port': { type: 'string' },
  });
  const port = integer(v.port, 'port', 5173, 0, 65535);
  const runs = integer(v.runs, 'runs', 2, 1, 50);
  const finishedRuns = integer(v.finished, 'finished', 1, 0, 50);
  const failedRuns = integer(v.failed, 'failed', 1, 0, 50);
  const total = runs + finishedRuns + failedRuns;
  const history = integer(v.history, 'history', 20_000, 0, 10_000_000);
  const rate = integer(v.rate, 'rate', 5, 1, 10_000);
  const pastDays = integer(v['past-days'], 'past-days', 7, 0, 90);

  const ch = await startClickHouse(integer(v['clickhouse-port'], 'clickhouse-port', 8123, 0, 65535), v.data);
  console.log(`embedded ClickHouse ${ch.engine.version} on ${ch.url}`);

  const controller = new AbortController();
  const simulation = simulate({
    url: ch.url,
    runs,
    finishedRuns,
    failedRuns,
    history,
    stepsPerSecond: rate,
    signal: controller.signal,
    log: (message) => console.log(`simulator: ${message}`),
  }).catch((error: unknown) => console.error(`simulator stopped: ${error instanceof Error ? error.message : String(error)}`));

  // Two earlier runs over the past days, one step a minute, so the health rollup has a week to show:
  // week-0 finishes (60% of the span), week-1 diverges to NaN and fails (45%).
  const pastRuns = pastDays ? ['week-0', 'week-1'] : [];
  if (pastDays) {
    const steps = pastDays * 24 * 60;
    void backfill({
      url: ch.url,
      runs: 0,
      finishedRuns: 1,
      failedRuns: 1,
      history: steps,
      stepsPerSecond: 1 / 60,
      startTime: Date.now() - steps * 60_000,
      runPrefix: 'week-',
      seed: 7,
      log: (message) => console.log(`simulator (past ${pastDays} days): ${message}`),
    }).catch((error: unknown) => console.error(`past runs not written: ${error instanceof Error ? error.message : String(error)}`));
  }

  // With --relay the page reads through a relay (one poller, pushed over SSE) instead of ClickHouse.
  let relay: { url: string; close(): Promise<void> } | undefined;
  if (v.relay) {
    const { startRelay } = await import('./relay/relay-server.js');
    relay = await startRelay({ clickhouseUrl: ch.url, port: integer(v['relay-port'], 'relay-port', 8787, 0, 65535), pollInterval: 1000, allowOrigins: ['*'] });
    console.log(`trainwatch relay on ${relay.url} (polling ClickHouse every 1 s)`);
  }
  const source = relay ? `relay+${relay.url}` : ch.url;

  const { createServer } = await import('vite');
  const vite = await createServer({
    configFile: false,
    root: DEMO_ROOT,
    logLevel: 'warn',
    server: { port, host: '127.0.0.1', strictPort: false },
    define: {
      __TRAINWATCH_DEMO__: JSON.stringify({ url: source, runs: [...Array.from({ length: total }, (_, i) => `run-${i}`), ...pastRuns] }),
    },
  });
  await vite.listen();
  const url = vite.resolvedUrls?.local[0] ?? `http://127.0.0.1:${port}/`;
  console.log(`\n  trainwatch demo: ${url}\n  (Ctrl-C to stop)\n`);

  await untilInterrupted();
  controller.abort();
  await simulation;
  await vite.close();
  await relay?.close();
  await ch.close();
}
