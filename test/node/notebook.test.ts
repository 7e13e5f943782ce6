/**
 * python/trainwatch_notebook.py, run with the real python3: the notebook
 * outputs it writes (test/static/notebook-cell*.html must be what it writes
 * today, so the browser test that loads them cannot drift from it), the
 * escaping of every source value and of the inlined bundle, and its API and
 * command line. Outputs land in test/.out/notebook/ for inspection.
 *
 * After an intended change to the helper or to test/static/notebook-cells.json:
 *   UPDATE_FIXTURES=1 node --import tsx --test test/node/notebook.test.ts
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const HELPER = join(ROOT, 'python', 'trainwatch_notebook.py');
const STATIC = join(ROOT, 'test', 'static');
const OUT = join(ROOT, 'test', '.out', 'notebook');
const BUNDLE = join(ROOT, 'dist', 'bundle', 'trainwatch.js');

interface CellSpec {
  file: string;
  elements: string;
  options: Record<string, string | number>;
}
interface CellsFile {
  placeholders: { bundle: string; url: string; run: string };
  cells: CellSpec[];
}
const spec = JSON.parse(readFileSync(join(STATIC, 'notebook-cells.json'), 'utf8')) as CellsFile;
const PLACEHOLDER_BUNDLE = join(OUT, 'placeholder-bundle.js');

/** python3 with a clean environment (no TRAINWATCH_BUNDLE from the caller's shell), writing no __pycache__ into python/. */
function python(args: string[], input = '', env: Record<string, string> = {}) {
  const { TRAINWATCH_BUNDLE: _ignored, ...base } = process.env;
  const result = spawnSync('python3', ['-B', ...args], { cwd: ROOT, input, encoding: 'utf8', env: { ...base, ...env }, maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw result.error;
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs Python code with the helper importable as `tw` and `data` (JSON) given; returns its JSON answer. */
function callHelper<T>(code: string, data: unknown = null, env: Record<string, string> = {}, flags: string[] = []): T {
  const program = `import json, sys\nsys.path.insert(0, ${JSON.stringify(join(ROOT, 'python'))})\nimport trainwatch_notebook as tw\ndata = json.load(sys.stdin)\n${code}`;
  const { code: status, stdout, stderr } = python([...flags, '-c', program], JSON.stringify(data), env);
  assert.equal(status, 0, stderr);
  return JSON.parse(stdout) as T;
}

/** Renders cells with the helper's render(); each output is also written to test/.out/notebook/<name>. */
function renderCells(cells: Array<{ name: string; elements: string; options: Record<string, unknown> }>, env: Record<string, string> = {}): string[] {
  const outputs = callHelper<string[]>('print(json.dumps([tw.render(c["elements"], **c["options"]) for c in data]))', cells, env);
  cells.forEach((cell, i) => writeFileSync(join(OUT, cell.name), outputs[i]));
  return outputs;
}

/** HTML attribute escaping, written out here rather than taken from the helper. */
function escapeAttribute(value: string): string {
  return value.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#x27;');
}

function unescapeAttribute(value: string): string {
  return value.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&quot;', '"').replaceAll('&#x27;', "'").replaceAll('&amp;', '&');
}

/** What the helper must do to JavaScript before inlining it (the same two rules the browser test applies). */
function escapeInlineScript(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1').replaceAll('<!--', '\\x3C!--');
}

const count = (text: string, pattern: RegExp) => [...text.matchAll(pattern)].length;

before(() => {
  mkdirSync(OUT, { recursive: true });
  writeFileSync(PLACEHOLDER_BUNDLE, spec.placeholders.bundle);
});

describe('trainwatch_notebook.py', () => {
  test('is Python 3.8 syntax, imports only the standard library at load, and IPython only in show()', () => {
    const report = callHelper<{ moduleLevel: string[]; nonStdlib: string[]; importsIn: Record<string, string[]> }>(
      `import ast
tree = ast.parse(open(${JSON.stringify(HELPER)}, encoding="utf-8").read(), feature_version=(3, 8))
def roots(node):
    if isinstance(node, ast.Import):
        return [a.name.split(".")[0] for a in node.names]
    if isinstance(node, ast.ImportFrom):
        return [node.module.split(".")[0]]
    return []
module_level = sorted({r for n in tree.body for r in roots(n)})
every = sorted({r for n in ast.walk(tree) for r in roots(n)})
inside = {f.name: sorted({r for n in ast.walk(f) for r in roots(n)}) for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)}
print(json.dumps({"moduleLevel": module_level, "nonStdlib": [m for m in every if m not in sys.stdlib_module_names], "importsIn": {k: v for k, v in inside.items() if v}}))`,
    );
    assert.ok(report.moduleLevel.length > 0);
    assert.deepEqual(report.nonStdlib, ['IPython']);
    assert.deepEqual(report.importsIn, { show: ['IPython'] });
    // Without site-packages at all (-S), the module loads and renders.
    const out = callHelper<string>(`print(json.dumps(tw.render("<x-y></x-y>", bundle_url="https://h/trainwatch.js")))`, null, {}, ['-S']);
    assert.equal(out, '<script type="module" src="https://h/trainwatch.js"></script>\n<x-y></x-y>\n');
  });

  for (const cell of spec.cells) {
    test(`writes test/static/${cell.file} exactly as committed`, () => {
      const [output] = renderCells([{ name: cell.file, elements: cell.elements, options: { bundle_path: PLACEHOLDER_BUNDLE, ...cell.options } }]);
      const committed = join(STATIC, cell.file);
      if (process.env.UPDATE_FIXTURES === '1') writeFileSync(committed, output);
      assert.ok(existsSync(committed), `${committed} is missing: run with UPDATE_FIXTURES=1`);
      assert.equal(readFileSync(committed, 'utf8'), output, `${cell.file} drifted from the helper: run with UPDATE_FIXTURES=1 and review the diff`);
    });
  }

  test('the committed cell with the placeholders filled in is what the helper writes with the real bundle', () => {
    assert.ok(existsSync(BUNDLE), 'dist/bundle/trainwatch.js is missing: run `npm run build` (npm test builds first)');
    const [cell] = spec.cells;
    const url = 'http://127.0.0.1:18123';
    const run = 'r-42';
    const fill = (text: string) => text.replaceAll(spec.placeholders.url, url).replaceAll(spec.placeholders.run, run);
    // No bundle_path: the helper finds ../dist/bundle/trainwatch.js from python/ by itself.
    const [real] = renderCells([{ name: 'notebook-cell.real.html', elements: fill(cell.elements), options: JSON.parse(fill(JSON.stringify(cell.options))) }]);
    const bundle = readFileSync(BUNDLE, 'utf8');
    const committed = readFileSync(join(STATIC, cell.file), 'utf8');
    assert.equal(real, fill(committed).replace(spec.placeholders.bundle, () => escapeInlineScript(bundle)));
    // One script element in all: the bundle cannot end it early.
    assert.equal(count(real, /<\/script/gi), 1);
    assert.equal(count(real, /<!--/g), 0);
    assert.ok(real.startsWith('<script type="module">'));
  });

  test('escapes every source value for an HTML attribute: hostile values stay one attribute each', () => {
    const hostile = spec.cells.find((c) => c.file === 'notebook-cell-hostile.html')!;
    const [output] = renderCells([{ name: 'hostile.html', elements: hostile.elements, options: { bundle_path: PLACEHOLDER_BUNDLE, ...hostile.options } }]);
    const o = hostile.options;
    const expectedTag =
      `<trainwatch-source url="${escapeAttribute(String(o.url))}" user="${escapeAttribute(String(o.user))}"` +
      ` password="${escapeAttribute(String(o.password))}" token="${escapeAttribute(String(o.token))}"` +
      ` table="${escapeAttribute(String(o.table))}" poll-interval="${escapeAttribute(String(o.poll_interval))}">`;
    assert.equal(output, `<script type="module">${spec.placeholders.bundle}</script>\n${expectedTag}\n${hostile.elements}\n</trainwatch-source>\n`);
    // Read back the way an HTML parser would: six attributes, each value exactly the original.
    const tag = /<trainwatch-source([^>]*)>/.exec(output)![1];
    const attributes = [...tag.matchAll(/ ([a-z-]+)="([^"]*)"/g)].map(([, name, value]) => [name, unescapeAttribute(value)]);
    assert.deepEqual(attributes, [
      ['url', o.url],
      ['user', o.user],
      ['password', o.password],
      ['token', o.token],
      ['table', o.table],
      ['poll-interval', o.poll_interval],
    ]);
    assert.equal(count(output, /<script/gi), 1, 'only the bundle script');
    assert.equal(count(output, /<(img|svg)/gi), 0);
    assert.equal(count(output, /<\/trainwatch-source/g), 1);
  });

  test('inlined JavaScript cannot end its script or open a comment, and means the same', () => {
    const js = [
      'globalThis.samples = [',
      '  "</script><script>globalThis.pwned = 1</script>",',
      "  '</SCRIPT >', '</Script\\t', '</scripture',",
      '  `<!--<script>${1 + 1}</script>-->`,',
      "  /<!--/.test('<!--'), /<!--[^]*?<\\/script/iu.test('<!-- x </scriPt'), /a<!--b/i.test('A<!--B'),",
      '];',
      '// a comment with </script> and <!-- in it',
    ].join('\n');
    const path = join(OUT, 'hostile-bundle.js');
    writeFileSync(path, js);
    const [output] = renderCells([{ name: 'hostile-bundle.html', elements: '<b>after</b>', options: { bundle_path: path } }]);
    assert.equal(count(output, /<\/script/gi), 1, 'the real closing tag is the only one');
    assert.equal(count(output, /<!--/g), 0);
    const inlined = /^<script type="module">([\s\S]*)<\/script>\n<b>after<\/b>\n$/.exec(output)?.[1];
    assert.ok(inlined !== undefined, output);
    const evaluate = (code: string) => {
      const sandbox: { samples?: unknown; pwned?: number } = {};
      vm.runInNewContext(code, sandbox);
      return JSON.stringify(sandbox.samples) + String(sandbox.pwned);
    };
    assert.equal(evaluate(inlined), evaluate(js));
    assert.equal(evaluate(js), JSON.stringify(['</script><script>globalThis.pwned = 1</script>', '</SCRIPT >', '</Script\t', '</scripture', '<!--<script>2</script>-->', true, true, true]) + 'undefined');
  });

  test('Dashboard: _repr_html_ is render(), __html__ too, to_page() is a whole document, repr hides the password', () => {
    const result = callHelper<{ repr: string; html: string; dunder: string; render: string; page: string; text: string }>(
      `d = tw.Dashboard("<loss-chart run='r'></loss-chart>", url="http://ch:8123", password="s3cret", bundle_path=data)
print(json.dumps({"repr": d._repr_html_(), "dunder": d.__html__(), "render": tw.render("<loss-chart run='r'></loss-chart>", url="http://ch:8123", password="s3cret", bundle_path=data), "page": d.to_page("Loss & <friends>"), "text": repr(d), "html": ""}))`,
      PLACEHOLDER_BUNDLE,
    );
    assert.equal(result.repr, result.render);
    assert.equal(result.dunder, result.render);
    assert.equal(
      result.render,
      `<script type="module">${spec.placeholders.bundle}</script>\n<trainwatch-source url="http://ch:8123" password="s3cret">\n<loss-chart run='r'></loss-chart>\n</trainwatch-source>\n`,
    );
    assert.ok(result.page.startsWith('<!doctype html>\n<html lang="en">'));
    assert.ok(result.page.includes('<title>Loss &amp; &lt;friends&gt;</title>'));
    assert.ok(result.page.includes(`<body>\n${result.render}</body>`));
    assert.ok(!result.text.includes('s3cret'), result.text);
  });

  test('without source values the elements are not wrapped; a bundle URL is referenced, escaped', () => {
    const out = callHelper<string>(`print(json.dumps(tw.render("<big-number></big-number>", bundle_url='https://cdn/x.js?a=1&b="2"')))`);
    assert.equal(out, '<script type="module" src="https://cdn/x.js?a=1&amp;b=&quot;2&quot;"></script>\n<big-number></big-number>\n');
  });

  test('refuses contradictory bundle options and says where it looked for a missing bundle', () => {
    const errors = callHelper<string[]>(
      `out = []
for kwargs in ({"inline": False}, {"inline": True, "bundle_url": "https://h/t.js"}, {"bundle_path": "/nonexistent/trainwatch.js"}):
    try:
        tw.render("<x-y></x-y>", **kwargs)
        out.append("no error")
    except Exception as e:
        out.append(type(e).__name__ + ": " + str(e))
print(json.dumps(out))`,
    );
    assert.match(errors[0], /^ValueError: inline=False needs bundle_url/);
    assert.match(errors[1], /^ValueError: pass bundle_url/);
    assert.match(errors[2], /^FileNotFoundError: trainwatch\.js not found \(looked at: \/nonexistent\/trainwatch\.js\)\. Build it with `npm run build`/);
  });

  test('$TRAINWATCH_BUNDLE says which bundle to inline', () => {
    const out = callHelper<string>(`print(json.dumps(tw.render("<x-y></x-y>")))`, null, { TRAINWATCH_BUNDLE: PLACEHOLDER_BUNDLE });
    assert.equal(out, `<script type="module">${spec.placeholders.bundle}</script>\n<x-y></x-y>\n`);
  });

  test('show() displays a Dashboard through IPython, and explains itself without IPython', () => {
    // A stand-in IPython.display that records what it is given: only show()'s call into IPython is under test.
    const fake = join(OUT, 'fake-ipython', 'IPython');
    mkdirSync(fake, { recursive: true });
    writeFileSync(join(fake, '__init__.py'), '');
    writeFileSync(join(fake, 'display.py'), 'shown = []\ndef display(obj):\n    shown.append(obj)\n');
    const shown = callHelper<{ kind: string; html: string; returned: null }>(
      `sys.path.insert(0, ${JSON.stringify(join(OUT, 'fake-ipython'))})
import IPython.display
returned = tw.show("<x-y></x-y>", url="http://ch", bundle_path=data)
(obj,) = IPython.display.shown
print(json.dumps({"kind": type(obj).__name__, "html": obj._repr_html_(), "returned": returned}))`,
      PLACEHOLDER_BUNDLE,
    );
    assert.deepEqual(shown, {
      kind: 'Dashboard',
      html: `<script type="module">${spec.placeholders.bundle}</script>\n<trainwatch-source url="http://ch">\n<x-y></x-y>\n</trainwatch-source>\n`,
      returned: null,
    });
    const missing = callHelper<string>(
      `try:
    tw.show("<x-y></x-y>", bundle_path=data)
    print(json.dumps("no error"))
except RuntimeError as e:
    print(json.dumps(str(e)))`,
      PLACEHOLDER_BUNDLE,
      {},
      ['-S'],
    );
    assert.match(missing, /needs IPython; elsewhere use render\(\.\.\.\) or Dashboard\(\.\.\.\)\.to_page\(\)/);
  });

  test('the command line prints the same output, a page with --page, and exits 2 on a missing bundle', () => {
    const elements = '<loss-chart run="r1"></loss-chart>';
    const api = callHelper<string>(`print(json.dumps(tw.render(data, url="relay+http://h:8787", token="t&k", poll_interval=750, bundle_path=${JSON.stringify(PLACEHOLDER_BUNDLE)})))`, elements);
    const cli = python([HELPER, '--url', 'relay+http://h:8787', '--token', 't&k', '--poll-interval', '750', '--bundle-path', PLACEHOLDER_BUNDLE, elements]);
    assert.equal(cli.code, 0, cli.stderr);
    assert.equal(cli.stdout, api);
    assert.ok(api.includes('<trainwatch-source url="relay+http://h:8787" token="t&amp;k" poll-interval="750">'));
    const fromStdin = python([HELPER, '--bundle-url', '/t.js', '--page', '--title', 'a<b', '-'], elements);
    assert.equal(fromStdin.code, 0, fromStdin.stderr);
    assert.ok(fromStdin.stdout.includes(`<title>a&lt;b</title>\n</head>\n<body>\n<script type="module" src="/t.js"></script>\n${elements}\n</body>`), fromStdin.stdout);
    const missing = python([HELPER, '--bundle-path', '/nonexistent.js', elements]);
    assert.equal(missing.code, 2);
    assert.equal(missing.stdout, '');
    assert.match(missing.stderr, /^trainwatch_notebook: trainwatch\.js not found/);
  });
});
