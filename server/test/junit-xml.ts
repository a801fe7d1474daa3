/** Reading and validating JUnit XML in tests: libxml2 (xmllint-wasm) against server/test/fixtures/junit.xsd. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { validateXML } from 'xmllint-wasm';
import { ROOT } from './helpers';

const SCHEMA = fs.readFileSync(path.join(ROOT, 'server/test/fixtures/junit.xsd'), 'utf8');

/** libxml2's verdict on a document against the JUnit schema: the error lines, none when valid. */
export async function junitSchemaErrors(xml: string): Promise<string[]> {
  const result = await validateXML({ xml: [{ fileName: 'run.xml', contents: xml }], schema: [{ fileName: 'junit.xsd', contents: SCHEMA }] });
  return result.valid ? [] : result.errors.map((e) => e.rawMessage);
}

/** The test cases of a JUnit document: name, class, time and the failure's message and type. */
export function testCases(xml: string): { classname: string; name: string; time: number; failure?: { message: string; type: string } }[] {
  const unescape = (s: string): string => s.replace(/&#10;/g, '\n').replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  return [...xml.matchAll(/<testcase classname="([^"]*)" name="([^"]*)" time="([^"]*)"(?:\/>|>([\s\S]*?)<\/testcase>)/g)].map((m) => {
    const failure = /<failure message="([^"]*)" type="([^"]*)">/.exec(m[4] ?? '');
    return { classname: m[1]!, name: unescape(m[2]!), time: Number(m[3]), ...(failure ? { failure: { message: unescape(failure[1]!), type: unescape(failure[2]!) } } : {}) };
  });
}

/** The counts on the `<testsuite>` element. */
export function suiteCounts(xml: string): { tests: number; failures: number; errors: number } {
  const m = /<testsuite name="[^"]*" tests="(\d+)" failures="(\d+)" errors="(\d+)"/.exec(xml);
  assert.ok(m, 'a <testsuite> with counts');
  return { tests: Number(m[1]), failures: Number(m[2]), errors: Number(m[3]) };
}
