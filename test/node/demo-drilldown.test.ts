/**
 * The demo as a new user meets it: `trainwatch demo` (embedded ClickHouse,
 * simulator, dashboard) in real Chromium. It opens on the health rollup; a
 * red cell and then "First NaN/Inf" lead to the step where the failed run
 * went wrong; that view's URL opened in a new tab shows the same; the
 * breadcrumb comes back.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, before, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { chromiumLaunchOptions } from '../../src/server/headless-chromium.js';

// Page-side code runs in Chromium; this Node-typed file only needs these names to exist.
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const document: any;
declare const location: any;
type HTMLElement = { shadowRoot: any };

let demo: ChildProcess;
let url = '';
let browser: Browser;

before(async () => {
  // Small histories keep the start quick; the week-long runs are what the rollup needs.
  demo = spawn(process.execPath, ['bin/trainwatch.js', 'demo', '--port', '0', '--clickhouse-port', '0', '--history', '3000', '--past-days', '4'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the demo did not start in 90 s:\n${output}`)), 90_000);
    const read = (chunk: Buffer) => {
      output += chunk;
      const found = /trainwatch demo: (http:\/\/\S+)/.exec(output);
      if (found && /past 4 days\): backfill: \d+ rows/.test(output)) {
        clearTimeout(timer);
        resolve(found[1]);
      }
    };
    demo.stdout!.on('data', read);
    demo.stderr!.on('data', read);
    demo.once('exit', (code) => reject(new Error(`the demo exited with ${code}:\n${output}`)));
  });
  browser = await chromium.launch(chromiumLaunchOptions());
});

after(async () => {
  await browser?.close();
  demo?.kill('SIGINT');
});

/** Waits for a condition evaluated in the page, with a clear message. */
async function until(page: Page, what: string, probe: () => unknown, timeout = 30_000): Promise<void> {
  try {
    await page.waitForFunction(probe, undefined, { timeout, polling: 200 });
  } catch {
    const text = await page
      .evaluate(() => `${document.body.innerText.slice(0, 300)} | rollup: ${document.querySelector('health-table')?.shadowRoot?.textContent?.replace(/\s+/g, ' ').slice(0, 300)}`)
      .catch(() => '');
    throw new Error(`timed out waiting for ${what} at ${page.url()}; the page says: ${text}`);
  }
}

it('leads from a red cell of the rollup to the step where the run went wrong in two clicks, and the link reproduces it', async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(url);

  // The entry point is the rollup; week-1 diverged to NaN and failed on one day: a red cell.
  await until(page, 'the rollup to show week-1', () =>
    [...(document.querySelector('health-table')?.shadowRoot?.querySelectorAll('th a') ?? [])].some((a: any) => a.textContent.includes('week-1')),
  );
  const red = page.locator('health-table td a', { hasText: '0.00' });
  assert.ok((await red.count()) >= 1, 'a red cell with 0.00');
  const cellHref = await red.last().getAttribute('href');
  assert.match(cellHref ?? '', /run=week-1&metric=loss&/, 'the red cell of the failed run opens its loss');

  // Click 1: the single-metric view of that day, with the breadcrumb back.
  await red.last().click();
  await until(page, 'the metric view', () => document.querySelector('metric-detail')?.shadowRoot?.textContent?.includes('First NaN/Inf'));
  const crumbs = await page.locator('.crumbs li').allTextContents();
  assert.deepEqual(
    crumbs.map((c) => c.trim()),
    ['Health', 'week-1 · loss'],
  );

  // Click 2: the first NaN, zoomed to and named by its step.
  const first = page.locator('metric-detail button', { hasText: 'First NaN/Inf' });
  const label = (await first.textContent()) ?? '';
  const step = Number(/step ([\d,]+)/.exec(label)?.[1].replace(/,/g, ''));
  assert.ok(Number.isInteger(step) && step > 0, `the button names a step: "${label}"`);
  await first.click();
  await until(page, 'the zoom into the URL', () => location.hash.includes('from='));
  const detail = await page.evaluate(() => {
    const el = document.querySelector('metric-detail') as HTMLElement & { firstNonFinite?: { step: number }; zoomRange?: [number, number] };
    return { first: el.firstNonFinite?.step, zoom: el.zoomRange };
  });
  assert.equal(detail.first, step);
  assert.ok(detail.zoom, 'zoomed');

  // The URL of that view, in a new tab, shows the same zoom and the same first NaN.
  const tab = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await tab.goto(page.url());
  await until(tab, 'the view in a new tab', () => document.querySelector('metric-detail')?.shadowRoot?.textContent?.includes('First NaN/Inf: step'));
  const again = await tab.evaluate(() => {
    const el = document.querySelector('metric-detail') as HTMLElement & { firstNonFinite?: { step: number }; zoomRange?: [number, number] };
    return { first: el.firstNonFinite?.step, zoom: el.zoomRange };
  });
  assert.deepEqual(again, detail);

  // The breadcrumb goes back to the rollup.
  await page.locator('.crumbs a', { hasText: 'Health' }).click();
  await until(page, 'the rollup again', () => !!document.querySelector('health-table'));
  assert.deepEqual(errors, []);
});
