/**
 * What the browser scenarios share: one embedded ClickHouse for the whole
 * benchmark process (chDB allows one per process), the bench page served by
 * Vite from the TypeScript sources, and headless Chromium driven by
 * Playwright with a CDP session for heap figures.
 */
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type CDPSession, type Page } from 'playwright-core';
import type { ViteDevServer } from 'vite';
import { startClickHouseServer, type EmbeddedClickHouse } from '../src/server/clickhouse-server.js';
import { chromiumLaunchOptions } from '../src/server/headless-chromium.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

let clickhouse: Promise<EmbeddedClickHouse> | undefined;

/** The process-wide embedded ClickHouse, started on first use and closed with `closeShared`. */
export function sharedClickHouse(): Promise<EmbeddedClickHouse> {
  clickhouse ??= startClickHouseServer({ port: 0 });
  return clickhouse;
}

export async function closeShared(): Promise<void> {
  if (clickhouse) await (await clickhouse).close();
  clickhouse = undefined;
}

export interface BenchPage {
  page: Page;
  cdp: CDPSession;
  /** JS heap in use after a full garbage collection plus ArrayBuffer backing stores (typed arrays live there), bytes. */
  heapUsed(): Promise<number>;
  close(): Promise<void>;
}

/** The bench page (bench/pages/index.html) in a fresh headless Chromium. */
export async function openBenchPage(): Promise<BenchPage> {
  const { createServer } = await import('vite');
  const vite: ViteDevServer = await createServer({
    configFile: false,
    root: ROOT,
    logLevel: 'error',
    // No HMR: nothing may reload the page in the middle of a measurement.
    server: { port: 0, host: '127.0.0.1', hmr: false },
    // Production Lit: dev mode's warnings and checks are not what a user's page runs.
    resolve: { conditions: ['production'] },
    // Every dependency pre-bundled up front: a dependency discovered mid-run makes Vite reload the page.
    optimizeDeps: { noDiscovery: true, include: ['lit', 'uplot', '@clickhouse/client-web'] },
  });
  await vite.listen();
  const url = vite.resolvedUrls!.local[0];
  const browser: Browser = await chromium.launch(chromiumLaunchOptions());
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (error) => process.stderr.write(`page error: ${error.message}\n`));
  page.on('framenavigated', (frame) => frame === page.mainFrame() && process.stderr.write(`bench page loaded: ${frame.url()}\n`));
  await page.goto(`${url}bench/pages/index.html`);
  await page.waitForFunction(() => 'trainwatchBench' in globalThis, undefined, { timeout: 60_000 });
  const cdp = await page.context().newCDPSession(page);
  return {
    page,
    cdp,
    async heapUsed() {
      await cdp.send('HeapProfiler.collectGarbage');
      const usage = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number; backingStorageSize?: number };
      return usage.usedSize + (usage.backingStorageSize ?? 0);
    },
    async close() {
      await browser.close();
      await vite.close();
    },
  };
}

export function percentile(values: readonly number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
