/**
 * What a store needs from a transport. One file per transport implements it
 * (ClickHouse HTTP now, the relay later), so elements never know which one
 * they are reading from.
 *
 * A store asks for two kinds of data, always together in one round trip:
 * - a **view**: a step range of a series reduced to a number of pixel columns
 *   (first, last, min and max of each column, the M4 idea, so spikes survive;
 *   raw points when they fit), used for the first look at a series and for
 *   zooming in;
 * - a **tail**: the raw points after the last step a store holds, used to
 *   follow a live run.
 */

/** One line on a chart: a metric of a run. */
export interface SeriesKey {
  run: string;
  metric: string;
}

/** Points of one series in step order, as parallel typed arrays. */
export interface SeriesChunk {
  steps: Float64Array;
  /** Wall time of each point, epoch milliseconds. */
  times: Float64Array;
  values: Float64Array;
  /**
   * Points of the series at steps past 2^53 − 1 (a UInt64 step a double
   * cannot hold exactly, e.g. a step of −1 written as 2^64 − 1): left out of
   * the chunk and counted here. Unset: not counted by this answer.
   */
  beyond?: number;
}

/** Raw points of a series after the step a store already holds. */
export interface TailRequest extends SeriesKey {
  /** Highest step already held, or -1 for none. */
  afterStep: number;
}

/** A step range of a series, reduced to `columns` pixel columns. */
export interface ViewRequest extends SeriesKey {
  /** First step of the range (inclusive). */
  fromStep: number;
  /** Last step of the range (inclusive); Infinity for "up to the newest point". */
  toStep: number;
  /** Pixel columns to reduce to: at most about 4 points per column come back. */
  columns: number;
}

/** A reduced range: its points plus what it stands for. */
export interface ViewChunk extends SeriesChunk {
  /** Points the source holds in the range (what the reduction stands for). */
  total: number;
  /** Steps per column; 1 when the points are raw. */
  bucketSteps: number;
  /** Highest step in the range at the time of the answer (-1 when empty): a tail continues after it. */
  lastStep: number;
}

/** One round trip's worth of requests. */
export interface FetchPlan {
  tails: TailRequest[];
  views: ViewRequest[];
  /** Most raw points one tail may return, so a long backlog arrives in bounded slices. */
  tailLimit: number;
}

export interface FetchResult {
  /** New points per series id; a series with none may be missing. */
  tails: Map<string, SeriesChunk>;
  /** One chunk per view request, in request order (any chunk for a failed series; it is not used). */
  views: ViewChunk[];
  /**
   * Series whose held points no longer continue what the source has (a relay
   * that restarted): the store drops them and asks for a first view again.
   */
  resets?: Set<string>;
  /**
   * Series the source could not serve, by series id, with why (without the
   * source's label): only they show the error, and their views with them;
   * the rest of the answer is used. A fault of the whole request is thrown.
   */
  failed?: Map<string, string>;
}

/** What exists for a run, used to explain an empty chart. */
export interface RunInfo {
  run: string;
  metrics: string[];
}

/** A value bound to a `{name:Type}` placeholder of a row query. */
export type QueryParam = string | number | string[] | number[];

/**
 * A small table of rows an element shows as a whole (a checkpoint list, the
 * latest value of a metric, a heatmap over a time window), refreshed every
 * poll. Elements build these from fixed SQL; every value from an attribute is
 * in `params` and reaches ClickHouse as a bound parameter.
 */
export interface RowQuery {
  /** What the query is ("checkpoints", "latest"…): sources that cannot run SQL (Storybook's fixtures) answer by kind. */
  kind: string;
  /** One SELECT over `{{table}}` with `{name:Type}` placeholders; keep it bounded (LIMIT, GROUP BY). */
  sql: string;
  params: Record<string, QueryParam>;
}

/** One row of a row query, by column alias. 64-bit integers may arrive as strings and NaN/Inf as null. */
export type QueryRow = Record<string, unknown>;

export interface TelemetrySource {
  /** Identity of the source: stores are shared per id. */
  readonly id: string;
  /** Human-readable location for messages ("ClickHouse at http://…"). */
  readonly label: string;
  /** Every requested tail and view, in one round trip. */
  fetch(plan: FetchPlan, signal: AbortSignal): Promise<FetchResult>;
  /**
   * Every row query of a poll, in one round trip; one row list per query, in
   * order, or an Error in the place of a query the source could not serve
   * (its message without the source's label). A fault of the whole request is thrown.
   */
  rows(queries: RowQuery[], signal: AbortSignal): Promise<Array<QueryRow[] | Error>>;
  /** Runs among `runs` that exist, with their metrics. */
  describeRuns(runs: string[], signal: AbortSignal): Promise<RunInfo[]>;
  /**
   * For sources that are pushed to (the relay): calls `changed` when new data
   * arrived, so the store reads it at once instead of at its next tick.
   * Returns the function that stops watching.
   */
  watch?(changed: () => void): () => void;
  close(): Promise<void>;
}

export const seriesId = (key: SeriesKey): string => `${key.run}\u0000${key.metric}`;

export const emptyChunk = (): SeriesChunk => ({ steps: new Float64Array(0), times: new Float64Array(0), values: new Float64Array(0) });

/** The identity of a row query: equal queries from many elements are fetched once. */
export const queryId = (query: RowQuery): string => JSON.stringify([query.kind, query.sql, Object.entries(query.params).sort(([a], [b]) => (a < b ? -1 : 1))]);

/**
 * A failure a source recognised, by kind, so the store can say it in words
 * (`describeError`): `timeout` (no answer in time), `status` (an HTTP error
 * that did not come from ClickHouse, e.g. a load balancer's 502 page),
 * `cut` (the connection dropped mid-answer), `garbled` (an answer that fails
 * validation), `exception` (ClickHouse failed after it began answering).
 */
export class SourceError extends Error {
  override name = 'SourceError';
  readonly kind: 'timeout' | 'status' | 'cut' | 'garbled' | 'exception';
  constructor(kind: SourceError['kind'], message: string) {
    super(message);
    this.kind = kind;
  }
}
