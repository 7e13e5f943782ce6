/**
 * From the `moe-tokens` rows to what `<moe-tokens>` draws: one panel per
 * expert with its top tokens, the tokens several experts share (the
 * token → experts view, each with its own colour), and which tokens entered
 * an expert's top list since the previous logged step.
 */
import { PALETTE } from '../../chart/colors.js';
import { toNumber } from '../../chart/format.js';
import type { QueryRow } from '../../sources/source.js';

export interface TokenBar {
  token: string;
  share: number;
  /** In this expert's top list now, not at the previous logged step. */
  entered: boolean;
}

export interface ExpertPanel {
  expert: string;
  bars: TokenBar[];
  /** Tokens that entered the top list since the previous logged step. */
  entered: string[];
}

export interface SharedToken {
  token: string;
  /** Experts whose top list holds the token, in expert order. */
  experts: string[];
  /** Undefined past the palette's nine colours: still marked shared, not coloured. */
  color: string | undefined;
}

export interface TokensView {
  step: number;
  /** The logged step before it, when there is one. */
  previousStep: number | undefined;
  panels: ExpertPanel[];
  /** Tokens in two or more experts' top lists, most widely shared first. */
  shared: Map<string, SharedToken>;
  /** The largest share shown: bars are drawn against it so panels compare. */
  maxShare: number;
}

/** Experts in natural order: 2 before 10, e2 before e10. */
export const compareExperts = new Intl.Collator('en', { numeric: true }).compare;

/** The run palette without its grey, which would read as an unshared bar. */
const TOKEN_COLORS = PALETTE.filter((c) => c !== '#7f7f7f');

const byShare = (a: TokenBar, b: TokenBar) => (b.share || 0) - (a.share || 0) || (a.token < b.token ? -1 : a.token > b.token ? 1 : 0);

export function buildTokensView(rows: QueryRow[], top: number): TokensView | undefined {
  const steps = [...new Set(rows.map((r) => toNumber(r.at_step)))].filter(Number.isFinite).sort((a, b) => b - a);
  if (!steps.length) return undefined;
  const [step, previousStep] = steps;
  const lists = (at: number) => {
    const byExpert = new Map<string, TokenBar[]>();
    for (const r of rows) {
      if (toNumber(r.at_step) !== at) continue;
      const expert = String(r.expert ?? '');
      const list = byExpert.get(expert) ?? [];
      list.push({ token: String(r.token ?? ''), share: toNumber(r.share), entered: false });
      byExpert.set(expert, list);
    }
    for (const list of byExpert.values()) list.sort(byShare).splice(top);
    return byExpert;
  };
  const now = lists(step);
  const before = previousStep === undefined ? new Map<string, TokenBar[]>() : lists(previousStep);

  const panels: ExpertPanel[] = [...now.keys()].sort(compareExperts).map((expert) => {
    const bars = now.get(expert)!;
    const earlier = before.get(expert);
    // An expert with no list at the previous step has nothing to compare with.
    const known = new Set(earlier?.map((b) => b.token));
    const entered = earlier ? bars.filter((b) => !known.has(b.token)).map((b) => b.token) : [];
    for (const bar of bars) bar.entered = entered.includes(bar.token);
    return { expert, bars, entered };
  });

  const holders = new Map<string, { experts: string[]; total: number }>();
  for (const panel of panels) {
    for (const bar of panel.bars) {
      const h = holders.get(bar.token) ?? { experts: [], total: 0 };
      h.experts.push(panel.expert);
      h.total += Number.isFinite(bar.share) ? bar.share : 0;
      holders.set(bar.token, h);
    }
  }
  const sharedList = [...holders.entries()]
    .filter(([, h]) => h.experts.length > 1)
    .sort(([ta, a], [tb, b]) => b.experts.length - a.experts.length || b.total - a.total || (ta < tb ? -1 : ta > tb ? 1 : 0));
  const shared = new Map<string, SharedToken>(sharedList.map(([token, h], i) => [token, { token, experts: h.experts, color: TOKEN_COLORS[i] }]));
  const maxShare = Math.max(0, ...panels.flatMap((p) => p.bars.map((b) => b.share)).filter(Number.isFinite));
  return { step, previousStep, panels, shared, maxShare };
}

/** A share as a percentage: one decimal, two below 1%. */
export function formatShare(share: number): string {
  if (!Number.isFinite(share)) return Number.isNaN(share) ? 'NaN' : share > 0 ? '+Inf' : '−Inf';
  const percent = share * 100;
  return `${percent.toFixed(Math.abs(percent) < 1 ? 2 : 1)}%`;
}
