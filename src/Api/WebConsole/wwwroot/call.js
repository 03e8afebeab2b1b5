// One call: its legs on a timeline at the platform's own times, then every stored push in arrival order.

import { getJson, followChanges, ApiError } from './api.js';
import { el, svg, badge, requestHref, idFromPath, utc, clock, seconds, words, callFlags, say, wireKeyButton } from './ui.js';

// The platform sends the CDR when the call is over; one that arrives this long after the hangup is late.
const lateCdrMs = 5 * 60_000;

const sessionId = idFromPath('/console/calls/');
const path = `/v1/calls/${encodeURIComponent(sessionId)}`;
document.getElementById('session-id').textContent = sessionId;
document.title = `Call ${sessionId} · CallGrains console`;
wireKeyButton();

let shownVersion = -1;
load();
const stop = new AbortController();
followChanges({
  signal: stop.signal,
  onOpen: async () => {},
  onChange: (change) => {
    if (change.sessionId === sessionId && change.version > shownVersion) load();
  },
  onState: (state) => {
    const live = document.getElementById('live');
    live.textContent = state === 'live' ? 'live' : state === 'forbidden' ? 'not live: this key may not read changes' : 'reconnecting…';
    live.classList.toggle('is-live', state === 'live');
  },
});

async function load() {
  try {
    const [view, events] = await Promise.all([getJson(path), getJson(`${path}/events`)]);
    shownVersion = view.version;
    showSummary(view);
    showTimeline(view);
    showLegs(view);
    showProblems(view);
    showCdr(view.cdr);
    showArrivals(events);
    say('');
  } catch (error) {
    say(error instanceof ApiError ? error.message : 'Could not reach the service.', true);
  }
}

function showSummary(view) {
  const facts = [
    ['Status', badge('status', view.status)],
    ['Outcome', view.outcome ? badge('outcome', view.outcome) : 'not ended yet'],
    ['Scenario', words(view.scenario)],
    ['Talk time', view.talkSeconds === null ? 'no conversation' : seconds(view.talkSeconds)],
    ['Billable minutes', view.billableMinutes ?? '—'],
    ['Hang-up', view.hangup ? `${view.hangup.meaning ?? 'unknown'} (code ${view.hangup.stateCode ?? '—'}: ${view.hangup.stateDesc ?? 'no description'})` : '—'],
    ['Digits pressed', view.digits?.length ? view.digits.join(' ') : 'none'],
    ['Request', view.userData ? el('a', { href: requestHref(view.userData) }, view.request ? `${view.request.kind} ${view.request.businessId}` : view.userData) : '—'],
    ['Caller', view.caller ?? '—'],
    ['Final (CDR merged)', view.final ? 'yes' : 'no'],
    ['Version', view.version],
    ['Updated (UTC)', utc(view.updatedAt)],
  ];
  document.getElementById('summary').replaceChildren(...facts.flatMap(([term, value]) => [el('dt', {}, term), el('dd', {}, value)]));
  document.getElementById('flags').replaceChildren(...callFlags(view).map((f) => el('li', { class: `flag flag-${f.kind}` }, `${f.word}: ${f.why}`)));
}

const laneNames = ['A', 'B', 'C', 'D'];

/** One lane per leg from dialled to ended, ringing and connected parts as bars, then the talk time as its own bar. */
function showTimeline(view) {
  const box = document.getElementById('timeline');
  const legs = view.legs ?? [];
  const times = legs.flatMap((leg) => [leg.dialedAt, leg.ringingAt, leg.answeredAt, leg.endedAt]).filter(Boolean).map(Date.parse);
  if (times.length === 0) {
    box.replaceChildren(el('p', { class: 'muted' }, 'No leg times yet.'));
    return;
  }
  const start = Math.min(...times);
  const end = Math.max(...times, start + 1000);
  const width = 760;
  const left = 70;
  const right = 20;
  const laneHeight = 64;
  const top = 24;
  const hasTalk = view.talkSeconds !== null && view.talkSeconds !== undefined;
  const height = top + laneHeight * (legs.length + (hasTalk ? 1 : 0)) + 24;
  const x = (t) => left + ((t - start) / (end - start)) * (width - left - right);

  const describe = `${legs.length} leg${legs.length === 1 ? '' : 's'} from ${utc(new Date(start).toISOString())} to ${clock(new Date(end).toISOString())} UTC` +
    (hasTalk ? `, ${view.talkSeconds} s of talk` : '');
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-labelledby': 'timeline-title', class: 'chart' },
    svg('title', { id: 'timeline-title' }, `Timeline: ${describe}`),
    svg('text', { x: left, y: 14, class: 'axis' }, utc(new Date(start).toISOString())),
    svg('text', { x: width - right, y: 14, class: 'axis', 'text-anchor': 'end' }, `+${Math.round((end - start) / 1000)} s`));

  legs.forEach((leg, index) => {
    const y = top + index * laneHeight + laneHeight / 2;
    const lane = svg('g', { class: 'lane', 'data-leg': laneNames[index] ?? String(index + 1) },
      svg('text', { x: 8, y: y + 4, class: 'lane-name' }, `Leg ${laneNames[index] ?? index + 1}`));
    const at = (iso) => (iso ? Date.parse(iso) : null);
    const dialed = at(leg.dialedAt);
    const ringing = at(leg.ringingAt);
    const answered = at(leg.answeredAt);
    const ended = at(leg.endedAt);
    const first = dialed ?? ringing ?? answered;
    const last = ended ?? answered ?? ringing ?? dialed;
    if (first !== null) lane.append(svg('line', { x1: x(first), x2: x(last), y1: y, y2: y, class: 'leg-line' }));
    if (ringing !== null) lane.append(bar(x(ringing), x(answered ?? ended ?? ringing), y, 'ringing'));
    if (answered !== null) lane.append(bar(x(answered), x(ended ?? answered), y, 'connected'));
    const points = [['dialled', leg.dialedAt], ['ringing', leg.ringingAt], ['answered', leg.answeredAt], ['ended', leg.endedAt]];
    points.filter(([, iso]) => iso).forEach(([what, iso], i) => {
      const px = x(Date.parse(iso));
      const labelY = i % 2 === 0 ? y - 14 : y + 24;
      lane.append(
        svg('circle', { cx: px, cy: y, r: 5, class: `point point-${what}` }, svg('title', {}, `${what} ${utc(iso)}`)),
        svg('text', { x: px, y: labelY, class: 'point-label', 'text-anchor': anchor(px, left, width - right) }, `${what} ${clock(iso)}`));
    });
    if (leg.failureCause) {
      lane.append(svg('text', { x: x(last), y: y + 4, dx: 10, class: 'failure' }, `${leg.failureCause.code}: ${leg.failureCause.meaning}`));
    }
    chart.append(lane);
  });

  if (hasTalk) {
    const y = top + legs.length * laneHeight + laneHeight / 2;
    const talkEnd = Math.max(...legs.map((leg) => (leg.endedAt ? Date.parse(leg.endedAt) : 0)));
    const talkStart = talkEnd - view.talkSeconds * 1000;
    chart.append(svg('g', { class: 'talk' },
      svg('text', { x: 8, y: y + 4, class: 'lane-name' }, 'Talk'),
      bar(x(talkStart), x(talkEnd), y, 'talk'),
      svg('text', { x: (x(talkStart) + x(talkEnd)) / 2, y: y - 14, 'text-anchor': 'middle', class: 'talk-label' }, `${view.talkSeconds} s of talk`)));
  }
  box.replaceChildren(chart);
}

/** Labels near either edge grow inwards, so none is cut off. */
function anchor(x, min, max) {
  if (x > max - 50) return 'end';
  if (x < min + 50) return 'start';
  return 'middle';
}

function bar(x1, x2, y, kind) {
  return svg('rect', { x: Math.min(x1, x2), y: y - 7, width: Math.max(2, Math.abs(x2 - x1)), height: 14, rx: 3, class: `bar bar-${kind}` });
}

function showLegs(view) {
  const rows = (view.legs ?? []).map((leg, index) => el('tr', { 'data-leg': laneNames[index] ?? String(index + 1) },
    el('th', { scope: 'row' }, laneNames[index] ?? String(index + 1)),
    el('td', { 'data-label': 'Number' }, leg.number ?? '—'),
    el('td', { 'data-label': 'Dialled' }, utc(leg.dialedAt) || '—'),
    el('td', { 'data-label': 'Ringing' }, utc(leg.ringingAt) || '—'),
    el('td', { 'data-label': 'Answered' }, utc(leg.answeredAt) || '—'),
    el('td', { 'data-label': 'Ended' }, utc(leg.endedAt) || '—'),
    el('td', { 'data-label': 'Failure' }, leg.failureCause ? `${leg.failureCause.code}: ${leg.failureCause.meaning}` : '—')));
  document.querySelector('#legs tbody').replaceChildren(...rows);
}

function showProblems(view) {
  const problems = view.problems ?? [];
  document.getElementById('problems-section').hidden = problems.length === 0;
  document.getElementById('problems').replaceChildren(...problems.map((p) => el('li', {}, p)));
}

/** The CDR's typed fields as they are; times shown as UTC, the raw extra fields last. */
function showCdr(cdr) {
  const list = document.getElementById('cdr');
  if (!cdr) {
    list.replaceChildren(el('div', {}, el('dt', {}, 'CDR'), el('dd', {}, 'not received yet')));
    return;
  }
  const entries = Object.entries(cdr).filter(([, value]) => value !== null && value !== '');
  list.replaceChildren(...entries.map(([name, value]) => el('div', {},
    el('dt', {}, name),
    el('dd', { class: typeof value === 'object' ? 'mono wrap' : '' },
      typeof value === 'object' ? JSON.stringify(value) : /At$|Time$/.test(name) ? utc(value) : String(value)))));
}

/** The time the platform gave the event: a status push's timestamp, a CDR's end of call. */
function eventTime(event) {
  const body = event.body ?? {};
  const item = body.statusInfo ?? body.feeLst?.[0] ?? body;
  const text = item.timestamp ?? item.callEndTime;
  if (typeof text !== 'string' || text.trim() === '') return null;
  const parsed = Date.parse(`${text.trim().replace(/\s+/, 'T')}Z`);
  return Number.isNaN(parsed) ? null : parsed;
}

/** What is unusual about each arrival, judged against those before it. */
function markArrivals(events) {
  const disconnect = events.find((e) => e.eventType === 'disconnect');
  let latest = null;
  return events.map((event) => {
    const time = eventTime(event);
    const marks = [];
    if (time !== null && latest !== null && time < latest) {
      marks.push({ kind: 'order', text: `out of order: ${Math.round((latest - time) / 1000)} s earlier than a push already here` });
    }
    if (time === null) marks.push({ kind: 'flag', text: 'no readable event time' });
    if (!event.changedView) marks.push({ kind: 'nochange', text: 'changed nothing' });
    if (event.eventType === 'fee') {
      const after = disconnect ? Date.parse(event.receivedAt) - Date.parse(disconnect.receivedAt) : time !== null ? Date.parse(event.receivedAt) - time : 0;
      if (after > lateCdrMs) marks.push({ kind: 'late', text: `late CDR: ${seconds(Math.round(after / 1000))} after the hangup` });
    }
    if (event.flag) marks.push({ kind: 'flag', text: event.flag });
    if (time !== null) latest = latest === null ? time : Math.max(latest, time);
    return { event, time, marks };
  });
}

function showArrivals(events) {
  const arrivals = markArrivals(events);
  const rows = arrivals.map(({ event, time, marks }, index) => el('tr', {
      class: marks.map((m) => `is-${m.kind}`).join(' '),
      'data-event-type': event.eventType,
    },
    el('td', { 'data-label': '#' }, index + 1),
    el('td', { 'data-label': 'Arrived' }, utc(event.receivedAt)),
    el('td', { 'data-label': 'Event' }, event.eventType),
    el('td', { 'data-label': 'Event time' }, time === null ? '—' : utc(new Date(time).toISOString())),
    el('td', { 'data-label': 'Marks' }, marks.length ? marks.map((m) => el('span', { class: `mark mark-${m.kind}` }, m.text)) : '—'),
    el('td', { 'data-label': 'Body' }, el('details', {}, el('summary', {}, 'raw body'), el('pre', {}, JSON.stringify(event.body, null, 2))))));
  document.querySelector('#arrivals tbody').replaceChildren(...rows);
  showLadder(arrivals);
}

/** The ladder: arrival order down, event time across; a step back to the left is a reordered arrival. */
function showLadder(arrivals) {
  const box = document.getElementById('ladder-chart');
  const timed = arrivals.filter((a) => a.time !== null);
  if (timed.length === 0) {
    box.replaceChildren();
    return;
  }
  const start = Math.min(...timed.map((a) => a.time));
  const end = Math.max(...timed.map((a) => a.time), start + 1000);
  const width = 760;
  const left = 110;
  const right = 20;
  const rowHeight = 22;
  const height = 30 + rowHeight * arrivals.length;
  const x = (t) => left + ((t - start) / (end - start)) * (width - left - right);
  const y = (i) => 30 + i * rowHeight;
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-labelledby': 'ladder-title', class: 'chart ladder' },
    svg('title', { id: 'ladder-title' },
      `Arrival ladder: ${arrivals.length} pushes; ${arrivals.filter((a) => a.marks.some((m) => m.kind === 'order')).length} arrived out of order`),
    svg('text', { x: left, y: 14, class: 'axis' }, `event time ${clock(new Date(start).toISOString())}`),
    svg('text', { x: width - right, y: 14, class: 'axis', 'text-anchor': 'end' }, clock(new Date(end).toISOString())));
  const path = arrivals.map((a, i) => (a.time === null ? null : `${x(a.time)},${y(i)}`)).filter(Boolean).join(' ');
  chart.append(svg('polyline', { points: path, class: 'ladder-line' }));
  arrivals.forEach((a, i) => {
    chart.append(svg('text', { x: 8, y: y(i) + 4, class: 'lane-name small' }, `${i + 1}. ${a.event.eventType}`));
    if (a.time === null) return;
    const kind = a.marks.some((m) => m.kind === 'order') ? 'order' : a.event.changedView ? 'ok' : 'nochange';
    chart.append(svg('circle', { cx: x(a.time), cy: y(i), r: 5, class: `point ladder-${kind}` },
      svg('title', {}, `${i + 1}. ${a.event.eventType} at ${utc(new Date(a.time).toISOString())}${a.marks.length ? ` (${a.marks.map((m) => m.text).join('; ')})` : ''}`)));
  });
  box.replaceChildren(chart);
}
