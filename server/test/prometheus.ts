/**
 * Scraping a `--metrics-port` endpoint in tests: fetched over HTTP and parsed with a real
 * Prometheus text-format parser (parse-prometheus-text-format).
 */
import assert from 'node:assert/strict';

/** One metric family as parse-prometheus-text-format gives it. */
export interface Family {
  name: string;
  type: string;
  metrics: { labels?: Record<string, string>; value?: string; buckets?: Record<string, string>; count?: string }[];
}
// The package ships no types; its one export parses the text exposition format.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const parsePrometheusTextFormat = require('parse-prometheus-text-format') as (text: string) => Family[];

/** One scrape: the parsed families and the text they came from. */
export interface Scrape {
  families: Family[];
  text: string;
}

/** GET the endpoint (must answer 200) and parse it. @param url `http://…/metrics` */
export async function scrape(url: string): Promise<Scrape> {
  const res = await fetch(url);
  assert.equal(res.status, 200);
  const text = await res.text();
  return { families: parsePrometheusTextFormat(text), text };
}

/** The value of `name{labels}` in a parsed scrape (0 when the series is absent). */
export function value(families: Family[], name: string, labels: Record<string, string> = {}): number {
  const family = families.find((f) => f.name === name);
  const series = family?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  return Number(series?.value ?? series?.count ?? 0);
}

/** The sum of every series of `name` whose labels include `labels`. */
export function total(families: Family[], name: string, labels: Record<string, string> = {}): number {
  const family = families.find((f) => f.name === name);
  const matching = family?.metrics.filter((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v)) ?? [];
  return matching.reduce((n, m) => n + Number(m.value ?? m.count ?? 0), 0);
}

/** The `metrics on http://…` URL a run printed on stderr, if it did yet. @param stderr What it printed. */
export function metricsUrl(stderr: string): string | undefined {
  return /metrics on (http:\/\/\S+)/.exec(stderr)?.[1];
}
