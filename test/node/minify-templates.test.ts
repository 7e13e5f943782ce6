/**
 * The bundle's template squeezing (scripts/minify-templates.mjs) may only
 * remove whitespace and CSS comments, never change code, strings, SQL or
 * expressions: checked on every source file it sees, and on the cases that
 * would break a naive scanner.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
// @ts-expect-error: a plain .mjs build script without declarations
import { minifyTemplates } from '../../scripts/minify-templates.mjs';

const squeeze = minifyTemplates as (code: string) => string;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return path.includes('server') ? [] : sources(path);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [path] : [];
  });
}

/** The code with all whitespace and block comments removed: what squeezing must leave equal. */
const skeleton = (code: string) => code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\s+/g, '');

describe('template squeezing for the bundle', () => {
  it('changes only whitespace and CSS comments in every browser source file, and shrinks the templates', () => {
    let before = 0;
    let after = 0;
    for (const file of sources('src')) {
      const code = readFileSync(file, 'utf8');
      const out = squeeze(code);
      assert.equal(skeleton(out), skeleton(code), file);
      before += code.length;
      after += out.length;
    }
    assert.ok(before - after > 10_000, `squeezed ${before} → ${after} characters`);
  });

  it('keeps the space between values next to expressions, and descendant selectors', () => {
    const out = squeeze('const s = css`\n  .a   :hover {\n    margin: ${x}   ${y};\n  }\n`;');
    assert.equal(out, 'const s = css`.a :hover{margin:${x} ${y};}`;');
  });

  it('drops the space after a colon (a declaration, a media feature) but never before one', () => {
    const out = squeeze('css`\n  @media (max-width: 600px) {\n    .a :is(.b,\n .c)::after { color:  red; --_x: var(--y, 1px); }\n  }\n`');
    assert.equal(out, 'css`@media (max-width:600px){.a :is(.b,.c)::after{color:red;--_x:var(--y,1px);}}`');
  });

  it('keeps quoted CSS text and <pre>/<textarea> templates exactly', () => {
    assert.equal(squeeze("css`\n  .x::after {\n    content: '  a   b  ';\n  }\n`"), "css`.x::after{content:'  a   b  ';}`");
    const pre = 'html`<pre>\n  keep\n    this\n</pre>`';
    assert.equal(squeeze(pre), pre);
  });

  it('turns HTML line breaks and indentation into one space, keeping expressions and nested templates', () => {
    const code = 'html`<ul>\n    ${items.map((i) => html`<li>\n      ${i}\n    </li>`)}\n  </ul>`';
    assert.equal(squeeze(code), 'html`<ul> ${items.map((i) => html`<li> ${i} </li>`)} </ul>`');
  });

  it("squeezes SQL templates' line breaks but not their quoted strings, and leaves SQL with comments alone", () => {
    assert.equal(squeeze("const q = `SELECT a,\n    b\n  FROM t WHERE x = 'a\n  b' AND ${y}\n  LIMIT 1`;"), "const q = `SELECT a, b FROM t WHERE x = 'a\n  b' AND ${y} LIMIT 1`;");
    const commented = 'const q = `SELECT 1 -- one\n  , 2`;';
    assert.equal(squeeze(commented), commented);
  });

  it('is not fooled by comments, strings, regular expressions and untagged templates', () => {
    const code = [
      "// a comment naming html`x` with a backtick",
      "const re = /[\"'`]/g;",
      "const q = 'css`';",
      'const text = `two\n    lines`;',
      'const half = (a + b) / 2 / c;',
      'const t = html`<b>\n  ${s.replace(/[&<>"\']/g, "")}\n</b>`;',
    ].join('\n');
    const out = squeeze(code);
    // Everything before the tagged template is untouched, the untagged template's line break included.
    assert.equal(out.slice(0, code.indexOf('const t')), code.slice(0, code.indexOf('const t')));
    assert.ok(out.endsWith('const t = html`<b> ${s.replace(/[&<>"\']/g, "")} </b>`;'), out);
  });
});
