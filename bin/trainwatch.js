#!/usr/bin/env node
// The Node side of trainwatch (embedded ClickHouse, simulator, demo), run from
// its TypeScript sources through tsx so there is no separate server build.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/server/cli.ts');
process.exitCode = await main(process.argv.slice(2));
