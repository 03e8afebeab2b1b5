// Small DOM and formatting helpers. Text from the API only ever reaches the page as text nodes or attribute
// values, never as markup.

import { forgetKey } from './api.js';

const svgNs = 'http://www.w3.org/2000/svg';

/** el('td', {class: 'x'}, 'text', child) — children are nodes or strings (added as text). */
export function el(tag, attributes = {}, ...children) {
  return build(document.createElement(tag), attributes, children);
}

export function svg(tag, attributes = {}, ...children) {
  return build(document.createElementNS(svgNs, tag), attributes, children);
}

function build(node, attributes, children) {
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
  return node;
}

export const callHref = (sessionId) => `/console/calls/${encodeURIComponent(sessionId)}`;
export const requestHref = (userData) => `/console/requests/${encodeURIComponent(userData)}`;

/** The id in the page's own path after the prefix, unescaped once (ids may hold '/' and '%'). */
export function idFromPath(prefix) {
  const raw = location.pathname.slice(prefix.length);
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** "2019-01-24 03:04:24" (UTC, as the platform writes times); empty for no time. */
export function utc(iso) {
  if (!iso) return '';
  const time = new Date(iso);
  if (Number.isNaN(time.getTime())) return String(iso);
  return time.toISOString().replace('T', ' ').replace(/\.\d+Z$/, '').replace('Z', '');
}

/** The time of day only, for labels where the date is shown once elsewhere. */
export const clock = (iso) => utc(iso).slice(11);

export function seconds(value) {
  if (value === null || value === undefined) return '';
  if (value < 60) return `${value} s`;
  const minutes = Math.floor(value / 60);
  return `${minutes} min ${value % 60} s`;
}

/** Words of the contract ("no-answer") for people ("no answer"). */
export const words = (word) => (word ? String(word).replaceAll('-', ' ') : '');

export function badge(kind, word) {
  return el('span', { class: `badge ${kind}-${word ?? 'none'}` }, word ? words(word) : '—');
}

/** The flags a call view carries; unverified and capped are shown when a view has them. */
export function callFlags(view) {
  const flags = [];
  if (view.cdrOverdue) flags.push({ word: 'CDR overdue', kind: 'warn', why: 'ended, and no CDR came within the platform\'s re-send window' });
  if (view.stale) flags.push({ word: 'stale', kind: 'warn', why: 'in progress, and no push for a long time' });
  const unverified = countOf(view.unverified);
  if (unverified > 0) {
    const reasons = Array.isArray(view.unverified) ? view.unverified.map((u) => `${u.eventType}: ${u.reason}`).join('; ') : '';
    flags.push({ word: `${unverified} unverified`, kind: 'warn', why: `pushes kept apart because their signature could not be verified${reasons ? ` (${reasons})` : ''}` });
  }
  if (view.capped) flags.push({ word: 'capped', kind: 'warn', why: 'reached a storage limit; later pushes were not kept' });
  if (view.problems?.length) flags.push({ word: `${view.problems.length} problem${view.problems.length > 1 ? 's' : ''}`, kind: 'problem', why: view.problems.join('; ') });
  return flags;
}

/** A list, a number or a yes/no, as a count: the view's shape for some flags is still settling. */
export function countOf(value) {
  if (Array.isArray(value)) return value.length;
  if (typeof value === 'number') return value;
  return value ? 1 : 0;
}

export function flagList(flags) {
  return flags.map((f) => el('span', { class: `flag flag-${f.kind}`, title: f.why }, f.word));
}

/** Shows a message in the page's status line (errors are announced to screen readers). */
export function say(text, isError = false) {
  const status = document.getElementById('status');
  status.textContent = text;
  status.classList.toggle('error', isError);
}

/** Wires the header's "Change key" button, present on every page. */
export function wireKeyButton() {
  document.getElementById('change-key')?.addEventListener('click', () => {
    forgetKey();
    location.reload();
  });
}
