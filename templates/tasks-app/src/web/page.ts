/**
 * The page around the script: its HTML and style, served by `Web.page` at `GET /`. The script is
 * TypeScript (page-script.ts), bundled for the browser when the service is built and put inline.
 * When sign-in is on, the body carries the issuer and client id as data for the script.
 */

// One stylesheet, no framework: a handful of custom properties (colours for light and dark, a
// spacing and a type scale) that every rule uses, so the page stays consistent as it grows. Colours
// are chosen for WCAG AA contrast in both schemes (the Chromium tests run axe-core on both).
export const style = /* css */ `
  :root {
    color-scheme: light dark;
    --space-1: .25rem; --space-2: .5rem; --space-3: .75rem; --space-4: 1rem; --space-6: 1.5rem; --space-8: 2rem;
    --text-sm: .875rem; --text-md: 1rem; --text-lg: 1.25rem; --text-xl: 1.75rem;
    --radius: .375rem;
    --control-height: 2.5rem;
    --bg: #f7f7f8; --surface: #ffffff; --text: #1b1d21; --muted: #5a5f69; --border: #c9ccd3;
    --accent: #1d4ed8; --accent-text: #ffffff; --accent-hover: #1e40af;
    --danger: #b42318; --focus: #2563eb;
    font: var(--text-md)/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  }
  @media (prefers-color-scheme: dark) {
    :root {
      --bg: #121316; --surface: #1c1e23; --text: #e8e9ec; --muted: #a4a9b3; --border: #464b55;
      --accent: #8ab4ff; --accent-text: #0b1220; --accent-hover: #a9c7ff;
      --danger: #ff8a80; --focus: #8ab4ff;
    }
  }
  *, *::before, *::after { box-sizing: border-box; }
  body {
    margin: 0 auto; max-width: 40rem; padding: var(--space-8) var(--space-4);
    background: var(--bg); color: var(--text);
    /* A title with a long unbroken word wraps anywhere rather than widening the page. */
    overflow-wrap: anywhere;
  }
  h1 { font-size: var(--text-xl); line-height: 1.2; margin: 0 0 var(--space-4); }
  p { margin: 0 0 var(--space-3); }
  small, #status, #counts { color: var(--muted); font-size: var(--text-sm); }
  code { font-size: var(--text-sm); }

  button, input[type=text] {
    font: inherit; min-height: var(--control-height); border-radius: var(--radius);
    border: 1px solid var(--border); padding: 0 var(--space-3);
  }
  input[type=text] { width: 100%; min-width: 0; background: var(--surface); color: var(--text); }
  input[type=text]::placeholder { color: var(--muted); opacity: 1; }
  input[aria-invalid=true] { border-color: var(--danger); box-shadow: inset 0 0 0 1px var(--danger); }
  button {
    flex: none; cursor: pointer; background: var(--surface); color: var(--text); font-weight: 500;
    white-space: nowrap;
  }
  button:hover { border-color: var(--muted); }
  button:disabled { cursor: default; opacity: .6; border-color: var(--border); }
  button[type=submit] { background: var(--accent); border-color: var(--accent); color: var(--accent-text); }
  button[type=submit]:hover { background: var(--accent-hover); border-color: var(--accent-hover); }
  button.delete { color: var(--danger); }
  input[type=checkbox] { flex: none; width: 1.25rem; height: 1.25rem; margin: 0; accent-color: var(--accent); }
  :focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
  input[type=text]:focus-visible { outline-offset: 0; }

  /* The input and its button share a row and a height; the problem line goes under the input. */
  form { display: flex; gap: var(--space-2); align-items: flex-start; margin-bottom: var(--space-4); }
  .field { flex: 1 1 10rem; min-width: 0; display: flex; flex-direction: column; gap: var(--space-1); }
  .field-problem { color: var(--danger); font-size: var(--text-sm); }
  .field-problem:empty { display: none; }
  [role=alert] { color: var(--danger); }
  #problem { margin-bottom: var(--space-3); }
  #problem:empty, #status:empty { margin: 0; }
  #problem ul { margin: 0; padding-left: var(--space-6); }
  #account { display: flex; flex-wrap: wrap; align-items: center; gap: var(--space-2); }
  #summary { display: flex; flex-wrap: wrap; align-items: center; gap: var(--space-3); min-height: var(--control-height); }

  ul#tasks { list-style: none; padding: 0; margin: 0 0 var(--space-4); background: var(--surface);
    border: 1px solid var(--border); border-radius: var(--radius); }
  ul#tasks:empty { display: none; }
  #tasks li {
    display: flex; flex-wrap: wrap; align-items: center; gap: var(--space-2);
    padding: var(--space-2) var(--space-3); border-bottom: 1px solid var(--border);
  }
  #tasks li:last-child { border-bottom: none; }
  /* The title takes the room left; min-width: 0 lets it shrink (and wrap) instead of pushing the
     buttons off-screen. */
  #tasks li .title { flex: 1 1 6rem; min-width: 0; }
  #tasks li.done .title { text-decoration: line-through; color: var(--muted); }
  /* Icons are drawn in the text's colour at its size, beside the words of their control. */
  .icon { flex: none; width: 1.125rem; height: 1.125rem; }
  button.with-icon { display: inline-flex; align-items: center; gap: var(--space-1); }
  /* A task's file, or its upload's progress: a line of its own under the title, indented to it; a
     long file name wraps, the bar takes the room left. */
  #tasks li .attachment {
    flex: 1 1 100%; min-width: 0; margin: 0; display: flex; flex-wrap: wrap; align-items: center;
    gap: var(--space-1) var(--space-2); padding-left: calc(1.25rem + var(--space-2)); color: var(--muted);
  }
  #tasks li .attachment .file-name, #tasks li .attachment label { flex: 1 1 8rem; min-width: 0; }
  #tasks li .attachment a { color: var(--accent); }
  #tasks li .attachment a:hover { color: var(--accent-hover); }
  #tasks li .attachment progress { flex: 1 1 8rem; min-width: 0; accent-color: var(--accent); }

  /* Always rendered (a live region that appears with its content is not announced), boxed when in use. */
  #undo { display: flex; flex-wrap: wrap; align-items: center; gap: var(--space-3); }
  #undo:not(:empty) { padding: var(--space-2) var(--space-3); margin-bottom: var(--space-3);
    border-radius: var(--radius); background: var(--surface); border: 1px solid var(--border); }
`;

// The page's icon, inline: no route to serve, and browsers ask for /favicon.ico only when a page
// names none (the CSP allows data: images for it).
const iconSvg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#1d4ed8"/><path d="M9 16.5l4.5 4.5L23 11.5" fill="none" stroke="#fff" stroke-width="3.5" stroke-linecap="round" stroke-linejoin="round"/></svg>`;
export const icon = `data:image/svg+xml,${encodeURIComponent(iconSvg)}`;

export interface PageData {
  /** The page's script, its browser bundle. */
  script: string;
  /** Sign-in: the issuer and the app client, when the page's function has them. */
  oidc?: { issuer: string; clientId: string; discovery?: string };
}

/** An attribute value as HTML text: the issuer and client id come from configuration. */
const attribute = (value: string) => value.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;');

const oidcData = ({ issuer, clientId, discovery }: NonNullable<PageData['oidc']>) =>
  ` data-oidc-issuer="${attribute(issuer)}" data-oidc-client-id="${attribute(clientId)}"${
    discovery ? ` data-oidc-discovery="${attribute(discovery)}"` : ''
  }`;

export const html = ({ script, oidc }: PageData) => /* html */ `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Tasks</title>
  <link rel="icon" href="${icon}">
  <style>${style}</style>
</head>
<body${oidc ? oidcData(oidc) : ''}>
  <h1>Tasks</h1>
  <p id="account" hidden></p>
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
  <div id="undo" aria-live="polite"></div>
  <p id="summary"><span id="counts" aria-live="polite"></span> <button id="clear-done" type="button" hidden>Clear completed</button></p>
  <ul id="tasks" aria-label="Tasks"></ul>
  <button id="more" type="button" hidden>Load more</button>
  <script type="module">${script}</script>
</body>
</html>
`;
