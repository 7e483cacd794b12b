/**
 * Exact rational numbers over bigint: every arithmetic result the solver prints is exact
 * (0.1 + 0.2 is 3/10, never 0.30000000000000004).
 */
export interface Rational {
  /** Numerator; carries the sign. */
  readonly num: bigint;
  /** Denominator; always positive, and coprime with the numerator. */
  readonly den: bigint;
}

export class DivisionByZeroError extends Error {
  constructor() {
    super('cannot divide by zero');
  }
}

function abs(n: bigint): bigint {
  return n < 0n ? -n : n;
}

function gcd(a: bigint, b: bigint): bigint {
  let x = abs(a);
  let y = abs(b);
  while (y !== 0n) {
    [x, y] = [y, x % y];
  }
  return x;
}

export function rational(num: bigint, den = 1n): Rational {
  if (den === 0n) throw new DivisionByZeroError();
  const sign = den < 0n ? -1n : 1n;
  const divisor = gcd(num, den) || 1n;
  return { num: (sign * num) / divisor, den: (sign * den) / divisor };
}

export const ZERO = rational(0n);
export const ONE = rational(1n);

export function add(a: Rational, b: Rational): Rational {
  return rational(a.num * b.den + b.num * a.den, a.den * b.den);
}

export function subtract(a: Rational, b: Rational): Rational {
  return rational(a.num * b.den - b.num * a.den, a.den * b.den);
}

export function multiply(a: Rational, b: Rational): Rational {
  return rational(a.num * b.num, a.den * b.den);
}

export function divide(a: Rational, b: Rational): Rational {
  if (b.num === 0n) throw new DivisionByZeroError();
  return rational(a.num * b.den, a.den * b.num);
}

export function negate(a: Rational): Rational {
  return { num: -a.num, den: a.den };
}

export function isInteger(a: Rational): boolean {
  return a.den === 1n;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/** a mod b with the sign of b (a - b·⌊a/b⌋), as mathematicians and Python define it. */
export function modulo(a: Rational, b: Rational): Rational {
  if (b.num === 0n) throw new DivisionByZeroError();
  const quotient = divide(a, b);
  return subtract(a, multiply(b, rational(floorDiv(quotient.num, quotient.den))));
}

/** Integer power; a negative exponent inverts (0 to a negative power divides by zero). */
export function power(base: Rational, exponent: bigint): Rational {
  if (exponent < 0n) {
    if (base.num === 0n) throw new DivisionByZeroError();
    return power(rational(base.den, base.num), -exponent);
  }
  return rational(base.num ** exponent, base.den ** exponent);
}

export function bitLength(n: bigint): number {
  return abs(n).toString(2).length;
}

/** ⌊√n⌋ for n ≥ 0, by Newton's method. */
export function integerSqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = 1n << BigInt(Math.ceil(bitLength(n) / 2));
  for (;;) {
    const next = (x + n / x) >> 1n;
    if (next >= x) return x;
    x = next;
  }
}

/** The exact square root when the rational is a perfect square, else undefined. */
export function exactSqrt(a: Rational): Rational | undefined {
  const top = integerSqrt(a.num);
  const bottom = integerSqrt(a.den);
  return top * top === a.num && bottom * bottom === a.den ? rational(top, bottom) : undefined;
}

/** √a truncated to `digits` decimal places, for numbers that are not perfect squares. */
export function approximateSqrt(a: Rational, digits: number): Rational {
  const scale = 10n ** BigInt(digits);
  return rational(integerSqrt((a.num * scale * scale) / a.den), scale);
}

/** Parses a plain decimal literal such as "12", "0.25", ".5" or "1.5e3" exactly. */
export function parseDecimal(text: string): Rational {
  const match = /^(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/i.exec(text);
  if (!match || (match[1] === '' && !match[2])) throw new Error(`not a decimal: ${text}`);
  const whole = match[1] ?? '';
  const fraction = match[2] ?? '';
  const exponent = BigInt(match[3] ?? '0') - BigInt(fraction.length);
  const digits = BigInt(whole + fraction || '0');
  return exponent >= 0n ? rational(digits * 10n ** exponent) : rational(digits, 10n ** -exponent);
}

function hasOnlyFactors2And5(n: bigint): { twos: number; fives: number } | undefined {
  let rest = n;
  let twos = 0;
  let fives = 0;
  while (rest % 2n === 0n) {
    rest /= 2n;
    twos++;
  }
  while (rest % 5n === 0n) {
    rest /= 5n;
    fives++;
  }
  return rest === 1n ? { twos, fives } : undefined;
}

function decimalString(num: bigint, den: bigint, places: number): string {
  const negative = num < 0n;
  const scaled = abs(num) * 10n ** BigInt(places);
  // Round half away from zero at the last place.
  const rounded = (scaled * 2n + den) / (den * 2n);
  const digits = rounded.toString().padStart(places + 1, '0');
  const whole = digits.slice(0, digits.length - places);
  const fraction = digits.slice(digits.length - places).replace(/0+$/, '');
  const text = fraction ? `${whole}.${fraction}` : whole;
  return negative && /[1-9]/.test(text) ? `-${text}` : text;
}

/** The exact decimal expansion, when the number has a finite one (denominator 2^a·5^b). */
export function toExactDecimal(a: Rational): string | undefined {
  const factors = hasOnlyFactors2And5(a.den);
  if (!factors) return undefined;
  return decimalString(a.num, a.den, Math.max(factors.twos, factors.fives));
}

/** A decimal rounded to `significant` significant digits after any leading zeros (0.0000333…→0.0000333333). */
export function toRoundedDecimal(a: Rational, significant = 10): string {
  const leadingZeros = a.num === 0n ? 0 : Math.max(0, a.den.toString().length - abs(a.num).toString().length);
  return decimalString(a.num, a.den, leadingZeros + significant);
}

export function toFraction(a: Rational): string {
  return a.den === 1n ? a.num.toString() : `${a.num}/${a.den}`;
}
