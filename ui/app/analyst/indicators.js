// The analyst workspace: pick an indicator and up to two breakdowns; see its definition, the
// table of cells (suppressed and low-reliability cells marked and explained, never shown as
// 0), a chart of the estimates with 95% interval whiskers, the gaps between groups with their
// significance, and download the same cells as CSV, SDMX-CSV or JSON, the gaps as CSV, and
// the migration profile. Everything comes from /api/indicators, /api/indicators/gaps and
// /api/report: the numbers are the API's.
import { html, useApi, ErrorBox } from '../lib.js';
import { register, navigate } from '../router.js';
import { Chart } from '../charts.js';
import { SURVEY, useCatalog, fmt, FlagBadge, DownloadButton } from './common.js';

const groupColours = ['#1f6fb2', '#c4631d', '#2a9d5b', '#8e44ad', '#b8860b', '#d35480', '#5b6576'];

function Workspace({ query }) {
  const cat = useCatalog();
  if (cat.error) return html`<${ErrorBox} error=${cat.error}/>`;
  if (!cat.data) return html`<p class="muted">Loading the catalog…</p>`;
  return html`<${Explorer} cat=${cat.data} query=${query}/>`;
}

function Explorer({ cat, query }) {
  const ind = cat.indicators.find((i) => i.id === query.ind) || cat.indicators.find((i) => i.level === 'person') || cat.indicators[0];
  const by = (query.by ?? 'MIGRATORY_STATUS').split(',').filter(Boolean).slice(0, 2);
  const dimOf = (id) => cat.dimensions.find((d) => d.id === id);
  const usable = (d) => !(ind.level === 'household' && d.person_only);
  const gapDim = query.gap || by.find((b) => usable(dimOf(b) || {})) || (ind.level === 'person' ? 'MIGRATORY_STATUS' : 'HH_MIG_STATUS');
  const set = (c) => navigate('/indicators', { ind: ind.id, by: by.join(','), gap: query.gap, ...c });
  const cells = useApi('/api/indicators', { survey: SURVEY, indicator: ind.id, by: by.join(',') });
  const gaps = useApi('/api/indicators/gaps', { survey: SURVEY, indicator: ind.id, by: gapDim });
  const areas = cat.areas.map((a) => ({ ...a, inds: cat.indicators.filter((i) => i.area === a.id) })).filter((a) => a.inds.length);
  const dimSelect = (k, label) => html`<label>${label}<select name=${'by' + k} value=${by[k] || ''}
      onChange=${(e) => { const nb = [...by]; nb[k] = e.target.value; set({ by: nb.filter(Boolean).filter((v, i, a) => a.indexOf(v) === i).join(',') }); }}>
      <option value="">${k === 0 ? 'no breakdown (total)' : 'none'}</option>
      ${cat.dimensions.map((d) => html`<option value=${d.id} disabled=${k === 1 && d.id === by[0]}>${d.name.split(' (')[0]}</option>`)}
    </select></label>`;
  const notBroken = by.map(dimOf).filter((d) => d && !usable(d));
  return html`<section class="analyst">
    <div class="head"><h1>Indicators</h1><a href="#/catalog">All indicators and definitions</a></div>
    <form class="filters flat" onSubmit=${(e) => e.preventDefault()}>
      <label>Indicator<select name="indicator" value=${ind.id} onChange=${(e) => set({ ind: e.target.value })}>
        ${areas.map((a) => html`<optgroup label=${a.name}>${a.inds.map((i) => html`<option value=${i.id}>${i.id} · ${i.name}</option>`)}</optgroup>`)}
      </select></label>
      ${dimSelect(0, 'Break down by')}
      ${by[0] && dimSelect(1, 'and by')}
      <label>Gaps between groups of<select name="gap" value=${gapDim} onChange=${(e) => set({ gap: e.target.value })}>
        ${cat.dimensions.filter((d) => d.reference && usable(d)).map((d) => html`<option value=${d.id}>${d.name.split(' (')[0]}</option>`)}
      </select></label>
    </form>
    <section class="card def" aria-label="Definition">
      <h2>${ind.id} · ${ind.name} ${ind.sdg && html`<span class="sdg">SDG ${ind.sdg}</span>`}</h2>
      <p>${ind.definition}</p>
      <p class="muted">Unit: ${ind.unit || 'ratio'} · one ${ind.level} is one sampled unit · shown with ${ind.decimals} decimal${ind.decimals === 1 ? '' : 's'} (downloads in JSON and SDMX keep every digit).</p>
      ${notBroken.length > 0 && html`<p class="warn">A household indicator is not broken down by ${notBroken.map((d) => d.name.split(' (')[0]).join(' or ')} (a characteristic of persons): only its total is shown.</p>`}
    </section>
    <${ErrorBox} error=${cells.error}/>
    ${cells.data && html`<${Levels} doc=${cells.data} ind=${ind} by=${by} cat=${cat}/>`}
    <${ErrorBox} error=${gaps.error}/>
    ${gaps.data && html`<${Gaps} doc=${gaps.data} ind=${ind} cat=${cat}/>`}
    <section class="card downloads" aria-label="Downloads">
      <h2>Downloads</h2>
      <p class="muted">The same cells as above. CSV is rounded to the indicator's decimals and has label columns; SDMX-CSV has codes only; JSON has every digit.</p>
      <div class="dls">
        <${DownloadButton} id="dl-csv" label="Table (CSV)" path="/api/indicators" query=${{ survey: SURVEY, indicator: ind.id, by: by.join(','), format: 'csv' }}/>
        <${DownloadButton} id="dl-sdmx" label="Table (SDMX-CSV)" path="/api/indicators" query=${{ survey: SURVEY, indicator: ind.id, by: by.join(','), format: 'sdmx' }}/>
        <${DownloadButton} id="dl-json" label="Table (JSON)" path="/api/indicators" query=${{ survey: SURVEY, indicator: ind.id, by: by.join(','), format: 'json', download: 1 }}/>
        <${DownloadButton} id="dl-gaps" label="Gaps (CSV)" path="/api/indicators/gaps" query=${{ survey: SURVEY, indicator: ind.id, by: gapDim, format: 'csv' }}/>
        <${DownloadButton} id="dl-report" label="Migration profile (HTML)" path="/api/report" query=${{ survey: SURVEY, format: 'html' }}/>
        <${DownloadButton} id="dl-report-pdf" label="Migration profile (PDF)" path="/api/report" query=${{ survey: SURVEY, format: 'pdf' }}/>
      </div>
    </section>
  </section>`;
}

// label names a cell's codes: "Female · Return migrant", "Total" for the margins.
function cellLabel(c, by) {
  const parts = by.map((b) => (c.dims[b] === '_T' && by.length > 1 ? null : c.labels[b])).filter(Boolean);
  return parts.length ? parts.join(' · ') : 'Total';
}

function Levels({ doc, ind, by, cat }) {
  const cells = doc.cells;
  const d = ind.decimals;
  // The chart: inner cells of two dimensions (or the codes and total of one), grouped by the
  // first dimension; suppressed cells are written, not drawn.
  const inner = cells.filter((c) => by.length < 2 || (c.dims[by[0]] !== '_T' && c.dims[by[1]] !== '_T'));
  const chartCells = inner.map((c) => ({ ...c, y: cellLabel(c, by), group: by.length > 1 ? c.labels[by[1]] : cellLabel(c, by) }));
  const pub = chartCells.filter((c) => c.estimate != null);
  const held = chartCells.filter((c) => c.estimate == null);
  const xs = pub.flatMap((c) => [c.estimate, c.ci_low, c.ci_high]).filter((v) => v != null);
  const x0 = Math.min(0, ...xs);
  const x1 = Math.max(x0 + 1e-9, ...xs);
  // Colours follow the second dimension (sexes side by side within each migratory status),
  // or each code of a single one.
  const groups = [...new Set(chartCells.map((c) => c.group))];
  const colour = (c) => groupColours[groups.indexOf(c.group) % groupColours.length];
  return html`<div class="cols wide">
    <section class="card" aria-label="Chart of the estimates">
      <h2>Estimates with 95% intervals</h2>
      <p class="muted legend"><span class="dot full"></span> estimate · <span class="dot hollow"></span> low reliability (25–49 sampled) · whiskers: 95% interval · <span class="sup">suppressed</span>: fewer than 25 sampled, not published</p>
      ${chartCells.length === 0 ? html`<p class="empty">No approved household is in this indicator's population yet.</p>` : html`<${Chart} label=${'Estimates of ' + ind.id} deps=${[doc]} make=${(Plot, width) => Plot.plot({
        width, height: 50 + 28 * chartCells.length, marginLeft: 230, marginRight: 20,
        x: { label: `${ind.name.length > 60 ? ind.id : ind.name} (${ind.unit || 'ratio'})`, grid: true, domain: [x0, x1], nice: true },
        y: { label: null, domain: chartCells.map((c) => c.y), axis: null },
        marks: [
          Plot.axisY({ lineWidth: 20, label: null }),
          Plot.ruleY(pub.filter((c) => c.ci_low != null), { y: 'y', x1: 'ci_low', x2: 'ci_high', stroke: colour, strokeWidth: 2 }),
          Plot.dot(pub, { y: 'y', x: 'estimate', r: 5, stroke: colour, fill: (c) => (c.flag === 'low_reliability' ? 'white' : colour(c)),
            tip: true, title: (c) => `${c.y}: ${fmt(c.estimate, d)} (${fmt(c.ci_low, d)}–${fmt(c.ci_high, d)}), n = ${c.n_unweighted}${c.flag ? ', ' + c.flag.replace('_', ' ') : ''}` }),
          Plot.text(held, { y: 'y', x: x0, text: () => 'suppressed', textAnchor: 'start', dx: 4, fill: '#b3261e', fontStyle: 'italic' }),
        ],
      })}/>`}
    </section>
    <section class="card" aria-label="Table of the cells">
      <h2>Table</h2>
      <div class="tablewrap"><table class="grid cells">
        <thead><tr>${by.map((b) => html`<th scope="col">${cat.dimensions.find((x) => x.id === b).name.split(' (')[0]}</th>`)}${by.length === 0 && html`<th scope="col">Cell</th>`}
          <th scope="col" class="num">Estimate</th><th scope="col" class="num">95% interval</th><th scope="col" class="num">SE</th>
          <th scope="col" class="num">n</th><th scope="col" class="num">Weighted n</th><th scope="col">Note</th></tr></thead>
        <tbody>${cells.map((c) => html`<tr class=${c.flag} data-cell=${[ind.id, ...by.map((b) => c.dims[b])].join('|')} data-flag=${c.flag}>
          ${by.map((b) => html`<td>${c.labels[b]}</td>`)}${by.length === 0 && html`<td>Total</td>`}
          ${c.flag === 'suppressed'
            ? html`<td class="num sup" colspan="3">suppressed</td>`
            : html`<td class="num est">${fmt(c.estimate, d)}</td><td class="num">${c.ci_low == null ? '—' : `${fmt(c.ci_low, d)} – ${fmt(c.ci_high, d)}`}</td><td class="num">${fmt(c.se, d + 1)}</td>`}
          <td class="num">${c.n_unweighted}</td><td class="num">${c.n_weighted == null ? '—' : fmt(c.n_weighted, 0)}</td>
          <td><${FlagBadge} cell=${c} notes=${cat.flags}/></td></tr>`)}
        ${cells.length === 0 && html`<tr><td colspan="9" class="empty">No cell: no approved household is in this indicator's population yet.</td></tr>`}</tbody>
      </table></div>
      <p class="muted small">Suppressed: ${cat.flags.suppressed} Low reliability: ${cat.flags.low_reliability}</p>
    </section>
  </div>`;
}

function Gaps({ doc, ind, cat }) {
  const d = ind.decimals;
  const dim = cat.dimensions.find((x) => x.id === doc.by);
  const rows = doc.gaps.map((g) => ({ ...g, y: `${g.a.label} − ${g.b.label}` }));
  const pub = rows.filter((g) => g.estimate != null);
  const held = rows.filter((g) => g.estimate == null);
  const xs = pub.flatMap((g) => [g.estimate, g.ci_low, g.ci_high]).filter((v) => v != null);
  const lo = Math.min(0, ...xs), hi = Math.max(0, ...xs, lo + 1e-9);
  return html`<section class="card gaps" aria-label="Gaps between groups">
    <h2>Gaps by ${dim.name.split(' (')[0]} (${ind.gap_unit || 'difference'})</h2>
    <p class="muted">Each group against ${dim.labels[dim.reference]}: the difference with its design-based 95% interval (the two groups share sampling units, so their covariance counts). <b>Filled</b>: significant at 5% (the interval excludes 0).</p>
    ${rows.length === 0 ? html`<p class="empty">No gap: the groups have no sampled unit of this indicator's population.</p>` : html`
    <div class="cols wide">
      <${Chart} label=${'Gaps of ' + ind.id} deps=${[doc]} make=${(Plot, width) => Plot.plot({
        width, height: 50 + 34 * rows.length, marginLeft: 210, marginRight: 20,
        x: { label: `gap (${ind.gap_unit || 'difference'})`, grid: true, domain: [lo, hi], nice: true },
        y: { label: null, domain: rows.map((g) => g.y), axis: null },
        marks: [
          Plot.axisY({ lineWidth: 18, label: null }),
          Plot.ruleX([0], { stroke: '#888' }),
          Plot.ruleY(pub.filter((g) => g.ci_low != null), { y: 'y', x1: 'ci_low', x2: 'ci_high', stroke: '#1d2430', strokeWidth: 2 }),
          Plot.dot(pub, { y: 'y', x: 'estimate', r: 5, stroke: '#1d2430', fill: (g) => (g.significant ? '#1d2430' : 'white'), tip: true,
            title: (g) => `${g.y}: ${fmt(g.estimate, d)} (${fmt(g.ci_low, d)}–${fmt(g.ci_high, d)})${g.significant ? ', significant' : ''}` }),
          Plot.text(held, { y: 'y', x: lo, text: () => 'suppressed', textAnchor: 'start', dx: 4, fill: '#b3261e', fontStyle: 'italic' }),
        ],
      })}/>
      <div class="tablewrap"><table class="grid gaptable">
        <thead><tr><th scope="col">Gap</th><th scope="col" class="num">Difference</th><th scope="col" class="num">95% interval</th><th scope="col">Significant</th><th scope="col" class="num">n (a / b)</th></tr></thead>
        <tbody>${rows.map((g) => html`<tr class=${g.flag} data-gap=${`${g.indicator}|${g.dim}|${g.a.code}|${g.b.code}`}>
          <td>${g.y}</td>
          ${g.flag === 'suppressed' ? html`<td class="num sup" colspan="3"><span title="A group's cell is not published, so neither is the gap.">suppressed</span></td>`
            : html`<td class="num est">${fmt(g.estimate, d)}</td><td class="num">${g.ci_low == null ? '—' : `${fmt(g.ci_low, d)} – ${fmt(g.ci_high, d)}`}</td>
              <td>${g.significant == null ? '—' : g.significant ? html`<b>yes</b>` : 'no'}${g.flag === 'low_reliability' ? html` <span class="badge b-low_reliability">low reliability</span>` : ''}</td>`}
          <td class="num">${g.a.n_unweighted} / ${g.b.n_unweighted}</td></tr>`)}</tbody>
      </table></div>
    </div>`}
  </section>`;
}

register({ path: '/indicators', title: 'Indicators', nav: true, order: 50, key: 'i', roles: ['analyst', 'supervisor', 'superuser'], component: Workspace });
