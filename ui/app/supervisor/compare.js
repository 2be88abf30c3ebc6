// Two households side by side (a suspected duplicate and the household it resembles), answer
// by answer with the differences marked; the reviewer keeps one and marks the other.
import { html, api, useApi, useState, Status, ErrorBox, NotFound, fmtDate, hhKey } from '../lib.js';
import { register, navigate } from '../router.js';

function Side({ s, label }) {
  return html`<div class="side"><h2>${label}: <a href=${'#/household/' + s.id}>${hhKey(s)}</a> <${Status} status=${s.status}/></h2>
    <p class="meta">${s.enumerator_name} · ${s.a_date} · received ${fmtDate(s.created)} · <code>${s.uuid.slice(0, 8)}</code></p></div>`;
}

function Compare({ me, params }) {
  const { data, error, loading, reload } = useApi('/api/console/compare', { a: params.a, b: params.b }, [params.a, params.b]);
  const [onlyDiff, setOnlyDiff] = useState(false);
  const [result, setResult] = useState(null);
  const [err, setErr] = useState(null);
  if (error?.status === 404) return html`<${NotFound} what="household"/>`;
  if (error) return html`<${ErrorBox} error=${error}/>`;
  if (loading && !data) return html`<p class="muted">Loading…</p>`;
  const open = (s) => ['received', 'flagged', 'invalid'].includes(s.status);
  async function mark(dup, keep) {
    setErr(null);
    try {
      await api(`/api/submissions/${dup.id}/review`, { method: 'POST', body: { action: 'duplicate', duplicate_of: keep.id } });
      setResult(`Household ${hhKey(dup)} (${dup.uuid.slice(0, 8)}) is marked as a duplicate; ${hhKey(keep)} (${keep.uuid.slice(0, 8)}) is kept.`);
      reload();
    } catch (e) { setErr(e); }
  }
  const rows = onlyDiff ? data.rows.filter((r) => !r.same) : data.rows;
  const canDecide = me.role !== 'analyst';
  return html`<section class="compare">
    <nav class="crumbs"><a href="#/submissions">← Submissions</a></nav>
    <h1>Compare two households <span class="muted">(${data.differences} answers differ)</span></h1>
    <div class="sides"><${Side} s=${data.a} label="A"/><${Side} s=${data.b} label="B"/></div>
    ${canDecide && html`<div class="buttons card" role="group" aria-label="Which to keep">
      <button type="button" disabled=${!open(data.b)} onClick=${() => mark(data.b, data.a)}>Keep A, mark B as duplicate</button>
      <button type="button" disabled=${!open(data.a)} onClick=${() => mark(data.a, data.b)}>Keep B, mark A as duplicate</button>
      ${result && html`<p class="ok" role="status">${result}</p>`}
      <${ErrorBox} error=${err}/>
    </div>`}
    <label class="inline"><input type="checkbox" checked=${onlyDiff} onChange=${(e) => setOnlyDiff(e.target.checked)}/> Only the differences</label>
    <div class="tablewrap"><table class="grid compare-table">
      <thead><tr><th scope="col">Question</th><th scope="col">A</th><th scope="col">B</th></tr></thead>
      <tbody>${rows.map((r) => html`<tr class=${r.same ? '' : 'differs'}>
        <th scope="row">${r.label}${r.same ? '' : html` <span class="sr">(differs)</span>`}</th>
        <td>${r.hidden ? html`<span class="muted">(personal)</span>` : r.a || '—'}</td>
        <td>${r.hidden ? html`<span class="muted">(personal)</span>` : r.b || '—'}</td></tr>`)}</tbody>
    </table></div>
  </section>`;
}

register({ path: '/compare/:a/:b', title: 'Compare', roles: ['supervisor', 'superuser'], component: Compare });
