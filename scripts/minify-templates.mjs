// Shrinks the static text of Lit's tagged templates (css`…`, html`…`, svg`…`)
// in the single-file bundle: the indentation and line breaks that make the
// sources readable cost kilobytes of the gzipped budget. A whitespace run
// with a line break renders as one space in HTML, and CSS needs none beside
// its punctuation, so runs shrink to one space or none; CSS comments go.
// Left exactly as written: templates with <pre> or <textarea>, CSS text in
// quotes, every ${…} expression, comments, strings and untagged templates.
// A file the scanner does not understand is left whole (and reported).

const TAGS = new Set(['css', 'html', 'svg']);
const REGEX_AFTER = new Set([...'(,=:[!&|?{};+-*%<>~^', undefined]);
const REGEX_KEYWORDS = new Set(['return', 'typeof', 'case', 'do', 'else', 'in', 'of', 'void', 'yield', 'await', 'delete', 'throw']);

class Scanner {
  constructor(code) {
    this.code = code;
    this.edits = []; // [from, to, replacement]
  }

  /** The last significant character before `i`, and the word ending there. */
  before(i) {
    let j = i - 1;
    while (j >= 0 && /\s/.test(this.code[j])) j--;
    let k = j;
    while (k >= 0 && /[\w$]/.test(this.code[k])) k--;
    return { char: this.code[j], word: this.code.slice(k + 1, j + 1) };
  }

  /** Scans code from `i`; returns the index after the `}` that closes it when `inExpression`, else the end. */
  code_(i, inExpression) {
    const code = this.code;
    let depth = 0;
    while (i < code.length) {
      const c = code[i];
      if (c === '/' && code[i + 1] === '/') {
        const end = code.indexOf('\n', i);
        i = end < 0 ? code.length : end;
      } else if (c === '/' && code[i + 1] === '*') {
        const end = code.indexOf('*/', i + 2);
        if (end < 0) throw new Error('unterminated comment');
        i = end + 2;
      } else if (c === "'" || c === '"') {
        i = this.quoted(i, c);
      } else if (c === '`') {
        const { char, word } = this.before(i);
        const tag = char && /[\w$]/.test(char) && TAGS.has(word) ? word : undefined;
        i = this.template(i + 1, tag);
      } else if (c === '/') {
        const { char, word } = this.before(i);
        i = REGEX_AFTER.has(char) || REGEX_KEYWORDS.has(word) ? this.regex(i) : i + 1;
      } else if (c === '{') {
        depth++;
        i++;
      } else if (c === '}') {
        if (inExpression && depth === 0) return i + 1;
        depth--;
        i++;
      } else i++;
    }
    if (inExpression) throw new Error('unterminated ${');
    return i;
  }

  quoted(i, quote) {
    for (i++; i < this.code.length; i++) {
      if (this.code[i] === '\\') i++;
      else if (this.code[i] === quote) return i + 1;
      else if (this.code[i] === '\n') break;
    }
    throw new Error('unterminated string');
  }

  regex(i) {
    let inClass = false;
    for (i++; i < this.code.length; i++) {
      const c = this.code[i];
      if (c === '\\') i++;
      else if (c === '[') inClass = true;
      else if (c === ']') inClass = false;
      else if (c === '/' && !inClass) return i + 1;
      else if (c === '\n') break;
    }
    throw new Error('unterminated regular expression');
  }

  /** From just after an opening backtick; squeezes the static parts when `tag` is given. */
  template(i, tag) {
    const code = this.code;
    const parts = [];
    let start = i;
    for (;;) {
      if (i >= code.length) throw new Error('unterminated template');
      const c = code[i];
      if (c === '\\') i += 2;
      else if (c === '`') {
        parts.push([start, i]);
        break;
      } else if (c === '$' && code[i + 1] === '{') {
        parts.push([start, i]);
        i = this.code_(i + 2, true);
        start = i;
      } else i++;
    }
    if (!tag) {
      // An untagged template that is SQL (starts with SELECT / WITH / INSERT) loses its line breaks too.
      const texts = parts.map(([a, b]) => code.slice(a, b));
      if (/^\s*(SELECT|WITH|INSERT)\b/.test(texts[0]) && !texts.some((t) => t.includes('--') || t.includes('/*') || t.includes('#'))) {
        parts.forEach(([a, b], k) => {
          const squeezed = squeezeSql(texts[k]);
          if (squeezed !== texts[k]) this.edits.push([a, b, squeezed]);
        });
      }
    }
    if (tag) {
      const texts = parts.map(([a, b]) => code.slice(a, b));
      const verbatim = tag !== 'css' && texts.some((t) => /<(pre|textarea)\b/i.test(t));
      if (!verbatim) {
        parts.forEach(([a, b], k) => {
          const squeezed = tag === 'css' ? squeezeCss(texts[k], k > 0, k < parts.length - 1) : squeezeHtml(texts[k]);
          if (squeezed !== texts[k]) this.edits.push([a, b, squeezed]);
        });
      }
    }
    return i + 1;
  }
}

/**
 * CSS text between expressions: no whitespace beside `{`, `}`, `;`, `,` nor
 * after `:` (before one it is a descendant combinator: `.a :hover`), one space
 * elsewhere. `afterExpression` / `beforeExpression`: a space next to an
 * expression may separate values (`${a} ${b}`), so it stays.
 */
export function squeezeCss(text, afterExpression = false, beforeExpression = false) {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) return out + text.slice(i);
      i = end + 2;
      continue;
    }
    if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== c && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (/\s/.test(c)) {
      let j = i;
      while (j < text.length && /\s/.test(text[j])) j++;
      const prev = out.length ? out.at(-1) : afterExpression ? 'x' : undefined;
      const next = j < text.length ? text[j] : beforeExpression ? 'x' : undefined;
      const needed = prev !== undefined && next !== undefined && !'{};,:'.includes(prev) && !'{};,'.includes(next);
      if (needed) out += ' ';
      i = j;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

/** SQL text between expressions: a whitespace run with a line break is one space, except inside '…' strings. */
export function squeezeSql(text) {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === "'") {
      let j = i + 1;
      while (j < text.length && text[j] !== "'") j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (/\s/.test(c)) {
      let j = i;
      while (j < text.length && /\s/.test(text[j])) j++;
      const run = text.slice(i, j);
      out += run.includes('\n') ? ' ' : run;
      i = j;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** HTML text between expressions: a whitespace run with a line break renders as one space. */
export function squeezeHtml(text) {
  return text.replace(/[ \t\r]*\n\s*/g, ' ');
}

/** The source with its tagged templates' static text squeezed; throws if the scanner loses its way. */
export function minifyTemplates(code) {
  const scanner = new Scanner(code);
  scanner.code_(0, false);
  let out = '';
  let at = 0;
  for (const [from, to, text] of scanner.edits.sort((a, b) => a[0] - b[0])) {
    out += code.slice(at, from) + text;
    at = to;
  }
  return out + code.slice(at);
}

/** Vite/Rollup plugin: squeeze the templates of trainwatch's own sources. */
export function minifyTemplatesPlugin() {
  return {
    name: 'trainwatch-minify-templates',
    enforce: 'pre',
    transform(code, id) {
      if (!/\/src\/.*\.ts$/.test(id) || !/\b(css|html|svg)`|`\s*(SELECT|WITH|INSERT)\b/.test(code)) return null;
      try {
        return { code: minifyTemplates(code), map: null };
      } catch (error) {
        this.warn(`templates of ${id} left as written: ${error.message}`);
        return null;
      }
    },
  };
}
