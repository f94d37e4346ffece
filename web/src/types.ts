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
