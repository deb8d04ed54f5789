import { type Browser, chromium } from 'playwright-core';

/**
 * Debian's Chromium, headless (playwright-core starts it with a fresh profile of its own). This
 * machine has no network beyond loopback: keep Chromium from calling home.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
