/**
 * The web client: one page, its style and its script, served by `Web.page` at `GET /`.
 *
 * It talks to the API at the page's own origin (the same HTTP API serves both), or at `?api=<url>`
 * when the page is hosted elsewhere (that origin must then be in the stage's `corsOrigins`). The list
 * it shows is named in the URL (`#list=<id>`), so a link shares the list. Everything the API sends is
 * put on the page as text, never as HTML.
 *
 * Kept as strings in a module so esbuild, vitest and TypeScript need no extra loader. The script uses
 * no template literals, so this file stays a plain template string.
 */

export const style = /* css */ `
  :root { font-family: system-ui, sans-serif; color-scheme: light dark; }
  body { max-width: 40rem; margin: 2rem auto; padding: 0 1rem; }
  form { display: flex; gap: .5rem; }
  input[type=text] { flex: 1; padding: .4rem; }
  ul { list-style: none; padding: 0; }
  li { display: flex; align-items: center; gap: .5rem; padding: .3rem 0; border-bottom: 1px solid #8884; }
  li .title { flex: 1; }
  li.done .title { text-decoration: line-through; opacity: .6; }
  [role=alert] { color: #c62828; min-height: 1.5em; }
  [role=alert] ul { margin: 0; }
  small { opacity: .7; }
`;

export const script = /* js */ `
'use strict';
const params = new URLSearchParams(location.search);
const api = new URL(params.get('api') || '/', location.href);
const listFromHash = /^#list=([A-Za-z0-9_-]{8,64})$/.exec(location.hash);
const listId = listFromHash ? listFromHash[1] : crypto.randomUUID().replaceAll('-', '');
if (!listFromHash) history.replaceState(null, '', '#list=' + listId);

const $ = (selector) => document.querySelector(selector);
const alertBox = $('#problem');
const items = $('#tasks');
let cursor;

/** Calls the API; an error response is thrown with the API's message and issues. */
async function call(method, path, body) {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch(new URL(path, api), init);
  if (response.status === 204) return undefined;
  const payload = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new Error((payload.error && payload.error.message) || payload.message || response.statusText);
    error.status = response.status;
    error.issues = (payload.error && payload.error.issues) || [];
    throw error;
  }
  return payload;
}

function showProblem(error) {
  alertBox.replaceChildren(error.message);
  if (error.issues && error.issues.length) {
    const list = document.createElement('ul');
    for (const issue of error.issues) {
      const li = document.createElement('li');
      li.textContent = issue.path.slice(1).join('.') + ': ' + issue.message;
      list.append(li);
    }
    alertBox.append(list);
  }
}

/** Runs an action; a problem is shown, and a stale or missing task reloads the list. */
async function attempt(action) {
  alertBox.replaceChildren();
  try {
    await action();
  } catch (error) {
    showProblem(error);
    if (error.status === 409 || error.status === 404) await reload();
  }
}

function button(label, onClick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = label;
  b.addEventListener('click', () => attempt(onClick));
  return b;
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
    attempt(async () => {
      li.replaceWith(render(await call('PATCH', 'tasks/' + task.id, { done: done.checked, version: task.version })));
    }),
  );
  const title = document.createElement('span');
  title.className = 'title';
  title.textContent = task.title;
  const edit = button('Edit', async () => {
    const input = document.createElement('input');
    input.type = 'text';
    input.value = task.title;
    input.setAttribute('aria-label', 'New title');
    const save = button('Save', async () => {
      li.replaceWith(render(await call('PATCH', 'tasks/' + task.id, { title: input.value, version: task.version })));
    });
    title.replaceWith(input);
    edit.replaceWith(save);
    input.focus();
  });
  const remove = button('Delete', async () => {
    await call('DELETE', 'tasks/' + task.id + '?version=' + task.version);
    li.remove();
  });
  li.append(done, title, edit, remove);
  return li;
}

async function loadPage(reset) {
  const query = new URLSearchParams({ limit: '20' });
  if (!reset && cursor) query.set('cursor', cursor);
  const page = await call('GET', 'lists/' + listId + '/tasks?' + query);
  if (reset) items.replaceChildren();
  items.append(...page.items.map(render));
  cursor = page.cursor;
  $('#more').hidden = !cursor;
}

const reload = () => loadPage(true).catch(showProblem);

$('#new').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = $('#title');
  attempt(async () => {
    const task = await call('POST', 'lists/' + listId + '/tasks', { title: input.value });
    input.value = '';
    if (!cursor) items.append(render(task)); // else it arrives with a later page, in order
  });
});
$('#more').addEventListener('click', () => attempt(() => loadPage(false)));
$('#list-id').textContent = listId;
reload();
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
    <input id="title" type="text" aria-label="Task title" placeholder="What needs doing?" autocomplete="off">
    <button type="submit">Add</button>
  </form>
  <div id="problem" role="alert"></div>
  <ul id="tasks" aria-label="Tasks"></ul>
  <button id="more" type="button" hidden>Load more</button>
  <script>${script}</script>
</body>
</html>
`;
