// The signed-in user and the reference lists every page shares (fetched once per session).

import { api, setCsrfToken } from './api';
import type { ChainSummary, Me, Region, Scope } from './types';

let me: Me | null = null;
let scopes: Promise<Scope[]> | null = null;
let regions: Promise<Region[]> | null = null;
let chains: Promise<ChainSummary[]> | null = null;

export function currentUser(): Me | null {
  return me;
}

export function setUser(m: Me | null): void {
  me = m;
  setCsrfToken(m?.csrf_token ?? null);
  if (!m) {
    scopes = regions = chains = null;
  }
}

export function isDepartment(): boolean {
  return me?.role === 'admin' || me?.role === 'analyst';
}

function cached<T>(p: Promise<T>, reset: () => void): Promise<T> {
  p.catch(reset);
  return p;
}

export function getScopes(): Promise<Scope[]> {
  return (scopes ??= cached(api.scopes(), () => (scopes = null)));
}

export function getRegions(): Promise<Region[]> {
  return (regions ??= cached(api.regions(), () => (regions = null)));
}

export function getChains(): Promise<ChainSummary[]> {
  return (chains ??= cached(api.chains(), () => (chains = null)));
}

/** After an import the chain list may have changed. */
export function forgetChains(): void {
  chains = null;
}

/** The province code of a division code (110105 → 110000). */
export function provinceOf(code: number): number {
  return Math.floor(code / 10000) * 10000;
}

/** The one city level of Beijing or Tianjin (110100, 120100), which reads as the municipality. */
export function isMunicipalCity(code: number): boolean {
  return code === 110100 || code === 120100;
}

/** The map region name of a division: 北京市, 天津市, or the Hebei city's name. */
export function mapRegionName(code: number, name: string, byCode?: Map<number, Region>): string {
  const p = provinceOf(code);
  if (p === 110000) return '北京市';
  if (p === 120000) return '天津市';
  if (code % 100 !== 0 && byCode) {
    const city = byCode.get(Math.floor(code / 100) * 100);
    if (city) return city.name;
  }
  return name;
}
