// Open Notify's /astros.json: who is in space, and on which craft. Kept by
// hand upstream and often wrong (the crew source can check it).
import { METRICS } from '../contract/metrics';
import { eachSliced } from '../lib/breather';
import { apiUrl, expectSuccess } from './openNotify';
import { defineSource } from './source';
import { cleanLabelText, count, isObject, ValidationError } from './validate';

export interface Person {
  name: string;
  craft: string;
}
export interface Astros {
  number: number;
  people: Person[];
}

export async function validateAstros(json: unknown): Promise<Astros> {
  const obj = expectSuccess(json);
  const number = count(obj.number, 'number');
  if (!Array.isArray(obj.people)) throw new ValidationError('"people" must be an array');
  const people: Person[] = [];
  await eachSliced(obj.people as unknown[], (p, i) => {
    if (!isObject(p) || typeof p.name !== 'string' || typeof p.craft !== 'string') {
      throw new ValidationError(`"people[${i}]" must have string "name" and "craft"`);
    }
    people.push({ name: cleanLabelText(p.name), craft: cleanLabelText(p.craft) });
  });
  return { number, people };
}

export const astros = defineSource<Astros>({
  name: 'astros',
  url: (cfg) => apiUrl(cfg, 'astros.json'),
  validate: validateAstros,
  async fill(data, sink) {
    // `number` as the API says, even when it differs from the list's length.
    sink.family(METRICS.peopleInSpace).set(data.number);
    const info = sink.family(METRICS.astronautInfo);
    await eachSliced(data.people, (p) => info.set(1, { name: p.name, craft: p.craft }));
  },
});
