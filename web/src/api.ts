// The HTTP client: JSON in and out, the CSRF header on every write, one error type, 401 → login.

import type {
  AllocationRequest,
  Analysis,
  AnswerResponse,
  ApiErrorBody,
  Candidate,
  CandidateList,
  Chain,
  ChainSummary,
  Dashboard,
  Delivery,
  Demand,
  DemandInput,
  DockingKpis,
  DockingPlan,
  Offer,
  OfferInput,
  PlanRequest,
  PlanResponse,
  Enterprise,
  EnterpriseInput,
  EnterpriseSummary,
  ImportReport,
  Me,
  Page,
  Region,
  RiskParamsInput,
  RiskView,
  ScenarioNode,
  ScenarioResult,
  Scope,
  SimulateRequest,
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

// Division codes: docs/api.md shows numbers, the server's RegionCode serialises as a string ("130200").
// The UI works with numbers; these accept either.
const n = (v: unknown): number => Number(v);
const nOpt = (v: unknown): number | null => (v === null || v === undefined || v === '' ? null : Number(v));
/** 北京市市辖区 (or a bare 市辖区 of older tables) → 北京市: a municipality's one city reads as the municipality. */
const city = (name: string, code?: number): string => {
  const m = name.replace(/^(北京市|天津市)市辖区$/, '$1');
  if (m !== '市辖区' || code === undefined) return m;
  return code === 110100 ? '北京市' : code === 120100 ? '天津市' : m;
};
const ref = <T extends { code: unknown; name: string } | null | undefined>(r: T): T =>
  r ? { ...r, code: n(r.code), name: city(r.name, n(r.code)) } : r;

function normRegion(r: Region): Region {
  return { ...r, code: n(r.code), name: city(r.name, n(r.code)), parent: nOpt(r.parent) };
}

function normSummary<T extends EnterpriseSummary>(e: T): T {
  return { ...e, region: { ...e.region, code: n(e.region.code), city: ref(e.region.city), province: ref(e.region.province) } };
}

function normDashboard(d: Dashboard): Dashboard {
  return {
    ...d,
    by_province: d.by_province.map((p) => ({ ...p, code: n(p.code) })),
    by_city: d.by_city.map((c) => ({ ...c, code: n(c.code), province: n(c.province) })),
    points: d.points.map((p) => ({ ...p, city: n(p.city) })),
  };
}

function normAnalysis(a: Analysis): Analysis {
  return {
    ...a,
    scope: { ...a.scope, divisions: a.scope.divisions?.map(n) },
    links: a.links.map((l) => ({
      ...l,
      leading_producers: l.leading_producers.map((p) => ({ ...p, region: n(p.region) })),
      producers_by_region: l.producers_by_region.map((p) => ({ ...p, region: n(p.region), region_name: city(p.region_name) })),
      supply_sources: l.supply_sources.map((p) => ({ ...p, region: n(p.region), region_name: city(p.region_name) })),
    })),
    gaps_to_fill: a.gaps_to_fill.map((g) => ({ ...g, candidates: g.candidates.map((c) => ({ ...c, region: n(c.region) })) })),
    key_enterprises: a.key_enterprises.map((k) => ({ ...k, region: n(k.region) })),
  };
}

function normDemand(d: Demand): Demand {
  return { ...d, delivery_region: n(d.delivery_region), excluded_regions: (d.excluded_regions ?? []).map(n) };
}

function normCandidate(c: Candidate): Candidate {
  return { ...c, region: n(c.region), city: n(c.city), city_name: city(c.city_name, n(c.city)) };
}

function normPlan(p: DockingPlan): DockingPlan {
  return {
    ...p,
    lines: p.lines.map((l) => ({ ...l, city: n(l.city), city_name: city(l.city_name, n(l.city)) })),
    excluded_regions: (p.excluded_regions ?? []).map(n),
  };
}

function normScenarioNode(x: ScenarioNode): ScenarioNode {
  return { ...x, region: nOpt(x.region) };
}

function normScenario(r: ScenarioResult): ScenarioResult {
  return {
    ...r,
    disrupted: (r.disrupted ?? []).map(normScenarioNode),
    tiers: (r.tiers ?? []).map((t) => ({ ...t, nodes: t.nodes.map(normScenarioNode) })),
    alternatives: (r.alternatives ?? []).map((a) => ({
      ...a,
      suppliers: a.suppliers.map((s) => ({ ...s, city: nOpt(s.city), city_name: s.city_name ? city(s.city_name, nOpt(s.city) ?? undefined) : s.city_name })),
    })),
  };
}

export const api = {
  me: () => request<Me>('/api/me', { quiet401: true }),
  login: (username: string, password: string) =>
    request<Me>('/api/login', { method: 'POST', body: { username, password }, quiet401: true }),
  logout: () => request<void>('/api/logout', { method: 'POST', quiet401: true }),
  scopes: () => request<Scope[]>('/api/scopes'),
  regions: async () => (await request<Region[]>('/api/regions')).map(normRegion),
  dashboard: async (scope: string) => normDashboard(await request<Dashboard>(`/api/dashboard${qs({ scope })}`)),
  enterprises: async (q: EnterpriseQuery) => {
    const page = await request<Page<EnterpriseSummary>>(`/api/enterprises${qs({ ...q })}`);
    return { ...page, items: page.items.map(normSummary) };
  },
  enterprise: async (code: string) => normSummary(await request<Enterprise>(`/api/enterprises/${encodeURIComponent(code)}`)),
  createEnterprise: async (input: EnterpriseInput) =>
    normSummary(await request<Enterprise>('/api/enterprises', { method: 'POST', body: input })),
  updateEnterprise: async (code: string, input: EnterpriseInput) =>
    normSummary(await request<Enterprise>(`/api/enterprises/${encodeURIComponent(code)}`, { method: 'PUT', body: input })),
  chains: () => request<ChainSummary[]>('/api/chains'),
  chain: (id: string) => request<Chain>(`/api/chains/${encodeURIComponent(id)}`),
  analysis: async (id: string, scope: string) =>
    normAnalysis(await request<Analysis>(`/api/chains/${encodeURIComponent(id)}/analysis${qs({ scope })}`)),
  importFiles: (files: File[], commit: boolean) => {
    const form = new FormData();
    for (const f of files) form.append('file', f, f.name);
    return request<ImportReport>(`/api/import?commit=${commit}`, { method: 'POST', form });
  },

  // supply–demand docking
  demands: async (q: { status?: string; buyer?: string } = {}) =>
    (await request<Demand[]>(`/api/demands${qs(q)}`)).map(normDemand),
  demand: async (id: number) => {
    const d = await request<{ demand: Demand; requests: AllocationRequest[] }>(`/api/demands/${id}`);
    return { demand: normDemand(d.demand), requests: d.requests };
  },
  createDemand: async (input: DemandInput) => normDemand(await request<Demand>('/api/demands', { method: 'POST', body: input })),
  cancelDemand: async (id: number) => normDemand(await request<Demand>(`/api/demands/${id}/cancel`, { method: 'POST' })),
  candidates: async (id: number, excludeRegions: (string | number)[] = []): Promise<CandidateList> => {
    const d = await request<CandidateList>(`/api/demands/${id}/candidates${qs({ exclude_regions: excludeRegions.join(',') })}`);
    return { demand: normDemand(d.demand), candidates: d.candidates.map(normCandidate) };
  },
  plan: async (req: PlanRequest): Promise<PlanResponse> => {
    const r = await request<PlanResponse>('/api/plan', { method: 'POST', body: req });
    return { ...r, plan: normPlan(r.plan) };
  },
  offers: () => request<Offer[]>('/api/offers'),
  createOffer: (input: OfferInput) => request<Offer>('/api/offers', { method: 'POST', body: input }),
  requests: (q: { demand?: number; supplier?: string } = {}) => request<AllocationRequest[]>(`/api/requests${qs(q)}`),
  /** Accept or decline; a decline re-plans the demand's shortfall unless `replan` is false. */
  answer: (id: number, accept: boolean, reason?: string, replan = true) =>
    request<AnswerResponse>(`/api/requests/${id}/answer`, { method: 'POST', body: { accept, reason: reason ?? null, replan } }),
  deliver: (id: number, quantity: number, deliveredOn?: string) =>
    request<Delivery>(`/api/requests/${id}/deliveries`, { method: 'POST', body: { quantity, delivered_on: deliveredOn || null } }),
  dockingKpis: () => request<DockingKpis>('/api/docking/kpis'),

  // risk exposure and disruption scenarios
  risk: async (id: string): Promise<RiskView> => {
    const r = await request<RiskView>(`/api/chains/${encodeURIComponent(id)}/risk`);
    return { ...r, nodes: r.nodes.map((x) => ({ ...x, region: nOpt(x.region), city_name: x.city_name ? city(x.city_name, nOpt(x.region) ?? undefined) : x.city_name })) };
  },
  setRiskParams: (chain: string, node: string, params: RiskParamsInput) =>
    request<unknown>(`/api/chains/${encodeURIComponent(chain)}/risk/nodes/${encodeURIComponent(node)}`, { method: 'PUT', body: params }),
  simulate: async (req: SimulateRequest) => normScenario(await request<ScenarioResult>('/api/simulate', { method: 'POST', body: req })),
};
