// Shared pieces of the analyst workspace: the catalog (loaded once), number formatting with
// each indicator's display decimals (as the CSV download and the report round), flags
// explained, and downloads that carry the sign-in token.
import { html, pb, api, useState, useEffect } from '../lib.js';

const link = document.createElement('link');
link.rel = 'stylesheet';
link.href = '/app/analyst/analyst.css';
document.head.appendChild(link);

export const SURVEY = 'mhs';

let catalogPromise = null;
// useCatalog loads GET /api/indicators/catalog once per page.
export function useCatalog() {
  const [state, set] = useState({ loading: true });
  useEffect(() => {
    if (!catalogPromise) catalogPromise = api('/api/indicators/catalog', { query: { survey: SURVEY } });
    catalogPromise.then((data) => set({ data }), (error) => { catalogPromise = null; set({ error }); });
  }, []);
  return state;
}

// fmt rounds halves away from zero to d decimals (15000.5 -> 15001), as the server does.
export function fmt(v, d) {
  if (v == null) return '';
  const s = Math.pow(10, d);
  const r = Math.sign(v) * Math.round(Math.abs(v) * s) / s;
  return (r === 0 ? 0 : r).toFixed(d);
}

export const flagText = {
  suppressed: 'suppressed',
  low_reliability: 'low reliability',
};

// FlagNote explains a cell's flag in words (the catalog's notes).
export function FlagBadge({ cell, notes }) {
  if (!cell.flag) return null;
  let title = notes?.[cell.flag] || '';
  if (cell.flag === 'suppressed' && cell.reason === 'secondary') {
    title = 'Held back so that a suppressed cell of the same table cannot be worked out from this one and the total.';
  }
  return html`<span class=${'badge b-' + cell.flag} title=${title}>${flagText[cell.flag] || cell.flag}${cell.reason === 'secondary' ? ' (secondary)' : ''}</span>`;
}

// download fetches a route with the token and saves the answer under the server's file name.
export async function download(path, query) {
  const url = new URL(path, location.origin);
  for (const [k, v] of Object.entries(query)) if (v !== '' && v != null) url.searchParams.set(k, v);
  const res = await fetch(url, { headers: { Authorization: pb.authStore.token } });
  if (!res.ok) {
    let msg = res.statusText;
    try { msg = (await res.json()).message || msg; } catch (_) { /* not JSON */ }
    throw new Error(msg);
  }
  const cd = res.headers.get('Content-Disposition') || '';
  const m = /filename="([^"]+)"/.exec(cd);
  const name = m ? m[1] : path.split('/').pop();
  const blob = await res.blob();
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.appendChild(a);
  a.click();
  setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  return name;
}

// DownloadButton runs a download and says what it saved or why it failed.
export function DownloadButton({ label, path, query, id }) {
  const [state, set] = useState({});
  async function go() {
    set({ busy: true });
    try {
      set({ saved: await download(path, query) });
    } catch (error) {
      set({ error });
    }
  }
  return html`<span class="dl">
    <button type="button" id=${id} onClick=${go} disabled=${state.busy}>${state.busy ? 'Preparing…' : label}</button>
    ${state.saved && html`<small class="ok" data-saved=${state.saved}>saved ${state.saved}</small>`}
    ${state.error && html`<small class="err">${state.error.message}</small>`}
  </span>`;
}
