/**
 * Keeps the README's count of mirrored OCTT 2.0.1 station cases honest: a case counts as mirrored
 * when a test title in server/test names its id, or a string starts with it (the rows of
 * table-driven tests, whose titles are built from them); the cases of
 * each certification profile and optional group come from the OCA Part 5 profile tables
 * (octt-201-profiles.json, ids only, each case under the first profile its row names). The test
 * fails, printing the table to paste, when README.md says anything else.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { ROOT } from './helpers';

const TEST_DIR = path.join(ROOT, 'server', 'test');
const CASE_ID = /TC_[A-P]_\d+_CS\b/g;
/** A string literal in any quotes (its text in group 1, 2 or 3). */
const STRING = /'((?:[^'\\\n]|\\.)*)'|"((?:[^"\\\n]|\\.)*)"|`((?:[^`\\]|\\.)*)`/g;
/** The first string argument of test(…) / describe(…). */
const TITLE = /\b(?:test|describe)\(\s*$/;

const RANGE = /TC_([A-P])_(\d+)_CS\s*…\s*TC_\1_(\d+)_CS/g;

/** The ids a title names, a range `TC_D_01_CS … TC_D_06_CS` standing for every case between. */
function named(title: string): string[] {
  const ids = [...title.matchAll(CASE_ID)].map((x) => x[0]);
  for (const [, block, from, to] of title.matchAll(RANGE)) {
    for (let n = Number(from); n <= Number(to); n++) ids.push(`TC_${block}_${String(n).padStart(2, '0')}_CS`);
  }
  return ids;
}

/** Every case id that a test title in server/test names, or that a string there starts with. */
export function mirroredCases(): Set<string> {
  const ids = new Set<string>();
  for (const file of readdirSync(TEST_DIR).filter((f) => f.endsWith('.test.ts'))) {
    const source = readFileSync(path.join(TEST_DIR, file), 'utf8');
    for (const m of source.matchAll(STRING)) {
      const text = m[1] ?? m[2] ?? m[3] ?? '';
      const isTitle = TITLE.test(source.slice(Math.max(0, m.index - 40), m.index));
      const found = isTitle ? named(text) : text.startsWith('TC_') ? [...text.matchAll(CASE_ID)].slice(0, 1).map((x) => x[0]) : [];
      for (const id of found) ids.add(id);
    }
  }
  return ids;
}

test('README: the count of mirrored OCTT 2.0.1 station cases per certification profile matches the test titles', () => {
  const profiles = JSON.parse(readFileSync(path.join(TEST_DIR, 'octt-201-profiles.json'), 'utf8')) as Record<string, string[]>;
  const mirrored = mirroredCases();
  const rows = Object.entries(profiles).map(([profile, ids]) => `| ${profile} | ${ids.filter((id) => mirrored.has(id)).length} | ${ids.length} |`);
  const table = ['| profile or group | mirrored | cases |', '| --- | --- | --- |', ...rows].join('\n');
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  assert.ok(readme.includes(table), `README.md should hold this table (between the octt-counts markers):\n${table}`);
  assert.ok(mirrored.size > 0);
});
