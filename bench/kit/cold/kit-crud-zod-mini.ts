// The kit CRUD function with zod/mini, zod's tree-shakable build for size-sensitive bundles.
import * as z from 'zod/mini';
import { notesHandler } from './notes-api.js';

export const handler = notesHandler(
  z.strictObject({ id: z.string().check(z.maxLength(64)), text: z.string().check(z.minLength(1), z.maxLength(1000)) }),
  z.object({ id: z.string().check(z.maxLength(64)) }),
);
