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

const api = createClient<{ TasksApi: typeof TasksApi; Lists: typeof Lists }>({
  baseUrl: new URLSearchParams(location.search).get('api') ?? '',
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

function render(task: Task): HTMLLIElement {
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
  li.append(done, title, edit, remove);

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
