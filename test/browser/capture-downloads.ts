/**
 * Test support for the export menus of the table elements (imported by their
 * browser tests only; would sit well in test/browser/helpers.ts): records what
 * `download()` from src/internal/export.ts would save instead of saving it,
 * and drives an export menu with real key presses.
 */
import { sendKeys } from '@web/test-runner-commands';

export interface CapturedDownload {
  name: string;
  blob: Blob;
}

export function captureDownloads(): { saved: CapturedDownload[]; restore(): void } {
  const saved: CapturedDownload[] = [];
  const original = URL.createObjectURL;
  let last: Blob | undefined;
  URL.createObjectURL = (blob: Blob | MediaSource) => {
    last = blob as Blob;
    return original.call(URL, blob);
  };
  const onClick = (event: Event) => {
    const link = event.target;
    if (link instanceof HTMLAnchorElement && link.download) {
      event.preventDefault();
      saved.push({ name: link.download, blob: last! });
    }
  };
  document.addEventListener('click', onClick, true);
  return {
    saved,
    restore() {
      URL.createObjectURL = original;
      document.removeEventListener('click', onClick, true);
    },
  };
}

/**
 * Opens the export menu in `root` with Enter on its focused button, moves to
 * the entry labelled `label` with Tab, and presses Enter on it. Returns the
 * menu for further checks. Throws when a step does not happen.
 */
export async function exportByKeyboard(root: ShadowRoot, label: string): Promise<HTMLDetailsElement> {
  const menu = root.querySelector<HTMLDetailsElement>('details.export');
  if (!menu) throw new Error('no export menu');
  menu.querySelector('summary')!.focus();
  await sendKeys({ press: 'Enter' });
  if (!menu.open) throw new Error('Enter did not open the export menu');
  const entries = [...menu.querySelectorAll('button')];
  for (let i = 0; i < entries.length; i++) {
    await sendKeys({ press: 'Tab' });
    if (root.activeElement?.textContent?.trim() === label) {
      await sendKeys({ press: 'Enter' });
      return menu;
    }
  }
  throw new Error(`no export entry "${label}" reached with Tab`);
}
