import { bucket } from '@gantry/decorators';

/**
 * Files attached to tasks: private, encrypted, reached only through URLs a function signs (an upload
 * form, a short download link). Functions find its name in `GANTRY_BUCKET_ATTACHMENTS`.
 *
 * Keys are `<owner sub>/<task id>/<upload id>/<file name>`: each user's files under their own
 * prefix, and a fresh upload id for every upload, so a key is never reused: removing a replaced file
 * can never remove the one that replaced it, even when the two events arrive out of order.
 *
 * CORS: the page's own origin and the stage's `corsOrigins` (the default), for the browser's POST of
 * the form. Lifecycle: a browser upload is one request, but a multipart one left unfinished is
 * aborted after a day; on versioned stages (production), a removed file's old version is kept
 * 30 days, a window to restore one removed by mistake, then deleted.
 */
export const Attachments = bucket('attachments', {
  lifecycle: { abortIncompleteUploadsAfterDays: 1, noncurrentVersionsExpireAfterDays: 30 },
});
