/**
 * The web client: one page, its style and its script, served by `Web.page` at `GET /`.
 *
 * It talks to the API at the page's own origin (the same HTTP API serves both), or at `?api=<url>`
 * when the page is hosted elsewhere (that origin must then be in the stage's `corsOrigins`). The list
 * it shows is named in the URL (`#list=<id>`), so a link shares the list. Everything the API sends is
 * put on the page as text, never as HTML.
 *
 * Kept as strings in a module so esbuild, vitest and TypeScript need no extra loader. The script uses
 * no template literals, so this file stays a plain template string. Its parts: the API calls (`api`:
 * the one place that knows routes and bodies), the list's state in the URL, rendering, and problems
 * (shown next to the field they are about, else above the list).
 */

export const style = /* css */ `
  :root { font-family: system-ui, sans-serif; color-scheme: light dark; }
  body { max-width: 40rem; margin: 2rem auto; padding: 0 1rem; }
  form { display: flex; gap: .5rem; align-items: flex-start; }
  .field { flex: 1; display: flex; flex-direction: column; }
  input[type=text] { flex: 1; padding: .4rem; }
  input[aria-invalid=true] { outline: 2px solid #c62828; }
  ul { list-style: none; padding: 0; }
  li { display: flex; align-items: center; gap: .5rem; padding: .3rem 0; border-bottom: 1px solid #8884; }
  li .title, li .field { flex: 1; }
  li.done .title { text-decoration: line-through; opacity: .6; }
  [role=alert], .field-problem { color: #c62828; }
  #problem { min-height: 1.5em; }
  #problem ul { margin: 0; }
  .field-problem:empty { display: none; }
  #status { opacity: .7; }
  small { opacity: .7; }
`;

export const script = /* js */ `
'use strict';
const params = new URLSearchParams(location.search);
const apiBase = new URL(params.get('api') || '/', location.href);

/** A problem the API answered: its status, message and issues ({ path, message }). */
class ApiError extends Error {
  constructor(status, payload) {
    const error = payload.error || {};
    super(error.message || payload.message || 'The API answered ' + status + '.');
    this.status = status;
    this.issues = error.issues || [];
  }
}

/** Calls the API at its own origin (or ?api=); an error response is thrown as an ApiError. */
async function call(method, path, body) {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch(new URL(path, apiBase), init);
  if (response.status === 204) return undefined;
  const payload = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, payload);
  return payload;
}

/** The routes the page uses: the one place that knows paths and bodies. */
const api = {
  listTasks: (listId, query) => call('GET', 'lists/' + listId + '/tasks?' + new URLSearchParams(query)),
  addTask: (listId, title) => call('POST', 'lists/' + listId + '/tasks', { title }),
  changeTask: (task, changes) => call('PATCH', 'tasks/' + task.id, { ...changes, version: task.version }),
  deleteTask: (task) => call('DELETE', 'tasks/' + task.id + '?' + new URLSearchParams({ version: task.version })),
};

const $ = (selector) => document.querySelector(selector);
const problemBox = $('#problem');
const items = $('#tasks');
const statusLine = $('#status');

// The list shown is the one named in the URL (#list=<id>): a link shares it, and editing the URL or
// going back switches to another list.
const LIST_HASH = /^#list=([A-Za-z0-9_-]{8,64})$/;
let listId;
let cursor;
let generation = 0; // a load that a newer one replaced puts nothing on the page

function listFromUrl() {
  const match = LIST_HASH.exec(location.hash);
  if (match) return match[1];
  const fresh = crypto.randomUUID().replaceAll('-', '');
  history.replaceState(null, '', '#list=' + fresh);
  return fresh;
}

function showList() {
  listId = listFromUrl();
  cursor = undefined;
  $('#list-id').textContent = listId;
  clearProblems();
  items.replaceChildren();
  return loadPage(true);
}

function setStatus() {
  const loading = items.getAttribute('aria-busy') === 'true';
  statusLine.textContent = loading ? 'Loading…' : items.children.length === 0 ? 'No tasks yet: add one above.' : '';
}

/** Loads the first page (reset) or the next one; tasks already shown are not shown twice. */
async function loadPage(reset) {
  const mine = ++generation;
  const query = { limit: '20' };
  if (!reset && cursor) query.cursor = cursor;
  items.setAttribute('aria-busy', 'true');
  setStatus();
  try {
    const page = await api.listTasks(listId, query);
    if (mine !== generation) return;
    if (reset) items.replaceChildren();
    // Tasks added while older pages were still to come stay last, where they belong.
    const firstAdded = items.querySelector('li[data-added]');
    for (const task of page.items) {
      const shown = items.querySelector('li[data-id="' + task.id + '"]');
      if (shown) shown.removeAttribute('data-added');
      else items.insertBefore(render(task), firstAdded);
    }
    cursor = page.cursor;
    $('#more').hidden = !cursor;
  } finally {
    if (mine === generation) {
      items.setAttribute('aria-busy', 'false');
      setStatus();
    }
  }
}

// Problems: those about a field are shown next to it; the rest above the list.
function clearProblems() {
  problemBox.replaceChildren();
  for (const input of document.querySelectorAll('[aria-invalid=true]')) fieldProblem(input, '');
}

function fieldProblem(input, message) {
  const box = document.getElementById(input.getAttribute('aria-describedby'));
  if (box) box.textContent = message;
  input.setAttribute('aria-invalid', message ? 'true' : 'false');
}

/** Shows an ApiError; fields maps a body field's name to its input. */
function showProblem(error, fields) {
  const rest = [];
  for (const issue of error.issues || []) {
    const input = issue.path[0] === 'body' && fields && fields[issue.path[1]];
    if (input) fieldProblem(input, issue.message);
    else rest.push(issue);
  }
  if ((error.issues || []).length > 0 && rest.length === 0) return;
  problemBox.replaceChildren(messageFor(error));
  if (rest.length > 0) {
    const list = document.createElement('ul');
    for (const issue of rest) {
      const li = document.createElement('li');
      li.textContent = issue.path.slice(1).join('.') + ': ' + issue.message;
      list.append(li);
    }
    problemBox.append(list);
  }
}

/** The page's words for a task that changed or went since it was shown: the list is fresh by then. */
function messageFor(error) {
  if (error.status === 409) {
    return 'Someone changed this task in the meantime, so your change was not saved. The list now shows it as it is: make your change again if you still want it.';
  }
  if (error.status === 404) return 'This task was deleted in the meantime. The list now shows the tasks that remain.';
  return error.message;
}

/** Runs an action; a problem is shown, and a stale or missing task refreshes the list. */
async function attempt(action, fields) {
  clearProblems();
  try {
    await action();
  } catch (error) {
    if (error.status === 409 || error.status === 404) await showList().catch((e) => showProblem(e));
    showProblem(error, fields);
  }
}

function button(label, onClick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = label;
  b.addEventListener('click', onClick);
  return b;
}

let fieldIds = 0;
/** A text input with a place for its problem (aria-describedby). */
function textField(label, value) {
  const wrap = document.createElement('span');
  wrap.className = 'field';
  const input = document.createElement('input');
  input.type = 'text';
  input.value = value;
  input.setAttribute('aria-label', label);
  const problem = document.createElement('span');
  problem.className = 'field-problem';
  problem.id = 'field-problem-' + ++fieldIds;
  input.setAttribute('aria-describedby', problem.id);
  wrap.append(input, problem);
  return { wrap, input };
}

function render(task) {
  const li = document.createElement('li');
  li.className = task.done ? 'done' : '';
  li.dataset.id = task.id;
  const done = document.createElement('input');
  done.type = 'checkbox';
  done.checked = task.done;
  done.setAttribute('aria-label', 'Done: ' + task.title);
  done.addEventListener('change', () =>
    attempt(async () => replace(li, await api.changeTask(task, { done: done.checked }))),
  );
  const title = document.createElement('span');
  title.className = 'title';
  title.textContent = task.title;
  const edit = button('Edit', () => startEdit());
  const remove = button('Delete', () =>
    attempt(async () => {
      await api.deleteTask(task);
      li.remove();
      setStatus();
    }),
  );
  li.append(done, title, edit, remove);

  // Editing: Enter or Save saves, Escape or Cancel puts the title back as it was.
  function startEdit() {
    const field = textField('New title', task.title);
    const save = () =>
      attempt(async () => replace(li, await api.changeTask(task, { title: field.input.value })), {
        title: field.input,
      });
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
        save();
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

function replace(li, task) {
  const fresh = render(task);
  if (li.hasAttribute('data-added')) fresh.setAttribute('data-added', '');
  li.replaceWith(fresh);
}

$('#new').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = $('#title');
  attempt(
    async () => {
      const task = await api.addTask(listId, input.value);
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
$('#more').addEventListener('click', () => attempt(() => loadPage(false)));
window.addEventListener('hashchange', () => showList().catch((e) => showProblem(e)));
showList().catch((e) => showProblem(e));
`;

export const html = /* html */ `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Tasks</title>
  <style>${style}</style>
</head>
<body>
  <h1>Tasks</h1>
  <p><small>List <code id="list-id"></code>: bookmark this page to come back to it.</small></p>
  <form id="new">
    <span class="field">
      <input id="title" type="text" aria-label="Task title" aria-describedby="title-problem" placeholder="What needs doing?" autocomplete="off">
      <span id="title-problem" class="field-problem"></span>
    </span>
    <button type="submit">Add</button>
  </form>
  <div id="problem" role="alert"></div>
  <p id="status" role="status"></p>
  <ul id="tasks" aria-label="Tasks"></ul>
  <button id="more" type="button" hidden>Load more</button>
  <script>${script}</script>
</body>
</html>
`;
