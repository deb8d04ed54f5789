// `sls package` of a service with tracing on for one stage and off for one function: osls writes
// Lambda's TracingConfig from the generated `tracing: Active`, the template lints clean and passes
// the IAM guard rules with the one X-Ray statement.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cfnLint } from './support/cfn-lint.js';
import { guardIam } from './support/guard.js';
import { type CfnTemplate, packageService } from './support/serverless.js';
import { SERVERLESS_YML, tempService } from './support/temp-service.js';

const ROUTES = `
import { api, fn, get } from '@gantry/decorators';

@api('/notes')
export class NotesApi {
  @get('/{id}')
  static read() {
    return {};
  }

  @get('/') @fn({ tracing: false })
  static list() {
    return [];
  }
}
`;

let service: { dir: string; remove: () => Promise<void> };
let built: { template: CfnTemplate; path: string };
beforeAll(async () => {
  service = await tempService({
    'serverless.yml': SERVERLESS_YML('traced', 'stages: { prod: { tracing: true } }'),
    'src/notes.ts': ROUTES,
  });
  built = await packageService(service.dir, 'prod');
}, 180_000);
afterAll(() => service?.remove());

const resource = (type: string, name: string) =>
  Object.values(built.template.Resources).find(
    (r) => r.Type === type && JSON.stringify(r.Properties ?? {}).includes(name),
  ) as { Properties: Record<string, unknown> };

describe('tracing on for a stage, off for one function', () => {
  it("turns on the function's active tracing and gives it the tracer, not the other", () => {
    const read = resource('AWS::Lambda::Function', 'traced-prod-notes-api-read');
    const list = resource('AWS::Lambda::Function', 'traced-prod-notes-api-list');
    expect(read.Properties.TracingConfig).toEqual({ Mode: 'Active' });
    expect(read.Properties.Environment).toMatchObject({ Variables: { GANTRY_TRACING: 'true' } });
    expect(list.Properties.TracingConfig).toBeUndefined();
  });

  it('lints clean and passes the IAM guard rules', () => {
    expect(cfnLint(built.path)).toMatchObject({ status: 0, findings: [] });
    expect(guardIam(built.path)).toMatchObject({ status: 0 });
  });
});
