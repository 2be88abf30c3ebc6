// Submissions: the team's households, filtered, sorted and paged on the server; the filter
// lives in the URL. Bulk approve of a selection or of the whole filter.
import { html, api, useApi, useState, useEffect, useRef, Status, ErrorBox, statusLabels, flagLabels, fmtDate, fmtDuration, hhKey, onLive } from '../lib.js';
import { register, navigate, link } from '../router.js';

const statuses = ['received', 'flagged', 'invalid', 'approved', 'rejected', 'duplicate', 'superseded'];
const filterKeys = ['status', 'flag', 'problems', 'enumerator', 'team', 'psu', 'from', 'to', 'version', 'q'];

// Columns of the table; `sort` names the server's sort key.
const columns = [
  { id: 'key', title: 'Household', always: true, sort: 'psu', cell: (r) => html`<a href=${'#/household/' + r.id} class="hh">${hhKey(r)}</a>` },
  { id: 'status', title: 'Status', sort: 'status', cell: (r) => html`<${Status} status=${r.status}/>` },
  { id: 'flags', title: 'Flags', cell: (r) => r.flags.map((f) => html`<span class="flag">${flagLabels[f] || f}</span>`) },
  { id: 'problems', title: 'Errors / warnings', sort: 'errors', cell: (r) => html`${r.errors ? html`<span class="err">${r.errors} err</span>` : ''} ${r.warnings ? html`<span class="warn">${r.warnings} warn</span>` : ''}` },
  { id: 'enumerator', title: 'Enumerator', cell: (r) => r.enumerator_name },
  { id: 'team', title: 'Team', cell: (r) => r.team_name },
  { id: 'a_date', title: 'Interview date', sort: 'a_date', cell: (r) => r.a_date },
  { id: 'size', title: 'Members', sort: 'size', cell: (r) => r.hh_size || '' },
  { id: 'duration', title: 'Duration', sort: 'duration', cell: (r) => fmtDuration(r.duration_s) },
  { id: 'version', title: 'Survey', cell: (r) => `${r.form_id} v${r.version}` },
  { id: 'created', title: 'Received', sort: 'created', cell: (r) => fmtDate(r.created) },
  { id: 'note', title: 'Review note', hidden: true, cell: (r) => r.review_note },
  { id: 'uuid', title: 'UUID', hidden: true, cell: (r) => html`<code>${r.uuid}</code>` },
];

function loadColumns() {
  try {
    const saved = JSON.parse(localStorage.getItem('fieldbase.columns') || 'null');
    if (Array.isArray(saved)) return new Set(saved);
  } catch (_) { /* default below */ }
  return new Set(columns.filter((c) => !c.hidden).map((c) => c.id));
}

function ColumnPicker({ shown, setShown }) {
  function toggle(id) {
    const next = new Set(shown);
    next.has(id) ? next.delete(id) : next.add(id);
    localStorage.setItem('fieldbase.columns', JSON.stringify([...next]));
    setShown(next);
  }
  return html`<details class="picker"><summary>Columns</summary><fieldset><legend class="sr">Columns shown</legend>
    ${columns.filter((c) => !c.always).map((c) => html`<label><input type="checkbox" checked=${shown.has(c.id)} onChange=${() => toggle(c.id)}/> ${c.title}</label>`)}
  </fieldset></details>`;
}

function Filters({ me, query, set }) {
  const search = useRef();
  useEffect(() => {
    const on = (ev) => {
      if (ev.key === '/' && !ev.target.closest('input, textarea, select')) { ev.preventDefault(); search.current?.focus(); }
    };
    window.addEventListener('keydown', on);
    return () => window.removeEventListener('keydown', on);
  }, []);
  const enums = me.enumerators.filter((e) => !query.team || e.team === query.team);
  const [q, setQ] = useState(query.q || '');
  useEffect(() => setQ(query.q || ''), [query.q]);
  return html`<form class="filters" role="search" aria-label="Filter households" onSubmit=${(e) => { e.preventDefault(); set({ q }); }}>
    <label>Search<input ref=${search} type="search" placeholder="PSU/dwelling, PSU or UUID" value=${q} onInput=${(e) => setQ(e.target.value)}/></label>
    <label>Flag<select value=${query.flag || ''} onChange=${(e) => set({ flag: e.target.value })}>
      <option value="">any or none</option><option value="any">flagged for any reason</option>
      ${Object.entries(flagLabels).map(([k, v]) => html`<option value=${k}>${v}</option>`)}
    </select></label>
    <label>Checks<select value=${query.problems || ''} onChange=${(e) => set({ problems: e.target.value })}>
      <option value="">all</option><option value="errors">with errors</option><option value="warnings">with warnings</option><option value="none">clean</option>
    </select></label>
    ${me.teams.length > 1 && html`<label>Team<select value=${query.team || ''} onChange=${(e) => set({ team: e.target.value, enumerator: '' })}>
      <option value="">all teams</option>${me.teams.map((t) => html`<option value=${t.id}>${t.name}</option>`)}
    </select></label>`}
    ${enums.length > 0 && html`<label>Enumerator<select value=${query.enumerator || ''} onChange=${(e) => set({ enumerator: e.target.value })}>
      <option value="">everyone</option>${enums.map((p) => html`<option value=${p.id}>${p.name || p.email}</option>`)}
    </select></label>`}
    <label>PSU<input type="number" min="1" inputmode="numeric" class="short" value=${query.psu || ''} onChange=${(e) => set({ psu: e.target.value })}/></label>
    <label>From<input type="date" value=${query.from || ''} onChange=${(e) => set({ from: e.target.value })}/></label>
    <label>To<input type="date" value=${query.to || ''} onChange=${(e) => set({ to: e.target.value })}/></label>
    ${me.surveys.length > 1 && html`<label>Survey<select value=${query.version || ''} onChange=${(e) => set({ version: e.target.value })}>
      <option value="">all versions</option>${me.surveys.map((s) => html`<option value=${s.form_id + '@' + s.version}>${s.form_id} v${s.version}</option>`)}
    </select></label>`}
    <button type="submit">Search</button>
    ${filterKeys.some((k) => query[k]) && html`<a class="clear" href="#/submissions">Clear filters</a>`}
  </form>`;
}

function StatusTabs({ data, query, set }) {
  const current = query.status || '';
  return html`<div class="tabs" role="group" aria-label="Status">
    <button type="button" aria-pressed=${current === ''} onClick=${() => set({ status: '' })}>All <b>${data?.all ?? ''}</b></button>
    ${statuses.map((s) => html`<button type="button" class=${'tab st-' + s} aria-pressed=${current === s} onClick=${() => set({ status: s })}>
      ${statusLabels[s]} <b>${data?.by_status?.[s] ?? 0}</b></button>`)}
  </div>`;
}

function Pager({ data, query, set }) {
  if (!data) return null;
  const page = data.page, pages = Math.max(1, Math.ceil(data.total / data.per));
  const from = data.total ? (page - 1) * data.per + 1 : 0, to = Math.min(data.total, page * data.per);
  return html`<nav class="pager" aria-label="Pages">
    <span>${from}–${to} of ${data.total.toLocaleString()}</span>
    <button type="button" disabled=${page <= 1} onClick=${() => set({ page: page - 1 }, true)}>Previous</button>
    <span>page ${page} / ${pages}</span>
    <button type="button" disabled=${page >= pages} onClick=${() => set({ page: page + 1 }, true)}>Next</button>
    <label>Per page<select value=${String(data.per)} onChange=${(e) => set({ per: e.target.value })}>
      ${[25, 50, 100, 200].map((n) => html`<option value=${String(n)}>${n}</option>`)}
    </select></label>
  </nav>`;
}

function BulkBar({ me, selected, clear, query, total, done }) {
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState(null);
  const [error, setError] = useState(null);
  if (me.role === 'analyst') return null;
  async function run(kind) {
    setBusy(true); setError(null); setResult(null);
    try {
      let r;
      if (kind === 'selection') {
        r = await api('/api/review/bulk', { method: 'POST', body: { action: 'approve', ids: [...selected] } });
      } else {
        const filter = {};
        filterKeys.forEach((k) => { if (query[k]) filter[k] = query[k]; });
        if (!confirm(`Approve all ${total} households this filter shows?`)) { setBusy(false); return; }
        r = await api('/api/console/review/filter', { method: 'POST', body: { action: 'approve', filter } });
      }
      setResult(r); clear(); done();
    } catch (err) { setError(err); }
    setBusy(false);
  }
  const failures = (result?.results || []).filter((x) => !x.ok);
  return html`<div class="bulk" aria-live="polite">
    <button type="button" disabled=${busy || selected.size === 0} onClick=${() => run('selection')}>Approve selected (${selected.size})</button>
    <button type="button" disabled=${busy || !total} onClick=${() => run('filter')}>Approve all ${total ?? ''} in this filter</button>
    ${busy && html`<span>Working…</span>`}
    ${result && html`<span class="ok">${result.done} approved${result.failed ? html`, <span class="err">${result.failed} not</span>` : ''}.</span>`}
    ${failures.length > 0 && html`<details><summary>Why not</summary><ul>${failures.slice(0, 50).map((f) => html`<li><a href=${'#/household/' + (f.record || f.id)}>${f.id}</a>: ${f.message}</li>`)}</ul></details>`}
    <${ErrorBox} error=${error}/>
  </div>`;
}

function Submissions({ me, query }) {
  const [shown, setShown] = useState(loadColumns());
  const [selected, setSelected] = useState(new Set());
  const [cursor, setCursor] = useState(-1);
  const [fresh, setFresh] = useState(0);
  const apiQuery = {};
  [...filterKeys, 'sort', 'page', 'per'].forEach((k) => { if (query[k]) apiQuery[k] = query[k]; });
  const { data, error, loading, reload } = useApi('/api/console/submissions', apiQuery);
  const set = (change, keepPage) => navigate('/submissions', { ...query, ...(keepPage ? {} : { page: '' }), ...change });
  useEffect(() => onLive(() => { setFresh((n) => n + 1); reload(); }), []);
  useEffect(() => { setSelected(new Set()); setCursor(-1); }, [JSON.stringify(apiQuery)]);
  const rows = data?.items || [];
  useEffect(() => { if (data) sessionStorage.setItem('fieldbase.queue', JSON.stringify(rows.map((r) => r.id))); }, [data]);
  const tbody = useRef();
  useEffect(() => {
    function onKey(ev) {
      if (ev.target.closest('input, textarea, select, dialog') || ev.ctrlKey || ev.metaKey || ev.altKey) return;
      if (ev.key === 'j' || ev.key === 'k') {
        ev.preventDefault();
        setCursor((c) => {
          const n = Math.max(0, Math.min(rows.length - 1, c + (ev.key === 'j' ? 1 : -1)));
          tbody.current?.querySelectorAll('a.hh')[n]?.focus();
          return n;
        });
      } else if (ev.key === 'o' && cursor >= 0 && rows[cursor]) {
        navigate('/household/' + rows[cursor].id, { from: 'queue' });
      } else if (ev.key === 'x' && cursor >= 0 && rows[cursor]) {
        toggle(rows[cursor].id);
      }
    }
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [rows, cursor]);
  function toggle(id) {
    setSelected((s) => { const n = new Set(s); n.has(id) ? n.delete(id) : n.add(id); return n; });
  }
  const sort = query.sort || '-created';
  const cols = columns.filter((c) => c.always || shown.has(c.id));
  const canBulk = me.role !== 'analyst';
  const selectable = (r) => canBulk && ['received', 'flagged', 'invalid'].includes(r.status);
  return html`<section class="submissions">
    <div class="head"><h1>Submissions</h1>
      <span class="live" aria-live="polite">${fresh > 0 ? `Updated live (${fresh})` : 'Live'}</span>
      <${ColumnPicker} shown=${shown} setShown=${setShown}/></div>
    <${Filters} me=${me} query=${query} set=${set}/>
    <${StatusTabs} data=${data} query=${query} set=${set}/>
    <${BulkBar} me=${me} selected=${selected} clear=${() => setSelected(new Set())} query=${query} total=${data?.total} done=${reload}/>
    <${ErrorBox} error=${error}/>
    <div class="tablewrap" aria-busy=${loading}>
      <table class="grid">
        <caption class="sr">Households, ${data?.total ?? 0} in this filter</caption>
        <thead><tr>
          ${canBulk && html`<th scope="col"><span class="sr">Select</span></th>`}
          ${cols.map((c) => {
            if (!c.sort) return html`<th scope="col">${c.title}</th>`;
            const dir = sort === c.sort ? 'ascending' : sort === '-' + c.sort ? 'descending' : null;
            const next = dir === 'descending' ? c.sort : '-' + c.sort;
            return html`<th scope="col" aria-sort=${dir || 'none'}><a href=${link('/submissions', { ...query, sort: next, page: '' })}>${c.title}${dir === 'ascending' ? ' ▲' : dir === 'descending' ? ' ▼' : ''}</a></th>`;
          })}
        </tr></thead>
        <tbody ref=${tbody}>
          ${rows.map((r, i) => html`<tr key=${r.id} class=${i === cursor ? 'cursor' : ''} data-id=${r.id}>
            ${canBulk && html`<td>${selectable(r) && html`<input type="checkbox" aria-label=${'Select ' + hhKey(r)} checked=${selected.has(r.id)} onChange=${() => toggle(r.id)}/>`}</td>`}
            ${cols.map((c) => html`<td class=${'c-' + c.id}>${c.cell(r)}</td>`)}
          </tr>`)}
          ${!loading && rows.length === 0 && html`<tr><td colspan=${cols.length + 1} class="empty">No household matches this filter.</td></tr>`}
        </tbody>
      </table>
    </div>
    <${Pager} data=${data} query=${query} set=${set}/>
  </section>`;
}

register({ path: '/submissions', title: 'Submissions', nav: true, order: 10, key: 's', roles: ['supervisor', 'superuser', 'analyst'], component: Submissions });
