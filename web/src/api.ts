// The HTTP client: JSON in and out, the CSRF header on every write, one error type, 401 → login.

import type {
  Analysis,
  ApiErrorBody,
  Chain,
  ChainSummary,
  Dashboard,
  Enterprise,
  EnterpriseInput,
  EnterpriseSummary,
  ImportReport,
  Me,
  Page,
  Region,
  Scope,
} from './types';

export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
    public field: string | null = null,
    public body: ApiErrorBody | null = null,
    public retryAfter: string | null = null,
  ) {
    super(message);
  }
}

let csrfToken: string | null = null;
let onUnauthorized: (() => void) | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called on any 401 except the login call's own. */
export function setUnauthorizedHandler(f: () => void): void {
  onUnauthorized = f;
}

interface Options {
  method?: string;
  body?: unknown;
  form?: FormData;
  /** A 401 is the answer, not a reason to leave the page (login, the first /api/me). */
  quiet401?: boolean;
}

export async function request<T>(path: string, opts: Options = {}): Promise<T> {
  const method = opts.method ?? 'GET';
  const headers: Record<string, string> = { Accept: 'application/json' };
  let body: BodyInit | undefined;
  if (opts.form) body = opts.form;
  else if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  if (method !== 'GET' && method !== 'HEAD' && path !== '/api/login' && csrfToken) {
    headers['X-CSRF-Token'] = csrfToken;
  }
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body, credentials: 'same-origin' });
  } catch (e) {
    throw new ApiError(0, 'network', e instanceof Error ? e.message : String(e));
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let data: unknown = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    const b = (data && typeof data === 'object' ? data : null) as ApiErrorBody | null;
    const err = new ApiError(
      res.status,
      b?.code ?? `http_${res.status}`,
      b?.message ?? (text.slice(0, 200) || res.statusText || `HTTP ${res.status}`),
      b?.field ?? null,
      b,
      res.headers.get('Retry-After'),
    );
    if (res.status === 401 && !opts.quiet401 && onUnauthorized) onUnauthorized();
    throw err;
  }
  return data as T;
}

function qs(params: Record<string, string | number | boolean | null | undefined>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === null || v === undefined || v === '' || v === false) continue;
    u.set(k, String(v));
  }
  const s = u.toString();
  return s ? `?${s}` : '';
}

export interface EnterpriseQuery {
  q?: string;
  region?: string | number;
  chain?: string;
  industry?: string;
  leading?: boolean;
  specialised?: boolean;
  offset?: number;
  limit?: number;
}

export const api = {
  me: () => request<Me>('/api/me', { quiet401: true }),
  login: (username: string, password: string) =>
    request<Me>('/api/login', { method: 'POST', body: { username, password }, quiet401: true }),
  logout: () => request<void>('/api/logout', { method: 'POST', quiet401: true }),
  scopes: () => request<Scope[]>('/api/scopes'),
  regions: () => request<Region[]>('/api/regions'),
  dashboard: (scope: string) => request<Dashboard>(`/api/dashboard${qs({ scope })}`),
  enterprises: (q: EnterpriseQuery) => request<Page<EnterpriseSummary>>(`/api/enterprises${qs({ ...q })}`),
  enterprise: (code: string) => request<Enterprise>(`/api/enterprises/${encodeURIComponent(code)}`),
  createEnterprise: (input: EnterpriseInput) => request<Enterprise>('/api/enterprises', { method: 'POST', body: input }),
  updateEnterprise: (code: string, input: EnterpriseInput) =>
    request<Enterprise>(`/api/enterprises/${encodeURIComponent(code)}`, { method: 'PUT', body: input }),
  chains: () => request<ChainSummary[]>('/api/chains'),
  chain: (id: string) => request<Chain>(`/api/chains/${encodeURIComponent(id)}`),
  analysis: (id: string, scope: string) =>
    request<Analysis>(`/api/chains/${encodeURIComponent(id)}/analysis${qs({ scope })}`),
  importFiles: (files: File[], commit: boolean) => {
    const form = new FormData();
    for (const f of files) form.append('file', f, f.name);
    return request<ImportReport>(`/api/import?commit=${commit}`, { method: 'POST', form });
  },
};
