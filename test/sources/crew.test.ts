import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { crew, validateCrew } from '../../src/sources/crew';
import { CREW, crewBody } from '../support/fakeOpenNotify';

describe('validateCrew', () => {
  it('accepts the crew list; number as given', () => {
    assert.deepEqual(validateCrew(crewBody(), 500), { number: 3, people: CREW.map((p) => ({ name: p.name, spacecraft: p.spacecraft })) });
    assert.equal(validateCrew(crewBody(CREW, 12), 500).number, 12);
    assert.equal(validateCrew(crewBody([], 0), 500).number, 0);
  });
  const bad: [string, unknown, RegExp][] = [
    ['an array', [], /not a JSON object/],
    ['number missing', { people: [] }, /"number" must be a non-negative integer, got nothing/],
    ['number negative', crewBody(CREW, -1), /got -1/],
    ['number a string', crewBody(CREW, '3' as never), /got "3"/],
    ['people not an array', { number: 1, people: {} }, /"people" must be an array/],
    ['spacecraft missing', crewBody([{ name: 'A' }]), /"people\[0\]" must have string "name" and "spacecraft"/],
    ['iss not a boolean', crewBody([{ name: 'A', spacecraft: 'ISS', iss: 'yes' }]), /"people\[0\]\.iss" must be true or false, got "yes"/],
  ];
  for (const [name, body, re] of bad) it(`refuses ${name}`, () => assert.throws(() => validateCrew(body, 500), re));
  it('asks the configured URL', () => {
    const cfg = { apiUrl: 'http://x', timeoutMs: 1, retries: 0, maxBodyBytes: 1, maxPeople: 500, crossCheck: { wheretheissUrl: 'https://w', crewUrl: 'https://crew.test/p.json' } };
    assert.equal(crew.url(cfg, { data: () => undefined }), 'https://crew.test/p.json');
  });
});
