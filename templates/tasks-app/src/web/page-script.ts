/**
 * The page's script, bundled for the browser when the service is built (`gantry-page:` in web.ts)
 * and served inline. It calls the API through `@gantry/client`, typed from the handler classes: it
 * imports their types only, so no server code reaches the browser, and a wrong path parameter, query
 * or body does not compile. Where each method is served comes from the Manifest (`gantry:routes`).
 *
 * The API is at the page's own origin (the same HTTP API serves both), or at `?api=<url>` when the
 * page is hosted elsewhere (that origin must then be in the stage's `corsOrigins`). The list shown is
 * named in the URL (`#list=<id>`), so a link shares the list. Everything the API sends is put on the
 * page as text, never as HTML.
 */

import manifest from 'gantry:routes';
import { type ApiResult, createClient, routesFromManifest } from '@gantry/client';
import { ACCEPTED_ENDINGS, ALLOWED_FILES, MAX_ATTACHMENT_BYTES, typeOfName } from '../attachment-types.js';
import type { TaskAttachments } from '../attachments.js';
import type { Lists } from '../lists.js';
import type { Task, TasksApi } from '../tasks.js';
import { completeSignIn, currentSession, type SignInConfig, signIn, signOut } from './sign-in.js';
import { commitWaitingNow, offerUndo } from './undo.js';

/** Sign-in is on when the page's function has an issuer (its HTML carries it as data). */
function signInConfig(): SignInConfig | undefined {
  const { oidcIssuer, oidcClientId, oidcDiscovery } = document.body.dataset;
  if (!oidcIssuer || !oidcClientId) return undefined;
  return { issuer: oidcIssuer, clientId: oidcClientId, ...(oidcDiscovery ? { discovery: oidcDiscovery } : {}) };
}
const signInWith = signInConfig();

// A deletion still waiting for its undo window when the page is left is sent then; `keepalive` lets
// that request outlive the page (the browser would otherwise cancel it).
let leaving = false;
addEventListener('pagehide', () => {
  leaving = true;
  commitWaitingNow();
});

const apiBase = new URLSearchParams(location.search).get('api') ?? '';
const api = createClient<{ TasksApi: typeof TasksApi; Lists: typeof Lists; TaskAttachments: typeof TaskAttachments }>({
  baseUrl: apiBase,
  fetch: (input, init) => fetch(input, leaving ? { ...init, keepalive: true } : init),
  routes: routesFromManifest(manifest),
  // The signed-in user's access token on every call (the API's JWT authorizer reads it).
  headers: (): Record<string, string> => {
    const session = currentSession();
    return session ? { authorization: `Bearer ${session.accessToken}` } : {};
  },
});

interface Issue {
  path: (string | number)[];
  message: string;
}

/** A problem the API answered: its status, message and issues. */
class ApiError extends Error {
  readonly status: number;
  readonly issues: Issue[];
  constructor(status: number, message: string, issues: Issue[] = []) {
    super(message);
    this.status = status;
    this.issues = issues;
  }
}

/** The data of a successful answer; an error answer is thrown as an ApiError. */
async function data<T>(call: Promise<ApiResult<T>>): Promise<T> {
  const result = await call;
  if (result.ok) return result.data;
  const { error } = result;
  if ('message' in error) throw new ApiError(result.status, error.message); // API Gateway's own answer
  if ('message' in error.error) throw new ApiError(result.status, error.error.message, error.error.issues);
  throw new ApiError(result.status, `Something went wrong (request ${error.error.requestId}).`);
}

const $ = <E extends HTMLElement>(selector: string) => document.querySelector(selector) as E;
const problemBox = $<HTMLDivElement>('#problem');
const items = $<HTMLUListElement>('#tasks');
const statusLine = $<HTMLParagraphElement>('#status');
const more = $<HTMLButtonElement>('#more');
const countsLine = $<HTMLSpanElement>('#counts');
const clearDone = $<HTMLButtonElement>('#clear-done');
const undoNotice = $<HTMLDivElement>('#undo');
const titleInput = $<HTMLInputElement>('#title');

// The list shown is the one named in the URL (#list=<id>): a link shares it, and editing the URL or
// going back switches to another list.
const LIST_HASH = /^#list=([A-Za-z0-9_-]{8,64})$/;
let listId = '';
let cursor: string | undefined;
let generation = 0; // a load that a newer one replaced puts nothing on the page
/** Tasks deleted on the page whose DELETE has not completed: a list read meanwhile still has them. */
const deleting = new Set<string>();

function listFromUrl(): string {
  const match = LIST_HASH.exec(location.hash);
  if (match?.[1]) return match[1];
  const fresh = crypto.randomUUID().replaceAll('-', '');
  history.replaceState(null, '', `#list=${fresh}`);
  return fresh;
}

function showList(): Promise<void> {
  commitWaitingNow(); // a deletion waiting for its undo window belongs to the list being left
  listId = listFromUrl();
  cursor = undefined;
  $('#list-id').textContent = listId;
  clearProblems();
  items.replaceChildren();
  countsLine.textContent = '';
  clearDone.hidden = true;
  if (signInWith && !currentSession()) {
    more.hidden = true;
    statusLine.textContent = 'Sign in to see your tasks.';
    return Promise.resolve();
  }
  void refreshCounts();
  return loadPage(true);
}

// The counts come from the API's `counts` table, which a function keeps from the tasks' changes
// (the table's stream): they follow a change within moments, so the page asks again now and then.
let countsShown = '';
async function refreshCounts(): Promise<void> {
  if (!listId || (signInWith && !currentSession())) return;
  const result = await api.Lists.counts({ params: { listId } });
  if (!result.ok) return;
  const { open, done } = result.data;
  const text = `${open} open · ${done} done`;
  if (text !== countsShown) countsLine.textContent = countsShown = text;
  clearDone.hidden = done === 0;
}
setInterval(() => void refreshCounts().catch(() => undefined), 1_000);

function setStatus(): void {
  const loading = items.getAttribute('aria-busy') === 'true';
  statusLine.textContent = loading ? 'Loading…' : items.children.length === 0 ? 'No tasks yet: add one above.' : '';
}

/** Loads the first page (reset) or the next one; tasks already shown are not shown twice. */
async function loadPage(reset: boolean): Promise<void> {
  const mine = ++generation;
  items.setAttribute('aria-busy', 'true');
  setStatus();
  try {
    const page = await data(
      api.TasksApi.list({ params: { listId }, query: { limit: 20, ...(!reset && cursor ? { cursor } : {}) } }),
    );
    if (mine !== generation) return;
    if (reset) items.replaceChildren();
    // Tasks added while older pages were still to come stay last, where they belong.
    const firstAdded = items.querySelector('li[data-added]');
    for (const task of page.items) {
      if (deleting.has(task.id)) continue;
      const shown = items.querySelector(`li[data-id="${task.id}"]`);
      if (shown) shown.removeAttribute('data-added');
      else items.insertBefore(render(task), firstAdded);
    }
    cursor = page.cursor;
    more.hidden = !cursor;
  } finally {
    if (mine === generation) {
      items.setAttribute('aria-busy', 'false');
      setStatus();
    }
  }
}

// Problems: those about a field are shown next to it; the rest above the list.
function clearProblems(): void {
  problemBox.replaceChildren();
  for (const input of document.querySelectorAll<HTMLInputElement>('[aria-invalid=true]')) fieldProblem(input, '');
}

/**
 * The API's rule for a title (tasks.ts: trimmed, 1 to 200 characters), checked here only to take a
 * problem away as soon as what is typed is fine; the API stays the judge of what is saved. (The page
 * cannot import the schema itself: tasks.ts is server code, which must not reach the browser.)
 */
function titleIsValid(text: string): boolean {
  const trimmed = text.trim();
  return trimmed.length >= 1 && trimmed.length <= 200;
}

/** A title field's problem goes away as soon as the title typed is valid. */
function clearProblemWhenValid(input: HTMLInputElement): void {
  input.addEventListener('input', () => {
    if (input.getAttribute('aria-invalid') === 'true' && titleIsValid(input.value)) fieldProblem(input, '');
  });
}

function fieldProblem(input: HTMLInputElement, message: string): void {
  const box = document.getElementById(input.getAttribute('aria-describedby') ?? '');
  if (box) box.textContent = message;
  input.setAttribute('aria-invalid', message ? 'true' : 'false');
}

type Fields = Record<string, HTMLInputElement>;

/** Shows a problem; fields maps a body field's name to its input. */
function showProblem(error: unknown, fields?: Fields): void {
  const issues = error instanceof ApiError ? error.issues : [];
  const rest: Issue[] = [];
  for (const issue of issues) {
    const input = issue.path[0] === 'body' ? fields?.[String(issue.path[1])] : undefined;
    if (input) fieldProblem(input, issue.message);
    else rest.push(issue);
  }
  if (issues.length > 0 && rest.length === 0) return;
  problemBox.replaceChildren(messageFor(error));
  if (rest.length > 0) {
    const list = document.createElement('ul');
    for (const issue of rest) {
      const li = document.createElement('li');
      li.textContent = `${issue.path.slice(1).join('.')}: ${issue.message}`;
      list.append(li);
    }
    problemBox.append(list);
  }
}

/** The page's words for a task that changed or went since it was shown: the list is fresh by then. */
function messageFor(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (!(error instanceof ApiError)) return error.message;
  if (error.status === 409) {
    return 'Someone changed this task in the meantime, so your change was not saved. The list now shows it as it is: make your change again if you still want it.';
  }
  if (error.status === 404) return 'This task was deleted in the meantime. The list now shows the tasks that remain.';
  if (error.status === 401 && signInWith) return 'Sign in to continue.';
  return error.message;
}

/** Runs an action; a problem is shown, and a stale or missing task refreshes the list. */
async function attempt(action: () => Promise<unknown>, fields?: Fields): Promise<void> {
  clearProblems();
  try {
    await action();
  } catch (error) {
    await failed(error, fields);
  }
}

async function failed(error: unknown, fields?: Fields): Promise<void> {
  if (error instanceof ApiError && (error.status === 409 || error.status === 404)) {
    await showList().catch((e: unknown) => showProblem(e));
  }
  showProblem(error, fields);
}

function button(label: string, onClick: () => void): HTMLButtonElement {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = label;
  b.addEventListener('click', onClick);
  return b;
}

/**
 * The paperclip, drawn as the page's icon is (round strokes), in the text's colour; hidden from
 * assistive technology, since the control it sits in has its own name.
 */
function paperclip(): SVGSVGElement {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('class', 'icon');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  const path = document.createElementNS('http://www.w3.org/2000/svg', 'path');
  path.setAttribute('d', 'M11 9v7a1 1 0 0 0 2 0V6a3 3 0 0 0-6 0v11a5 5 0 0 0 10 0V8');
  for (const [name, value] of Object.entries({
    fill: 'none',
    stroke: 'currentColor',
    'stroke-width': '2',
    'stroke-linecap': 'round',
    'stroke-linejoin': 'round',
  })) {
    path.setAttribute(name, value);
  }
  svg.append(path);
  return svg;
}

let fieldIds = 0;
/** A text input with a place for its problem (aria-describedby). */
function textField(label: string, value: string) {
  const wrap = document.createElement('span');
  wrap.className = 'field';
  const input = document.createElement('input');
  input.type = 'text';
  input.value = value;
  input.setAttribute('aria-label', label);
  const problem = document.createElement('span');
  problem.className = 'field-problem';
  problem.id = `field-problem-${++fieldIds}`;
  input.setAttribute('aria-describedby', problem.id);
  clearProblemWhenValid(input);
  wrap.append(input, problem);
  return { wrap, input };
}

const changeTask = (task: Task, changes: { title?: string; done?: boolean }) =>
  data(api.TasksApi.update({ params: { id: task.id }, body: { ...changes, version: task.version } }));

/** Each task as last rendered: a row is drawn again from it when its file changes. */
const shownTasks = new Map<string, Task>();

function render(task: Task): HTMLLIElement {
  shownTasks.set(task.id, task);
  const li = document.createElement('li');
  li.className = task.done ? 'done' : '';
  li.dataset.id = task.id;
  const done = document.createElement('input');
  done.type = 'checkbox';
  done.checked = task.done;
  done.setAttribute('aria-label', `Done: ${task.title}`);
  done.addEventListener('change', () =>
    attempt(async () => replace(li, await changeTask(task, { done: done.checked }))),
  );
  const title = document.createElement('span');
  title.className = 'title';
  title.textContent = task.title;
  const edit = button('Edit', () => startEdit());
  const remove = button('Delete', () => deleteWithUndo(li, task));
  remove.className = 'delete';
  li.append(done, title, ...attachControls(task), edit, remove);
  const file = fileLine(task);
  if (file) li.append(file);

  // Editing: Enter or Save saves, Escape or Cancel puts the title back as it was.
  function startEdit(): void {
    const field = textField('New title', task.title);
    const save = () =>
      attempt(async () => replace(li, await changeTask(task, { title: field.input.value })), { title: field.input });
    const cancel = () => {
      clearProblems();
      field.wrap.replaceWith(title);
      saveButton.replaceWith(edit);
      cancelButton.remove();
      edit.focus();
    };
    const saveButton = button('Save', save);
    const cancelButton = button('Cancel', cancel);
    field.input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') {
        event.preventDefault();
        void save();
      } else if (event.key === 'Escape') {
        event.preventDefault();
        cancel();
      }
    });
    title.replaceWith(field.wrap);
    edit.replaceWith(saveButton, cancelButton);
    field.input.focus();
  }
  return li;
}

/** The task leaves the list now; the DELETE goes once Undo is no longer offered (undo.ts says why). */
function deleteWithUndo(li: HTMLLIElement, task: Task): void {
  clearProblems();
  deleting.add(task.id);
  const next = li.nextElementSibling;
  li.remove();
  setStatus();
  const undoButton = offerUndo(undoNotice, {
    message: `Deleted “${task.title}”.`,
    undo: (hadFocus) => {
      deleting.delete(task.id);
      items.insertBefore(li, next?.parentElement === items ? next : null);
      setStatus();
      if (hadFocus) li.querySelector<HTMLButtonElement>('button.delete')?.focus();
    },
    commit: (hadFocus) => {
      if (hadFocus) titleInput.focus();
      // Not through attempt(): the user may be busy with something else by now, whose problems stay.
      void data(api.TasksApi.remove({ params: { id: task.id }, query: { version: task.version } })).then(
        () => deleting.delete(task.id),
        (error: unknown) => {
          deleting.delete(task.id); // before failed() lists again: a task that is still there is shown
          return failed(error);
        },
      );
    },
  });
  undoButton.focus(); // the Delete button is gone: the keyboard goes on from Undo
}

function replace(li: HTMLLIElement, task: Task): void {
  const fresh = render(task);
  if (li.hasAttribute('data-added')) fresh.setAttribute('data-added', '');
  li.replaceWith(fresh);
}

/** Draws a task's row again, if it is on the page (from `task`, else as last rendered). */
function redraw(id: string, task = shownTasks.get(id)): void {
  const li = items.querySelector<HTMLLIElement>(`li[data-id="${id}"]`);
  if (li && task) replace(li, task);
}

// Attachments. The browser sends the file straight to the bucket with the form the API signs (its
// exact name, type and size), through XMLHttpRequest, whose upload reports progress (fetch's does
// not). The task gets the file when the bucket's notification has run a function, moments later, so
// the row says "Processing" and the page asks for the task until it has the file: a link shown
// before then would lead to nothing.

/** Uploads under way, by task: their progress line, kept when the row is drawn again. */
const uploads = new Map<string, HTMLElement>();
/** Files whose removal waits for its Undo window, by task: their row does not show them. */
const removingFiles = new Set<string>();

function formatSize(bytes: number): string {
  if (bytes < 1_000) return `${bytes} bytes`;
  const [value, unit] = bytes < 1_000_000 ? [bytes / 1_000, 'KB'] : [bytes / 1_000_000, 'MB'];
  return `${value.toFixed(value < 10 ? 1 : 0).replace(/\.0$/, '')} ${unit}`;
}

/** The Attach (or Replace) button and the file picker it opens. */
function attachControls(task: Task): HTMLElement[] {
  const picker = document.createElement('input');
  picker.type = 'file';
  picker.hidden = true;
  picker.accept = ACCEPTED_ENDINGS;
  picker.setAttribute('aria-label', `File to attach to ${task.title}`);
  const hasFile = task.attachment !== undefined && !removingFiles.has(task.id);
  const attach = button(hasFile ? 'Replace' : 'Attach', () => picker.click());
  attach.className = 'with-icon';
  attach.prepend(paperclip());
  attach.setAttribute('aria-label', `${hasFile ? 'Replace the file of' : 'Attach a file to'} ${task.title}`);
  attach.disabled = uploads.has(task.id);
  picker.addEventListener('change', () => {
    const file = picker.files?.[0];
    picker.value = ''; // the same file can be chosen again
    if (file) void attempt(() => attachFile(task.id, file));
  });
  return [attach, picker];
}

/** The task's file (a download link, its size, Remove), or its upload's progress; none without either. */
function fileLine(task: Task): HTMLElement | undefined {
  const uploading = uploads.get(task.id);
  if (uploading) return uploading;
  const file = task.attachment;
  if (!file || removingFiles.has(task.id)) return undefined;
  const line = document.createElement('p');
  line.className = 'attachment';
  // The API wants the signed-in user's token, which a plain link cannot send: the click asks the API
  // for a short download link and follows it (the bucket answers it as a download, so the page stays).
  const link = document.createElement('a');
  link.href = `${apiBase}/tasks/${encodeURIComponent(task.id)}/attachment`;
  link.textContent = file.name;
  link.addEventListener('click', (event) => {
    event.preventDefault();
    void attempt(async () => {
      const { url } = await data(api.TaskAttachments.download({ params: { id: task.id } }));
      location.assign(url);
    });
  });
  // The name takes the room left on the line (and wraps in it); the link stays the size of its words.
  const name = document.createElement('span');
  name.className = 'file-name';
  name.append(link);
  const size = document.createElement('small');
  size.textContent = formatSize(file.size);
  const remove = button('Remove', () => removeFileWithUndo(task, file.name));
  remove.className = 'delete';
  remove.setAttribute('aria-label', `Remove ${file.name}`);
  line.append(paperclip(), name, size, remove);
  return line;
}

/** The progress line of an upload: its label, the bar, then "Processing" once the bucket has the file. */
function progressLine(name: string) {
  const line = document.createElement('p');
  line.className = 'attachment';
  line.setAttribute('role', 'status');
  const bar = document.createElement('progress');
  bar.id = `upload-${++fieldIds}`;
  bar.max = 100;
  bar.value = 0;
  const label = document.createElement('label');
  label.htmlFor = bar.id;
  label.textContent = `Uploading ${name}`;
  const percent = document.createElement('small');
  percent.textContent = '0%';
  line.append(label, bar, percent);
  return {
    line,
    sent(fraction: number) {
      const shown = Math.floor(fraction * 100);
      bar.value = shown;
      percent.textContent = `${shown}%`;
    },
    processing() {
      label.textContent = `Processing ${name}…`;
      bar.removeAttribute('value'); // indeterminate: the function runs in the background
      percent.textContent = '';
    },
  };
}

/** Checks the file, has the API sign a form, sends it with progress shown, and waits for the task to have it. */
async function attachFile(id: string, file: File): Promise<void> {
  // The API's rules (attachment-types.ts), checked here so a wrong file costs no request.
  const type = typeOfName(file.name);
  if (!type) throw new Error(`“${file.name}” cannot be attached: attach ${ALLOWED_FILES}.`);
  if (file.size === 0) throw new Error(`“${file.name}” is empty.`);
  if (file.size > MAX_ATTACHMENT_BYTES) {
    throw new Error(`“${file.name}” is larger than ${formatSize(MAX_ATTACHMENT_BYTES)}: attach a smaller file.`);
  }
  const before = shownTasks.get(id)?.attachment?.uploadedAt;
  const form = await data(
    api.TaskAttachments.upload({ params: { id }, body: { name: file.name, type, size: file.size } }),
  );
  const progress = progressLine(file.name);
  uploads.set(id, progress.line);
  redraw(id);
  try {
    await sendForm(form, file, progress.sent);
    progress.processing();
    const task = await recorded(id, file.name, before);
    uploads.delete(id);
    redraw(id, task);
  } finally {
    if (uploads.get(id) === progress.line) {
      uploads.delete(id);
      redraw(id);
    }
  }
}

/** Posts the signed form to the bucket: every field as given, the file last. */
function sendForm(
  form: { url: string; fields: Record<string, string> },
  file: File,
  sent: (fraction: number) => void,
): Promise<void> {
  const body = new FormData();
  for (const [name, value] of Object.entries(form.fields)) body.append(name, value);
  body.append('file', file);
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('POST', form.url);
    request.upload.addEventListener('progress', (event) => {
      if (event.lengthComputable) sent(event.loaded / event.total);
    });
    request.addEventListener('load', () => {
      if (request.status >= 200 && request.status < 300) resolve();
      else reject(new Error(uploadRefused(file.name, request.responseText)));
    });
    // No answer, or one the browser may not read (CORS): the network, or the bucket's CORS rule.
    request.addEventListener('error', () =>
      reject(new Error(`“${file.name}” could not be sent: check the connection and try again.`)),
    );
    request.send(body);
  });
}

/** The bucket's refusal (S3 answers in XML: `<Error><Code>…</Code><Message>…</Message></Error>`) in words. */
function uploadRefused(name: string, xml: string): string {
  const answer = new DOMParser().parseFromString(xml, 'application/xml');
  const code = answer.querySelector('Error > Code')?.textContent ?? '';
  const message = answer.querySelector('Error > Message')?.textContent ?? '';
  if (code === 'EntityTooLarge' || code === 'EntityTooSmall') {
    return `“${name}” changed size since it was chosen, so the upload was refused: choose it again.`;
  }
  if (code === 'AccessDenied' && /expired/i.test(message)) {
    return `The upload of “${name}” started too late, so it was refused: try again.`;
  }
  return `The upload of “${name}” was refused (${code || 'no reason given'}${message ? `: ${message}` : ''}): try again.`;
}

/** The task, asked for until it has the file uploaded (a newer one than it had), for up to about 30 s. */
async function recorded(id: string, name: string, before: string | undefined): Promise<Task> {
  for (const wait of [250, 500, 1_000, 1_000, 2_000, 2_000, 4_000, 4_000, 8_000, 8_000]) {
    await new Promise((resolve) => setTimeout(resolve, wait));
    const task = await data(api.TasksApi.read({ params: { id } }));
    if (task.attachment && task.attachment.name === name && task.attachment.uploadedAt !== before) return task;
  }
  throw new Error(`“${name}” was uploaded but is still being processed: it shows here when you reload the page.`);
}

/** The file leaves the row now; the DELETE goes once Undo is no longer offered (as a task's Delete). */
function removeFileWithUndo(task: Task, name: string): void {
  clearProblems();
  removingFiles.add(task.id);
  redraw(task.id);
  const undoButton = offerUndo(undoNotice, {
    message: `Removed “${name}”.`,
    undo: (hadFocus) => {
      removingFiles.delete(task.id);
      redraw(task.id);
      if (hadFocus) items.querySelector<HTMLElement>(`li[data-id="${task.id}"] .attachment button`)?.focus();
    },
    commit: (hadFocus) => {
      if (hadFocus) items.querySelector<HTMLElement>(`li[data-id="${task.id}"] button.with-icon`)?.focus();
      void data(api.TaskAttachments.remove({ params: { id: task.id } })).then(
        () => {
          removingFiles.delete(task.id);
          const shown = shownTasks.get(task.id);
          if (shown) redraw(task.id, withoutFile(shown));
        },
        (error: unknown) => {
          removingFiles.delete(task.id);
          redraw(task.id);
          return failed(error);
        },
      );
    },
  });
  undoButton.focus(); // the Remove button is gone: the keyboard goes on from Undo
}

function withoutFile({ attachment: _file, ...task }: Task): Task {
  return task;
}

/** The Sign in / Sign out control, shown only when the page's function has an issuer. */
function showAccount(config: SignInConfig): void {
  const account = $<HTMLParagraphElement>('#account');
  const session = currentSession();
  const text = document.createElement('span');
  text.textContent = session ? `Signed in as ${session.user}` : 'Not signed in';
  const control = session
    ? button('Sign out', () =>
        attempt(async () => {
          await signOut();
          showAccount(config);
          await showList();
        }),
      )
    : button('Sign in', () => attempt(() => signIn(config)));
  account.replaceChildren(text, ' ', control);
  account.hidden = false;
}

clearProblemWhenValid(titleInput);
$('#new').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = titleInput;
  void attempt(
    async () => {
      const task = await data(api.TasksApi.create({ params: { listId }, body: { title: input.value } }));
      input.value = '';
      const li = render(task);
      // Older tasks are still to come with later pages: this one stays last when they arrive.
      if (cursor) li.setAttribute('data-added', '');
      items.append(li);
      setStatus();
    },
    { title: input },
  );
});
more.addEventListener('click', () => attempt(() => loadPage(false)));
// Clearing runs in the background (the API answers 202 and a queue's consumer deletes them): the
// done tasks leave the page now, and the counts follow once the consumer has run.
clearDone.addEventListener('click', () =>
  attempt(async () => {
    await data(api.Lists.clearDone({ params: { listId } }));
    for (const li of items.querySelectorAll('li.done')) li.remove();
    clearDone.hidden = true;
    setStatus();
  }),
);
window.addEventListener('hashchange', () => showList().catch((e: unknown) => showProblem(e)));

async function start(): Promise<void> {
  if (signInWith) {
    await completeSignIn(signInWith).catch((e: unknown) => showProblem(e));
    showAccount(signInWith);
  }
  await showList();
}
start().catch((e: unknown) => showProblem(e));
