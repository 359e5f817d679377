// web_search: one GET to the search provider configured on the host (MVM_SEARCH_URL at `up`), its
// key (a store secret) added here, the JSON answer normalised to [{title, url, snippet}]. The
// provider is the host's choice, not a workload grant, but its addresses pass the same egress
// policy as any fetch. docs/fetch.md has the configuration and the shapes understood.
import { FetchFailure } from "./protocol.js";

export interface SearchResult {
  title: string;
  url: string;
  snippet: string;
}

/** The provider URL for a query: {query} and {limit} filled in, URL-encoded. */
export function searchUrl(template: string, query: string, limit: number): string {
  return template
    .replaceAll("{query}", encodeURIComponent(query))
    .replaceAll("{limit}", encodeURIComponent(String(limit)));
}

function str(v: unknown, max: number): string {
  return typeof v === "string" ? v.slice(0, max) : "";
}

function pick(o: Record<string, unknown>, keys: string[], max: number): string {
  for (const k of keys) {
    const s = str(o[k], max);
    if (s) return s;
  }
  return "";
}

function listIn(v: unknown): unknown[] | undefined {
  if (Array.isArray(v)) return v;
  if (typeof v !== "object" || v === null) return undefined;
  const o = v as Record<string, unknown>;
  // Common provider shapes: {results}, Brave's {web: {results}}, Google CSE's {items},
  // SerpAPI's {organic_results}, {data}, {hits}.
  for (const k of ["results", "items", "organic_results", "organic", "data", "hits"]) {
    if (Array.isArray(o[k])) return o[k] as unknown[];
  }
  if (typeof o.web === "object" && o.web !== null) return listIn(o.web);
  return undefined;
}

/** Normalises a provider's JSON body to at most `limit` results. */
export function normaliseResults(body: Buffer, limit: number): SearchResult[] {
  let json: unknown;
  try {
    json = JSON.parse(body.toString("utf8"));
  } catch {
    throw new FetchFailure("E_FETCH_UPSTREAM", "the search provider did not answer with JSON");
  }
  const list = listIn(json);
  if (!list) throw new FetchFailure("E_FETCH_UPSTREAM", "the search provider's answer has no result list");
  const out: SearchResult[] = [];
  for (const item of list) {
    if (typeof item !== "object" || item === null) continue;
    const o = item as Record<string, unknown>;
    const url = pick(o, ["url", "link", "href"], 4096);
    if (!url) continue;
    out.push({
      title: pick(o, ["title", "name"], 512),
      url,
      snippet: pick(o, ["snippet", "description", "content", "text", "body"], 2048),
    });
    if (out.length >= limit) break;
  }
  return out;
}
