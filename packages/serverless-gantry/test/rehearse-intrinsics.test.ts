import { describe, expect, it } from 'vitest';
import { userPoolFragment } from '../src/generate/user-pool.js';
import { resolveIntrinsics, type StackValues } from '../src/rehearse/intrinsics.js';

// The rehearsal compares what Gantry generated with what the emulator deployed: the user pool's
// values (issuer, client id, callback URLs) must resolve as the stack resolved them.
const at: StackValues = {
  partition: 'aws',
  region: 'eu-west-1',
  accountId: '123456789012',
  arns: {},
  refs: { UserPool: 'eu-west-1_abc', UserPoolClient: 'client123' },
  attributes: { 'HttpApi.ApiEndpoint': 'https://api1.execute-api.eu-west-1.amazonaws.com' },
};

describe('resolveIntrinsics for a user pool', () => {
  const { fragment } = userPoolFragment(
    { callbackUrls: ['http://localhost:5173/'] },
    { service: 'members', stage: 'dev', retain: false, deletionProtection: false, page: '/' },
  );

  it("resolves the page's environment: the pool's issuer URL and the client id (Ref of resources)", () => {
    expect(resolveIntrinsics(fragment?.pageEnvironment, at)).toEqual({
      GANTRY_OIDC_ISSUER: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc',
      GANTRY_OIDC_CLIENT_ID: 'client123',
    });
  });

  it("resolves the callback URLs: the page's deployed URL (GetAtt HttpApi.ApiEndpoint) and the declared ones", () => {
    const client = fragment?.resources.UserPoolClient as { Properties: { CallbackURLs: unknown } };
    expect(resolveIntrinsics(client.Properties.CallbackURLs, at)).toEqual([
      'https://api1.execute-api.eu-west-1.amazonaws.com/',
      'http://localhost:5173/',
    ]);
  });

  it('leaves what it cannot resolve visible, so a comparison fails', () => {
    expect(resolveIntrinsics({ Ref: 'Missing' }, at)).toBe('<unresolved Ref Missing>');
    expect(resolveIntrinsics({ 'Fn::GetAtt': ['UserPool', 'ProviderURL'] }, at)).toBe(
      '<unresolved GetAtt UserPool.ProviderURL>',
    );
    expect(resolveIntrinsics({ 'Fn::Sub': '${Missing}/x' }, at)).toBe('<unresolved Sub Missing>/x');
  });
});
