// One business request: what it is, every call attempt, and its best outcome.

import { getJson, ApiError } from './api.js';
import { el, badge, callHref, idFromPath, utc, say, wireKeyButton } from './ui.js';

const userData = idFromPath('/console/requests/');
document.getElementById('user-data').textContent = userData;
document.title = `Request ${userData} · CallGrains console`;
document.getElementById('live').textContent = '';
wireKeyButton();
load();

async function load() {
  try {
    const request = await getJson(`/v1/requests/${encodeURIComponent(userData)}`);
    const attributes = Object.entries(request.attributes ?? {});
    const facts = [
      ['Best outcome', request.outcome ? badge('outcome', request.outcome) : 'no call ended yet'],
      ['Answered', request.answered ? 'yes' : 'no'],
      ['Registered', request.registered ? `yes, ${utc(request.registeredAt)}` : 'no (only seen in pushes)'],
      ['Kind', request.kind ?? '—'],
      ['Business id', request.businessId ?? '—'],
      ...attributes.map(([name, value]) => [name, value]),
      ['Call attempts', String(request.calls.length)],
    ];
    document.getElementById('request').replaceChildren(...facts.flatMap(([term, value]) => [el('dt', {}, term), el('dd', {}, value)]));
    document.querySelector('#attempts tbody').replaceChildren(...request.calls.map((call) => el('tr', { 'data-session-id': call.sessionId },
      el('td', { 'data-label': 'Call' }, el('a', { href: callHref(call.sessionId), class: 'mono' }, call.sessionId)),
      el('td', { 'data-label': 'Status' }, badge('status', call.status)),
      el('td', { 'data-label': 'Outcome' }, call.outcome ? badge('outcome', call.outcome) : '—'),
      el('td', { 'data-label': 'Final' }, call.final ? 'yes' : 'no'),
      el('td', { 'data-label': 'Updated (UTC)' }, utc(call.updatedAt)))));
    const truncated = document.getElementById('truncated');
    truncated.hidden = !request.callsTruncated;
    truncated.replaceChildren(request.callsTruncated
      ? el('a', { href: `/console?userData=${encodeURIComponent(userData)}` }, 'More calls than a request keeps: see them all on the board')
      : '');
    say('');
  } catch (error) {
    say(error instanceof ApiError ? error.message : 'Could not reach the service.', true);
  }
}
