// The indicator catalog: every indicator by target area with its definition, SDG link, unit
// and the unit it counts, and the dimensions with the meaning of their codes.
import { html, ErrorBox } from '../lib.js';
import { register } from '../router.js';
import { useCatalog } from './common.js';

function Catalog() {
  const { data: cat, error } = useCatalog();
  if (error) return html`<${ErrorBox} error=${error}/>`;
  if (!cat) return html`<p class="muted">Loading the catalog…</p>`;
  return html`<section class="analyst catalog">
    <div class="head"><h1>Indicator catalog</h1><span class="muted">${cat.title}</span></div>
    ${cat.areas.map((a) => {
      const inds = cat.indicators.filter((i) => i.area === a.id);
      return html`<section class="card area" id=${'area-' + a.id}>
        <h2>${a.name}</h2><p class="muted">${a.about}</p>
        ${inds.length === 0 ? html`<p class="empty">No indicator of this area in the catalog of this survey.</p>` : html`<dl class="inds">
          ${inds.map((i) => html`<dt id=${'ind-' + i.id}><a href=${'#/indicators?ind=' + i.id}>${i.id} · ${i.name}</a>
              ${i.sdg && html`<span class="sdg">SDG ${i.sdg}</span>`}</dt>
            <dd>${i.definition} <span class="muted">Unit: ${i.unit || 'ratio'}; counted per ${i.level}; gaps in ${i.gap_unit || 'units'}.</span></dd>`)}
        </dl>`}
      </section>`;
    })}
    <section class="card"><h2>Breakdowns and their codes</h2>
      <div class="tablewrap"><table class="grid">
        <thead><tr><th scope="col">Dimension</th><th scope="col">Codes</th><th scope="col">Gaps against</th></tr></thead>
        <tbody>${cat.dimensions.map((d) => html`<tr><td><b>${d.name}</b><br/><code>${d.id}</code>${d.person_only ? html`<br/><small class="muted">persons only</small>` : ''}</td>
          <td class="wrap">${d.codes.map((c) => html`<span class="code"><code>${c}</code> ${d.labels[c]}</span>`)}</td>
          <td>${d.reference ? d.labels[d.reference] : '—'}</td></tr>`)}</tbody>
      </table></div>
      <p class="muted"><code>_T</code> is the total. ${cat.flags.suppressed} ${cat.flags.low_reliability}</p>
    </section>
  </section>`;
}

register({ path: '/catalog', title: 'Catalog', nav: true, order: 51, key: 'c', roles: ['analyst', 'supervisor', 'superuser'], component: Catalog });
