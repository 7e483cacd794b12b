import { InvalidInputError } from '../errors.ts';
import { type AnswerSpan, findAnswerSpans, sentences, stripInstructionText } from './final-answer.ts';
import { cleanMarkup } from './markup.ts';
import { compareNumbers, findNumbers, type NumberMention, spellOutToDigits } from './numbers.ts';
import { answerTokens, normalizeAnswer, phrasePositions, tokenF1 } from './text.ts';
import { canonicalUnits, UNIT_WORDS, unitAt } from './units.ts';

export interface HeuristicInput {
  truth: string;
  candidate: string;
  question?: string;
}

export interface HeuristicScore {
  /** Integer 0–100. */
  score: number;
  reason: string;
}

/** What an answer that names the truth among alternatives earns: it committed to nothing. */
const HEDGED_WITH_TRUTH = 10;

/**
 * Scores a candidate against the truth without a model. The candidate must commit to one final
 * answer: lists, hedges, stuffing and conflicting answers score low even when they contain the
 * truth, and text addressed to a grader is removed before anything is read.
 */
export function scoreHeuristic(input: HeuristicInput): HeuristicScore {
  if (input.truth.trim() === '') throw new InvalidInputError('truth', 'must not be empty');
  const { text: candidate, stripped } = stripInstructionText(canonicalUnits(cleanMarkup(input.candidate)));
  const truth = canonicalUnits(cleanMarkup(input.truth));
  const result =
    normalizeAnswer(candidate) === '' && findNumbers(candidate).length === 0
      ? { score: 0, reason: 'empty answer' }
      : scoreByTruthKind(truth, candidate, input.question ?? '');
  return stripped ? { ...result, reason: `${result.reason}; ignored grader-directed text` } : result;
}

function scoreByTruthKind(truth: string, candidate: string, question: string): HeuristicScore {
  const kind = classifyTruth(truth);
  switch (kind.kind) {
    case 'yesno':
      return scoreYesNo(kind.yes, candidate);
    case 'numeric':
      return scoreNumeric(kind.numbers, kind.units, candidate);
    case 'text':
      return scoreText(truth, kind.parts, candidate, question);
  }
}

// ---------------------------------------------------------------------------------------------
// What kind of truth

const YES_TRUTHS = new Set(['yes', 'true', 'correct', 'y']);
const NO_TRUTHS = new Set(['no', 'false', 'incorrect', 'n']);

type TruthKind =
  | { kind: 'yesno'; yes: boolean }
  | { kind: 'numeric'; numbers: NumberMention[]; units: (string | undefined)[] }
  | { kind: 'text'; parts: string[] };

function classifyTruth(truth: string): TruthKind {
  const normalized = normalizeAnswer(truth);
  if (YES_TRUTHS.has(normalized)) return { kind: 'yesno', yes: true };
  if (NO_TRUTHS.has(normalized)) return { kind: 'yesno', yes: false };

  const spelled = spellOutToDigits(truth);
  const numbers = findNumbers(spelled);
  if (numbers.length > 0) {
    let rest = '';
    let cursor = 0;
    for (const n of numbers) {
      rest += `${spelled.slice(cursor, n.start)} `;
      cursor = n.end;
    }
    rest += spelled.slice(cursor);
    // "$18", "18 dollars", "3, 5" and "x = 3, y = 5" are numbers; "Apollo 11 and Gemini" is text.
    const words = answerTokens(rest).filter((t) => t.length > 1 && t !== 'and' && !/^\d+$/.test(t));
    if (words.length <= 1)
      return { kind: 'numeric', numbers, units: numbers.map((n) => unitAt(spelled, n.end)) };
  }

  const parts = truth
    .split(/\s*(?:[,;&]|\band\b|\bas well as\b)\s*/i)
    .map((p) => p.trim())
    .filter((p) => answerTokens(p).length > 0);
  const multiPart = parts.length >= 2 && parts.every((p) => answerTokens(p).length <= 5);
  return { kind: 'text', parts: multiPart ? parts : [truth] };
}

// ---------------------------------------------------------------------------------------------
// Numbers

const LIST_WORDS = new Set([
  'and',
  'or',
  'nor',
  'either',
  'maybe',
  'perhaps',
  'possibly',
  'probably',
  'likely',
  'also',
  'alternatively',
  'else',
  'even',
  'could',
  'might',
  'be',
  'to',
  'through',
  'vs',
  'versus',
  'not',
  'sure',
]);
const HEDGE_WORDS = new Set([
  'or',
  'nor',
  'either',
  'maybe',
  'perhaps',
  'possibly',
  'probably',
  'alternatively',
]);

/** True when the text between two numbers joins them as alternatives or a list, not arithmetic. */
function isListSeparator(separator: string): boolean {
  if (separator.length > 40 || /[=+*×÷^<>≈:]/.test(separator)) return false;
  const words = separator.toLowerCase().match(/\p{L}+/gu) ?? [];
  if (!words.every((w) => LIST_WORDS.has(w) || UNIT_WORDS.has(w))) return false;
  // A full stop or a bracket ends a list unless a hedge follows: "42. Or maybe 43.", "42 (or 43)".
  if (/[.!?()[\]{}]/.test(separator) && !words.some((w) => HEDGE_WORDS.has(w))) return false;
  return separator.replace(/\p{L}+/gu, '').replace(/[\s,;|/&\-–—.!?()[\]{}'"•·]/g, '') === '';
}

/** Maximal runs of numbers joined by list separators, in order. */
function listRuns(text: string, mentions: NumberMention[]): NumberMention[][] {
  const runs: NumberMention[][] = [];
  let current: NumberMention[] = [];
  for (const m of mentions) {
    const prev = current.at(-1);
    if (prev && isListSeparator(text.slice(prev.end, m.start))) current.push(m);
    else {
      if (current.length > 0) runs.push(current);
      current = [m];
    }
  }
  if (current.length > 0) runs.push(current);
  return runs;
}

const same = (a: NumberMention, b: NumberMention) => compareNumbers(a, b) === 'exact';
const matchesAny = (truths: NumberMention[], m: NumberMention) =>
  truths.some((t) => compareNumbers(t, m) !== 'different');
const distinctCount = (ms: NumberMention[]) =>
  ms.filter((m, i) => ms.findIndex((other) => same(other, m)) === i).length;
const show = (ms: NumberMention[]) => ms.map((m) => String(m.value)).join(', ');

function isArithmetic(text: string, m: NumberMention): boolean {
  const before =
    text
      .slice(Math.max(0, m.start - 3), m.start)
      .trimEnd()
      .at(-1) ?? '';
  const after = text.slice(m.end, m.end + 3).trimStart()[0] ?? '';
  return /[=+\-*/×÷^<>≈]/.test(before + after);
}

const AFTER_HEDGE =
  /\b(?:or\s+(?:maybe|perhaps|possibly|rather)|alternatively|maybe|perhaps|possibly|could\s+also\s+be|might\s+also\s+be|or\s+it\s+(?:could|might)\s+be|if\s+not)\b[^\d]{0,30}$/i;

function scoreNumeric(
  truths: NumberMention[],
  truthUnits: (string | undefined)[],
  rawCandidate: string,
): HeuristicScore {
  const text = spellOutToDigits(rawCandidate);
  const mentions = findNumbers(text);
  if (mentions.length === 0) return { score: 0, reason: 'no number in the answer' };
  const k = truths.length;

  const inSpan = (s: AnswerSpan) => mentions.filter((m) => m.start >= s.start && m.start < s.end);
  const spans = findAnswerSpans(text);
  const committed = spans
    .map((span) => ({ span, numbers: inSpan(span) }))
    .filter((c) => c.numbers.length > 0);
  const marked = committed.at(-1);

  let finals: NumberMention[];
  let finalRun: NumberMention[];
  if (marked) {
    finals = marked.numbers.slice(0, k);
    const head = finals[0];
    finalRun = listRuns(text, mentions).find((run) => head !== undefined && run.includes(head)) ?? [];
  } else {
    finals = mentions.slice(-k);
    finalRun = listRuns(text, mentions).at(-1) ?? [];
  }
  const first = finals[0]!;
  const truthAmong = (ms: NumberMention[]) => ms.some((m) => matchesAny(truths, m));
  const low = (ms: NumberMention[], reason: string): HeuristicScore => ({
    score: truthAmong(ms) ? HEDGED_WITH_TRUTH : 0,
    reason,
  });

  const repeatedOnce = finalRun.length === 2 && distinctCount(finalRun) === 1;
  if (finalRun.length > k && !repeatedOnce) {
    return low(finalRun, `hedged across ${finalRun.length} numbers (${show(finalRun.slice(0, 6))})`);
  }
  if (marked && k === 1) {
    const answers = committed.map((c) => c.numbers[0]!);
    if (distinctCount(answers) > 1) return low(answers, `conflicting final answers (${show(answers)})`);
  }
  if (marked) {
    const after = mentions.filter((m) => m.start >= marked.span.end && !same(m, first));
    const hedge = after.find((m) =>
      AFTER_HEDGE.test(text.slice(Math.max(marked.span.end, m.start - 45), m.start)),
    );
    if (hedge) return low([first, hedge], `hedged: ${first.value}, then maybe ${hedge.value}`);
  }

  const words = text.split(/\s+/).filter(Boolean).length;
  const stuffedRun = listRuns(text, mentions).find(
    (run) => distinctCount(run) >= 5 && run.some((m) => finals.some((f) => same(f, m))),
  );
  if (stuffedRun)
    return low(stuffedRun, `number stuffing: the answer sits in a list of ${stuffedRun.length}`);
  const repeats = mentions.filter((m) => same(m, first)).length;
  if (repeats >= 5 && repeats >= 0.25 * words)
    return low([first], `padding: ${first.value} repeated ${repeats} times`);
  const nonNumberWords = answerTokens(
    mentions.reduceRight((t, m) => t.slice(0, m.start) + t.slice(m.end), text),
  ).length;
  // Numbers that are not part of a calculation; an answer needs only its own.
  const bare = mentions.filter((m) => !isArithmetic(text, m));
  const looseValues = distinctCount(bare);
  // Words besides the numbers and the answer markers: none means the answer is a bare list.
  const unmarked = spans.reduceRight((t, sp) => t.slice(0, sp.markerStart) + t.slice(sp.start), text);
  const otherWords = answerTokens(
    findNumbers(unmarked).reduceRight((t, m) => t.slice(0, m.start) + t.slice(m.end), unmarked),
  );
  const onlyNumbers = marked ? otherWords.length === 0 : nonNumberWords <= 2;
  if ((looseValues >= k + 2 && bare.length >= 0.4 * words) || (onlyNumbers && looseValues > k)) {
    return low(bare, `number stuffing: ${bare.length} loose numbers in ${words} words`);
  }
  const committedClearly = marked !== undefined || nonNumberWords <= 4;
  const how = marked ? 'marked final answer' : nonNumberWords <= 4 ? 'the answer' : 'last number';

  if (k === 1) {
    const verdict = compareNumbers(truths[0]!, first);
    const [truthUnit, unit] = [truthUnits[0], unitAt(text, first.end)];
    if (verdict !== 'different' && truthUnit && unit && unit !== truthUnit) {
      return { score: 0, reason: `right number, wrong unit (${unit}; the truth is in ${truthUnit})` };
    }
    if (verdict === 'exact') return { score: committedClearly ? 100 : 95, reason: `numeric match (${how})` };
    if (verdict === 'rounded') return { score: 90, reason: `numeric match after rounding (${how})` };
    const earlier = mentions.some((m) => m !== first && matchesAny(truths, m));
    return {
      score: 0,
      reason: earlier
        ? `wrong final answer ${first.value}; the truth appears only in intermediate steps`
        : `wrong final answer ${first.value}`,
    };
  }

  const unmatched = [...truths];
  for (const f of finals) {
    const i = unmatched.findIndex((t) => compareNumbers(t, f) !== 'different');
    if (i !== -1) unmatched.splice(i, 1);
  }
  const matched = k - unmatched.length;
  if (matched === k) return { score: committedClearly ? 100 : 95, reason: `all ${k} numbers match (${how})` };
  return {
    score: Math.round((50 * matched) / k),
    reason: `${matched} of ${k} numbers match (${show(finals)})`,
  };
}

// ---------------------------------------------------------------------------------------------
// Yes / no

const YES = /\b(?:yes|yeah|yep|yup|true|correct|affirmative)\b/i;
const NO = /\b(?:no|nope|false|incorrect|negative)\b/i;
const UNSURE =
  /\b(?:maybe|perhaps|possibly|depends|not\s+sure|unsure|unclear|either|cannot\s+say|can't\s+say)\b/i;
const NEGATION = /\b(?:not|never|cannot)\b|n't\b/i;

function polarity(text: string): 'yes' | 'no' | 'both' | undefined {
  const t = text.replace(/\b(?:not|isn't|is\s+not|wasn't)\s+(?:true|correct)\b/gi, 'false');
  const yes = YES.test(t);
  const no = NO.test(t);
  if (yes && no) return 'both';
  return yes ? 'yes' : no ? 'no' : undefined;
}

function scoreYesNo(truthIsYes: boolean, candidate: string): HeuristicScore {
  const want = truthIsYes ? 'yes' : 'no';
  const spans = findAnswerSpans(candidate).filter((s) => s.end > s.start);
  const said = sentences(candidate).filter((s) => polarity(s.text) !== undefined);
  const marked = spans.at(-1);
  const segment = marked ? candidate.slice(marked.start, marked.end) : (said.at(0)?.text ?? candidate);
  const answer = polarity(segment);

  if (answer === 'both') return { score: HEDGED_WITH_TRUTH, reason: 'answers both yes and no' };
  const lastSaid = said.at(-1);
  const finalAnswer = lastSaid ? polarity(lastSaid.text) : undefined;
  if (!marked && answer && finalAnswer && finalAnswer !== answer) {
    return { score: HEDGED_WITH_TRUTH, reason: `changes its answer from ${answer} to ${finalAnswer}` };
  }
  if (answer === undefined) {
    if (UNSURE.test(candidate)) return { score: 0, reason: 'no committed yes/no answer' };
    if (NEGATION.test(segment)) {
      return truthIsYes
        ? { score: 0, reason: 'negative answer; truth is yes' }
        : { score: 80, reason: 'negative answer without an explicit no' };
    }
    return { score: 0, reason: 'no yes/no answer found' };
  }
  if (UNSURE.test(segment)) {
    return { score: answer === want ? 30 : 0, reason: `unsure ${answer}` };
  }
  if (answer !== want) return { score: 0, reason: `answered ${answer}; truth is ${want}` };
  const leading = new RegExp(`^\\W*(?:${answer === 'yes' ? YES.source : NO.source})`, 'i').test(segment);
  return { score: marked || leading ? 100 : 95, reason: `answered ${answer}` };
}

// ---------------------------------------------------------------------------------------------
// Text

const FUNCTION_WORDS = new Set(
  (
    'is are was were be been being it its this that these those there here of in on at to for with by from ' +
    'as not no but so because which who whom what where when why how i we you he she they me my our your his ' +
    'her their think believe guess could might may would should can will must maybe perhaps possibly probably ' +
    'also actually both either neither nor if then than answer do does did has have had very more most some any ' +
    'all only just known called named located city capital country'
  ).split(' '),
);
const TEXT_HEDGE = /\b(?:or|either|maybe|perhaps|possibly|probably|might|could|not\s+sure|unsure)\b/i;
const RETRACTION = new Set(['actually', 'instead', 'rather', 'correction', 'wait', 'oops']);
const NEGATIONS = new Set([
  'not',
  'no',
  'never',
  'isnt',
  'wasnt',
  'arent',
  'werent',
  'doesnt',
  'dont',
  'didnt',
  'cant',
  'cannot',
  'nor',
  'neither',
]);

const ITEM_SEPARATOR = /\s*(?:[,;/|&\n]|\bor\b|\band\b|\bnor\b|\beither\b|\bvs\.?|\bversus\b|\s[-–—]\s)\s*/i;

/** Items of a sentence that look like stand-alone answers (a few content words, not the truth). */
function alternativeItems(sentence: string, parts: string[][], question: Set<string>): string[] {
  const truthWords = new Set(parts.flat());
  return sentence
    .split(ITEM_SEPARATOR)
    .map((item) => answerTokens(item).filter((t) => !HEDGE_WORDS.has(t)))
    .filter(
      (tokens) =>
        tokens.length > 0 &&
        tokens.length <= 3 &&
        !tokens.some((t) => FUNCTION_WORDS.has(t)) &&
        !tokens.every((t) => truthWords.has(t) || question.has(t)) &&
        !parts.some((p) => phrasePositions(tokens, p).length > 0),
    )
    .map((tokens) => tokens.join(' '));
}

function isBareItem(sentence: string, part: string[]): boolean {
  return sentence.split(ITEM_SEPARATOR).some((item) => {
    const tokens = answerTokens(item).filter((t) => !HEDGE_WORDS.has(t));
    return (
      phrasePositions(tokens, part).length > 0 &&
      tokens.length <= part.length + 2 &&
      !tokens.some((t) => FUNCTION_WORDS.has(t) && !part.includes(t))
    );
  });
}

// A list as people write one: bullets or numbers before each line, a separator between items.
const LIST_MARKER = /^[ \t]*(?:[-*•·+–]|\(?\d{1,2}[.)]|\(?[a-z][.)])[ \t]+/gim;
const LIST_ITEM_SEPARATOR =
  /\s*(?:[,;/|&\n]|\.(?=\s|$)|\band\b|\bor\b|\bnor\b|\beither\b|\bvs\.?|\bversus\b|\s[-–—]\s)\s*/i;

// Function words for `alternativeItems` that are also parts of names ("Mexico City").
const PLACE_NOUNS = new Set(['city', 'capital', 'country']);

/**
 * How many entities besides the truth an answer lists when it is a bare list (items without
 * function words, whatever separates them: spaces, slashes, lines, bullets, "or", commas);
 * undefined when it is prose, which may name other entities to explain the truth.
 */
function listedAlternatives(
  segment: string,
  truthTokens: string[],
  question: Set<string>,
): number | undefined {
  const known = new Set([...truthTokens, ...question]);
  const capitalized = new Set(answerTokens((segment.match(/\p{Lu}[\p{L}\p{M}'’-]*/gu) ?? []).join(' ')));
  const mixedCase = /\p{Ll}/u.test(segment) && /\p{Lu}/u.test(segment);
  // In mixed-case text a name is capitalised: "Sydney Canberra Perth" lists, "gas giant Jupiter" does not.
  const names = (tokens: string[]) => tokens.filter((t) => !mixedCase || capitalized.has(t));
  const items = segment
    .replace(LIST_MARKER, '')
    .replace(/\([^()]*\)/g, ' ')
    .split('\n')
    .map((line) => line.slice(line.lastIndexOf(':') + 1))
    .flatMap((line) => line.split(LIST_ITEM_SEPARATOR))
    .map((item) => answerTokens(item).filter((t) => !HEDGE_WORDS.has(t)))
    .filter((tokens) => tokens.length > 0);
  const prose = (t: string) => FUNCTION_WORDS.has(t) && !known.has(t) && !PLACE_NOUNS.has(t);
  if (items.some((tokens) => tokens.some(prose))) return undefined;
  let alternatives = 0;
  for (const tokens of items) {
    const others = tokens.filter((t) => !known.has(t));
    if (phrasePositions(tokens, truthTokens).length > 0) {
      // One word beside the truth may qualify it ("Planet Jupiter"); two or more are a run of names.
      if (names(others).length >= 2) alternatives += names(others).length;
    } else if (others.length > 0) {
      alternatives += Math.max(1, mixedCase ? names(others).length : 0);
    }
  }
  return alternatives;
}

// Alternatives the answer rules out ("Canberra, not Sydney or Melbourne") are not offered.
const RULED_OUT =
  /\b(?:not(?!\s+(?:sure|certain|positive|confident))|never|rather\s+than|instead\s+of|unlike|as\s+opposed\s+to)\b[^.;:!?()\n]*?(?=$|[.;:!?()\n]|,\s*(?:it|but|the|this|that|so|which|who|and)\b)/gi;
const offered = (text: string) => text.replace(RULED_OUT, ' ');

/**
 * Names written one after another around the truth in a sentence ("It is Sydney Canberra
 * Perth"): how many besides the truth and the question's words. Titles do not count.
 */
function namesRunTogether(sentence: string, truthTokens: string[], known: Set<string>): number {
  if (!/\p{Ll}/u.test(sentence) || !/\p{Lu}/u.test(sentence)) return 0;
  const words = sentence
    .split(/\s+/)
    .filter((w) => answerTokens(w).length > 0)
    .map((w) => ({
      tokens: answerTokens(w),
      name: /^[^\p{L}\p{N}]*\p{Lu}/u.test(w),
      closes: /[,.;:!?)\]"”]$/u.test(w),
      opens: /^[([“"]/u.test(w),
    }));
  const flat = words.flatMap((w, i) => w.tokens.map(() => i));
  const at = phrasePositions(
    words.flatMap((w) => w.tokens),
    truthTokens,
  ).at(-1);
  if (at === undefined) return 0;
  const isName = (i: number) => words[i]!.name && !words[i]!.tokens.some((t) => FUNCTION_WORDS.has(t));
  let first = flat[at]!;
  let last = flat[at + truthTokens.length - 1]!;
  while (first > 0 && isName(first - 1) && !words[first - 1]!.closes && !words[first]!.opens) first--;
  while (last < words.length - 1 && isName(last + 1) && !words[last]!.closes && !words[last + 1]!.opens)
    last++;
  return words
    .slice(first, last + 1)
    .flatMap((w) => w.tokens)
    .filter((t) => !known.has(t) && !TITLES.has(t)).length;
}

type NumberAgreement =
  | { verdict: 'none' | 'agree' | 'missing' | 'hedged' }
  | { verdict: 'different'; someAgree: boolean; said: number };

/**
 * Whether the numbers of a sentence truth ("water boils at 100 degc") are the numbers the answer
 * gives, in the same units: a different number is a wrong answer whatever the words around it.
 */
function sentenceNumbers(truth: string, segment: string): NumberAgreement {
  const truthText = spellOutToDigits(truth);
  const truthNumbers = findNumbers(truthText);
  if (truthNumbers.length === 0) return { verdict: 'none' };
  const text = spellOutToDigits(segment);
  const said = findNumbers(text);
  const agrees = (t: NumberMention, c: NumberMention) => {
    const [truthUnit, unit] = [unitAt(truthText, t.end), unitAt(text, c.end)];
    return compareNumbers(t, c) !== 'different' && (!truthUnit || !unit || truthUnit === unit);
  };
  const missing = truthNumbers.filter((t) => !said.some((c) => agrees(t, c)));
  const stray = (c: NumberMention) => !truthNumbers.some((t) => agrees(t, c));
  if (missing.length > 0) {
    if (said.length === 0) return { verdict: 'missing' };
    return {
      verdict: 'different',
      someAgree: missing.length < truthNumbers.length,
      said: (said.find(stray) ?? said[0]!).value,
    };
  }
  // "330 m or 300 m": the truth's number offered beside another.
  const hedged = listRuns(text, said).some((run) => run.some(stray) && run.some((c) => !stray(c)));
  return { verdict: hedged ? 'hedged' : 'agree' };
}

// Words before a surname that do not name someone else: "President Lincoln", "Sir Isaac Newton".
const TITLES = new Set(
  (
    'mr mrs ms miss dr doctor prof professor sir dame lord lady president general king queen prince princess ' +
    'saint st pope emperor empress captain judge senator governor chancellor minister'
  ).split(' '),
);
const NAME_PARTICLES = new Set('van von da de del della der den di du la le bin ibn al el y'.split(' '));
// First or last words of place names that look like a person's ("New York", "Victoria Falls").
const PLACE_WORDS = new Set(
  (
    'new san santa sao saint st los las el rio buenos port mount mt lake cape north south east west united ' +
    'great upper lower gulf sri costa hong kuala abu tel salt city river ocean sea island islands mountains ' +
    'falls bay kingdom states republic valley desert canal strait peninsula county province street square ' +
    'park bridge tower palace university college'
  ).split(' '),
);
const NOT_A_PERSON =
  /\b(?:where|city|town|country|capital|river|ocean|sea|lake|place|state|continent|mountain|planet|island|company|team|band|language)\b/i;

/** The surname of a truth that reads as a person's full name ("Ludwig van Beethoven" → beethoven). */
function personSurname(truth: string, question: string): string | undefined {
  if (question !== '' && NOT_A_PERSON.test(question) && !/\bwho(?:m|se)?\b/i.test(question)) return undefined;
  const words = truth.trim().split(/\s+/);
  if (words.length < 2 || words.length > 4) return undefined;
  const shaped = words.every(
    (w, i) =>
      /^\p{Lu}[\p{L}\p{M}'’.-]*$/u.test(w) || (i > 0 && i < words.length - 1 && NAME_PARTICLES.has(w)),
  );
  const tokens = answerTokens(truth);
  if (!shaped || tokens.some((t) => PLACE_WORDS.has(t))) return undefined;
  return tokens.at(-1);
}

/**
 * A surname-only answer for a full-name truth earns partial credit, scaled from how it would score
 * as an answer of the surname alone (a hedge stays a hedge); a surname after a given name that
 * is not the truth's names a different person.
 */
function scoreSurname(truth: string, surname: string, candidate: string, question: string): HeuristicScore {
  const truthTokens = answerTokens(truth);
  const words = candidate.split(/\s+/).filter((w) => answerTokens(w).length > 0);
  const at = words.findLastIndex((w) => answerTokens(w).at(-1) === surname);
  // The capitalised words right before the surname: the given names the answer pairs it with.
  const given: string[] = [];
  for (let i = at - 1; i >= 0 && given.length < 3; i--) {
    const word = words[i]!;
    if (NAME_PARTICLES.has(word)) continue;
    if (!/^\p{Lu}/u.test(word) || (/[.,;:!?]$/.test(word) && !/^\p{Lu}\.$/u.test(word))) break;
    given.push(answerTokens(word).join(' '));
  }
  const names = given.filter((t) => !TITLES.has(t) && !FUNCTION_WORDS.has(t));
  const truthGiven = (t: string) =>
    truthTokens.includes(t) || (t.length === 1 && truthTokens.some((x) => x.startsWith(t)));
  if (names.length > 0 && !names.some(truthGiven)) {
    return { score: 0, reason: `names a different person (${names.reverse().join(' ')} ${surname})` };
  }
  // The truth's other names count as context, like the question's words: "Charles Robert Darwin".
  const alone = scoreText(surname, [surname], candidate, `${question} ${truth}`);
  // Given name and surname with a middle name added or left out: "John Kennedy" for "John F. Kennedy".
  if (names.includes(truthTokens[0]!))
    return { score: alone.score, reason: `given name and surname (${alone.reason})` };
  return { score: Math.round(0.58 * alone.score), reason: `surname only (${alone.reason})` };
}

function scoreText(truth: string, rawParts: string[], candidate: string, question: string): HeuristicScore {
  const spans = findAnswerSpans(candidate).filter(
    (s) => answerTokens(candidate.slice(s.start, s.end)).length > 0,
  );
  const marked = spans.at(-1);
  const segment = marked ? candidate.slice(marked.start, marked.end) : candidate;
  const truthTokens = answerTokens(truth);
  const parts = rawParts.map(answerTokens);
  const contains = (text: string, part: string[]) => phrasePositions(answerTokens(text), part).length > 0;

  if (spans.length > 1) {
    const answers = new Set(spans.map((s) => normalizeAnswer(candidate.slice(s.start, s.end))));
    const named = spans.some((s) => parts.some((p) => contains(candidate.slice(s.start, s.end), p)));
    if (answers.size > 1 && named) {
      return { score: HEDGED_WITH_TRUTH, reason: `conflicting final answers (${answers.size})` };
    }
  }
  const questionWords = new Set(answerTokens(question));
  if (marked) {
    // "Answer: Jupiter" followed by more names, one a line, commits to none of them.
    const answerOn = candidate.slice(marked.start);
    const listed = listedAlternatives(answerOn, truthTokens, questionWords);
    if (listed !== undefined && listed >= 2 && parts.some((p) => contains(answerOn, p))) {
      return { score: HEDGED_WITH_TRUTH, reason: `a marked list of ${listed + 1} candidates` };
    }
    // A run of five or more candidates before the marker is stuffing, as it is for numbers.
    const before = candidate.slice(0, marked.markerStart);
    const stuffed = [before, ...sentences(before).map((s) => s.text)].some(
      (text) =>
        contains(text, truthTokens) &&
        Math.max(
          listedAlternatives(text, truthTokens, questionWords) ?? 0,
          namesRunTogether(text, truthTokens, new Set([...truthTokens, ...questionWords])),
        ) >= 4,
    );
    if (stuffed) return { score: HEDGED_WITH_TRUTH, reason: 'a list of candidates, then a marked answer' };
  }
  if (normalizeAnswer(segment) === normalizeAnswer(truth)) {
    return { score: 100, reason: marked ? 'exact match (marked final answer)' : 'exact match' };
  }

  const segmentTokens = answerTokens(segment);
  const segmentSentences = sentences(segment);
  const short = segmentTokens.length <= truthTokens.length + 8;

  if (parts.length > 1)
    return scoreMultiPart(parts, segment, segmentSentences, questionWords, marked !== undefined, short);

  const numbers = sentenceNumbers(truth, segment);
  if (numbers.verdict === 'different') {
    return {
      score: numbers.someAgree ? HEDGED_WITH_TRUTH : 0,
      reason: `a different number (${numbers.said}) than the truth's`,
    };
  }
  if (numbers.verdict === 'hedged') return { score: HEDGED_WITH_TRUTH, reason: 'hedged between numbers' };

  const positions = phrasePositions(segmentTokens, truthTokens);
  if (positions.length === 0) {
    const known = new Set([...truthTokens, ...questionWords]);
    if (
      numbers.verdict === 'agree' &&
      segmentTokens.every((t) => known.has(t) || FUNCTION_WORDS.has(t) || UNIT_WORDS.has(t))
    ) {
      return { score: 90, reason: "the truth's numbers, in fewer words" };
    }
    const surname = personSurname(truth, question);
    if (surname !== undefined && segmentTokens.includes(surname))
      return scoreSurname(truth, surname, candidate, question);
    const f1 = Math.max(tokenF1(truth, segment), ...segmentSentences.map((s) => tokenF1(truth, s.text)));
    const f1Score = Math.round(70 * f1);
    if (numbers.verdict === 'missing' && f1Score > 20)
      return { score: 20, reason: `the truth's number is missing; token F1 ${f1.toFixed(2)}` };
    if (surname !== undefined && f1Score > 10)
      return { score: 10, reason: `another name than the truth's; token F1 ${f1.toFixed(2)}` };
    return { score: f1Score, reason: `no exact answer; token F1 ${f1.toFixed(2)}` };
  }
  if (positions.length >= 4 && positions.length * truthTokens.length >= 0.3 * segmentTokens.length) {
    return { score: HEDGED_WITH_TRUTH, reason: `padding: the answer repeated ${positions.length} times` };
  }
  const listed = listedAlternatives(segment, truthTokens, questionWords);
  if (listed !== undefined && listed >= 2) {
    return { score: HEDGED_WITH_TRUTH, reason: `a list of ${listed + 1} candidates` };
  }

  const hedged = segmentSentences.find(
    (s) =>
      TEXT_HEDGE.test(offered(s.text)) && alternativeItems(offered(s.text), parts, questionWords).length > 0,
  );
  if (hedged) return { score: HEDGED_WITH_TRUTH, reason: 'hedged between alternatives' };

  const truthSentences = segmentSentences.filter((s) => contains(s.text, truthTokens));
  const where = truthSentences.at(-1) ?? { text: segment, start: 0 };
  const whereTokens = answerTokens(where.text);
  const at = phrasePositions(whereTokens, truthTokens).at(-1) ?? 0;
  if (whereTokens.slice(Math.max(0, at - 4), at).some((t) => NEGATIONS.has(t))) {
    return { score: 0, reason: 'the answer negates the truth' };
  }
  const runTogether = namesRunTogether(where.text, truthTokens, new Set([...truthTokens, ...questionWords]));
  if (runTogether >= 2) return { score: HEDGED_WITH_TRUTH, reason: `a run of ${runTogether + 1} names` };
  const afterLast = segmentTokens.slice((positions.at(-1) ?? 0) + truthTokens.length);
  if (afterLast.some((t) => RETRACTION.has(t))) {
    return { score: 20, reason: 'names the truth, then retracts it' };
  }
  const alternatives = alternativeItems(offered(where.text), parts, questionWords);
  if (alternatives.length > 0 && isBareItem(where.text, truthTokens)) {
    return alternatives.length >= 2
      ? { score: HEDGED_WITH_TRUTH, reason: `list of ${alternatives.length + 1} answers` }
      : { score: 60, reason: `the answer comes with an extra item (${alternatives[0]})` };
  }
  if (marked) return { score: 95, reason: 'contains the truth (marked final answer)' };
  if (short) return { score: 95, reason: 'contains the truth' };
  const inLast = segmentSentences.at(-1) === where;
  return inLast
    ? { score: 92, reason: 'contains the truth in its concluding sentence' }
    : { score: 85, reason: 'contains the truth, not in its concluding sentence' };
}

function scoreMultiPart(
  parts: string[][],
  segment: string,
  segmentSentences: { text: string; start: number }[],
  questionWords: Set<string>,
  marked: boolean,
  short: boolean,
): HeuristicScore {
  const tokens = answerTokens(segment);
  const found = parts.filter((p) => phrasePositions(tokens, p).length > 0).length;
  const k = parts.length;
  if (found === 0) {
    const f1 = tokenF1(parts.map((p) => p.join(' ')).join(' '), segment);
    return { score: Math.round(40 * f1), reason: `none of ${k} parts; token F1 ${f1.toFixed(2)}` };
  }
  if (/\b(?:or|either|maybe|perhaps|possibly)\b/i.test(segment)) {
    return { score: HEDGED_WITH_TRUTH, reason: 'hedged between alternatives' };
  }
  const withParts = segmentSentences.filter((s) =>
    parts.some((p) => phrasePositions(answerTokens(s.text), p).length > 0),
  );
  const extras = new Set(withParts.flatMap((s) => alternativeItems(s.text, parts, questionWords)));
  if (extras.size >= 2) return { score: HEDGED_WITH_TRUTH, reason: `list with ${extras.size} extra answers` };
  if (found < k) {
    return {
      score: Math.round((50 * found) / k) - (extras.size > 0 ? 10 : 0),
      reason: `${found} of ${k} parts`,
    };
  }
  if (extras.size === 1) return { score: 50, reason: `all ${k} parts plus an extra item` };
  return { score: marked || short ? 100 : 90, reason: `all ${k} parts` };
}
