// Code of two dependencies that trainwatch provably never runs, left out of the
// single-file bundle (the wiki page's download), with stand-ins that throw a
// clear "left out" error if anything ever reaches them.
//
// @clickhouse/client-web is CommonJS, so nothing of it is tree-shaken.
// trainwatch calls only createClient({url, username, password,
// request_timeout, fetch}), client.exec({query, query_params, abort_signal})
// and client.close() (src/sources/clickhouse-source.ts, webConnection). On
// that path run: createClient → ClickHouseClient's constructor (config and URL
// parsing, logger, no-op tracer, WebConnection, WebValuesEncoder's
// constructor) → exec → WebConnection.exec/runExec/request (search params,
// query parameter formatting, headers, fetch, parseError and getAsText for
// error answers, recordSpanError) → close. Left out:
//   - query()/command()/insert()/ping() of the client and the connection and
//     what only they use: result sets (WebImpl.make_result_set), column type parsing, format lists,
//     JSON encoding of inserts, multipart parameters, errors inside result
//     streams;
//   - the package's and common/index's re-exports that nothing inside the
//     bundle reads (trainwatch imports createClient only);
//   - two unused stack-trace helpers and the unused sleep().
// uPlot: trainwatch's series never set `paths`, so every line is drawn by
// uPlot's default linear path (points by its default points path); the
// stepped, bars and spline path builders and the uPlot.join/tzDate helpers
// are only reachable from uPlot's statics, which trainwatch does not use.
//
// Both dependencies are pinned (package.json); every cut names what it
// expects to find and the build fails if it is not there exactly once, so an
// upgrade cannot silently cut something else. test/node/bundle-budget.test.ts
// runs the left-out client against the embedded ClickHouse and checks that
// no kept module reads a left-out name.
import { createRequire } from 'node:module';
import { parseAst } from 'vite';

const require = createRequire(import.meta.url);
const CLIENT = /@clickhouse\/client-web\/dist\/(.+\.js)$/;
const UPLOT = /\/uplot\/dist\/uPlot\.esm\.js$/;

/** Client modules none of which runs on the exec path: every export throws when read. */
export const WHOLE_MODULES = [
  'common/parse/column_types.js', // column types of query() results
  'common/data_formatter/formatter.js', // query()'s format lists, insert()'s JSON encoder
  'common/utils/multipart.js', // query()'s multipart parameters
  'common/utils/stream.js', // errors inside query() result streams
  'common/utils/sleep.js', // exported, unused
];

/**
 * Client modules of which part runs: `keep` lists the only exports a
 * re-exporting module keeps, `methods` the class methods that throw,
 * `properties` the functions of an exported object literal that throw, `drop`
 * the functions removed (exported ones throw when read).
 */
export const MODULE_PARTS = {
  'index.js': { keep: ['createClient'] },
  'client.js': { methods: { WebClickHouseClientImpl: ['query'] } },
  'config.js': { properties: { WebImpl: ['make_result_set'] } }, // called by query() only
  'common/index.js': {
    keep: ['ClickHouseClient', 'parseError', 'isCredentialsAuth', 'isJWTAuth', 'isSuccessfulResponse', 'toSearchParams', 'transformUrl', 'withCompressionHeaders', 'withHttpSettings'],
  },
  'common/client.js': {
    methods: { ClickHouseClient: ['query', 'command', 'insert', 'ping'] },
    drop: ['formatQuery', 'getInsertQuery', 'isInsertColumnsExcept'],
  },
  'connection/web_connection.js': { methods: { WebConnection: ['query', 'command', 'insert', 'ping'] } },
  'utils/encoder.js': { methods: { WebValuesEncoder: ['encodeValues', 'validateInsertValues'] }, drop: ['throwIfStream'] },
  'common/error/error.js': { drop: ['getCurrentStackTrace', 'enhanceStackTrace'] },
};

/** uPlot statics trainwatch never reads: [pattern, how many times it must occur]. */
const UPLOT_PARTS = [
  [/\(paths\.(stepped|bars|spline)\s*=\s*\w+\);/g, 3],
  [/\buPlot\.(join|tzDate)\s*=\s*\w+;/g, 2],
];

const LEFT_OUT = 'is left out (trainwatch only uses exec)';
const fail = (what) => `throw new Error(${JSON.stringify(`trainwatch bundle: @clickhouse/client-web ${what} ${LEFT_OUT}`)})`;
const throwingGetters = (names) =>
  names.length
    ? `\nfor (const n of ${JSON.stringify(names)}) Object.defineProperty(exports, n, { enumerable: true, configurable: true, get() { throw new Error(\`trainwatch bundle: @clickhouse/client-web \${n} ${LEFT_OUT}\`); } });\n`
    : '';

class ReviewError extends Error {
  constructor(file, what) {
    super(`scripts/leave-out.mjs: ${what} in @clickhouse/client-web/dist/${file}; review the left-out parts for this version`);
  }
}

/** The stand-in of a whole client module: its export names (read from the real module), each throwing. */
function wholeStandIn(id) {
  const names = Object.keys(require(id)).filter((n) => n !== '__esModule');
  return `"use strict";\nObject.defineProperty(exports, "__esModule", { value: true });${throwingGetters(names)}`;
}

/** `exports.NAME = …` or `Object.defineProperty(exports, "NAME", …)`: NAME, else undefined. */
function exportedName(statement) {
  if (statement.type !== 'ExpressionStatement') return undefined;
  const e = statement.expression;
  if (e.type === 'AssignmentExpression' && e.left.type === 'MemberExpression' && e.left.object.name === 'exports') {
    // `exports.a = exports.b = void 0`, the names declared up front, stays.
    const declaration = e.right.type === 'AssignmentExpression' || (e.right.type === 'UnaryExpression' && e.right.operator === 'void');
    return declaration ? undefined : e.left.property.name;
  }
  if (e.type === 'CallExpression' && e.callee.type === 'MemberExpression' && e.callee.object.name === 'Object' && e.callee.property.name === 'defineProperty') {
    const [target, name] = e.arguments;
    if (target?.name === 'exports' && name?.type === 'Literal' && name.value !== '__esModule') return name.value;
  }
  return undefined;
}

/** Every identifier in `node` (comments and strings are not nodes, so they do not count). */
function identifiers(node, found = new Set()) {
  if (Array.isArray(node)) for (const child of node) identifiers(child, found);
  else if (node && typeof node === 'object') {
    if (node.type === 'Identifier') found.add(node.name);
    for (const key in node) if (key !== 'type') identifiers(node[key], found);
  }
  return found;
}

/** The client module `file` (path under dist/) with the parts MODULE_PARTS names left out. */
export function leaveOutParts(file, code) {
  const parts = MODULE_PARTS[file];
  if (!parts) return code;
  const ast = parseAst(code);
  const edits = []; // [start, end, replacement]
  const cut = [];
  const found = new Set();
  for (const statement of ast.body) {
    const name = exportedName(statement);
    if (parts.keep && name !== undefined && !parts.keep.includes(name)) {
      edits.push([statement.start, statement.end, '']);
      cut.push(name);
    } else if (name !== undefined && parts.drop?.includes(name)) {
      // `exports.f = f;` of a dropped function: reading it throws.
      edits.push([statement.start, statement.end, '']);
      cut.push(name);
    } else if (statement.type === 'FunctionDeclaration' && parts.drop?.includes(statement.id.name)) {
      edits.push([statement.start, statement.end, '']);
      found.add(statement.id.name);
    } else if (name !== undefined && parts.properties?.[name] && statement.expression.right?.type === 'ObjectExpression') {
      for (const property of statement.expression.right.properties) {
        if (property.type !== 'Property' || property.computed || !parts.properties[name].includes(property.key.name)) continue;
        const what = `${name}.${property.key.name}`;
        if (found.has(what)) throw new ReviewError(file, `${what} defined twice`);
        found.add(what);
        edits.push([property.value.start, property.value.end, `() => { ${fail(`${what}()`)}; }`]);
      }
    } else if (statement.type === 'ClassDeclaration' && parts.methods?.[statement.id.name]) {
      for (const member of statement.body.body) {
        const wanted = parts.methods[statement.id.name];
        if (member.type !== 'MethodDefinition' || member.computed || member.static || !wanted.includes(member.key.name)) continue;
        const what = `${statement.id.name}.${member.key.name}`;
        if (found.has(what)) throw new ReviewError(file, `${what} defined twice`);
        found.add(what);
        edits.push([member.start, member.end, `${member.value.async ? 'async ' : ''}${member.key.name}() { ${fail(`${what}()`)}; }`]);
      }
    }
  }
  const members = Object.entries({ ...parts.methods, ...parts.properties }).flatMap(([owner, names]) => names.map((n) => `${owner}.${n}`));
  const expected = [...(parts.drop ?? []), ...members];
  for (const what of expected) if (!found.has(what)) throw new ReviewError(file, `${what} not found`);
  if (parts.keep) for (const name of parts.keep) if (!ast.body.some((s) => exportedName(s) === name)) throw new ReviewError(file, `export ${name} not found`);

  let out = code;
  for (const [start, end, replacement] of edits.sort((a, b) => b[0] - a[0])) out = out.slice(0, start) + replacement + out.slice(end);
  // A require() whose module nothing reads any more goes too (these modules only define exports).
  out = out.replace(/^(?:var|const) (\w+) = require\("[^"]+"\);\n/gm, (line, alias) =>
    new RegExp(`\\b${alias}\\b`).test(out.replace(line, '')) ? line : '',
  );
  const names = identifiers(parseAst(out));
  for (const name of parts.drop ?? []) if (names.has(name)) throw new ReviewError(file, `${name} is still used`);
  return out + throwingGetters([...new Set(cut)]);
}

/** uPlot without the statics trainwatch never reads (each throws when called). */
export function leaveOutUplotParts(code) {
  let out = code;
  for (const [pattern, count] of UPLOT_PARTS) {
    const matches = out.match(pattern) ?? [];
    if (matches.length !== count) throw new Error(`scripts/leave-out.mjs: ${pattern} found ${matches.length} times in uPlot, expected ${count}; review the left-out parts for this version`);
    out = out.replace(pattern, (text, name) => {
      const target = text.startsWith('(paths') ? `uPlot.paths.${name}` : `uPlot.${name}`;
      const message = JSON.stringify(`trainwatch bundle: ${target} is left out (unused by trainwatch)`);
      return `${text.slice(0, text.indexOf('=') + 1)} () => { throw new Error(${message}); }${text.startsWith('(') ? ');' : ';'}`;
    });
  }
  return out;
}

/** The Vite plugin of the single-file bundle. */
export function leaveOutUnusedParts() {
  return {
    name: 'trainwatch-leave-out-unused-parts',
    enforce: 'pre',
    load(id) {
      const file = CLIENT.exec(id)?.[1];
      return file && WHOLE_MODULES.includes(file) ? wholeStandIn(id) : null;
    },
    transform(code, id) {
      if (UPLOT.test(id)) return { code: leaveOutUplotParts(code), map: null };
      const file = CLIENT.exec(id)?.[1];
      return file && MODULE_PARTS[file] ? { code: leaveOutParts(file, code), map: null } : null;
    },
  };
}
