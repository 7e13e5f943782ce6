/**
 * One store per source per page. Elements ask for the store of their source
 * configuration; equal configurations get the same instance, and therefore
 * share series and requests.
 */
import { ClickHouseSource } from '../sources/clickhouse-source.js';
import { RELAY_PREFIX, RelaySource } from '../sources/relay-source.js';
import type { TelemetrySource } from '../sources/source.js';
import { TelemetryStore } from './store.js';

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
let pageDefaults: SourceConfig = { ...DEFAULTS };

const listeners = new Set<() => void>();

/**
 * Sets the page-wide source that elements use when neither they nor an
 * enclosing `<trainwatch-source>` say otherwise. Elements already on the page
 * follow the change (a notebook may configure after its elements render).
 */
export function configure(config: Partial<SourceConfig>): void {
  pageDefaults = { ...pageDefaults, ...config };
  for (const listener of [...listeners]) listener();
}

/** Calls `listener` after every `configure()`; returns the unsubscribe function. */
export function onConfigure(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function pageSource(): SourceConfig {
  return pageDefaults;
}

/** Test hook: back to the built-in defaults. */
export function resetConfiguration(): void {
  pageDefaults = { ...DEFAULTS };
  for (const listener of [...listeners]) listener();
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

const stores = new Map<string, TelemetryStore>();

function sourceKey(config: SourceConfig): string {
  return JSON.stringify([config.url, config.user ?? '', config.password ?? '', config.token ?? '', config.table ?? '', config.pollInterval ?? 0, config.pointBudget ?? 0]);
}

/** The shared store for a source configuration, created on first use. */
export function storeFor(config: SourceConfig, makeSource: SourceFactory = makeSourceFor): TelemetryStore {
  const key = sourceKey(config);
  let store = stores.get(key);
  if (!store) {
    const created: TelemetryStore = new TelemetryStore(makeSource(config), { pollInterval: config.pollInterval, pointBudget: config.pointBudget }, () => {
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
