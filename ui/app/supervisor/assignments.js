// Assignments: import a CSV of PSU/dwelling rows (preview with per-row errors, then create),
// create one, reassign (the old device drops it on its next pull), and progress per PSU and
// per enumerator.
import { html, api, pb, useApi, useState, useEffect, ErrorBox } from '../lib.js';
import { register } from '../router.js';

const example = 'psu,dwelling,enumerator,stratum,region,urban,weight\n101,1,enum1@fieldbase.demo,R1U,R1,U,1250.5\n';

function Import({ me, done }) {
  const [csv, setCsv] = useState('');
  const [preview, setPreview] = useState(null);
  const [result, setResult] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const survey = me.surveys[me.surveys.length - 1]?.form_id || 'mhs';
  async function send(commit) {
    setBusy(true); setError(null);
    try {
      const r = await api('/api/console/assignments/import', { method: 'POST', body: { survey, csv, commit } });
      if (commit) { setResult(r); setPreview(null); done(); } else { setPreview(r); setResult(null); }
    } catch (e) { setError(e); }
    setBusy(false);
  }
  async function file(ev) {
    const f = ev.target.files[0];
    if (f) { setCsv(await f.text()); setPreview(null); setResult(null); }
  }
  const shown = result || preview;
  return html`<section class="card" aria-labelledby="imp-h">
    <h2 id="imp-h">Import from a CSV</h2>
    <p class="muted">Columns: <code>psu, dwelling, enumerator</code> (email or name) and optionally <code>stratum, region, urban, weight, notes</code>.</p>
    <div class="import-in">
      <label>CSV file<input type="file" accept=".csv,text/csv" onChange=${file}/></label>
      <label class="grow">or paste it<textarea name="csv" rows="5" placeholder=${example} value=${csv} onInput=${(e) => { setCsv(e.target.value); setPreview(null); }}></textarea></label>
    </div>
    <div class="buttons">
      <button type="button" disabled=${busy || !csv.trim()} onClick=${() => send(false)}>Preview</button>
      <button type="button" class="primary" disabled=${busy || !preview || preview.valid === 0} onClick=${() => send(true)}>
        Create ${preview ? preview.valid : ''} assignments${preview?.invalid ? ` (skip ${preview.invalid} with errors)` : ''}</button>
    </div>
    <${ErrorBox} error=${error}/>
    ${result && html`<p class="ok" role="status">${result.created} assignments created${result.failed ? `, ${result.failed} rows not (see below)` : ''}.</p>`}
    ${shown && html`<div class="tablewrap"><table class="grid import">
      <caption class="sr">Rows of the CSV</caption>
      <thead><tr><th scope="col">Line</th><th scope="col">PSU</th><th scope="col">Dwelling</th><th scope="col">Enumerator</th><th scope="col">Weight</th><th scope="col">Result</th></tr></thead>
      <tbody>${shown.rows.map((r) => html`<tr class=${r.ok ? '' : 'bad'}>
        <td>${r.line}</td><td>${r.values.psu}</td><td>${r.values.dwelling}</td><td>${r.enumerator_name || r.values.enumerator}</td><td>${r.values.weight}</td>
        <td>${r.ok ? html`<span class="ok">${r.created ? 'created' : 'ok'}</span>` : html`<span class="err">${r.error}</span>`}</td></tr>`)}</tbody>
    </table></div>`}
  </section>`;
}

function CreateOne({ me, done }) {
  const [v, setV] = useState({ psu: '', dwelling: '', enumerator: '', weight: '' });
  const [error, setError] = useState(null);
  const [ok, setOk] = useState('');
  async function submit(ev) {
    ev.preventDefault(); setError(null); setOk('');
    const who = me.enumerators.find((e) => e.id === v.enumerator);
    const survey = me.surveys[me.surveys.length - 1];
    try {
      await pb.collection('assignments').create({ survey: survey.id, team: who?.team, enumerator: v.enumerator,
        a_psu: Number(v.psu), a_dwelling: Number(v.dwelling), a_weight: v.weight ? Number(v.weight) : 0, status: 'active' }, { requestKey: null });
      setOk(`PSU ${v.psu} dwelling ${v.dwelling} assigned to ${who?.name}.`);
      setV({ ...v, dwelling: '' });
      done();
    } catch (e) {
      const d = e?.response?.data || {};
      setError(new Error(Object.entries(d).map(([k, x]) => `${k}: ${x.message}`).join('; ') || e.message));
    }
  }
  const set = (k) => (e) => setV({ ...v, [k]: e.target.value });
  return html`<section class="card" aria-labelledby="one-h"><h2 id="one-h">Assign one dwelling</h2>
    <form class="filters flat" onSubmit=${submit}>
      <label>PSU<input type="number" min="1" max="99999" required class="short" value=${v.psu} onInput=${set('psu')}/></label>
      <label>Dwelling<input type="number" min="1" max="9999" required class="short" value=${v.dwelling} onInput=${set('dwelling')}/></label>
      <label>Enumerator<select required value=${v.enumerator} onChange=${set('enumerator')}>
        <option value="">choose…</option>${me.enumerators.map((e) => html`<option value=${e.id}>${e.name || e.email}</option>`)}</select></label>
      <label>Weight<input type="number" min="0" step="any" class="short" value=${v.weight} onInput=${set('weight')}/></label>
      <button type="submit" class="primary">Assign</button>
    </form>
    ${ok && html`<p class="ok" role="status">${ok}</p>`}<${ErrorBox} error=${error}/>
  </section>`;
}

function List({ me, tick, done }) {
  const [page, setPage] = useState(1);
  const [psu, setPsu] = useState('');
  const [data, setData] = useState(null);
  const [error, setError] = useState(null);
  const [msg, setMsg] = useState('');
  useEffect(() => {
    const filter = psu ? pb.filter('a_psu = {:p}', { p: Number(psu) }) : '';
    pb.collection('assignments').getList(page, 25, { filter, sort: 'a_psu,a_dwelling', expand: 'enumerator', requestKey: null })
      .then(setData, setError);
  }, [page, psu, tick]);
  async function reassign(a, to) {
    setError(null); setMsg('');
    try {
      await pb.collection('assignments').update(a.id, { enumerator: to }, { requestKey: null });
      const who = me.enumerators.find((e) => e.id === to);
      setMsg(`PSU ${a.a_psu} dwelling ${a.a_dwelling} moved to ${who?.name}; the previous tablet drops it on its next sync.`);
      done();
    } catch (e) { setError(e); }
  }
  return html`<section class="card" aria-labelledby="list-h"><h2 id="list-h">Assignments</h2>
    <div class="filters flat"><label>PSU<input type="number" class="short" value=${psu} onChange=${(e) => { setPsu(e.target.value); setPage(1); }}/></label></div>
    ${msg && html`<p class="ok" role="status">${msg}</p>`}<${ErrorBox} error=${error}/>
    ${data && html`<div class="tablewrap"><table class="grid">
      <thead><tr><th scope="col">PSU</th><th scope="col">Dwelling</th><th scope="col">Status</th><th scope="col">Enumerator (reassign)</th></tr></thead>
      <tbody>${data.items.map((a) => {
        const team = me.enumerators.filter((e) => e.team === a.team);
        return html`<tr><td>${a.a_psu}</td><td>${a.a_dwelling}</td><td>${a.status}</td>
        <td><select aria-label=${`Enumerator of PSU ${a.a_psu} dwelling ${a.a_dwelling}`} value=${a.enumerator} onChange=${(e) => reassign(a, e.target.value)}>
          ${team.map((e) => html`<option value=${e.id}>${e.name || e.email}</option>`)}</select></td></tr>`;
      })}
      ${data.items.length === 0 && html`<tr><td colspan="4" class="empty">No assignment yet.</td></tr>`}</tbody>
    </table></div>
    <nav class="pager" aria-label="Pages"><span>${data.totalItems} assignments</span>
      <button type="button" disabled=${page <= 1} onClick=${() => setPage(page - 1)}>Previous</button>
      <span>page ${data.page} / ${Math.max(1, data.totalPages)}</span>
      <button type="button" disabled=${page >= data.totalPages} onClick=${() => setPage(page + 1)}>Next</button></nav>`}
  </section>`;
}

function ProgressTable({ title, rows, keyTitle, keyCell }) {
  const tot = rows.reduce((t, r) => ({ assigned: t.assigned + r.assigned, received: t.received + r.received, approved: t.approved + r.approved,
    rejected: t.rejected + r.rejected, outstanding: t.outstanding + r.outstanding }), { assigned: 0, received: 0, approved: 0, rejected: 0, outstanding: 0 });
  return html`<section class="card"><h2>${title}</h2><div class="tablewrap"><table class="grid progress">
    <thead><tr><th scope="col">${keyTitle}</th><th scope="col" class="num">Assigned</th><th scope="col" class="num">Received</th><th scope="col" class="num">Approved</th>
      <th scope="col" class="num">Rejected</th><th scope="col" class="num">Outstanding</th><th scope="col">Done</th></tr></thead>
    <tbody>${rows.map((r) => html`<tr><th scope="row">${keyCell(r)}</th><td class="num">${r.assigned}</td><td class="num">${r.received}</td>
      <td class="num">${r.approved}</td><td class="num">${r.rejected}</td><td class="num">${r.outstanding}</td>
      <td><meter min="0" max=${r.assigned} value=${r.approved} aria-label="approved share"></meter></td></tr>`)}
      ${rows.length === 0 && html`<tr><td colspan="7" class="empty">No assignment yet.</td></tr>`}</tbody>
    ${rows.length > 0 && html`<tfoot><tr><th scope="row">All</th><td class="num">${tot.assigned}</td><td class="num">${tot.received}</td><td class="num">${tot.approved}</td>
      <td class="num">${tot.rejected}</td><td class="num">${tot.outstanding}</td><td></td></tr></tfoot>`}
  </table></div></section>`;
}

function Assignments({ me }) {
  const [tick, setTick] = useState(0);
  const prog = useApi('/api/console/progress', null, [tick]);
  const done = () => setTick((t) => t + 1);
  return html`<section class="assignments">
    <h1>Assignments</h1>
    <div class="cols">
      <${Import} me=${me} done=${done}/>
      <${CreateOne} me=${me} done=${done}/>
    </div>
    <${ErrorBox} error=${prog.error}/>
    ${prog.data && html`<div class="cols">
      <${ProgressTable} title="Progress per enumerator" keyTitle="Enumerator" rows=${prog.data.by_enumerator} keyCell=${(r) => r.name}/>
      <${ProgressTable} title="Progress per PSU" keyTitle="PSU" rows=${prog.data.by_psu} keyCell=${(r) => html`<a href=${'#/submissions?psu=' + r.key}>${r.key}</a>`}/>
    </div>`}
    <${List} me=${me} tick=${tick} done=${done}/>
  </section>`;
}

register({ path: '/assignments', title: 'Assignments', nav: true, order: 20, key: 'a', roles: ['supervisor', 'superuser'], component: Assignments });
