/** What the bench page (pages/bench-page.ts) offers the Node side; DOM-free so both tsconfigs can read it. */
export interface DrawTiming {
  ms: number;
  drawn: number;
}

export interface SteadyState {
  requests: number;
  longTasks: number[];
  drawMs: number[];
}

export interface Held {
  points: number;
  bytes: number;
  total: number;
}

export interface BenchApi {
  chartFirstDraw(url: string, run: string, metric: string): Promise<DrawTiming>;
  naiveFirstDraw(url: string, run: string, metric: string): Promise<DrawTiming>;
  mount(url: string, series: Array<[string, string]>, count: number, shared: boolean, pollInterval: number, pointBudget?: number): Promise<void>;
  steadyState(url: string, ms: number): Promise<SteadyState>;
  held(): Held;
  clear(): void;
}

/** The page's global, as seen from `page.evaluate` callbacks. */
export type BenchGlobal = typeof globalThis & { trainwatchBench: BenchApi };
