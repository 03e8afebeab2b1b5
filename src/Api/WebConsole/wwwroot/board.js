// The board: calls newest first, filtered from the URL, kept current by the change stream.

import { getJson, followChanges, query, ApiError } from './api.js';
import { el, badge, callHref, requestHref, seconds, utc, words, callFlags, flagList, countOf, say, wireKeyButton } from './ui.js';

const filterNames = ['status', 'outcome', 'stuck', 'unverified', 'userData', 'since', 'until'];
const pageSize = 50;
// The board never holds more rows than this: live changes push the oldest out of view.
const maxRows = 500;
const countLimit = 500;
const counterRefreshMs = 5000;

const form = document.getElementById('filters');
const body = document.querySelector('#calls tbody');
const more = document.getElementById('more');
const empty = document.getElementById('empty');
const rows = new Map();
let filters = readFilters();
let next = null;
let listLoad = null;

wireKeyButton();
showFilters();
// Open on a wide screen or when filtering; on a phone the calls come first.
document.getElementById('filter-box').open =
  matchMedia('(min-width: 40rem)').matches || filterNames.some((name) => filters[name]);
const stop = new AbortController();
followChanges({
  signal: stop.signal,
  // The stream starts at the feed's end, so the list read after it opens misses nothing in between.
  onOpen: async () => {
    if (listLoad === null) listLoad = loadList(true);
    await listLoad;
    refreshCounters();
  },
  onChange: applyChange,
  onState: (state) => {
    const live = document.getElementById('live');
    live.textContent = state === 'live' ? 'live' : state === 'forbidden' ? 'not live: this key may not read changes' : 'reconnecting…';
    live.classList.toggle('is-live', state === 'live');
  },
});

form.addEventListener('submit', (event) => {
  event.preventDefault();
  filters = Object.fromEntries(filterNames.map((name) => [name, fromInput(name, form.elements[name].value)]));
  history.pushState(null, '', `/console${query(filters)}`);
  reload();
});
form.addEventListener('reset', () => {
  setTimeout(() => form.requestSubmit(), 0);
});
window.addEventListener('popstate', () => {
  filters = readFilters();
  showFilters();
  reload();
});
more.addEventListener('click', () => loadList(false));

function readFilters() {
  const search = new URLSearchParams(location.search);
  return Object.fromEntries(filterNames.map((name) => [name, search.get(name) ?? '']));
}

/** Times in the URL are ISO 8601 UTC; the inputs show them without the zone (the labels say UTC). */
function showFilters() {
  for (const name of filterNames) {
    const value = filters[name] ?? '';
    form.elements[name].value = (name === 'since' || name === 'until') ? value.replace(/Z$/, '').slice(0, 19) : value;
  }
}

function fromInput(name, value) {
  if ((name === 'since' || name === 'until') && value) return `${value.length === 16 ? `${value}:00` : value}Z`;
  return value.trim();
}

function reload() {
  rows.clear();
  body.replaceChildren();
  listLoad = loadList(true);
  document.getElementById('calls-heading').focus();
}

async function loadList(first) {
  try {
    const page = await getJson(`/v1/calls${query({ ...filters, limit: pageSize, cursor: first ? null : next })}`);
    for (const view of page.items) {
      if (rows.size >= maxRows) break;
      upsert(view, { atTop: false, highlight: false });
    }
    next = page.next;
    more.hidden = next === null || rows.size >= maxRows;
    empty.hidden = rows.size > 0;
    say('');
  } catch (error) {
    say(error instanceof ApiError ? `Could not list calls: ${error.message}` : 'Could not reach the service.', true);
  }
}

function applyChange(change) {
  const view = change.call;
  if (!matches(view)) {
    // A call that no longer matches the filters (e.g. it left "ringing") leaves the board.
    rows.get(view.sessionId)?.row.remove();
    rows.delete(view.sessionId);
  } else {
    upsert(view, { atTop: true, highlight: true });
  }
  empty.hidden = rows.size > 0;
  scheduleCounters();
}

function matches(view) {
  if (filters.status && view.status !== filters.status) return false;
  if (filters.outcome && view.outcome !== filters.outcome) return false;
  if (filters.userData && view.userData !== filters.userData) return false;
  if (filters.stuck === 'cdr-overdue' && !view.cdrOverdue) return false;
  if (filters.stuck === 'stale' && !view.stale) return false;
  if (filters.unverified && (countOf(view.unverified) > 0) !== (filters.unverified === 'true')) return false;
  // A live change is news: it cannot fall before a "from" time, but a call already past "until" stays off.
  if (filters.until && !rows.has(view.sessionId)) return false;
  return true;
}

function upsert(view, { atTop, highlight }) {
  const known = rows.get(view.sessionId);
  if (known && known.version > view.version) return;
  const row = renderRow(view);
  if (known) {
    if (atTop) {
      known.row.remove();
      body.prepend(row);
    } else {
      known.row.replaceWith(row);
    }
  } else if (atTop) {
    body.prepend(row);
  } else {
    body.append(row);
  }
  rows.set(view.sessionId, { version: view.version, row });
  if (highlight) row.classList.add('changed');
  while (rows.size > maxRows) {
    const last = body.lastElementChild;
    rows.delete(last.dataset.sessionId);
    last.remove();
  }
}

function renderRow(view) {
  const request = view.userData
    ? el('a', { href: requestHref(view.userData) }, view.request?.businessId ?? view.userData)
    : '—';
  const cells = [
    ['Call', el('a', { href: callHref(view.sessionId), class: 'mono', title: view.sessionId }, shortId(view.sessionId))],
    ['Status', badge('status', view.status)],
    ['Outcome', view.outcome ? badge('outcome', view.outcome) : el('span', { class: 'muted' }, view.final ? '—' : 'not yet')],
    ['Scenario', words(view.scenario)],
    ['Request', request],
    ['Talk', seconds(view.talkSeconds) || '—'],
    ['Flags', flagList(callFlags(view))],
    ['Updated (UTC)', utc(view.updatedAt)],
  ];
  return el('tr', { 'data-session-id': view.sessionId, 'data-status': view.status, 'data-outcome': view.outcome ?? '' },
    cells.map(([label, content]) => el('td', { 'data-label': label, class: `col-${label.split(' ')[0].toLowerCase()}` }, content)));
}

function shortId(id) {
  return id.length > 28 ? `${id.slice(0, 27)}…` : id;
}

let counterTimer = null;
let countersAt = 0;

function scheduleCounters() {
  if (counterTimer !== null) return;
  const wait = Math.max(0, countersAt + counterRefreshMs - Date.now());
  counterTimer = setTimeout(() => {
    counterTimer = null;
    refreshCounters();
  }, wait);
}

/** Counters from list queries (at most 500 counted each, shown as "500+"), refreshed at most every 5 s. */
async function refreshCounters() {
  countersAt = Date.now();
  const hourAgo = new Date(Date.now() - 3600_000).toISOString();
  const list = (values) => getJson(`/v1/calls${query({ ...values, limit: countLimit })}`);
  const count = (pages, keep = () => true) => {
    const total = pages.reduce((sum, page) => sum + page.items.filter(keep).length, 0);
    return pages.some((page) => page.next !== null) ? `${total}+` : String(total);
  };
  try {
    const [dialing, ringing, answered, ended, overdue, stale] = await Promise.all([
      list({ status: 'dialing' }), list({ status: 'ringing' }), list({ status: 'answered' }),
      list({ status: 'ended', since: hourAgo }), list({ stuck: 'cdr-overdue' }), list({ stuck: 'stale' }),
    ]);
    document.getElementById('count-in-progress').textContent = count([dialing, ringing, answered]);
    document.getElementById('count-answered').textContent = count([ended], (v) => v.outcome === 'answered');
    document.getElementById('count-failed').textContent = count([ended], (v) => v.outcome !== 'answered');
    document.getElementById('count-stuck').textContent = count([overdue, stale]);
  } catch {
    // The list above says what is wrong; the counters keep their last values.
  }
}
