/**
 * Tokens as text a reader can see: a token is often whitespace (" ", "\n",
 * "\t"), a control character or an invisible format character, which would
 * otherwise render as nothing. Those become visible symbols, marked so the
 * element can show them dimmed; everything else is kept exactly (and always
 * rendered as text, never as markup).
 */

export interface TextPiece {
  text: string;
  /** A symbol standing for an invisible character. */
  symbol: boolean;
}

const NAMED: Record<string, string> = {
  ' ': '␣',
  '\n': '⏎',
  '\t': '⇥',
  '\r': '␍',
  '\u00a0': '⍽',
  '\u007f': '␡',
};

function symbolFor(char: string): string | undefined {
  const named = NAMED[char];
  if (named) return named;
  const code = char.codePointAt(0)!;
  // C0 controls have their own pictures (U+2400…U+241F).
  if (code < 0x20) return String.fromCodePoint(0x2400 + code);
  // Other invisible characters: zero-width spaces and joiners, BOM, bidi marks, odd spaces.
  if (/[\p{Cf}\p{Zl}\p{Zp}\p{Cc}]|[\u2000-\u200a\u202f\u205f\u3000]/u.test(char)) {
    return `⟨U+${code.toString(16).toUpperCase().padStart(4, '0')}⟩`;
  }
  return undefined;
}

/** Splits a token into plain runs and symbols for invisible characters. */
export function visiblePieces(token: string): TextPiece[] {
  const pieces: TextPiece[] = [];
  for (const char of token) {
    const symbol = symbolFor(char);
    const last = pieces[pieces.length - 1];
    if (symbol !== undefined) pieces.push({ text: symbol, symbol: true });
    else if (last && !last.symbol) last.text += char;
    else pieces.push({ text: char, symbol: false });
  }
  return pieces;
}

/** The token with invisible characters replaced, as one string (titles, labels). */
export const visibleText = (token: string): string => (token === '' ? '∅' : visiblePieces(token).map((p) => p.text).join(''));
