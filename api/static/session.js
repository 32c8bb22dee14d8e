// The API key and calls to the API, shared by the pages. The key arrives in the URL fragment (`#key=...`,
// which browsers never send to the server) or the key box; it is kept in sessionStorage (this tab only) and
// removed from the address bar at once. Every call sends it as `Authorization: Bearer`.
const KEY_STORAGE = "sockhound.apiKey";

export function takeKeyFromFragment() {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const key = fragment.get("key");
  if (key) {
    sessionStorage.setItem(KEY_STORAGE, key);
    fragment.delete("key");
    const rest = fragment.toString();
    history.replaceState(null, "", location.pathname + location.search + (rest ? `#${rest}` : ""));
  }
}

export function apiKey() {
  return sessionStorage.getItem(KEY_STORAGE);
}

export function setApiKey(key) {
  sessionStorage.setItem(KEY_STORAGE, key.trim());
}

export class ApiError extends Error {
  constructor(status, problem, retryAfter) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
    this.retryAfter = retryAfter;
  }
}

export async function getJson(path) {
  let response;
  try {
    response = await fetch(path, { headers: { Authorization: `Bearer ${apiKey() || ""}`, Accept: "application/json" } });
  } catch (error) {
    throw new ApiError(0, { detail: `the API could not be reached (${error.message})` }, null);
  }
  if (!response.ok) {
    let problem = {};
    try {
      problem = await response.json();
    } catch {
      problem = { title: response.statusText };
    }
    throw new ApiError(response.status, problem, response.headers.get("Retry-After"));
  }
  return response.json();
}

/** What to tell the person about a failed call, by status. */
export function explain(error, what) {
  if (!(error instanceof ApiError)) return `Something went wrong: ${error.message}`;
  const detail = error.problem.detail ? ` (${error.problem.detail})` : "";
  switch (error.status) {
    case 401:
      return `The API key was refused (401)${detail}. Enter a key with the read scope.`;
    case 403:
      return `This API key may not read (403)${detail}. Enter a key with the read scope.`;
    case 404:
      return `Not found (404): ${what}${detail}.`;
    case 503:
      return `The graph database is unavailable (503)${detail}. Try again in ${error.retryAfter || "a few"} seconds.`;
    case 0:
      return `The API could not be reached${detail}.`;
    default:
      return `The API answered ${error.status}${detail}.`;
  }
}

/** A DOM element with text content (never HTML) and attributes. */
export function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== null && value !== undefined) node.setAttribute(name, value);
  }
  for (const child of children) {
    if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

/** Wire the key box: saving a key calls `onKey`. */
export function keyForm(form, onKey) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const input = form.querySelector("input");
    if (input.value.trim()) {
      setApiKey(input.value);
      input.value = "";
      onKey();
    }
  });
}

export function showMessage(box, text) {
  box.textContent = text;
  box.hidden = !text;
}
