/**
 * `--junit FILE`: a run as JUnit XML, the format CI systems (Jenkins, GitLab, GitHub test
 * reporters) show as test results. One suite per run; the script's run is one test case and each
 * charge point another. A script error, a charge point's failed handler (both with the script's
 * file:line), a protocol rule the embedded CSMS saw a charge point break, and a charge point that
 * never connected are failures.
 *
 * Structure and attribute names follow Maven Surefire's reports as Jenkins' JUnit schema
 * (junit-10.xsd) describes them: `<testsuites>` › `<testsuite name tests failures errors skipped
 * time timestamp hostname>` › `<testcase classname name time>` › `<failure message type>`,
 * `<system-out>`. A test case holds at most one `<failure>` (CI tools show the first only), whose
 * text lists every problem, so `failures` counts failed test cases.
 * @module
 */
import os from 'node:os';
import type { ChargePointResult, RunReport } from './run-report';

/** What `--junit` writes about a run. */
export interface JunitRun {
  /** The suite's name, e.g. `ocpp-sim checks.js` or `ocpp-sim --cps 100`. */
  suite: string;
  /** When the run started. */
  startedAt: Date;
  /** How long it ran, s. */
  seconds: number;
  /** A script run: its name (as given) and its errors, one line each with file:line. */
  script?: { name: string; errors: readonly string[] };
  /** The run's report: charge points, their failed handlers and the CSMS's findings. */
  report: RunReport;
}

/** One failure kind and line. */
interface Problem {
  type: string;
  line: string;
}

interface Case {
  classname: string;
  name: string;
  seconds: number;
  problems: Problem[];
  out?: string;
}

/** Test cases' class names: Jenkins groups by the part before the last dot. */
const SCRIPT_CLASS = 'ocpp-sim.script';
const CHARGE_POINT_CLASS = 'ocpp-sim.chargepoint';

/**
 * The run as a JUnit XML document.
 * @param run The run.
 * @returns UTF-8 text, `<?xml …?>` first.
 */
export function junitXml(run: JunitRun): string {
  const cases: Case[] = [];
  if (run.script) {
    cases.push({ classname: SCRIPT_CLASS, name: run.script.name, seconds: run.seconds, problems: run.script.errors.map((line) => ({ type: 'script error', line })) });
  }
  const findings = run.report.csmsFindings ?? {};
  const seen = new Set<string>();
  for (const cp of run.report.chargePoints) {
    seen.add(cp.id);
    const unreached: Problem[] = cp.connections === 0 ? [{ type: 'not connected', line: 'never connected during the run (the log says why)' }] : [];
    cases.push({ classname: CHARGE_POINT_CLASS, name: cp.id, seconds: cp.seconds ?? 0, problems: [...unreached, ...cp.failures.map((line) => ({ type: 'handler failed', line })), ...ruleBreaks(findings[cp.id])], out: outline(cp) });
  }
  // Findings about ids the run did not open (a station the script connected by hand elsewhere, a stray peer).
  for (const [id, list] of Object.entries(findings)) {
    if (!seen.has(id)) cases.push({ classname: CHARGE_POINT_CLASS, name: id, seconds: 0, problems: ruleBreaks(list) });
  }
  const failed = cases.filter((c) => c.problems.length > 0).length;
  const time = seconds(run.seconds);
  const counts = `tests="${cases.length}" failures="${failed}" errors="0"`;
  const stamp = run.startedAt.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="ocpp-sim" ${counts} time="${time}">`,
    `  <testsuite name="${attr(run.suite)}" ${counts} skipped="0" time="${time}" timestamp="${stamp}" hostname="${attr(os.hostname())}">`,
    ...versionProperties(run.report),
    ...cases.map(testcase),
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

/** The charge points per OCPP version, as suite properties (`ocpp1.6` = `5 charge points, 5 connected, 0 failed handlers`). */
function versionProperties(report: RunReport): string[] {
  const versions = Object.entries(report.byProtocol ?? {});
  if (versions.length === 0) return [];
  const line = (v: { chargePoints: number; connected: number; failures: number }): string => `${v.chargePoints} charge points, ${v.connected} connected, ${v.failures} failed handlers`;
  return ['    <properties>', ...versions.map(([version, v]) => `      <property name="${attr(version)}" value="${line(v)}"/>`), '    </properties>'];
}

/** The CSMS's findings of one charge point as problems: `probe: detail`. */
function ruleBreaks(list: unknown[] | undefined): Problem[] {
  return (list ?? []).map((f) => {
    const { probe, detail } = f as { probe?: string; detail?: string };
    return { type: `protocol rule: ${probe ?? 'finding'}`, line: `${probe ?? 'finding'}: ${detail ?? JSON.stringify(f)}` };
  });
}

/** A charge point's state in one line: version, connection, boot, calls by outcome. */
function outline(cp: ChargePointResult): string {
  const calls = Object.entries(cp.calls).map(([action, c]) => `${action} ${c.result}${c.error ? `/${c.error} error` : ''}${c.timeout ? `/${c.timeout} timed out` : ''}`);
  return `${cp.protocol ?? ''}${cp.protocol ? ', ' : ''}${cp.connected ? 'connected' : 'not connected'}, boot ${cp.boot ?? 'none'}; calls: ${calls.join(', ') || 'none'}`;
}

function testcase(c: Case): string {
  const open = `    <testcase classname="${c.classname}" name="${attr(c.name)}" time="${seconds(c.seconds)}"`;
  const body: string[] = [];
  const [first, ...rest] = c.problems;
  if (first) {
    const more = rest.length > 0 ? ` (and ${rest.length} more)` : '';
    body.push(`      <failure message="${attr(first.line + more)}" type="${attr(first.type)}">${text(c.problems.map((p) => `${p.type}: ${p.line}`).join('\n'))}</failure>`);
  }
  if (c.out) body.push(`      <system-out>${text(c.out)}</system-out>`);
  return body.length === 0 ? `${open}/>` : [`${open}>`, ...body, '    </testcase>'].join('\n');
}

/** Seconds with millisecond precision, never negative or exponent-formatted. */
function seconds(s: number): string {
  return Math.max(0, s).toFixed(3);
}

// Characters XML 1.0 does not allow at all (§2.2), e.g. a control byte in an error message.
// eslint-disable-next-line no-control-regex
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

function text(s: string): string {
  return s.replace(NOT_XML, '\uFFFD').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** An attribute value: also quotes, and line breaks kept as character references (not normalised to spaces). */
function attr(s: string): string {
  return text(s).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}
