/**
 * The result: one row per metric, printed as a table or as one JSON object.
 * @module
 */

/** A design budget a metric is held to. */
export interface Budget {
  /** `max`: the value must not exceed `limit`; `min`: it must reach it. */
  kind: 'max' | 'min';
  limit: number;
}

/** One reported figure. */
export interface Metric {
  /** Stable key for JSON (`rssPerIdleChargepointKB`). */
  key: string;
  /** Label in the table. */
  label: string;
  /** The value (numbers are rounded to `decimals` in the table only). */
  value: number | string;
  /** Unit (empty for counts and text). */
  unit: string;
  /** Decimals shown in the table (default 0). */
  decimals?: number;
  /** Budget checked against the value. */
  budget?: Budget;
}

/** True when a metric meets its budget (or has none). */
export function withinBudget(m: Metric): boolean {
  if (!m.budget || typeof m.value !== 'number') return true;
  return m.budget.kind === 'max' ? m.value <= m.budget.limit : m.value >= m.budget.limit;
}

function formatValue(m: Metric): string {
  if (typeof m.value === 'string') return m.value;
  if (!Number.isFinite(m.value)) return 'n/a';
  return m.value.toLocaleString('en-US', { minimumFractionDigits: m.decimals ?? 0, maximumFractionDigits: m.decimals ?? 0 });
}

function formatBudget(m: Metric): string {
  if (!m.budget) return '';
  const limit = m.budget.limit.toLocaleString('en-US');
  return `${m.budget.kind === 'max' ? '≤' : '≥'} ${limit} ${m.unit}  ${withinBudget(m) ? 'OK' : 'MISSED'}`;
}

/**
 * Render rows as an aligned text table. Numbers are right-aligned, text left-aligned; a
 * `section` row (value `''`, unit `''`, key starting with `#`) prints as a heading.
 */
export function formatTable(title: string, rows: Metric[]): string {
  const labelW = Math.max(6, ...rows.filter((r) => !r.key.startsWith('#')).map((r) => r.label.length));
  const cells = rows.map((r) => formatValue(r));
  const valueW = Math.max(5, ...rows.map((r, i) => (typeof r.value === 'number' ? cells[i]!.length : 0)));
  const unitW = Math.max(4, ...rows.map((r) => r.unit.length));
  const lines = [title, '', `${'metric'.padEnd(labelW)}  ${'value'.padStart(valueW)}  ${'unit'.padEnd(unitW)}  budget`];
  lines.push(`${'-'.repeat(labelW)}  ${'-'.repeat(valueW)}  ${'-'.repeat(unitW)}  ${'-'.repeat(6)}`);
  rows.forEach((r, i) => {
    if (r.key.startsWith('#')) {
      lines.push('', r.label);
      return;
    }
    const v = cells[i]!;
    const value = typeof r.value === 'number' ? v.padStart(valueW) : v;
    const line = typeof r.value === 'number' ? `${r.label.padEnd(labelW)}  ${value}  ${r.unit.padEnd(unitW)}  ${formatBudget(r)}` : `${r.label.padEnd(labelW)}  ${value}`;
    lines.push(line.trimEnd());
  });
  return lines.join('\n');
}

/** A section heading row. */
export function section(label: string): Metric {
  return { key: `#${label}`, label, value: '', unit: '' };
}

/** Rows as `{key: value}` plus units and budgets, for `--json`. */
export function metricsJson(rows: Metric[]): {
  metrics: Record<string, number | string | null>;
  units: Record<string, string>;
  budgets: Record<string, Budget & { value: number; met: boolean }>;
} {
  const metrics: Record<string, number | string | null> = {};
  const units: Record<string, string> = {};
  const budgets: Record<string, Budget & { value: number; met: boolean }> = {};
  for (const r of rows) {
    if (r.key.startsWith('#')) continue;
    metrics[r.key] = typeof r.value === 'number' && !Number.isFinite(r.value) ? null : r.value;
    if (r.unit) units[r.key] = r.unit;
    if (r.budget && typeof r.value === 'number') budgets[r.key] = { ...r.budget, value: r.value, met: withinBudget(r) };
  }
  return { metrics, units, budgets };
}
