/** Shared by browser tests: write known rows into the real (embedded) ClickHouse and wait for effects. */
import { createClient } from '@clickhouse/client-web';
import { CLICKHOUSE_URL } from 'trainwatch-test-env';

// fetch() with keepalive caps request bodies at 64 KB, too small for test inserts.
export const writer = createClient({ url: CLICKHOUSE_URL, username: 'default', password: '', keep_alive: { enabled: false } });

let counter = 0;
/** A run id no other test uses, so tests share one database without interfering. */
export function uniqueRun(prefix = 'run'): string {
  counter++;
  return `${prefix}-${Date.now().toString(36)}-${counter}-${Math.random().toString(36).slice(2, 7)}`;
}

export interface Point {
  step: number;
  value: number;
  /** epoch ms; default: 1 s per step from 2026-01-01. */
  time?: number;
}

const BASE_TIME = Date.UTC(2026, 0, 1);

function clickhouseTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

/** Inserts points for a run's metric through the ClickHouse HTTP interface. */
export async function insertPoints(run: string, metric: string, points: Point[], extra: Record<string, unknown> = {}) {
  await writer.insert({
    table: 'training_observability.metric_points',
    format: 'JSONEachRow',
    values: points.map((p) => ({
      run_id: run,
      metric,
      step: p.step,
      // JSON has no NaN/Inf; ClickHouse reads them from strings.
      value: Number.isFinite(p.value) ? p.value : String(p.value).replace('Infinity', 'inf').toLowerCase(),
      event_time: clickhouseTime(p.time ?? BASE_TIME + p.step * 1000),
      ...extra,
    })),
  });
}

export async function countRows(): Promise<number> {
  const rs = await writer.query({ query: 'SELECT count() AS n FROM training_observability.metric_points', format: 'JSONEachRow' });
  const [row] = await rs.json<{ n: string }>();
  return Number(row.n);
}

export async function waitFor<T>(probe: () => T | undefined | false | null, what: string, timeout = 8000): Promise<T> {
  const started = performance.now();
  for (;;) {
    const value = probe();
    if (value) return value;
    if (performance.now() - started > timeout) throw new Error(`Timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
