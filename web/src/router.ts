// Hash routes: #/path/parts?query.

export interface Ctx {
  path: string[];
  query: URLSearchParams;
  main: HTMLElement;
  /** False once the user went elsewhere: a late answer must not draw over the new page. */
  alive: () => boolean;
}

export function parseHash(): { path: string[]; query: URLSearchParams } {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [p, q] = raw.split('?', 2);
  return {
    path: p.split('/').filter(Boolean).map((s) => decodeURIComponent(s)),
    query: new URLSearchParams(q ?? ''),
  };
}

export function go(hash: string): void {
  const target = `#${hash.startsWith('/') ? hash : `/${hash}`}`;
  if (location.hash === target) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else location.hash = target;
}

/** Changes the query without a new history entry or a re-render. */
export function setQuery(path: string, params: Record<string, string | number | boolean | null | undefined>): void {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== '' && v !== false) u.set(k, String(v));
  const s = u.toString();
  history.replaceState(null, '', `#${path}${s ? `?${s}` : ''}`);
}
