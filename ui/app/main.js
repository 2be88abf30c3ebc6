// The app shell: sign-in, the menu of the screens the caller's role may use, and the
// current screen. Screens live in their own files (see screens.js).
import { html, render, pb, api, useState, useEffect, useRef, ErrorBox, NotFound, stopLive } from './lib.js';
import { allRoutes, match, useLocation, navigate } from './router.js';
import './screens.js';

const roleNames = { supervisor: 'Supervisor', analyst: 'Analyst', superuser: 'Administrator' };

function Login({ onDone }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const first = useRef();
  useEffect(() => first.current?.focus(), []);
  async function submit(ev) {
    ev.preventDefault();
    setBusy(true);
    setError(null);
    try {
      try {
        await pb.collection('users').authWithPassword(email, password);
      } catch (err) {
        if (err.status === 429) throw err;
        // Administrators are PocketBase superusers.
        await pb.collection('_superusers').authWithPassword(email, password);
      }
      const me = await api('/api/console/me');
      onDone(me);
    } catch (err) {
      pb.authStore.clear();
      setError(new Error(err.status === 403 ? 'This account has no access to the console (enumerators use their tablet app).'
        : err.status === 429 ? 'Too many attempts: wait a few seconds and try again.'
        : 'Wrong email or password.'));
    } finally {
      setBusy(false);
    }
  }
  return html`<main id="main" class="login">
    <form onSubmit=${submit} aria-labelledby="login-title">
      <h1 id="login-title">fieldbase</h1>
      <p class="muted">Sign in to review, assign and follow fieldwork.</p>
      <label>Email<input ref=${first} type="email" name="email" autocomplete="username" required value=${email} onInput=${(e) => setEmail(e.target.value)}/></label>
      <label>Password<input type="password" name="password" autocomplete="current-password" required value=${password} onInput=${(e) => setPassword(e.target.value)}/></label>
      <${ErrorBox} error=${error}/>
      <button type="submit" class="primary" disabled=${busy}>${busy ? 'Signing in…' : 'Sign in'}</button>
    </form>
  </main>`;
}

function Help({ onClose }) {
  const ref = useRef();
  useEffect(() => ref.current?.showModal?.(), []);
  const keys = allRoutes().filter((r) => r.key);
  return html`<dialog ref=${ref} class="help" onClose=${onClose} aria-labelledby="help-title">
    <h2 id="help-title">Keyboard</h2>
    <dl>
      ${keys.map((r) => html`<dt><kbd>g</kbd> <kbd>${r.key}</kbd></dt><dd>${r.title}</dd>`)}
      <dt><kbd>j</kbd> / <kbd>k</kbd></dt><dd>next / previous household in a list or queue</dd>
      <dt><kbd>Enter</kbd> or <kbd>o</kbd></dt><dd>open the selected household</dd>
      <dt><kbd>a</kbd></dt><dd>approve (household screen)</dd>
      <dt><kbd>r</kbd></dt><dd>reject with a note (household screen)</dd>
      <dt><kbd>/</kbd></dt><dd>search</dd>
      <dt><kbd>?</kbd></dt><dd>this help</dd>
    </dl>
    <form method="dialog"><button class="primary">Close</button></form>
  </dialog>`;
}

function Shell({ me, onSignOut }) {
  const loc = useLocation();
  const [help, setHelp] = useState(false);
  const nav = allRoutes().filter((r) => r.nav && (!r.roles || r.roles.includes(me.role)));
  useEffect(() => {
    let g = false;
    function onKey(ev) {
      if (ev.target.closest('input, textarea, select, [contenteditable]') || ev.ctrlKey || ev.metaKey || ev.altKey) return;
      if (ev.key === '?') { setHelp(true); return; }
      // "g x" goes to a screen; the second key is not seen by the screen's own shortcuts.
      if (g) {
        g = false;
        ev.stopImmediatePropagation();
        const r = nav.find((r) => r.key === ev.key);
        if (r) { ev.preventDefault(); navigate(r.path); }
        return;
      }
      if (ev.key === 'g') { g = true; ev.stopImmediatePropagation(); }
    }
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [me.role]);
  const m = match(loc.path, me.role);
  const Screen = m?.route.component;
  const home = loc.path === '/' && nav.length > 0;
  useEffect(() => {
    if (home) navigate(nav[0].path, {}, { replace: true });
  }, [home]);
  useEffect(() => {
    document.title = (m?.route.title ? m.route.title + ' · ' : '') + 'fieldbase';
    document.getElementById('main')?.focus({ preventScroll: true });
  }, [loc.path]);
  return html`<div class="shell">
    <header class="top">
      <a class="brand" href="#/">fieldbase</a>
      <nav aria-label="Screens"><ul>
        ${nav.map((r) => html`<li><a href=${'#' + r.path} aria-current=${loc.path.startsWith(r.path) ? 'page' : null}>${r.title}</a></li>`)}
      </ul></nav>
      <div class="who">
        <span title=${me.email}>${me.name || me.email} · ${roleNames[me.role] || me.role}</span>
        <button type="button" class="link" onClick=${() => setHelp(true)} aria-label="Keyboard shortcuts">?</button>
        <button type="button" onClick=${onSignOut}>Sign out</button>
      </div>
    </header>
    <main id="main" tabindex="-1">
      ${home ? null : Screen ? html`<${Screen} me=${me} params=${m.params} query=${loc.query} path=${loc.path}/>` : html`<${NotFound}/>`}
    </main>
    ${help && html`<${Help} onClose=${() => setHelp(false)}/>`}
  </div>`;
}

function App() {
  const [me, setMe] = useState(null);
  const [error, setError] = useState(null);
  const [checking, setChecking] = useState(pb.authStore.isValid);
  useEffect(() => {
    if (!pb.authStore.isValid) return;
    api('/api/console/me').then(setMe, (err) => { pb.authStore.clear(); if (err.status !== 401 && err.status !== 403) setError(err); })
      .finally(() => setChecking(false));
  }, []);
  if (checking) return html`<p class="boot">Loading fieldbase…</p>`;
  if (!me) return html`<${ErrorBox} error=${error}/><${Login} onDone=${setMe}/>`;
  return html`<${Shell} me=${me} onSignOut=${() => { stopLive(); pb.authStore.clear(); setMe(null); location.hash = ''; }}/>`;
}

const root = document.getElementById('root');
root.textContent = '';
render(html`<${App}/>`, root);
