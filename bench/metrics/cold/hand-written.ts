// Init cost of the kit's EMF writer: its module and one writer made, as a handler makes it.
import { emfWriter } from '../../../packages/middy/src/metrics/emf-writer.js';

const writer = emfWriter('http', { namespace: 'tasks-app/prod' });
export async function handler() {
  return writer.start().fields([1, 0, 0], true);
}
