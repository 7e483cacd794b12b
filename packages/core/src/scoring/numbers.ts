/**
 * Finding numbers in free text the way people write them: 1,234 / 1 234 / 1_234, -3.50, $12,
 * 75%, 3/4, 1.2e3 and spelled-out words ("forty-two", "one hundred and five").
 */

export interface NumberMention {
  value: number;
  /** Written with a percent sign or the word "percent": 75% may stand for 75 or 0.75. */
  percent: boolean;
  /** Digits after the decimal point as written; drives rounding tolerance. */
  decimals: number;
  start: number;
  end: number;
}

const UNITS: Record<string, number> = {
  zero: 0,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
};
const TEENS: Record<string, number> = {
  ten: 10,
  eleven: 11,
  twelve: 12,
  thirteen: 13,
  fourteen: 14,
  fifteen: 15,
  sixteen: 16,
  seventeen: 17,
  eighteen: 18,
  nineteen: 19,
};
const TENS: Record<string, number> = {
  twenty: 20,
  thirty: 30,
  forty: 40,
  fifty: 50,
  sixty: 60,
  seventy: 70,
  eighty: 80,
  ninety: 90,
};
const SCALES: Record<string, number> = { thousand: 1e3, million: 1e6, billion: 1e9, trillion: 1e12 };

const NUMBER_WORD = new RegExp(
  `\\b(?:${[...Object.keys(UNITS), ...Object.keys(TEENS), ...Object.keys(TENS), 'hundred', ...Object.keys(SCALES)].join('|')})\\b`,
  'gi',
);

type WordKind = 'unit' | 'teen' | 'tens' | 'hundred' | 'scale';

function wordKind(word: string): WordKind {
  if (word in UNITS) return 'unit';
  if (word in TEENS) return 'teen';
  if (word in TENS) return 'tens';
  if (word === 'hundred') return 'hundred';
  return 'scale';
}

/** Accumulates one spelled-out number; `accepts` says whether the next word continues it. */
class SpelledNumber {
  private total = 0;
  private current = 0;
  private last: WordKind | undefined;
  private lastScale = Number.POSITIVE_INFINITY;
  private hundredInCurrent = false;

  accepts(word: string, joinedByAnd: boolean): boolean {
    const kind = wordKind(word);
    const last = this.last;
    if (last === undefined) return kind !== 'hundred' && kind !== 'scale';
    // "and" only joins after a scale: "one hundred and five", not "three and five".
    if (joinedByAnd && last !== 'hundred' && last !== 'scale') return false;
    if (joinedByAnd && (kind === 'hundred' || kind === 'scale')) return false;
    switch (kind) {
      case 'unit':
        return last === 'tens' || last === 'hundred' || last === 'scale';
      case 'teen':
      case 'tens':
        return last === 'hundred' || last === 'scale';
      case 'hundred':
        return !this.hundredInCurrent && (last === 'unit' || last === 'teen' || last === 'tens');
      case 'scale':
        return last !== 'scale' && SCALES[word]! < this.lastScale;
    }
  }

  add(word: string): void {
    const kind = wordKind(word);
    if (kind === 'unit') this.current += UNITS[word]!;
    else if (kind === 'teen') this.current += TEENS[word]!;
    else if (kind === 'tens') this.current += TENS[word]!;
    else if (kind === 'hundred') {
      this.current *= 100;
      this.hundredInCurrent = true;
    } else {
      const scale = SCALES[word]!;
      this.total += this.current * scale;
      this.current = 0;
      this.hundredInCurrent = false;
      this.lastScale = scale;
    }
    this.last = kind;
  }

  get value(): number {
    return this.total + this.current;
  }
}

/** Replaces spelled-out numbers with digits: "forty-two" → "42", "minus five" → "-5". */
export function spellOutToDigits(text: string): string {
  const words = [...text.matchAll(NUMBER_WORD)].map((m) => ({
    word: m[0].toLowerCase(),
    start: m.index,
    end: m.index + m[0].length,
  }));
  if (words.length === 0) return text;

  let out = '';
  let cursor = 0;
  let i = 0;
  while (i < words.length) {
    const first = words[i]!;
    const spelled = new SpelledNumber();
    if (!spelled.accepts(first.word, false)) {
      i++;
      continue;
    }
    spelled.add(first.word);
    let end = first.end;
    let j = i + 1;
    while (j < words.length) {
      const next = words[j]!;
      const gap = text.slice(end, next.start);
      const joined = /^(?:\s*-\s*|\s+)$/.test(gap);
      const joinedByAnd = /^\s+and\s+$/i.test(gap);
      if (!(joined || joinedByAnd) || !spelled.accepts(next.word, joinedByAnd)) break;
      spelled.add(next.word);
      end = next.end;
      j++;
    }
    let start = first.start;
    let sign = '';
    const before = /(?:minus|negative)\s+$/i.exec(text.slice(Math.max(cursor, start - 12), start));
    if (before) {
      start -= before[0].length;
      sign = '-';
    }
    out += text.slice(cursor, start) + sign + String(spelled.value);
    cursor = end;
    i = j;
  }
  return out + text.slice(cursor);
}

// A number as written: optional sign and currency, digits with consistent-looking thousands
// groups, decimals, exponent, an optional "/denominator" and an optional percent.
const NUMBER = new RegExp(
  [
    '(?<![\\p{L}\\p{N}_./])',
    '(?<sign>[-+\u2212]?)',
    '(?:[$€£¥₹]\\s?)?',
    // Plain spaces group thousands only when no other number is a space away: "1 234", not "7 100 5".
    "(?<int>[1-9]\\d{0,2}(?:[,_\u00A0\u202F\u2009']\\d{3})+(?!\\d)|(?<!\\d )[1-9]\\d{0,2}(?: \\d{3})+(?!\\d| \\d)|\\d+)?",
    '(?<frac>\\.\\d+)?',
    '(?:[eE](?<exp>[-+]?\\d{1,3})(?![\\p{L}]))?',
    '(?:\\s?/\\s?(?<den>\\d+(?:\\.\\d+)?)(?![\\d/]))?',
    '(?<pct>\\s?%|\\s?per\\s?cent\\b)?',
  ].join(''),
  'gu',
);

/** Every number mentioned in the text (digits only: run `spellOutToDigits` first for words). */
export function findNumbers(text: string): NumberMention[] {
  const found: NumberMention[] = [];
  for (const m of text.matchAll(NUMBER)) {
    const g = m.groups ?? {};
    if (g.int === undefined && g.frac === undefined) continue;
    let start = m.index;
    let negative = g.sign === '-' || g.sign === '\u2212';
    if (g.sign) {
      // "48 - 24" is a subtraction, not a negative 24; "COVID-19" is not negative either.
      // "5 -3" (space before, none after) reads as a negative number.
      const prev = text.slice(0, start).trimEnd().at(-1);
      const spacedBefore = /\s/.test(text[start - 1] ?? '');
      const glued = start > 0 && !spacedBefore;
      if (
        (prev !== undefined && !spacedBefore && /[\p{N})%\]]/u.test(prev)) ||
        (glued && /[\p{L}\p{N}]/u.test(text[start - 1] ?? ''))
      ) {
        negative = false;
        start += 1;
      }
    }
    let value = Number(`${(g.int ?? '0').replace(/[^\d]/g, '')}${g.frac ?? ''}`);
    if (g.exp !== undefined) value *= 10 ** Number(g.exp);
    if (g.den !== undefined) {
      const den = Number(g.den);
      if (den === 0) continue;
      value /= den;
    }
    if (negative) value = -value;
    if (!Number.isFinite(value)) continue;
    found.push({
      value,
      percent: g.pct !== undefined,
      decimals: g.den !== undefined ? 6 : (g.frac?.length ?? 1) - 1,
      start,
      end: m.index + m[0].length,
    });
  }
  return found;
}

function close(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

/**
 * 'exact' when the values agree (75% matches 75 and 0.75); 'rounded' when one side is the other
 * rounded to the two or more decimals it was written with (1/3 vs 0.333).
 */
export function compareNumbers(
  truth: NumberMention,
  candidate: NumberMention,
): 'exact' | 'rounded' | 'different' {
  if (close(truth.value, candidate.value)) return 'exact';
  // 7100% is not 71%: a percent stands for its fraction only against a bare number.
  if (truth.percent && !candidate.percent && close(truth.value / 100, candidate.value)) return 'exact';
  if (candidate.percent && !truth.percent && close(candidate.value / 100, truth.value)) return 'exact';
  const roundsTo = (exact: NumberMention, written: NumberMention) => {
    if (written.decimals < 2 || written.decimals >= 6) return false;
    const factor = 10 ** written.decimals;
    return close(Math.round(exact.value * factor) / factor, written.value);
  };
  return roundsTo(truth, candidate) || roundsTo(candidate, truth) ? 'rounded' : 'different';
}
