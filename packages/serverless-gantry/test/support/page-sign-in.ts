import type { Page } from 'playwright-core';
import { expect } from 'vitest';

/**
 * Signs `user` in on a page of tasks-app as a person would under `sls offline`: the page's "Sign in",
 * the local issuer's development sign-in page (a user name, no password), and back to the page.
 */
export async function signIn(page: Page, user: string): Promise<void> {
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('input[name=user]').fill(user);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect.poll(() => page.locator('#account').textContent()).toBe(`Signed in as ${user} Sign out`);
}
