/**
 * What a store needs from a transport. One file per transport implements it
 * (ClickHouse HTTP now, the relay later), so elements never know which one
 * they are reading from.
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
}

/** A request for the points of a series after the step the store already holds. */
export interface SeriesRequest extends SeriesKey {
  /** Highest step already held, or -1 for none. */
  afterStep: number;
}

/** What exists for a run, used to explain an empty chart. */
export interface RunInfo {
  run: string;
  metrics: string[];
}

export interface TelemetrySource {
  /** Identity of the source: stores are shared per id. */
  readonly id: string;
  /** Human-readable location for messages ("ClickHouse at http://…"). */
  readonly label: string;
  /** New points for every requested series, all in one round trip. */
  fetchSeries(requests: SeriesRequest[], signal: AbortSignal): Promise<Map<string, SeriesChunk>>;
  /** Runs among `runs` that exist, with their metrics. */
  describeRuns(runs: string[], signal: AbortSignal): Promise<RunInfo[]>;
  close(): Promise<void>;
}

export const seriesId = (key: SeriesKey): string => `${key.run}\u0000${key.metric}`;
