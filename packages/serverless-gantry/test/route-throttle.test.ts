import { api, get, post, readClassMetadata } from '@gantry/decorators';
import { describe, expect, it } from 'vitest';
import { buildManifest } from '../src/discover/build-manifest.js';
import type { GantryBuildError } from '../src/errors.js';

const context = { service: 'shop', stage: 'dev' };

describe('a route declares its own throttle in its decorator', () => {
  it('records the throttle on the route and carries it into the Manifest; other routes have none', () => {
    @api('/accounts')
    class Accounts {
      @post('/signup', { throttle: { rate: 5, burst: 10 } })
      static signup() {}

      @get('/{id}')
      static read() {}
    }

    const recorded = readClassMetadata(Accounts)?.methods.signup?.routes;
    const manifest = buildManifest([{ file: 'src/accounts.ts', exports: { Accounts } }], context);

    expect(recorded).toEqual([{ method: 'POST', path: '/signup', throttle: { rate: 5, burst: 10 } }]);
    expect(manifest.functions.map((f) => f.routes)).toEqual([
      [{ method: 'POST', path: '/accounts/signup', pathParameters: [], throttle: { rate: 5, burst: 10 } }],
      [{ method: 'GET', path: '/accounts/{id}', pathParameters: ['id'] }],
    ]);
  });

  it("refuses a throttle past API Gateway's account limits, naming the file, class, method and route", () => {
    @api('/accounts')
    class Accounts {
      @post('/signup', { throttle: { rate: 20_000, burst: 10 } })
      static signup() {}

      // A JavaScript caller can pass anything: checked at build time too.
      @get('/{id}', { throttle: { rate: 5 } as never })
      static read() {}
    }

    let problems: string[] = [];
    try {
      buildManifest([{ file: 'src/accounts.ts', exports: { Accounts } }], context);
    } catch (error) {
      problems = (error as GantryBuildError).problems;
    }

    expect(problems).toEqual([
      'src/accounts.ts › Accounts.signup: POST /accounts/signup throttle {"rate":20000,"burst":10}: give { rate, burst } with rate from 0 to 10000 requests per second and burst a whole number from 0 to 5000 (API Gateway\'s account limits; a route cannot pass them), e.g. { rate: 10, burst: 20 }.',
      'src/accounts.ts › Accounts.read: GET /accounts/{id} throttle {"rate":5}: give { rate, burst } with rate from 0 to 10000 requests per second and burst a whole number from 0 to 5000 (API Gateway\'s account limits; a route cannot pass them), e.g. { rate: 10, burst: 20 }.',
    ]);
  });
});
