// Open Notify's /astros.json: who is in space, and on which craft. Kept by
// hand upstream and often wrong (the crew source can check it).
import { METRICS } from '../contract/metrics';
import { apiUrl, expectSuccess } from './openNotify';
import { defineSource, type Earlier } from './source';
import { cleanLabelText, count, isObject, peopleList, ValidationError } from './validate';

export interface Person {
  name: string;
  craft: string;
}
export interface Astros {
  number: number;
  people: Person[];
}

export function validateAstros(json: unknown, maxPeople: number): Astros {
  const obj = expectSuccess(json);
  const number = count(obj.number, 'number');
  const people = peopleList(obj.people, maxPeople).map((p, i): Person => {
    if (!isObject(p) || typeof p.name !== 'string' || typeof p.craft !== 'string') {
      throw new ValidationError(`"people[${i}]" must have string "name" and "craft"`);
    }
    return { name: cleanLabelText(p.name), craft: cleanLabelText(p.craft) };
  });
  return { number, people };
}

export const astros = defineSource<Astros>({
  name: 'astros',
  url: (cfg) => apiUrl(cfg, 'astros.json'),
  validate: (json, _now, _earlier, _warn, cfg) => validateAstros(json, cfg.maxPeople),
  fill(data, sink) {
    // `number` as the API says, even when it differs from the list's length.
    sink.family(METRICS.peopleInSpace).set(data.number);
    const info = sink.family(METRICS.astronautInfo);
    for (const p of data.people) info.set(1, { name: p.name, craft: p.craft });
  },
});

/** This run's astros.json data, if valid. */
export function astrosOf(earlier: Earlier): Astros | undefined {
  return earlier.data(astros.name) as Astros | undefined;
}
