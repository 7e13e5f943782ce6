/** What `<moe-tokens>` exports: the top lists it shows, or the points behind them, as CSV. */
import { toNumber } from '../../chart/format.js';
import { isoTime, toCsv } from '../../internal/export.js';
import type { QueryRow } from '../../sources/source.js';
import { rawValue } from '../../store/rows-once.js';
import type { TokensView } from './moe-tokens.model.js';

/**
 * One row per bar shown, panel by panel: step, expert, position in the
 * expert's top list (1 = largest share), token (exactly as logged, not with
 * the visible-whitespace symbols), share, the other experts whose top list
 * holds it (`; `-separated), and whether it is new since the previous logged step.
 */
export function barsCsv(view: TokensView | undefined): string {
  const rows: unknown[][] = [];
  for (const panel of view?.panels ?? []) {
    panel.bars.forEach((bar, i) => {
      const others = view!.shared.get(bar.token)?.experts.filter((e) => e !== panel.expert) ?? [];
      rows.push([view!.step, panel.expert, i + 1, bar.token, bar.share, others.join('; '), bar.entered]);
    });
  }
  return toCsv(['step', 'expert', 'position', 'token', 'share', 'also_in', 'new'], rows);
}

/** Every point of the shown step as logged (rows of `tokensRawQuery`). */
export function pointsCsv(rows: readonly QueryRow[]): string {
  return toCsv(
    ['step', 'expert', 'token', 'share', 'host', 'rank', 'time'],
    rows.map((row) => [toNumber(row.at_step), String(row.expert ?? ''), String(row.token ?? ''), rawValue(row), String(row.h ?? ''), toNumber(row.r), isoTime(toNumber(row.t))]),
  );
}
