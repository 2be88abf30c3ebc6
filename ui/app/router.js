// A small hash router. Screens register themselves (see screens.js); a screen file exports
// nothing else the shell needs. The URL hash holds the screen and its state (#/path?query),
// so a filter is a link that can be bookmarked or shared.
import { useState, useEffect } from './lib.js';

const routes = [];

// register adds a screen: {path: '/household/:id', title, roles: ['supervisor', ...],
// nav: true to list it in the menu, order, key: a one-letter shortcut (g then key), component}.
export function register(route) {
  routes.push({ order: 100, ...route, re: toRegExp(route.path) });
  routes.sort((a, b) => a.order - b.order);
}

function toRegExp(path) {
  const names = [];
  const src = path.replace(/:([a-z_]+)/g, (_, n) => { names.push(n); return '([^/]+)'; });
  const re = new RegExp('^' + src + '$');
  re.names = names;
  return re;
}

export function allRoutes() { return routes; }

// current parses location.hash into {path, params, query}.
export function current() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path, qs = ''] = raw.split('?');
  return { path, query: Object.fromEntries(new URLSearchParams(qs)) };
}

export function match(path, role) {
  for (const r of routes) {
    const m = r.re.exec(path);
    if (m && (!r.roles || r.roles.includes(role))) {
      const params = {};
      r.re.names.forEach((n, i) => { params[n] = decodeURIComponent(m[i + 1]); });
      return { route: r, params };
    }
  }
  return null;
}

// link builds "#/path?query" leaving out empty values.
export function link(path, query = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== '' && v != null && v !== false) q.set(k, v);
  const s = q.toString();
  return '#' + path + (s ? '?' + s : '');
}

export function navigate(path, query, { replace = false } = {}) {
  const to = link(path, query);
  if (replace) history.replaceState(null, '', to), window.dispatchEvent(new HashChangeEvent('hashchange'));
  else location.hash = to;
}

export function useLocation() {
  const [loc, set] = useState(current());
  useEffect(() => {
    const on = () => set(current());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return loc;
}
