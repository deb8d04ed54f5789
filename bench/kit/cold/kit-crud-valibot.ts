// The kit CRUD function with valibot schemas.
import * as v from 'valibot';
import { notesHandler } from './notes-api.js';

export const handler = notesHandler(
  v.strictObject({
    id: v.pipe(v.string(), v.maxLength(64)),
    text: v.pipe(v.string(), v.minLength(1), v.maxLength(1000)),
  }),
  v.object({ id: v.pipe(v.string(), v.maxLength(64)) }),
);
