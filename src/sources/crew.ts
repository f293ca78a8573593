// An independent list of the people in space (by default Cormac Quaid's
// international-space-station-APIs), to check Open Notify's hand-kept
// astros.json against. Opt-in (--cross-check).
import { METRICS } from '../contract/metrics';
import { defineSource } from './source';
import { count, isObject, peopleList, shown, ValidationError } from './validate';

export interface Crew {
  number: number;
  people: { name: string; spacecraft: string }[];
}

export function validateCrew(json: unknown, maxPeople: number): Crew {
  if (!isObject(json)) throw new ValidationError('response is not a JSON object');
  const number = count(json.number, 'number');
  const people = peopleList(json.people, maxPeople).map((p: unknown, i: number) => {
    if (!isObject(p) || typeof p.name !== 'string' || typeof p.spacecraft !== 'string') {
      throw new ValidationError(`"people[${i}]" must have string "name" and "spacecraft"`);
    }
    if (p.iss !== undefined && typeof p.iss !== 'boolean') throw new ValidationError(`"people[${i}].iss" must be true or false, got ${shown(p.iss)}`);
    return { name: p.name, spacecraft: p.spacecraft };
  });
  return { number, people };
}

export const crew = defineSource<Crew>({
  name: 'crew',
  optIn: true,
  url: (cfg) => cfg.crossCheck!.crewUrl,
  validate: (json, _now, _earlier, _warn, cfg) => validateCrew(json, cfg.maxPeople),
  fill(data, sink) {
    sink.family(METRICS.peopleReference).set(data.number);
  },
});
