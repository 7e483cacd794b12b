/**
 * Units written after a number, read as one canonical word each, so "32 °F", "32F" and
 * "32 degrees Fahrenheit" all read "32 degf", and "330 m" reads like "330 metres".
 */

// [canonical word, aliases matched case-insensitively, aliases matched as written]. Longer
// aliases come first so "km/h" is not read as "km".
const UNITS: [string, string[], string[]][] = [
  ['kmh', ['km\\s*/\\s*h', 'kph', 'kilomet(?:er|re)s?\\s+(?:per|an|a)\\s+hour'], []],
  ['mph', ['mph', 'miles?\\s+(?:per|an|a)\\s+hour'], []],
  [
    'degc',
    ['°\\s*c(?:elsius)?', '℃', 'deg(?:ree)?s?\\.?\\s+(?:c|celsius|centigrade)', 'celsius', 'centigrade'],
    ['C'],
  ],
  ['degf', ['°\\s*f(?:ahrenheit)?', '℉', 'deg(?:ree)?s?\\.?\\s+(?:f|fahrenheit)', 'fahrenheit'], ['F']],
  ['kelvin', ['kelvins?'], ['K']],
  ['percent', ['%', 'per\\s?cent'], []],
  ['km', ['kilomet(?:er|re)s?', 'kms?'], []],
  ['cm', ['centimet(?:er|re)s?', 'cm'], []],
  ['mm', ['millimet(?:er|re)s?', 'mm'], []],
  ['metre', ['met(?:er|re)s?'], ['m']],
  ['mile', ['miles?', 'mi'], []],
  ['foot', ['feet', 'foot', 'ft'], []],
  ['kg', ['kilo(?:gram)?(?:me)?s?', 'kgs?'], []],
  ['gram', ['gram(?:me)?s?'], ['g']],
  ['tonne', ['tonnes?', 'metric\\s+tons?'], ['t']],
  ['pound', ['pounds?', 'lbs?'], []],
  ['ml', ['millilit(?:er|re)s?', 'ml'], []],
  ['litre', ['lit(?:er|re)s?'], ['l', 'L']],
  ['hour', ['hours?', 'hrs?'], ['h']],
];

/** Every canonical unit word, as a token after `normalizeAnswer`. */
export const UNIT_WORDS = new Set(UNITS.map(([canonical]) => canonical));

// After a digit (and optional space), not followed by more of a word: "5 kg", not "5 kgx" or "5 minutes".
const afterNumber = (aliases: string[], flags: string) =>
  new RegExp(`(?<=\\d)\\s*(?:${aliases.join('|')})(?![\\p{L}\\p{N}])`, flags);

const PATTERNS: [RegExp, string][] = UNITS.flatMap(([canonical, words, symbols]) => {
  const out: [RegExp, string][] = [[afterNumber(words, 'giu'), ` ${canonical}`]];
  if (symbols.length > 0) out.push([afterNumber(symbols, 'gu'), ` ${canonical}`]);
  return out;
});

/** Rewrites each unit that follows a number as its canonical word. */
export function canonicalUnits(text: string): string {
  let out = text;
  for (const [pattern, canonical] of PATTERNS) out = out.replace(pattern, canonical);
  return out;
}

/** The canonical unit written right after `end` in text that went through `canonicalUnits`. */
export function unitAt(text: string, end: number): string | undefined {
  const word = /^\s*([a-z]+)\b/.exec(text.slice(end))?.[1];
  return word !== undefined && UNIT_WORDS.has(word) ? word : undefined;
}
