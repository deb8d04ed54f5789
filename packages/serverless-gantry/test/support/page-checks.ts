import axe from 'axe-core';
import type { Page } from 'playwright-core';

/** The rule sets of WCAG 2.1 levels A and AA, as axe-core tags them. */
const WCAG21AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

export interface Violation {
  id: string;
  impact: string | null | undefined;
  help: string;
  targets: string[];
}

// What runs in the page is passed to playwright as text: this test project is compiled for Node,
// without the DOM's types.

/**
 * axe-core's WCAG 2.1 AA violations on the page as it is now. axe is evaluated through the DevTools
 * protocol (playwright's `evaluate`), which the page's Content-Security-Policy does not govern, so
 * the page is checked with its policy on, as users get it.
 */
export async function accessibilityViolations(page: Page): Promise<Violation[]> {
  await page.evaluate(axe.source);
  const results = (await page.evaluate(
    `axe.run(document, { runOnly: { type: 'tag', values: ${JSON.stringify(WCAG21AA)} } })`,
  )) as axe.AxeResults;
  return results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    targets: v.nodes.map((node) => node.target.join(' ')),
  }));
}

export interface Overflow {
  /** The document is wider than the viewport: the page scrolls sideways. */
  scrollsSideways: boolean;
  /** Visible controls (buttons, inputs) that are not wholly inside the viewport's width. */
  controlsOffScreen: string[];
}

/** What sticks out of the viewport sideways. */
export function horizontalOverflow(page: Page): Promise<Overflow> {
  return page.evaluate(`(() => {
    const root = document.documentElement;
    const controlsOffScreen = [...document.querySelectorAll('button, input')]
      .filter((control) => control.getClientRects().length > 0)
      .filter((control) => {
        const box = control.getBoundingClientRect();
        return box.left < 0 || box.right > root.clientWidth;
      })
      .map((control) => control.tagName.toLowerCase() + ' ' + (control.textContent || control.getAttribute('aria-label')));
    return { scrollsSideways: root.scrollWidth > root.clientWidth, controlsOffScreen };
  })()`);
}
