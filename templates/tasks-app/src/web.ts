import { createHash } from 'node:crypto';
import { api, get } from '@gantry/decorators';
import { respond } from '@gantry/middy';
import { html, script, style } from './web/page.js';

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

// The page may run only its own script and style, and call APIs over HTTPS or on this machine.
const contentSecurityPolicy = [
  "default-src 'none'",
  `script-src ${sha256(script)}`,
  `style-src ${sha256(style)}`,
  "connect-src 'self' https: http://127.0.0.1:* http://localhost:*",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The web client, served by the same HTTP API as the tasks. This function touches no table. */
@api('')
export class Web {
  @get('/')
  static page() {
    return respond({
      status: 200,
      body: html,
      headers: {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': contentSecurityPolicy,
        'cache-control': 'no-cache',
        'x-content-type-options': 'nosniff',
      },
    });
  }
}
