/**
 * The page around the script: its HTML and style, served by `Web.page` at `GET /`. The script is
 * TypeScript (page-script.ts), bundled for the browser when the service is built and put inline.
 * When sign-in is on, the body carries the issuer and client id as data for the script.
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
  <p><span id="counts" aria-live="polite"></span> <button id="clear-done" type="button" hidden>Clear completed</button></p>
  <ul id="tasks" aria-label="Tasks"></ul>
  <button id="more" type="button" hidden>Load more</button>
  <script type="module">${script}</script>
</body>
</html>
`;
