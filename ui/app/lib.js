// Shared pieces every screen imports: Preact + htm, the PocketBase client and small helpers.
import { h, render, Fragment } from '../vendor/preact.mjs';
import { useState, useEffect, useRef, useMemo, useCallback } from '../vendor/preact-hooks.mjs';
import htm from '../vendor/htm.mjs';
import PocketBase from '../vendor/pocketbase.es.mjs';

export const html = htm.bind(h);
export { h, render, Fragment, useState, useEffect, useRef, useMemo, useCallback };

export const pb = new PocketBase(location.origin);
pb.autoCancellation(false);

// api calls a fieldbase route with the signed-in user's token; errors carry the server's message.
export async function api(path, { method = 'GET', query, body, headers } = {}) {
  const opts = { method, query, headers, requestKey: null };
  if (body !== undefined) opts.body = body;
  try {
    return await pb.send(path, opts);
  } catch (err) {
    const msg = err?.response?.message || err?.message || String(err);
    const e = new Error(msg);
    e.status = err?.status;
    throw e;
  }
}

// useApi loads path (re-loading when deps change); returns {data, error, loading, reload}.
export function useApi(path, query, deps = []) {
  const [state, set] = useState({ loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    set((s) => ({ ...s, loading: true }));
    api(path, { query }).then(
      (data) => live && set({ data, loading: false }),
      (error) => live && set({ error, loading: false }),
    );
    return () => { live = false; };
  }, [path, JSON.stringify(query || {}), tick, ...deps]);
  return { ...state, reload: () => setTick((t) => t + 1) };
}

export const statusLabels = {
  received: 'Received', flagged: 'Flagged', invalid: 'Invalid', approved: 'Approved',
  rejected: 'Rejected', duplicate: 'Duplicate', superseded: 'Superseded',
};

export const flagLabels = { possible_duplicate: 'Possible duplicate', conflict: 'Conflict', correction: 'Correction' };

export function Status({ status }) {
  return html`<span class="status st-${status}">${statusLabels[status] || status}</span>`;
}

export function ErrorBox({ error }) {
  if (!error) return null;
  return html`<div class="error" role="alert">${error.message || String(error)}</div>`;
}

export function NotFound({ what = 'page' }) {
  return html`<section class="notfound" role="alert"><h1>Not found</h1>
    <p>There is no ${what} here that you can see.</p><p><a href="#/">Back to the start</a></p></section>`;
}

export function fmtDate(s) {
  if (!s) return '';
  return s.replace('T', ' ').slice(0, 16);
}

export function fmtDuration(sec) {
  if (!sec) return '';
  const m = Math.round(sec / 60);
  return m < 60 ? `${m} min` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function hhKey(row) {
  return row.psu ? `${row.psu}/${row.dwelling}` : row.uuid?.slice(0, 8);
}

// Realtime: the console topic (the server tells a supervisor that one of their teams' households
// changed, nothing more: pushes by either protocol, decisions, the record API). No record
// subscription on submissions: it would make the server build the record of every pushed
// household to broadcast it. Screens listen through onLive, which calls them at most every
// 300 ms.
const liveListeners = new Set();
let liveStarted = false;
let liveTimer = null;
function fire(msg) {
  if (liveTimer) return;
  liveTimer = setTimeout(() => { liveTimer = null; liveListeners.forEach((l) => l(msg)); }, 300);
}
export function onLive(fn) {
  liveListeners.add(fn);
  if (!liveStarted && pb.authStore.isValid) {
    liveStarted = true;
    pb.realtime.subscribe('fieldbase/console', fire).catch(() => { liveStarted = false; });
  }
  return () => liveListeners.delete(fn);
}

export function stopLive() {
  liveStarted = false;
  pb.realtime.unsubscribe();
}
