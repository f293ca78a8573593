import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { validateAstros } from '../../src/sources/astros';
import { astrosBody, PEOPLE } from '../support/fakeOpenNotify';

describe('validateAstros', () => {
  it('accepts the API shape', () => {
    assert.deepEqual(validateAstros(astrosBody(), 500), { number: 3, people: PEOPLE });
    assert.deepEqual(validateAstros(astrosBody([], 0), 500), { number: 0, people: [] });
  });
  it('refuses a list longer than --max-people (default 500), naming the limit and the count', () => {
    const many = (n: number) => astrosBody(Array.from({ length: n }, (_, i) => ({ name: `P${i}`, craft: 'ISS' })));
    assert.equal(validateAstros(many(500), 500).people.length, 500);
    assert.throws(() => validateAstros(many(501), 500), /"people" lists 501 people, more than --max-people 500/);
    assert.equal(validateAstros(many(501), 600).people.length, 501);
  });
  const bad: [string, unknown, RegExp][] = [
    ['not an object', [], /not a JSON object/],
    ['null', null, /not a JSON object/],
    ['message error', { message: 'error', reason: 'x' }, /"message" is "error"/],
    ['message missing', { number: 1, people: [] }, /"message" is missing/],
    ['number negative', astrosBody(PEOPLE, -1), /non-negative integer, got -1/],
    ['number float', astrosBody(PEOPLE, 2.5), /got 2\.5/],
    ['number string', astrosBody(PEOPLE, '3' as unknown as number), /got "3"/],
    ['number huge', astrosBody(PEOPLE, 1e300), /got 1e\+300/],
    ['people missing', { message: 'success', number: 0 }, /"people" must be an array/],
    ['craft missing', astrosBody([{ name: 'A' } as never]), /"people\[0\]" must have string "name" and "craft"/],
    ['name a number', astrosBody([{ name: 1, craft: 'ISS' } as never]), /people\[0\]/],
  ];
  for (const [name, body, re] of bad) it(`refuses ${name}`, () => assert.throws(() => validateAstros(body, 500), re));
});
