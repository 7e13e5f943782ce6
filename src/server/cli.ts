/**
 * `trainwatch <command>`: the embedded ClickHouse, the telemetry simulator and
 * the demo dashboard. Every command validates its flags and explains a bad one
 * instead of starting half-configured.
 */
import { byteSize, integer, parse, untilInterrupted, UsageError } from './cli-args.js';
import { DEFAULT_MAX_BODY_BYTES, isLoopback, passwordlessWriter, startClickHouseServer, type ClickHouseUser } from './clickhouse-server.js';
import { simulate } from './simulator.js';

const USAGE = `trainwatch — live ML training telemetry from ClickHouse

Usage:
  trainwatch clickhouse [--port 8123] [--host 127.0.0.1] [--data DIR]
                        [--user NAME:PASSWORD]... [--readonly-user NAME:PASSWORD]...
                        [--allow-origin ORIGIN]... [--max-body 256M] [--allow-passwordless-remote]
      Embedded ClickHouse (chDB) behind the ClickHouse HTTP interface, with
      training_observability.metric_points created. Data lives in DIR
      (a temporary directory, removed on exit, when omitted). It listens on
      127.0.0.1 only; another --host (0.0.0.0: every interface) is refused
      while a user without a password can write (the default user, unless
      --user default:PASSWORD), unless --allow-passwordless-remote.
      --max-body: largest request body, also after gzip is undone.

  trainwatch simulate --url http://127.0.0.1:8123 [--user NAME] [--password PW]
                      [--runs 2] [--finished 0] [--failed 0] [--history 2000] [--rate 5]
                      [--seed N] [--backfill-only]
      Writes the data contract (docs/data-contract.md) for N live runs, plus
      runs that finished or failed, with plain HTTP INSERTs (works against any
      ClickHouse): --history steps of backfill, then live at --rate steps/s
      until interrupted.

  trainwatch relay [--clickhouse URL | --embedded] [--port 8787] [--host 127.0.0.1]
                   [--poll-interval SECONDS] [--allow-origin ORIGIN]... [--token TOKEN]
                   [--max-clients 5000] [--queries FILE.json]
      One poller for many viewers: reads ClickHouse and pushes to every page
      over Server-Sent Events (/stream), with /runs, /metrics/{run},
      /checkpoints/{run} and /healthz. Settings also come from the
      environment: CH_HOST, CH_PORT, CH_DATABASE, CH_USER, CH_PASSWORD,
      POLL_INTERVAL_SEC, RELAY_TOKEN (flags win). --embedded starts the
      embedded ClickHouse instead. Elements use it with src="relay+http://…".

  trainwatch demo [--port 5173] [--clickhouse-port 8123] [--runs 2] [--finished 1] [--failed 1]
                  [--history 20000] [--past-days 7] [--data DIR] [--relay [--relay-port 8787]]
      Embedded ClickHouse + simulator + the demo dashboard; prints its URL.
      --past-days: two earlier runs (one finishes, one fails) over that many days, for the rollup.
      --relay: the page reads through a trainwatch relay instead.
`;

function users(plain: string[] = [], readonly: string[] = []): ClickHouseUser[] | undefined {
  const parseUser = (spec: string, ro: boolean): ClickHouseUser => {
    const colon = spec.indexOf(':');
    if (colon <= 0) throw new UsageError(`user must be NAME:PASSWORD; got "${spec}"`);
    return { name: spec.slice(0, colon), password: spec.slice(colon + 1), readonly: ro };
  };
  const list = [...plain.map((u) => parseUser(u, false)), ...readonly.map((u) => parseUser(u, true))];
  if (!list.length) return undefined;
  // Without an explicit default user, keep the passwordless `default` a fresh server has.
  if (!list.some((u) => u.name === 'default')) list.unshift({ name: 'default', password: '' });
  return list;
}

async function clickhouse(args: string[]) {
  const v = parse(args, {
    port: { type: 'string' },
    host: { type: 'string' },
    data: { type: 'string' },
    user: { type: 'string', multiple: true },
    'readonly-user': { type: 'string', multiple: true },
    'allow-origin': { type: 'string', multiple: true },
    'max-body': { type: 'string' },
    'allow-passwordless-remote': { type: 'boolean' },
  });
  const host = v.host ?? '127.0.0.1';
  const accounts = users(v.user, v['readonly-user']);
  const open = passwordlessWriter(accounts);
  if (!isLoopback(host) && open) {
    if (!v['allow-passwordless-remote']) {
      throw new UsageError(
        `--host ${host} would let anyone who can reach this machine write to and drop tables as "${open.name}", which has no password. ` +
          `Give it one (--user ${open.name}:PASSWORD), let others only read (--readonly-user NAME:PASSWORD), or accept the risk with --allow-passwordless-remote`,
      );
    }
    console.warn(`\n  WARNING: listening on ${host} with user "${open.name}" writable WITHOUT A PASSWORD: anyone who can reach this port can write and drop tables.\n`);
  }
  const server = await startClickHouseServer({
    port: integer(v.port, 'port', 8123, 0, 65535),
    host,
    dataDir: v.data,
    users: accounts,
    allowOrigins: v['allow-origin'],
    maxBodyBytes: byteSize(v['max-body'], 'max-body', DEFAULT_MAX_BODY_BYTES, 1024, 2 ** 31 - 1),
    allowPasswordlessRemote: v['allow-passwordless-remote'],
  });
  console.log(`ClickHouse (chDB ${server.engine.version}) listening on ${server.url}${isLoopback(host) ? '' : ` (bound to ${host})`}`);
  console.log(`data: ${server.engine.dataDir}${v.data ? '' : ' (temporary)'}`);
  await untilInterrupted();
  await server.close();
}

async function simulateCommand(args: string[]) {
  const v = parse(args, {
    url: { type: 'string' },
    user: { type: 'string' },
    password: { type: 'string' },
    runs: { type: 'string' },
    finished: { type: 'string' },
    failed: { type: 'string' },
    history: { type: 'string' },
    rate: { type: 'string' },
    seed: { type: 'string' },
    'backfill-only': { type: 'boolean' },
  });
  if (!v.url) throw new UsageError('--url is required, e.g. --url http://127.0.0.1:8123');
  if (!/^https?:\/\//.test(v.url)) throw new UsageError(`--url must start with http:// or https://; got "${v.url}"`);
  const controller = new AbortController();
  const options = {
    url: v.url,
    user: v.user,
    password: v.password,
    runs: integer(v.runs, 'runs', 2, 1, 1000),
    finishedRuns: integer(v.finished, 'finished', 0, 0, 1000),
    failedRuns: integer(v.failed, 'failed', 0, 0, 1000),
    history: integer(v.history, 'history', 2000, 0, 100_000_000),
    stepsPerSecond: integer(v.rate, 'rate', 5, 1, 100_000),
    seed: v.seed === undefined ? undefined : integer(v.seed, 'seed', 0),
    signal: controller.signal,
    log: (message: string) => console.log(message),
  };
  if (v['backfill-only']) {
    const { backfill } = await import('./simulator.js');
    await backfill(options);
    return;
  }
  void untilInterrupted().then(() => controller.abort());
  await simulate(options);
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'clickhouse':
        await clickhouse(rest);
        return 0;
      case 'simulate':
        await simulateCommand(rest);
        return 0;
      case 'relay': {
        const { relayCommand } = await import('./relay/relay-cli.js');
        await relayCommand(rest);
        return 0;
      }
      case 'demo': {
        const { demo } = await import('./demo.js');
        await demo(rest);
        return 0;
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        console.log(USAGE);
        return 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`trainwatch: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    console.error(`trainwatch ${command}: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}
