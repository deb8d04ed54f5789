// A typical CRUD function with the kit: decorated class, zod schemas, the typed table client.
import { z } from 'zod';
import { notesHandler } from './notes-api.js';

export const handler = notesHandler(
  z.strictObject({ id: z.string().max(64), text: z.string().min(1).max(1000) }),
  z.object({ id: z.string().max(64) }),
);
