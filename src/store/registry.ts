/**
 * One store per source per page. Elements ask for the store of their source
 * configuration; equal configurations get the same instance, and therefore
 * share series and requests.
 */
import { ClickHouseSource } from '../sources/clickhouse-source.js';
import { RELAY_PREFIX, RelaySource } from '../sources/relay-source.js';
import type { TelemetrySource } from '../sources/source.js';
import { TelemetryStore } from './store.js';
import { clip } from '../internal/invalid.js';

export interface SourceConfig {
  /** ClickHouse HTTP URL, or a trainwatch relay's as `relay+http(s)://host:port`. */
  url: string;
  user?: string;
  password?: string;
  /** Bearer token of a relay that asks for one. */
  token?: string;
  /** Database-qualified table (default training_observability.metric_points). */
  table?: string;
  /** Poll interval in ms (default 2000). */
  pollInterval?: number;
  /** Points held per series before the oldest are reduced (default 60000). */
  pointBudget?: number;
}

const DEFAULTS: SourceConfig = { url: 'http://127.0.0.1:8123' };

/**
 * The page's settings live on the page, not in this module: with two copies
 * of trainwatch loaded (two notebook cells inlining the bundle), the tags
 * belong to the first copy, and a `configure()` from either must reach them.
 */
interface PageSettings {
  config: SourceConfig;
  listeners: Set<() => void>;
}
const page: PageSettings = ((globalThis as Record<symbol, unknown>)[Symbol.for('trainwatch-page-source')] ??= {
  config: { ...DEFAULTS },
  listeners: new Set(),
}) as PageSettings;

/**
 * Sets the page-wide source that elements use when neither they nor an
 * enclosing `<trainwatch-source>` say otherwise. Elements already on the page
 * follow the change (a notebook may configure after its elements render).
 */
export function configure(config: Partial<SourceConfig>): void {
  page.config = { ...page.config, ...config };
  for (const listener of [...page.listeners]) listener();
}

/** Calls `listener` after every `configure()`; returns the unsubscribe function. */
export function onConfigure(listener: () => void): () => void {
  page.listeners.add(listener);
  return () => page.listeners.delete(listener);
}

export function pageSource(): SourceConfig {
  return page.config;
}

/** Test hook: back to the built-in defaults. */
export function resetConfiguration(): void {
  page.config = { ...DEFAULTS };
  for (const listener of [...page.listeners]) listener();
}

export type SourceFactory = (config: SourceConfig) => TelemetrySource;

/** Transports by URL prefix; anything unmatched is ClickHouse HTTP. */
const transports: Array<[prefix: string, factory: SourceFactory]> = [[RELAY_PREFIX, (config) => new RelaySource(config)]];

/**
 * Routes `src` URLs that start with `prefix` to another transport (Storybook's
 * fixtures use `fixture:`; the relay `relay+`, built in). Later registrations win.
 */
export function registerTransport(prefix: string, factory: SourceFactory): void {
  transports.unshift([prefix, factory]);
}

function makeSourceFor(config: SourceConfig): TelemetrySource {
  const match = transports.find(([prefix]) => config.url.startsWith(prefix));
  return match ? match[1](config) : new ClickHouseSource(config);
}

/**
 * A source that could not be built (a malformed URL, an invalid table name):
 * every request fails with the reason, so each element says what is wrong
 * instead of the constructor's exception escaping into the page.
 */
class UnusableSource implements TelemetrySource {
  readonly id: string;
  readonly label: string;
  private readonly reason: string;

  constructor(config: SourceConfig, reason: string) {
    this.id = `unusable:${config.url}|${config.table ?? ''}`;
    this.label = `the source ${clip(config.url)}`;
    this.reason = `Cannot use this source: ${reason}`;
  }

  fetch(): Promise<never> {
    return Promise.reject(new Error(this.reason));
  }

  rows(): Promise<never> {
    return Promise.reject(new Error(this.reason));
  }

  describeRuns(): Promise<never> {
    return Promise.reject(new Error(this.reason));
  }

  async close(): Promise<void> {}
}

function safely(makeSource: SourceFactory, config: SourceConfig): TelemetrySource {
  try {
    return makeSource(config);
  } catch (error) {
    return new UnusableSource(config, error instanceof Error ? error.message : String(error));
  }
}

const stores = new Map<string, TelemetryStore>();

function sourceKey(config: SourceConfig): string {
  return JSON.stringify([config.url, config.user ?? '', config.password ?? '', config.token ?? '', config.table ?? '', config.pollInterval ?? 0, config.pointBudget ?? 0]);
}

/** The shared store for a source configuration, created on first use. */
export function storeFor(config: SourceConfig, makeSource: SourceFactory = makeSourceFor): TelemetryStore {
  const key = sourceKey(config);
  let store = stores.get(key);
  if (!store) {
    const created: TelemetryStore = new TelemetryStore(safely(makeSource, config), { pollInterval: config.pollInterval, pointBudget: config.pointBudget }, () => {
      if (stores.get(key) === created) stores.delete(key);
    });
    store = created;
    stores.set(key, store);
  }
  return store;
}

/** Stores alive on this page (tests use it to prove nothing outlives its elements). */
export function liveStores(): TelemetryStore[] {
  return [...stores.values()];
}
