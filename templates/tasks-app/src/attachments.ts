import { randomUUID } from 'node:crypto';
import { api, del, get, onChange, onObjectCreated, post, uses } from '@gantry/decorators';
import {
  ConflictError,
  createLogger,
  type HttpRequest,
  NotFoundError,
  type ObjectEvent,
  type TableChange,
} from '@gantry/middy';
import { tableClient } from '@gantry/middy/dynamodb';
import { bucketClient } from '@gantry/middy/s3';
import * as v from 'valibot';
import {
  ALLOWED_FILES,
  ATTACHMENT_TYPES,
  type AttachmentType,
  MAX_ATTACHMENT_BYTES,
  MAX_ATTACHMENT_NAME,
  typeOfName,
} from './attachment-types.js';
import { Attachments } from './buckets.js';
import { Tasks } from './tables.js';
import { callerOf, type StoredTask, TaskParams } from './tasks.js';

// A task's file goes from the browser straight to the bucket, never through a function:
// 1. `POST /tasks/{id}/attachment` checks the task is the caller's and signs a form for one new key,
//    the file's exact size and type (S3 refuses anything else);
// 2. the browser posts the form to S3 (the page shows the upload's progress);
// 3. S3's notification runs `AttachmentWork.record`, which puts the file on the task;
// 4. `GET /tasks/{id}/attachment` signs a short download link, for the owner only.
// Files leave the bucket by one road: `AttachmentWork.forget`, on the tasks' changes, deletes the
// file a task no longer names, whatever changed it (the file removed or replaced, the task deleted by
// its route, by "clear completed" or by the nightly purge); the table's stream retries it until it
// succeeds, so no file outlives its task.

const MEDIA_TYPES = Object.keys(ATTACHMENT_TYPES) as AttachmentType[];
/** Seconds an upload form may be sent: time to start a 10 MB upload, not to keep a form around. */
const UPLOAD_FORM_SECONDS = 300;
/** Seconds a download link works: it is followed as soon as it is signed. */
const DOWNLOAD_LINK_SECONDS = 60;

export const NewAttachment = v.pipe(
  v.strictObject({
    name: v.pipe(
      v.string(),
      v.minLength(1, 'Give the file a name.'),
      v.maxLength(MAX_ATTACHMENT_NAME, `Keep the file name under ${MAX_ATTACHMENT_NAME} characters.`),
      // The name becomes the last part of the key: a separator would put it under another prefix.
      v.check((name) => !/[/\\]/.test(name), 'A file name cannot hold / or \\.'),
      v.check((name) => !/\p{Cc}/u.test(name), 'A file name cannot hold control characters.'),
    ),
    type: v.picklist(MEDIA_TYPES, `Attach ${ALLOWED_FILES}.`),
    size: v.pipe(
      v.number(),
      v.integer('size is a whole number of bytes.'),
      v.minValue(1, 'The file is empty.'),
      v.maxValue(MAX_ATTACHMENT_BYTES, `Attach a file of at most ${MAX_ATTACHMENT_BYTES / 1_000_000} MB.`),
    ),
  }),
  // The file is saved under its name: the name's ending must say what the type says (a `.html`
  // sent as text/plain would open as a page once saved).
  v.forward(
    v.partialCheck(
      [['name'], ['type']],
      ({ name, type }) => typeOfName(name) === type,
      (issue) => {
        const input = issue.input as { type: AttachmentType };
        return `A ${input.type} file's name ends in ${ATTACHMENT_TYPES[input.type].join(' or ')}.`;
      },
    ),
    ['name'],
  ),
);

// What the routes answer with (the OpenAPI document and the typed client read these).
export const UploadForm = v.object({
  url: v.pipe(v.string(), v.url(), v.description('Where the browser POSTs the form (multipart/form-data).')),
  fields: v.pipe(
    v.record(v.string(), v.string()),
    v.description('Every field, as given, then the file last, as the field `file`.'),
  ),
  key: v.pipe(v.string(), v.description('The key the file will have in the bucket.')),
  expiresIn: v.pipe(v.number(), v.integer(), v.description('Seconds the form may be sent.')),
});
export const DownloadLink = v.object({
  url: v.pipe(
    v.string(),
    v.url(),
    v.description(`Valid ${DOWNLOAD_LINK_SECONDS} seconds; the bucket answers it as a download under the file's name.`),
  ),
});

const tasks = tableClient<StoredTask>(Tasks);
const files = bucketClient(Attachments);
const log = createLogger();

/** `<owner>/<task id>/<upload id>/<file name>`: see src/buckets.ts. */
const attachmentKey = (owner: string, taskId: string, name: string) => `${owner}/${taskId}/${randomUUID()}/${name}`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The owner, task and file name a key stands for, if it is an attachment's key. */
function ofKey(key: string): { owner: string; id: string; name: string } | undefined {
  const [owner, id, upload, name, ...rest] = key.split('/');
  if (!owner || !id || !UUID.test(id) || !upload || !UUID.test(upload) || !name || rest.length > 0) return undefined;
  return { owner, id, name };
}

// Every route needs a signed-in user, and another user's task is not there (404), as in tasks.ts.
@api('', { cors: true, auth: {} })
export class TaskAttachments {
  /**
   * Signs a form that uploads the task's file straight to the bucket (its exact name, type and
   * size); the task shows the file once the upload is recorded. A file replaces the one it had.
   */
  @post('/tasks/{id}/attachment', { params: TaskParams, body: NewAttachment, response: UploadForm })
  @uses(Tasks, 'read')
  @uses(Attachments, 'write')
  static async upload(request: HttpRequest<{ params: typeof TaskParams; body: typeof NewAttachment }>) {
    const owner = callerOf(request);
    const { id } = request.params;
    if (!(await tasks.get({ owner, id }))) throw new NotFoundError(`There is no task ${id}.`);
    const { name, type, size } = request.body;
    const key = attachmentKey(owner, id, name);
    const { url, fields } = await files.presignUpload(key, {
      contentType: type,
      minBytes: size,
      maxBytes: size,
      expiresIn: UPLOAD_FORM_SECONDS,
    });
    return { url, fields, key, expiresIn: UPLOAD_FORM_SECONDS };
  }

  /** A short-lived link that downloads the task's file under its name; only its owner gets one. */
  @get('/tasks/{id}/attachment', { params: TaskParams, response: DownloadLink })
  @uses(Tasks, 'read')
  @uses(Attachments, 'read')
  static async download(request: HttpRequest<{ params: typeof TaskParams }>) {
    const { id } = request.params;
    const task = await tasks.get({ owner: callerOf(request), id });
    if (!task?.attachment) throw new NotFoundError(task ? `Task ${id} has no attachment.` : `There is no task ${id}.`);
    const { key, name } = task.attachment;
    return { url: await files.presignDownload(key, { filename: name, expiresIn: DOWNLOAD_LINK_SECONDS }) };
  }

  /** Removes the task's file: 204 at once; the file leaves the bucket moments later (`AttachmentWork.forget`). */
  @del('/tasks/{id}/attachment', { params: TaskParams, response: null })
  @uses(Tasks, 'update')
  static async remove(request: HttpRequest<{ params: typeof TaskParams }>) {
    const { id } = request.params;
    try {
      await tasks.update(
        { owner: callerOf(request), id },
        {
          remove: ['attachment'],
          set: { attachmentRemovedAt: new Date().toISOString() },
          condition: { expression: 'attribute_exists(#attachment)', names: { '#attachment': 'attachment' } },
        },
      );
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      throw new NotFoundError(error.details?.current ? `Task ${id} has no attachment.` : `There is no task ${id}.`);
    }
  }
}

/** What happens to files between requests: S3's notifications, the tasks' changes. */
export class AttachmentWork {
  /**
   * Puts an uploaded file on its task. S3 delivers at least once and in no set order, so the file
   * is recorded only if it is newer than the task's file and than its last removal; a file that
   * lost (replaced meanwhile, removed, or its task deleted) is deleted here, as nothing else names it.
   */
  @onObjectCreated(Attachments)
  @uses(Tasks, 'update')
  @uses(Attachments, 'delete')
  static async record(object: ObjectEvent) {
    const { key } = object;
    const where = ofKey(key);
    const type = where && typeOfName(where.name);
    if (!where || !type) {
      // Only the upload route's forms write here, so this is someone's hand: left for them.
      log.log('warn', { message: 'not an attachment key: left as it is', key });
      return;
    }
    const uploadedAt = object.at.toISOString();
    try {
      await tasks.update(
        { owner: where.owner, id: where.id },
        {
          set: { attachment: { name: where.name, type, size: object.size ?? 0, uploadedAt, key } },
          condition: {
            expression:
              '(attribute_not_exists(#file) OR #file.#key = :key OR #file.#at < :at) AND (attribute_not_exists(#removed) OR #removed < :at)',
            names: { '#file': 'attachment', '#key': 'key', '#at': 'uploadedAt', '#removed': 'attachmentRemovedAt' },
            values: { ':key': key, ':at': uploadedAt },
          },
        },
      );
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      const current = error.details?.current as StoredTask | undefined;
      if (current?.attachment?.key === key) return;
      log.log('info', {
        message: current ? 'a newer file or a removal came first: upload deleted' : 'the task is gone: upload deleted',
        key,
      });
      await files.delete(key);
    }
  }

  /**
   * Deletes the file a task no longer names: removed, replaced, or the task deleted (by any road:
   * its route, "clear completed", the nightly purge). The stream retries a failure, so none is left.
   */
  @onChange(Tasks)
  @uses(Attachments, 'delete')
  static async forget(change: TableChange<StoredTask>) {
    const before = change.oldItem?.attachment;
    if (!before || change.newItem?.attachment?.key === before.key) return;
    await files.delete(before.key);
  }
}
