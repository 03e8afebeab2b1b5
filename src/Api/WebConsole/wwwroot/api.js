// The console's only way to the service: the public API, with the key the user gave for this browser session.
// The key lives in sessionStorage and travels in the Authorization header, never in a URL.

const keyName = 'callgrains.apiKey';
const maxEventBytes = 1 << 20;

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

let pendingKey = null;

function headers(extra = {}) {
  const key = sessionStorage.getItem(keyName);
  return key ? { ...extra, Authorization: `Bearer ${key}` } : extra;
}

async function problemDetail(response) {
  try {
    const problem = await response.json();
    return typeof problem.detail === 'string' ? problem.detail : response.statusText;
  } catch {
    return response.statusText || `HTTP ${response.status}`;
  }
}

/** Asks once for a key, however many requests were refused at the same time. */
function askForKey(detail) {
  const refused = sessionStorage.getItem(keyName) !== null;
  sessionStorage.removeItem(keyName);
  pendingKey ??= new Promise((resolve) => {
    const dialog = document.getElementById('key-dialog');
    const message = document.getElementById('key-message');
    const input = document.getElementById('api-key');
    message.textContent = refused ? `The key was refused: ${detail}` : `This service needs an API key. ${detail}`;
    message.classList.toggle('error', refused);
    input.value = '';
    dialog.querySelector('form').onsubmit = (event) => {
      event.preventDefault();
      const key = input.value.trim();
      if (key.length === 0) return;
      sessionStorage.setItem(keyName, key);
      dialog.close();
      pendingKey = null;
      resolve();
    };
    if (!dialog.open) dialog.showModal();
    input.focus();
  });
  return pendingKey;
}

/** Forgets the key of this browser session (the "Change key" button). */
export function forgetKey() {
  sessionStorage.removeItem(keyName);
}

/** GET a JSON resource; asks for a key (and tries again) while the service answers 401. */
export async function getJson(path, signal) {
  for (;;) {
    const response = await fetch(path, { headers: headers({ Accept: 'application/json' }), signal, cache: 'no-store' });
    if (response.status === 401) {
      await askForKey(await problemDetail(response));
      continue;
    }
    if (!response.ok) throw new ApiError(response.status, await problemDetail(response));
    return response.json();
  }
}

/** Builds a query string from the non-empty values. */
export function query(values) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(values)) {
    if (value !== undefined && value !== null && value !== '') search.set(name, value);
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

const sleep = (ms, signal) => new Promise((resolve) => {
  const timer = setTimeout(resolve, ms);
  signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
});

/**
 * The change stream (server-sent events) read with fetch, because EventSource cannot send a header. Resumes from
 * the last id after a drop, waiting longer each time (up to 15 s). Calls onOpen each time the stream (re)connects
 * and onChange with each parsed change.
 */
export async function followChanges({ onOpen, onChange, onState, signal }) {
  let lastId = null;
  let delay = 1000;
  while (!signal.aborted) {
    try {
      const extra = { Accept: 'text/event-stream' };
      if (lastId !== null) extra['Last-Event-ID'] = lastId;
      const response = await fetch('/v1/changes/stream', { headers: headers(extra), signal, cache: 'no-store' });
      if (response.status === 401) {
        await askForKey(await problemDetail(response));
        continue;
      }
      if (response.status === 403) {
        // A key without the changes:read scope may still read calls: show them once, without live updates.
        onState('forbidden');
        await onOpen();
        return;
      }
      if (!response.ok) throw new ApiError(response.status, await problemDetail(response));
      onState('live');
      delay = 1000;
      await onOpen();
      for await (const message of serverSentEvents(response.body)) {
        if (message.id !== null) lastId = message.id;
        if (message.data !== '') onChange(JSON.parse(message.data));
      }
    } catch (error) {
      if (signal.aborted) return;
      console.warn('change stream dropped', error);
    }
    onState('reconnecting');
    await sleep(delay, signal);
    delay = Math.min(delay * 2, 15000);
  }
}

/** Parses a text/event-stream body into {id, event, data} messages; comment lines (heartbeats) are skipped. */
async function* serverSentEvents(body) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  let message = { id: null, event: 'message', data: [] };
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let newline;
      while ((newline = buffer.search(/\r\n|\r|\n/)) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + (buffer.startsWith('\r\n', newline) ? 2 : 1));
        if (line === '') {
          if (message.data.length > 0) yield { id: message.id, event: message.event, data: message.data.join('\n') };
          message = { id: null, event: 'message', data: [] };
          continue;
        }
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? '' : line.slice(colon + 1);
        if (value.startsWith(' ')) value = value.slice(1);
        if (field === 'id') message.id = value;
        else if (field === 'event') message.event = value;
        else if (field === 'data') message.data.push(value);
      }
      // A line that never ends is not a change the console can use: drop the stream and resume after the last id.
      if (buffer.length > maxEventBytes) throw new Error('change stream line over 1 MiB');
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}
