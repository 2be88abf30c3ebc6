// One household: the questionnaire with labels, problems at their questions, the roster as a
// table, flags with their evidence, the audit trail, corrections; approve / reject with a
// note and question comments / reopen. j and k move through the queue the table left.
import { html, api, useApi, useState, useEffect, useRef, Status, ErrorBox, NotFound, flagLabels, fmtDate, fmtDuration, hhKey } from '../lib.js';
import { register, navigate } from '../router.js';

// The submissions table leaves its page's ids here, so a reviewer can walk through them.
export function queue() {
  try { return JSON.parse(sessionStorage.getItem('fieldbase.queue') || '[]'); } catch (_) { return []; }
}

function Problems({ list }) {
  if (!list?.length) return null;
  return html`<ul class="problems">${list.map((p) => html`<li class=${p.severity === 'error' ? 'err' : 'warn'}>
    <b>${p.severity === 'error' ? 'Error' : 'Warning'}:</b> ${p.message}</li>`)}</ul>`;
}

function CommentButton({ a, onComment }) {
  if (!onComment) return null;
  return html`<button type="button" class="link small" onClick=${() => onComment(a)} aria-label=${'Comment on ' + a.label}>Comment</button>`;
}

function Answer({ a, onComment }) {
  return html`<div class=${'answer' + (a.problems?.length ? ' has-problem' : '')} data-path=${a.path}>
    <dt>${a.label}</dt>
    <dd>${a.hidden ? html`<span class="muted">(personal: not shown)</span>` : a.display || html`<span class="muted">—</span>`}
      <${CommentButton} a=${a} onComment=${onComment}/>
      <${Problems} list=${a.problems}/></dd>
  </div>`;
}

function Roster({ r, onComment }) {
  return html`<section class="card roster" aria-labelledby=${'rep-' + r.name}>
    <h2 id=${'rep-' + r.name}>${r.label} <span class="muted">(${r.rows.length})</span></h2>
    ${r.rows.length === 0 ? html`<p class="muted">None.</p>` : html`<div class="tablewrap"><table class="grid">
      <thead><tr><th scope="col">#</th>${r.columns.map((c) => html`<th scope="col">${c.label}</th>`)}</tr></thead>
      <tbody>${r.rows.map((row, i) => html`<tr>
        <th scope="row">${i + 1}</th>
        ${row.map((a) => html`<td class=${a.problems?.length ? 'has-problem' : ''} data-path=${a.path}>
          ${a.hidden ? html`<span class="muted">—</span>` : a.display}
          ${a.problems?.length ? html`<${Problems} list=${a.problems}/>` : ''}
          ${onComment && (a.display || a.problems?.length) ? html` <${CommentButton} a=${{ ...a, label: `${r.label} ${i + 1} · ${a.label}` }} onComment=${onComment}/>` : ''}
        </td>`)}
      </tr>`)}</tbody>
    </table></div>`}
  </section>`;
}

function Flags({ flags, id }) {
  if (!flags?.length) return null;
  return html`<section class="card flags" aria-labelledby="flags-h"><h2 id="flags-h">Flags</h2>
    <ul>${flags.map((f) => html`<li><span class="flag">${flagLabels[f.kind] || f.kind}</span>
      ${f.score ? html` score ${Math.round(f.score * 100)}%` : ''}
      ${f.reasons?.length ? html`<ul class="reasons">${f.reasons.map((r) => html`<li>${r}</li>`)}</ul>` : ''}
      ${f.other ? html`<p><a href=${'#/compare/' + id + '/' + f.other}>Compare side by side with the other household</a></p>` : ''}
    </li>`)}</ul></section>`;
}

function Decide({ sub, comments, setComments, done }) {
  const [mode, setMode] = useState(null);
  const [note, setNote] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const noteRef = useRef();
  useEffect(() => { if (mode) noteRef.current?.focus(); }, [mode]);
  useEffect(() => {
    function onKey(ev) {
      if (ev.target.closest('input, textarea, select, dialog') || ev.ctrlKey || ev.metaKey || ev.altKey) return;
      if (ev.key === 'a' && canApprove) { ev.preventDefault(); decide('approve'); }
      if (ev.key === 'r' && canReject) { ev.preventDefault(); setMode('reject'); }
    }
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });
  useEffect(() => { if (comments.length && !mode) setMode('reject'); }, [comments.length]);
  const open = ['received', 'flagged', 'invalid'].includes(sub.status);
  const canApprove = open, canReject = open;
  const canReopen = sub.status === 'approved';
  async function decide(action) {
    setBusy(true); setError(null);
    try {
      if (action === 'reject') {
        await api(`/api/console/submissions/${sub.id}/reject`, { method: 'POST', body: { note, comments: comments.map((c) => ({ path: c.path, text: c.text })) } });
        setComments([]);
      } else {
        await api(`/api/submissions/${sub.id}/review`, { method: 'POST', body: { action, note } });
      }
      setMode(null); setNote('');
      done(action);
    } catch (err) { setError(err); }
    setBusy(false);
  }
  return html`<section class="card decide" aria-labelledby="decide-h">
    <h2 id="decide-h">Decision</h2>
    <div class="buttons">
      ${canApprove && html`<button type="button" class="primary" disabled=${busy} onClick=${() => decide('approve')}>Approve <kbd>a</kbd></button>`}
      ${canReject && html`<button type="button" disabled=${busy} onClick=${() => setMode('reject')}>Reject… <kbd>r</kbd></button>`}
      ${canReopen && html`<button type="button" disabled=${busy} onClick=${() => setMode('reopen')}>Reopen…</button>`}
    </div>
    ${mode && html`<form class="reject" onSubmit=${(e) => { e.preventDefault(); decide(mode); }}>
      <label>${mode === 'reject' ? 'Note to the enumerator (required)' : 'Why reopen (required for an approved household)'}
        <textarea ref=${noteRef} name="note" rows="3" required=${mode === 'reject'} value=${note} onInput=${(e) => setNote(e.target.value)}></textarea></label>
      ${mode === 'reject' && html`<div class="comments">
        <p class="muted">Comments on single questions reach the tablet with the rejection. Add one with “Comment” next to a question.</p>
        ${comments.map((c, i) => html`<div class="comment">
          <label>${c.label}<textarea rows="2" aria-label=${'Comment on ' + c.label} value=${c.text}
            onInput=${(e) => setComments(comments.map((x, j) => (j === i ? { ...x, text: e.target.value } : x)))}></textarea></label>
          <button type="button" class="link" onClick=${() => setComments(comments.filter((_, j) => j !== i))} aria-label=${'Remove comment on ' + c.label}>Remove</button>
        </div>`)}
      </div>`}
      <div class="buttons">
        <button type="submit" class=${mode === 'reject' ? 'danger' : 'primary'} disabled=${busy}>${mode === 'reject' ? 'Reject and send back' : 'Reopen'}</button>
        <button type="button" onClick=${() => { setMode(null); setComments([]); }}>Cancel</button>
      </div>
    </form>`}
    <${ErrorBox} error=${error}/>
  </section>`;
}

function Diff({ diff }) {
  if (!diff) return null;
  return html`<section class="card" aria-labelledby="diff-h">
    <h2 id="diff-h">${diff.which === 'earlier' ? 'Corrects' : 'Corrected by'} <a href=${'#/household/' + diff.other}>another version</a> (${diff.other_status})</h2>
    ${diff.changes.length === 0 ? html`<p>No answer changed.</p>` : html`<div class="tablewrap"><table class="grid diff">
      <thead><tr><th scope="col">Question</th><th scope="col">Earlier version</th><th scope="col">Later version</th></tr></thead>
      <tbody>${diff.changes.map((c) => html`<tr><td>${c.label}</td><td class="before">${c.before || '—'}</td><td class="after">${c.after || '—'}</td></tr>`)}</tbody>
    </table></div>`}
  </section>`;
}

function Household({ me, params }) {
  const { data, error, loading, reload } = useApi('/api/console/submissions/' + encodeURIComponent(params.id), null, [params.id]);
  const [comments, setComments] = useState([]);
  const [flash, setFlash] = useState('');
  useEffect(() => { setComments([]); setFlash(''); }, [params.id]);
  const q = queue();
  const at = q.indexOf(params.id);
  useEffect(() => {
    function onKey(ev) {
      if (ev.target.closest('input, textarea, select, dialog') || ev.ctrlKey || ev.metaKey || ev.altKey) return;
      if (ev.key === 'j' && at >= 0 && at < q.length - 1) navigate('/household/' + q[at + 1]);
      if (ev.key === 'k' && at > 0) navigate('/household/' + q[at - 1]);
    }
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [params.id, at]);
  if (error?.status === 404) return html`<${NotFound} what="household"/>`;
  if (error) return html`<${ErrorBox} error=${error}/>`;
  if (loading && !data) return html`<p class="muted">Loading…</p>`;
  const s = data.submission;
  const canDecide = me.role === 'supervisor' || me.role === 'superuser';
  const onComment = canDecide && ['received', 'flagged', 'invalid'].includes(s.status)
    ? (a) => { if (!comments.some((c) => c.path === a.path)) setComments([...comments, { path: a.path, label: a.label, text: '' }]); }
    : null;
  return html`<article class="household">
    <nav class="crumbs" aria-label="Queue">
      <a href="#/submissions">← Submissions</a>
      ${at >= 0 && html`<span>${at + 1} of ${q.length} in the list</span>
        <a href=${at > 0 ? '#/household/' + q[at - 1] : null} aria-disabled=${at <= 0}>Previous <kbd>k</kbd></a>
        <a href=${at < q.length - 1 ? '#/household/' + q[at + 1] : null} aria-disabled=${at >= q.length - 1}>Next <kbd>j</kbd></a>`}
    </nav>
    <header class="hh-head">
      <h1>Household ${hhKey(s)} <${Status} status=${s.status}/></h1>
      <p class="meta">${s.title} (${s.form_id} v${s.version}) · interviewed ${s.a_date} by ${s.enumerator_name} (${s.team_name})
        · ${fmtDuration(s.duration_s)} · received ${fmtDate(s.created)} · <code>${s.uuid}</code></p>
      ${s.review_note && html`<p class="note"><b>Review note:</b> ${s.review_note}</p>`}
      ${flash && html`<p class="ok" role="status">${flash}</p>`}
    </header>
    <div class="hh-body">
      <div class="hh-main">
        ${data.problems?.length > 0 && html`<section class="card"><h2>Problems with the whole household</h2><${Problems} list=${data.problems}/></section>`}
        ${data.sections.map((sec) => html`<section class="card" aria-labelledby=${'sec-' + sec.name}>
          <h2 id=${'sec-' + sec.name}>${sec.label}</h2>
          <dl class="answers">${sec.answers.map((a) => html`<${Answer} a=${a} onComment=${onComment}/>`)}</dl>
        </section>`)}
        ${data.repeats.map((r) => html`<${Roster} r=${r} onComment=${onComment}/>`)}
      </div>
      <aside class="hh-side">
        ${canDecide && html`<${Decide} sub=${s} comments=${comments} setComments=${setComments}
          done=${(a) => { setFlash(a === 'approve' ? 'Approved.' : a === 'reject' ? 'Rejected: the enumerator gets the note and comments on the next sync.' : 'Reopened.'); reload(); }}/>`}
        <${Flags} flags=${data.flags} id=${s.id}/>
        <${Diff} diff=${data.diff}/>
        ${data.comments?.length > 0 && html`<section class="card"><h2>Question comments</h2><ul>
          ${data.comments.map((c) => html`<li><b>${c.label}</b>: ${c.text} <span class="muted">— ${c.by}, ${fmtDate(c.created)}</span></li>`)}</ul></section>`}
        ${me.role !== 'analyst' && html`<section class="card" aria-labelledby="audit-h"><h2 id="audit-h">Audit trail</h2>
          ${data.audit?.length ? html`<ol class="audit">${data.audit.map((r) => html`<li>${fmtDate(r.created)} · <b>${r.action}</b> by ${r.actor} (${r.role}): ${r.from} → ${r.to}${r.note ? html`<br/><q>${r.note}</q>` : ''}</li>`)}</ol>`
            : html`<p class="muted">No decision yet.</p>`}
        </section>`}
      </aside>
    </div>
  </article>`;
}

register({ path: '/household/:id', title: 'Household', roles: ['supervisor', 'superuser', 'analyst'], component: Household });
