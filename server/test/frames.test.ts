/** OCPP-J framing (OCPP-J 1.6 §4): parsing never throws and names what is wrong. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseFrame, serializeError } from '../src/ocpp/frames';

test('parses the three frame types', () => {
  assert.deepEqual(parseFrame('[2,"a1","Heartbeat",{}]').frame, { type: 2, id: 'a1', action: 'Heartbeat', payload: {} });
  assert.deepEqual(parseFrame('[3,"a1",{"currentTime":"x"}]').frame, { type: 3, id: 'a1', payload: { currentTime: 'x' } });
  assert.deepEqual(parseFrame('[4,"a1","NotSupported","no",{}]').frame, { type: 4, id: 'a1', code: 'NotSupported', description: 'no', details: {} });
});

test('malformed JSON is a json defect without an id', () => {
  const { defect } = parseFrame('[2,"a1","Heartbeat",{');
  assert.equal(defect?.defect, 'json');
  assert.equal(defect?.id, undefined);
});

test('wrong shapes keep the readable id so a CALL can be answered', () => {
  assert.deepEqual(parseFrame('{"not":"an array"}').defect?.defect, 'shape');
  assert.equal(parseFrame('["2","a1","Heartbeat",{}]').defect?.reason, 'message type is not a number');
  const nullPayload = parseFrame('[2,"a1","Heartbeat",null]').defect;
  assert.equal(nullPayload?.defect, 'shape');
  assert.equal(nullPayload?.id, 'a1');
  assert.equal(nullPayload?.type, 2);
  assert.equal(parseFrame('[2,"a1",7,{}]').defect?.reason, 'CALL action is not a string');
  assert.equal(parseFrame('[2,"a1","Heartbeat",{},1]').defect?.reason, 'CALL has 5 elements, expected 4');
  assert.equal(parseFrame('[3,"a1",[]]').defect?.reason, 'CALLRESULT payload is not a JSON object');
  assert.equal(parseFrame('[2,42,"Heartbeat",{}]').defect?.reason, 'message id is not a non-empty string');
});

test('ids longer than 36 characters are refused', () => {
  const id = 'x'.repeat(37);
  const { defect } = parseFrame(`[2,"${id}","Heartbeat",{}]`);
  assert.match(defect!.reason, /longer than 36/);
  assert.equal(defect!.id, id);
  assert.ok(parseFrame(`[2,"${'x'.repeat(36)}","Heartbeat",{}]`).frame);
});

test('unknown message types are reported as such (1.6 ignores them)', () => {
  const { defect } = parseFrame('[5,"a1","Heartbeat",{}]');
  assert.equal(defect?.defect, 'unknownType');
  assert.equal(defect?.type, 5);
});

test('CALLERROR tolerates a missing description and details, and cuts descriptions to 255', () => {
  assert.deepEqual(parseFrame('[4,"a1","GenericError"]').frame, { type: 4, id: 'a1', code: 'GenericError', description: '', details: {} });
  const long = JSON.parse(serializeError('a1', 'GenericError', 'd'.repeat(300))) as unknown[];
  assert.equal((long[3] as string).length, 255);
});
