// The shapes of docs/api.md.

export type Role = 'admin' | 'analyst' | 'enterprise' | 'expert';

export interface Me {
  username: string;
  role: Role;
  enterprise: null | { credit_code: string; name: string };
  csrf_token: string;
}

export interface ApiErrorBody {
  code: string;
  message: string;
  field: string | null;
  report?: ImportReport;
}

export interface Scope {
  key: string;
  name: string;
  name_en?: string;
  divisions?: number[];
}

export interface Region {
  code: number;
  name: string;
  name_en?: string;
  level: 'province' | 'city' | 'county';
  parent: number | null;
  lng: number;
  lat: number;
}

export interface Dashboard {
  totals: {
    enterprises: number;
    chains: number;
    producers: number;
    supply: number;
    breakpoints: number;
    bottlenecks: number;
    chokepoints: number;
  };
  by_province: { code: number; name: string; enterprises: number }[];
  by_city: { code: number; name: string; province: number; lng: number; lat: number; enterprises: number }[];
  chains: {
    id: string;
    name: string;
    links: number;
    enterprises: number;
    breakpoints: number;
    bottlenecks: number;
    chokepoints: number;
  }[];
  points: { credit_code: string; name: string; lng: number; lat: number; city: number; leading: boolean; specialised: boolean }[];
}

export interface CodeName {
  code: number;
  name: string;
}

export interface EnterpriseLinkRef {
  chain: string;
  chain_name: string;
  link: string;
  link_name: string;
}

/** An enterprise as the list shows it (public fields). */
export interface EnterpriseSummary {
  credit_code: string;
  name: string;
  aliases: string[];
  region: { code: number; name: string; city: CodeName | null; province: CodeName | null };
  location: { lng: number; lat: number } | null;
  industry: null | { code: string; name: string };
  above_scale: boolean;
  leading: boolean;
  specialised: boolean;
  illustrative: boolean;
  /** Not in the list's items of the server as written; shown when present. */
  links?: EnterpriseLinkRef[];
}

/** An enterprise's page. */
export interface Enterprise extends EnterpriseSummary {
  description: string | null;
  links: EnterpriseLinkRef[];
  private: null | {
    contact_person: string | null;
    contact_phone: string | null;
    capacities: { chain: string; link: string; link_name: string; capacity: number; unit: string }[];
  };
  can_edit: boolean;
  version: number;
}

export interface Page<T> {
  items: T[];
  total: number;
  offset: number;
  limit: number;
}

export interface ChainSummary {
  id: string;
  name: string;
  links: number;
  producers: number;
  enterprises: number;
}

export type Segment = 'upstream' | 'midstream' | 'downstream';
export type LinkStatus = 'breakpoint' | 'bottleneck' | 'chokepoint' | 'healthy' | 'not_needed';

export interface ChainLink {
  id: string;
  name: string;
  segment: Segment;
  unit: string;
  import_dependent: boolean;
  industry: string | null;
  note: string | null;
}

export interface Chain {
  id: string;
  name: string;
  description: string | null;
  links: ChainLink[];
  bom: { input: string; output: string; quantity: number }[];
}

export type BottleneckReason =
  | { kind: 'capacity_shortfall'; capacity: number; demand: number }
  | { kind: 'single_producer'; enterprise: string }
  | { kind: 'concentrated'; hhi: number };

export interface LinkReport {
  id: string;
  name: string;
  segment: Segment;
  unit: string;
  import_dependent: boolean;
  status: LinkStatus;
  needed: boolean;
  producers_in_scope: number;
  producers_out_of_scope: number;
  capacity_in_scope: number;
  capacity_out_of_scope: number;
  demand_in_scope: number;
  hhi: number | null;
  bottleneck_reasons: BottleneckReason[];
  leading_producers: {
    credit_code: string;
    name: string;
    region: number;
    region_name: string;
    capacity: number | null;
    share: number | null;
    leading: boolean;
    specialised: boolean;
  }[];
  producers_by_region: { region: number; region_name: string; in_scope: boolean; producers: number; capacity: number }[];
  supply_sources: { region: number; region_name: string; in_scope: boolean; share: number }[];
  supply_in_scope_share: number | null;
}

export interface Finding {
  link: string;
  name: string;
  segment: Segment;
  producers_in_scope: number;
  capacity_in_scope: number;
  demand_in_scope: number;
  unit: string;
  detail: string;
}

export interface Gap {
  link: string;
  name: string;
  kind: LinkStatus;
  shortfall: number;
  unit: string;
  candidates: {
    credit_code: string;
    name: string;
    region: number;
    region_name: string;
    capacity: number | null;
    leading: boolean;
    specialised: boolean;
  }[];
}

export interface KeyEnterprise {
  credit_code: string;
  name: string;
  region: number;
  region_name: string;
  leading: boolean;
  specialised: boolean;
  links: string[];
  reasons: string[];
  max_share: number | null;
}

export interface Analysis {
  chain: { id: string; name: string };
  scope: { key: string; name: string; divisions?: number[] };
  links: LinkReport[];
  breakpoints: Finding[];
  bottlenecks: Finding[];
  chokepoints: Finding[];
  gaps_to_fill: Gap[];
  key_enterprises: KeyEnterprise[];
  key_enterprises_total: number;
}

export interface ImportIssue {
  file: string;
  row: number | null;
  column: string | null;
  value: string | null;
  reason: string;
}

export interface ImportReport {
  files: { file: string; format: string; tables: [string, number][] }[];
  errors: ImportIssue[];
  warnings: ImportIssue[];
  written: null | { enterprises: number; chains: number; producers: number; supply: number };
  dry_run: boolean;
}

export interface EnterpriseInput {
  credit_code?: string;
  name: string;
  aliases?: string[];
  /** A division code or name, as a string. */
  region: string;
  industry?: string | null;
  location?: { lng: number; lat: number } | null;
  above_scale?: boolean;
  leading?: boolean;
  specialised?: boolean;
  description?: string | null;
  contact_person?: string | null;
  contact_phone?: string | null;
  version?: number;
}

// ---- supply–demand docking (crates/model/src/docking.rs, crates/engine/src/docking.rs) --------------

export type DemandStatus = 'open' | 'planned' | 'covered' | 'delivered' | 'cancelled';
export type RequestStatus = 'pending' | 'accepted' | 'declined' | 'cancelled';

export interface Demand {
  id: number;
  buyer: string;
  chain: string;
  link: string;
  /** As the buyer wrote it (the link's name when they picked the link). */
  product: string;
  quantity: number;
  unit: string;
  due: string;
  created: string;
  delivery_region: number;
  certifications: string[];
  excluded_suppliers: string[];
  excluded_regions: number[];
  /** 1 (most urgent) to 5. */
  priority: number;
  status: DemandStatus;
  note: string | null;
}

export interface DemandInput {
  buyer: string;
  product: string;
  quantity: string;
  due: string;
  deliver_to: string;
  priority?: number;
  excluded_regions?: string[];
  excluded_suppliers?: string[];
  certifications?: string[];
  note?: string | null;
}

export interface Offer {
  id: number;
  supplier: string;
  chain: string;
  link: string;
  quantity: number;
  unit: string;
  available_from: string;
  available_until: string;
  unit_price: number;
  lead_time_days: number;
}

export interface OfferInput {
  supplier: string;
  product: string;
  quantity: string;
  available_from: string;
  available_until: string;
  unit_price: number;
  lead_time_days: number;
}

export interface AllocationRequest {
  id: number;
  demand: number;
  supplier: string;
  quantity: number;
  /** Yuan per unit the plan counted (price + transport). */
  unit_cost: number;
  status: RequestStatus;
  reason: string | null;
  created_at: string;
  responded_at: string | null;
  delivered: number;
}

/** What a decline's re-plan did, in numbers (POST /api/requests/{id}/answer). */
export interface ReplanSummary {
  demand: number;
  /** The demand's quantity less its accepted and pending requests when the re-plan began. */
  shortfall: number;
  /** Units sent as new requests. */
  allocated: number;
  /** New requests, one per supplier not asked before. */
  requests: number;
  unmet: number;
  unmet_reason: string | null;
}

/** The answer to a request; after a decline the re-plan of the demand's shortfall. */
export interface AnswerResponse {
  request: AllocationRequest;
  /** The re-plan in full, for the department and the buyer (not typed here: the page uses the summary). */
  replan: { sent: AllocationRequest[]; shortfall: number } | null;
  replan_error: string | null;
  replan_summary: ReplanSummary | null;
}

export interface Delivery {
  id: number;
  request: number;
  quantity: number;
  delivered_on: string;
}

export interface ScoreParts {
  product_fit: number;
  free_capacity: number;
  distance: number;
  lead_time: number;
  delivery_record: number;
  flags: number;
  /** 0..100. */
  total: number;
}

export interface Candidate {
  supplier: string;
  name: string;
  region: number;
  city: number;
  city_name: string;
  fit: 'link' | 'related';
  chain: string;
  link: string;
  capacity_by_due: number;
  /** No offer backs the capacity: a producer's assumed spare capacity. */
  assumed: boolean;
  unit_price: number | null;
  lead_time_days: number;
  distance_km: number;
  transport_per_unit: number;
  unit_cost: number;
  leading: boolean;
  specialised: boolean;
  score: ScoreParts;
}

export interface CandidateList {
  demand: Demand;
  candidates: Candidate[];
}

export interface PlanLine {
  demand: number;
  supplier: string;
  name: string;
  city: number;
  city_name: string;
  quantity: number;
  unit_price: number | null;
  transport_per_unit: number;
  distance_km: number;
  unit_cost: number;
  cost: number;
  assumed_capacity: boolean;
}

export interface DemandOutcome {
  id: number;
  product: string;
  quantity: number;
  unit: string;
  allocated: number;
  unmet: number;
  unmet_reason: string | null;
  candidates: number;
}

export interface DockingPlan {
  demands: DemandOutcome[];
  lines: PlanLine[];
  enterprises: number;
  cities: number;
  objective: number;
  proven_optimal: boolean;
  method: string;
  share_cap: number;
  excluded_regions: number[];
}

export interface PlanRequest {
  demands: number[];
  exclude_regions?: string[];
  share_cap?: number;
  send?: boolean;
}

export interface PlanResponse {
  plan: DockingPlan;
  instance: unknown;
  sent: AllocationRequest[];
}

export interface DockingKpis {
  demands: number;
  open: number;
  fully_met: number;
  delivered: number;
  enterprises_engaged: number;
  requests_pending: number;
  requests_declined: number;
  units_delivered: number;
  mean_days_to_cover: number | null;
}

// ---- risk exposure and disruption scenarios ------------------------------------------------------

/** A node of a chain's risk network (an enterprise making a link) with its analysis. */
export interface RiskNode {
  /** 1 = highest risk exposure. */
  rank: number;
  /** `CREDITCODE:link`. */
  node: string;
  enterprise: string | null;
  /** `enterprise name · link name`. */
  name: string | null;
  link: string | null;
  link_name: string | null;
  unit: string | null;
  region: number | null;
  city_name: string | null;
  /** A finished product (its lost units count). */
  product: boolean;
  ttr_days: number;
  /** null: the network never runs short without this node. */
  tts_days: number | null;
  pi: number;
  baseline: number;
  rei: number;
  /** TTS < TTR. */
  flagged: boolean;
  f: number;
  /** Demand per day, inventory, capacity per day: null when hidden from the caller. */
  d: number | null;
  s: number | null;
  c: number | null;
  /** Parameters set by hand or import (else the documented defaults). */
  stored: boolean;
}

export interface RiskEdge {
  supplier: string;
  buyer: string;
  input: string;
  r: number;
}

export interface RiskView {
  chain: string;
  chain_name: string;
  solver: string;
  method: string;
  seconds: number;
  max_pi: number;
  /** Ranked by REI, highest first. */
  nodes: RiskNode[];
  edges: RiskEdge[];
  warnings: string[];
  /** Whether the caller may edit node parameters. */
  can_edit: boolean;
}

export interface RiskParamsInput {
  f?: number | null;
  d?: number | null;
  s?: number | null;
  ttr?: number | null;
  product?: boolean | null;
}

export interface SimulateRequest {
  chain?: string | null;
  /** Division codes or names. */
  lockdown: (string | number)[];
  /** Credit codes. */
  stop: string[];
  /** Link ids. */
  cut: string[];
  days: number;
  start?: number;
  /** Whether the server solves the loss programme (default true); false gives `lost: null`. */
  loss?: boolean;
}

export interface ScenarioNode {
  chain?: string;
  node: string;
  enterprise: string | null;
  /** `enterprise name · link name`. */
  name: string | null;
  link: string | null;
  link_name?: string | null;
  region: number | null;
  /** The city's name. */
  city?: string | null;
  /** null: never runs out before the disruption ends. */
  runs_out_day: number | null;
}

export interface LostProduct {
  chain?: string;
  link: string | null;
  name: string | null;
  unit?: string | null;
  lost: number;
  /** What its sites are asked for over the same days. */
  demand?: number;
}

export interface LostEnterprise {
  enterprise: string | null;
  name: string | null;
  city?: string | null;
  lost: number;
  products?: string[];
}

export interface Alternative {
  chain?: string;
  /** The input link. */
  input: string;
  input_name?: string | null;
  unit?: string | null;
  /** The buyer enterprise's credit code. */
  buyer: string;
  buyer_name?: string | null;
  buyer_city?: string | null;
  /** The first day it runs short. */
  short_day?: number | null;
  /** Units missing from then to the end. */
  quantity?: number | null;
  suppliers: { enterprise: string; name: string; city: number | null; city_name?: string | null; score: number; distance_km?: number; capacity_by_due?: number }[];
}

export interface ScenarioResult {
  days: number;
  start: number;
  end?: number;
  /** Tier 0: the sites the disruption stops. */
  disrupted: ScenarioNode[];
  /** Tiers 1 and beyond (a tier 0 here is the disrupted sites again). */
  tiers: { tier: number; run_out?: number; nodes: ScenarioNode[] }[];
  /** null when the loss programme was not asked for (`loss: false`). */
  lost: { by_product: LostProduct[]; by_enterprise: LostEnterprise[]; total: number; baseline?: number; caused?: number } | null;
  alternatives: Alternative[];
  warnings?: string[];
}
