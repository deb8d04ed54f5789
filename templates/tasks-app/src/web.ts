/// <reference types="serverless-gantry/page-module" />

// The page's script, bundled for the browser from TypeScript when the service is built (Gantry's
// esbuild plugin): what is served is what the CSP below hashes.
import script from 'gantry-page:./web/page-script.ts';
import { createHash } from 'node:crypto';
import { api, get } from '@gantry/decorators';
import { respond } from '@gantry/middy';
import { html, style } from './web/page.js';

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

// Sign-in is on when the stage has a user pool (custom.gantry.userPool gives this function the
// issuer and client id; under sls offline also the local issuer's discovery URL).
const issuer = process.env.GANTRY_OIDC_ISSUER;
const clientId = process.env.GANTRY_OIDC_CLIENT_ID;
const discovery = process.env.GANTRY_OIDC_DISCOVERY_URL;
const oidc = issuer && clientId ? { issuer, clientId, ...(discovery ? { discovery } : {}) } : undefined;
const page = html({ script, ...(oidc ? { oidc } : {}) });

// The page may run only its own script and style, show only its inline icon, and call APIs over
// HTTPS or on this machine, and the issuer it discovers (named even where `https:` covers it, so the
// policy says what the page talks to; Cognito's token endpoint is on the pool's sign-in domain,
// which `https:` covers).
const contentSecurityPolicy = [
  "default-src 'none'",
  `script-src ${sha256(script)}`,
  `style-src ${sha256(style)}`,
  // The icon is a data: URL in the page (page.ts), so the browser never asks for /favicon.ico.
  'img-src data:',
  `connect-src 'self' https: http://127.0.0.1:* http://localhost:*${oidc ? ` ${new URL(oidc.discovery ?? oidc.issuer).origin}` : ''}`,
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
      body: page,
      headers: {
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': contentSecurityPolicy,
        'cache-control': 'no-cache',
        'x-content-type-options': 'nosniff',
      },
    });
  }
}
