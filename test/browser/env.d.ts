declare module 'trainwatch-test-env' {
  /** URL of the embedded ClickHouse the test run started. */
  export const CLICKHOUSE_URL: string;
  /** A pass-through to it that /__proxy/down and /__proxy/up take away and bring back. */
  export const PROXY_URL: string;
}
