/**
 * The reference miner's built-in solver: arithmetic asked in symbols or plain English, parsed by a
 * tokenizer and a recursive-descent parser (never eval) and computed exactly with bigint rationals.
 *
 * Results print as integers or exact decimals when they have a finite expansion; otherwise as a
 * reduced fraction (the final answer) followed by a decimal rounded to 10 significant digits.
 */
import {
  add,
  approximateSqrt,
  bitLength,
  DivisionByZeroError,
  divide,
  exactSqrt,
  isInteger,
  modulo,
  multiply,
  negate,
  parseDecimal,
  power,
  type Rational,
  rational,
  subtract,
  toExactDecimal,
  toFraction,
  toRoundedDecimal,
} from './rational.ts';

export const UNKNOWN_ANSWER = "I don't know how to answer that.";

/** The marker validators read the final answer from (GSM8K style). */
export const FINAL_ANSWER_MARKER = '####';

export type SolverOutcome =
  | { kind: 'answer'; text: string; answer: string; exact: boolean }
  | { kind: 'refusal'; text: string; reason: 'unknown' | 'division-by-zero' | 'too-large' | 'unsupported' };

type Operator = '+' | '-' | '*' | '/' | '^' | 'mod';

type Token =
  | { type: 'number'; value: Rational }
  | { type: 'operator'; op: Operator }
  | { type: 'percent' }
  | { type: 'postfix-power'; exponent: bigint }
  | { type: 'sqrt' }
  | { type: '(' }
  | { type: ')' }
  | { type: 'word'; word: string };

type Expr =
  | { type: 'number'; value: Rational }
  | { type: 'negate'; arg: Expr }
  | { type: 'percent'; arg: Expr }
  | { type: 'sqrt'; arg: Expr }
  | { type: 'binary'; op: Operator | 'of'; left: Expr; right: Expr };

/** Nothing the solver answers is longer than this; longer prompts are not arithmetic. */
const MAX_PROMPT_LENGTH = 20_000;
const MAX_NESTING = 100;
/** Caps the size of any intermediate number (~30 000 decimal digits), so no prompt can exhaust the CPU. */
const MAX_BITS = 100_000;
const SQRT_DIGITS = 30;

class NotUnderstood extends Error {}
class TooLarge extends Error {}
class Unsupported extends Error {}

// Multi-word phrases, longest first within each entry's first word.
const PHRASES: ReadonlyArray<{ words: readonly string[]; token: Token | null }> = [
  { words: ['raised', 'to', 'the', 'power', 'of'], token: { type: 'operator', op: '^' } },
  { words: ['raised', 'to', 'the', 'power'], token: { type: 'operator', op: '^' } },
  { words: ['raised', 'to'], token: { type: 'operator', op: '^' } },
  { words: ['to', 'the', 'power', 'of'], token: { type: 'operator', op: '^' } },
  { words: ['to', 'the', 'power'], token: { type: 'operator', op: '^' } },
  { words: ['multiplied', 'by'], token: { type: 'operator', op: '*' } },
  { words: ['divided', 'by'], token: { type: 'operator', op: '/' } },
  { words: ['added', 'to'], token: { type: 'operator', op: '+' } },
  { words: ['square', 'root', 'of'], token: { type: 'sqrt' } },
  { words: ['square', 'root'], token: { type: 'sqrt' } },
  { words: ['sqrt'], token: { type: 'sqrt' } },
  { words: ['per', 'cent'], token: { type: 'percent' } },
  { words: ['percent'], token: { type: 'percent' } },
  { words: ['plus'], token: { type: 'operator', op: '+' } },
  { words: ['minus'], token: { type: 'operator', op: '-' } },
  { words: ['negative'], token: { type: 'operator', op: '-' } },
  { words: ['times'], token: { type: 'operator', op: '*' } },
  { words: ['x'], token: { type: 'operator', op: '*' } },
  { words: ['over'], token: { type: 'operator', op: '/' } },
  { words: ['mod'], token: { type: 'operator', op: 'mod' } },
  { words: ['modulo'], token: { type: 'operator', op: 'mod' } },
  { words: ['squared'], token: { type: 'postfix-power', exponent: 2n } },
  { words: ['cubed'], token: { type: 'postfix-power', exponent: 3n } },
  { words: ['the'], token: null },
  { words: ['please'], token: null },
];

const LEADING_PHRASES: ReadonlyArray<readonly string[]> = [
  ['what', 'is'],
  ['whats'],
  ['how', 'much', 'is'],
  ['calculate'],
  ['compute'],
  ['evaluate'],
  ['solve'],
  ['find'],
  ['work', 'out'],
  ['tell', 'me'],
  ['can', 'you', 'tell', 'me'],
  ['please'],
];

/** Words the grammar itself uses to join operands ("add 3 and 4", "divide 10 by 4"). */
const GRAMMAR_WORDS = new Set([
  'add',
  'sum',
  'subtract',
  'multiply',
  'product',
  'divide',
  'quotient',
  'difference',
  'of',
  'and',
  'to',
  'by',
  'from',
  'between',
]);

const SYMBOLS: Record<string, Token> = {
  '+': { type: 'operator', op: '+' },
  '-': { type: 'operator', op: '-' },
  '*': { type: 'operator', op: '*' },
  '/': { type: 'operator', op: '/' },
  '^': { type: 'operator', op: '^' },
  '%': { type: 'percent' },
  '(': { type: '(' },
  ')': { type: ')' },
  ',': { type: 'word', word: 'and' },
};

const NUMBER = /^(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d*)?(?:e[+-]?\d+)?|\.\d+(?:e[+-]?\d+)?)/;

function normalise(prompt: string): string {
  return prompt
    .toLowerCase()
    .replace(/[×·⋅∗]/g, '*')
    .replace(/[÷∕]/g, '/')
    .replace(/[−–—]/g, '-')
    .replace(/√/g, ' sqrt ')
    .replace(/\*\*/g, '^')
    .replace(/['’]/g, '')
    .replace(/[\s?!.=]+$/, '')
    .trim();
}

function tokenize(prompt: string): Token[] {
  const text = normalise(prompt);
  const raw: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const rest = text.slice(i);
    const space = /^\s+/.exec(rest);
    if (space) {
      i += space[0].length;
      continue;
    }
    const number = NUMBER.exec(rest);
    if (number) {
      const literal = number[0].replace(/,/g, '');
      // An exponent this large would make the literal itself astronomically long.
      if (/e[+-]?\d{5,}/.test(literal)) throw new TooLarge();
      raw.push({ type: 'number', value: parseDecimal(literal) });
      i += number[0].length;
      continue;
    }
    const word = /^[a-z]+/.exec(rest);
    if (word) {
      raw.push({ type: 'word', word: word[0] });
      i += word[0].length;
      continue;
    }
    const symbol = SYMBOLS[text[i] ?? ''];
    if (!symbol) throw new NotUnderstood();
    raw.push(symbol);
    i++;
  }
  return mergePhrases(stripLeadingPhrases(raw));
}

function wordsAt(tokens: readonly Token[], start: number, words: readonly string[]): boolean {
  return words.every((word, k) => {
    const token = tokens[start + k];
    return token?.type === 'word' && token.word === word;
  });
}

function stripLeadingPhrases(tokens: Token[]): Token[] {
  let start = 0;
  for (let changed = true; changed; ) {
    changed = false;
    for (const phrase of LEADING_PHRASES) {
      if (wordsAt(tokens, start, phrase)) {
        start += phrase.length;
        changed = true;
      }
    }
  }
  return tokens.slice(start);
}

function mergePhrases(tokens: Token[]): Token[] {
  const merged: Token[] = [];
  let i = 0;
  outer: while (i < tokens.length) {
    for (const phrase of PHRASES) {
      if (wordsAt(tokens, i, phrase.words)) {
        if (phrase.token) merged.push(phrase.token);
        i += phrase.words.length;
        continue outer;
      }
    }
    const token = tokens[i]!;
    if (token.type === 'word' && !GRAMMAR_WORDS.has(token.word)) throw new NotUnderstood();
    merged.push(token);
    i++;
  }
  return merged;
}

class Parser {
  private position = 0;
  private depth = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  parse(): Expr {
    const expr = this.command() ?? this.expression();
    if (this.position !== this.tokens.length) throw new NotUnderstood();
    return expr;
  }

  private peek(): Token | undefined {
    return this.tokens[this.position];
  }

  private isWord(word: string): boolean {
    const token = this.peek();
    return token?.type === 'word' && token.word === word;
  }

  private acceptWord(...words: string[]): boolean {
    if (words.some((word) => this.isWord(word))) {
      this.position++;
      return true;
    }
    return false;
  }

  private expectWord(...words: string[]): void {
    if (!this.acceptWord(...words)) throw new NotUnderstood();
  }

  /** Sentences such as "add 3 and 4", "subtract 2 from 9", "the product of 6 and 7". */
  private command(): Expr | undefined {
    if (this.acceptWord('add')) return this.list('+', ['and', 'to']);
    if (this.acceptWord('sum')) {
      this.expectWord('of');
      return this.list('+', ['and']);
    }
    if (this.acceptWord('multiply')) return this.list('*', ['and', 'by']);
    if (this.acceptWord('product')) {
      this.expectWord('of');
      return this.list('*', ['and']);
    }
    if (this.acceptWord('subtract')) {
      const subtrahend = this.expression();
      this.expectWord('from');
      return { type: 'binary', op: '-', left: this.expression(), right: subtrahend };
    }
    if (this.acceptWord('difference')) {
      this.expectWord('between', 'of');
      return this.pair('-');
    }
    if (this.acceptWord('divide')) {
      const dividend = this.expression();
      this.expectWord('by');
      return { type: 'binary', op: '/', left: dividend, right: this.expression() };
    }
    if (this.acceptWord('quotient')) {
      this.expectWord('of');
      return this.pair('/');
    }
    return undefined;
  }

  private pair(op: Operator): Expr {
    const left = this.expression();
    this.expectWord('and');
    return { type: 'binary', op, left, right: this.expression() };
  }

  /** "3 and 4", "1, 2 and 3" (commas arrive as "and"), "3 to 4". */
  private list(op: Operator, joiners: string[]): Expr {
    let expr = this.expression();
    if (!joiners.some((word) => this.isWord(word))) throw new NotUnderstood();
    while (this.acceptWord(...joiners)) {
      this.acceptWord('and'); // "1, 2, and 3"
      expr = { type: 'binary', op, left: expr, right: this.expression() };
    }
    return expr;
  }

  private expression(): Expr {
    let left = this.term();
    for (;;) {
      const token = this.peek();
      if (token?.type !== 'operator' || (token.op !== '+' && token.op !== '-')) return left;
      this.position++;
      left = { type: 'binary', op: token.op, left, right: this.term() };
    }
  }

  private term(): Expr {
    let left = this.unary();
    for (;;) {
      const token = this.peek();
      if (token?.type === 'operator' && (token.op === '*' || token.op === '/' || token.op === 'mod')) {
        this.position++;
        left = { type: 'binary', op: token.op, left, right: this.unary() };
      } else if (left.type === 'percent' && this.isWord('of')) {
        this.position++; // "15% of 80"
        left = { type: 'binary', op: 'of', left, right: this.unary() };
      } else {
        return left;
      }
    }
  }

  private nested<T>(parse: () => T): T {
    if (++this.depth > MAX_NESTING) throw new NotUnderstood();
    try {
      return parse();
    } finally {
      this.depth--;
    }
  }

  private unary(): Expr {
    const token = this.peek();
    if (token?.type === 'operator' && (token.op === '-' || token.op === '+')) {
      this.position++;
      const arg = this.nested(() => this.unary());
      return token.op === '-' ? { type: 'negate', arg } : arg;
    }
    return this.power();
  }

  /** Right-associative, and binds tighter than unary minus on its left: -2^2 = -4, 2^3^2 = 2^9. */
  private power(): Expr {
    const base = this.postfix();
    const token = this.peek();
    if (token?.type === 'operator' && token.op === '^') {
      this.position++;
      return { type: 'binary', op: '^', left: base, right: this.nested(() => this.unary()) };
    }
    return base;
  }

  private postfix(): Expr {
    let expr = this.primary();
    for (let token = this.peek(); token; token = this.peek()) {
      if (token.type === 'percent') {
        expr = { type: 'percent', arg: expr };
      } else if (token.type === 'postfix-power') {
        expr = {
          type: 'binary',
          op: '^',
          left: expr,
          right: { type: 'number', value: rational(token.exponent) },
        };
      } else {
        break;
      }
      this.position++;
    }
    return expr;
  }

  private primary(): Expr {
    const token = this.peek();
    this.position++;
    switch (token?.type) {
      case 'number':
        return { type: 'number', value: token.value };
      case '(': {
        const inner = this.nested(() => this.expression());
        if (this.peek()?.type !== ')') throw new NotUnderstood();
        this.position++;
        return inner;
      }
      case 'sqrt':
        return { type: 'sqrt', arg: this.nested(() => this.unary()) };
      default:
        throw new NotUnderstood();
    }
  }
}

interface Value {
  value: Rational;
  exact: boolean;
}

function checkSize(value: Rational): Rational {
  if (bitLength(value.num) > MAX_BITS || bitLength(value.den) > MAX_BITS) throw new TooLarge();
  return value;
}

function evaluate(expr: Expr): Value {
  switch (expr.type) {
    case 'number':
      return { value: checkSize(expr.value), exact: true };
    case 'negate': {
      const arg = evaluate(expr.arg);
      return { value: negate(arg.value), exact: arg.exact };
    }
    case 'percent': {
      const arg = evaluate(expr.arg);
      return { value: divide(arg.value, rational(100n)), exact: arg.exact };
    }
    case 'sqrt': {
      const arg = evaluate(expr.arg);
      if (arg.value.num < 0n) throw new Unsupported('I cannot take the square root of a negative number.');
      const root = exactSqrt(arg.value);
      return root
        ? { value: root, exact: arg.exact }
        : { value: approximateSqrt(arg.value, SQRT_DIGITS), exact: false };
    }
    case 'binary': {
      const left = evaluate(expr.left);
      const right = evaluate(expr.right);
      const exact = left.exact && right.exact;
      return { value: checkSize(applyOperator(expr.op, left.value, right.value)), exact };
    }
  }
}

function applyOperator(op: Operator | 'of', left: Rational, right: Rational): Rational {
  switch (op) {
    case '+':
      return add(left, right);
    case '-':
      return subtract(left, right);
    case '*':
    case 'of':
      return multiply(left, right);
    case '/':
      return divide(left, right);
    case 'mod':
      return modulo(left, right);
    case '^': {
      if (!isInteger(right)) throw new Unsupported('I can only raise numbers to whole-number powers.');
      const exponent = right.num < 0n ? -right.num : right.num;
      const bits = Math.max(bitLength(left.num), bitLength(left.den));
      if (left.num !== 0n && bits > 1 && BigInt(bits - 1) * exponent > BigInt(MAX_BITS)) throw new TooLarge();
      if (bits <= 1) {
        // 0, 1 and -1: the result depends only on the exponent's sign and parity.
        const reduced = exponent === 0n ? 0n : exponent % 2n === 0n ? 2n : 1n;
        return power(left, right.num < 0n ? -reduced : reduced);
      }
      return power(left, right.num);
    }
  }
}

const PRECEDENCE: Record<Expr['type'] | Operator | 'of', number> = {
  '+': 1,
  '-': 1,
  '*': 2,
  '/': 2,
  mod: 2,
  of: 2,
  negate: 3,
  '^': 4,
  percent: 5,
  sqrt: 6,
  number: 6,
  binary: 0,
};

const SHOWN: Record<Operator | 'of', string> = {
  '+': ' + ',
  '-': ' - ',
  '*': ' × ',
  '/': ' ÷ ',
  mod: ' mod ',
  of: ' of ',
  '^': '^',
};

function precedence(expr: Expr): number {
  return expr.type === 'binary' ? PRECEDENCE[expr.op] : PRECEDENCE[expr.type];
}

function formatNumber(value: Rational): string {
  return toExactDecimal(value) ?? toFraction(value);
}

/** Writes the expression back in standard notation, with only the parentheses it needs. */
function show(expr: Expr): string {
  const wrap = (child: Expr, needsParens: boolean) => (needsParens ? `(${show(child)})` : show(child));
  switch (expr.type) {
    case 'number': {
      const text = formatNumber(expr.value);
      return expr.value.num < 0n ? `(${text})` : text;
    }
    case 'negate':
      return `-${wrap(expr.arg, precedence(expr.arg) < PRECEDENCE.negate || expr.arg.type === 'negate')}`;
    case 'percent':
      return `${wrap(expr.arg, precedence(expr.arg) < PRECEDENCE.percent)}%`;
    case 'sqrt':
      return `√${wrap(expr.arg, precedence(expr.arg) < PRECEDENCE.sqrt)}`;
    case 'binary': {
      const own = PRECEDENCE[expr.op];
      if (expr.op === '^') {
        return `${wrap(expr.left, precedence(expr.left) <= own)}^${wrap(expr.right, precedence(expr.right) < own)}`;
      }
      const associative = expr.op === '+' || expr.op === '*';
      const rightParens =
        precedence(expr.right) < own ||
        (precedence(expr.right) === own && !associative) ||
        expr.right.type === 'negate'; // 7 - (-3), not 7 - -3
      return `${wrap(expr.left, precedence(expr.left) < own)}${SHOWN[expr.op]}${wrap(expr.right, rightParens)}`;
    }
  }
}

function describe(expr: Expr, result: Value): SolverOutcome {
  const question = show(expr);
  if (!result.exact) {
    const answer = toRoundedDecimal(result.value);
    return {
      kind: 'answer',
      text: `${question} ≈ ${answer}.\n${FINAL_ANSWER_MARKER} ${answer}`,
      answer,
      exact: false,
    };
  }
  const decimal = toExactDecimal(result.value);
  if (decimal !== undefined) {
    return {
      kind: 'answer',
      text: `${question} = ${decimal}.\n${FINAL_ANSWER_MARKER} ${decimal}`,
      answer: decimal,
      exact: true,
    };
  }
  const fraction = toFraction(result.value);
  const approximation = toRoundedDecimal(result.value);
  return {
    kind: 'answer',
    text: `${question} = ${fraction} ≈ ${approximation}.\n${FINAL_ANSWER_MARKER} ${fraction}`,
    answer: fraction,
    exact: true,
  };
}

/**
 * A closing sentence that only says how to answer ("Answer with the number only."), as
 * validators' question banks add: it is not part of the question.
 */
const ANSWER_FORMAT =
  /(?<=[?.!])\s*(please\s+)?(answer|reply|respond|give|write|return)\b[^?.!]{0,60}\b(number|numeral|digits?|integer|answer)\b[^?.!]{0,30}[.!]?\s*$/i;

/** Answers an arithmetic question, or says plainly why it cannot. Pure: no I/O, no eval. */
export function solve(prompt: string): SolverOutcome {
  if (prompt.length > MAX_PROMPT_LENGTH) return { kind: 'refusal', text: UNKNOWN_ANSWER, reason: 'unknown' };
  let expr: Expr;
  try {
    const tokens = tokenize(prompt.replace(ANSWER_FORMAT, ''));
    if (tokens.length === 0) return { kind: 'refusal', text: UNKNOWN_ANSWER, reason: 'unknown' };
    expr = new Parser(tokens).parse();
  } catch (error) {
    if (error instanceof TooLarge) return tooLarge();
    if (error instanceof NotUnderstood) return { kind: 'refusal', text: UNKNOWN_ANSWER, reason: 'unknown' };
    throw error;
  }
  try {
    return describe(expr, evaluate(expr));
  } catch (error) {
    if (error instanceof DivisionByZeroError) {
      return {
        kind: 'refusal',
        text: `I cannot divide by zero, so ${show(expr)} has no answer.`,
        reason: 'division-by-zero',
      };
    }
    if (error instanceof TooLarge) return tooLarge();
    if (error instanceof Unsupported) return { kind: 'refusal', text: error.message, reason: 'unsupported' };
    throw error;
  }
}

function tooLarge(): SolverOutcome {
  return {
    kind: 'refusal',
    text: 'That number is too large for me to compute exactly.',
    reason: 'too-large',
  };
}
