/**
 * The examples on the API docs' Chargepoint and ChargingStation pages (its `@groupDescription` blocks) run as they stand
 * through the real CLI against the embedded mock CSMS: docs a script writer copies must work.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { ROOT, runCli } from './helpers';

/** Each `@groupDescription NAME` of a class comment with the first ```js block under it. */
export function groupExamples(source: string): Map<string, string> {
  const examples = new Map<string, string>();
  const comment = /\/\*\*([\s\S]*?)\*\/\s*export (?:abstract )?class/.exec(source)?.[1] ?? '';
  const text = comment.split('\n').map((line) => line.replace(/^\s*\* ?/, '')).join('\n');
  for (const part of text.split('@groupDescription ').slice(1)) {
    const name = part.slice(0, part.indexOf('\n')).trim();
    const code = /```js\n([\s\S]*?)```/.exec(part)?.[1];
    if (code) examples.set(name, code);
  }
  return examples;
}

const dir = mkdtempSync(path.join(tmpdir(), 'ocpp-sim-doc-examples-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** What each group's example prints when it works (its comments say so to the reader), per class. */
const EXPECTED: Record<string, Record<string, RegExp>> = {
  'server/src/chargepoint/chargepoint.ts': {
    Connection: /^true Accepted$/m,
    'Sending messages': /^Accepted Accepted \w+$/m,
    'Answering the CSMS': /^Rejected$/m,
    'The charger by hand': /StopTransaction/,
    'Files, certificates and listeners': /^-----BEGIN CERTIFICATE REQUEST----- true$/m,
    'Script helpers': /waiting a second[\s\S]*closed 1000/,
  },
  'server/src/charging-station/charging-station.ts': {
    Connection: /^true Accepted$/m,
    'The model': /^120\n1 Available$/m,
    'Sending messages': /^Accepted Accepted$/m,
    'Answering the CSMS': /^Rejected$/m,
    'The charger by hand': /^transaction start on EVSE 1$[\s\S]*^transaction stop on EVSE 1$/m,
    'Script helpers': /waiting a second[\s\S]*closed 1000/,
  },
};

for (const [source, expected] of Object.entries(EXPECTED)) {
  const name = path.basename(source, '.ts');
  test(`${name}: every method group has an example in the API docs, and each runs against the embedded mock CSMS`, async () => {
    const examples = groupExamples(readFileSync(path.join(ROOT, source), 'utf8'));
    assert.deepEqual([...examples.keys()].sort(), Object.keys(expected).sort());
    for (const [group, code] of examples) {
      const file = path.join(dir, `${name}-${group.replace(/\W+/g, '-')}.js`);
      writeFileSync(file, code);
      const run = await runCli(['--with-csms', '--port', '0', '--v', file], { timeoutMs: 30_000 });
      assert.equal(run.code, 0, `${group}: ${run.stderr}${run.stdout}`);
      assert.match(run.stdout, expected[group], `${group}: ${run.stdout}`);
    }
  });
}
