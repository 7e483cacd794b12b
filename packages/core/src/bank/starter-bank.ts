import { promptKey } from './prompt-key.ts';

export interface StarterQuestion {
  prompt: string;
  truth: string;
  tags: string[];
}

/** mulberry32: a tiny seeded generator, so the starter bank is the same on every machine. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ASK = 'Answer with the number only.';

const CONVERSIONS: { from: string; to: string; factor: number }[] = [
  { from: 'kilometres', to: 'metres', factor: 1000 },
  { from: 'metres', to: 'centimetres', factor: 100 },
  { from: 'centimetres', to: 'millimetres', factor: 10 },
  { from: 'kilograms', to: 'grams', factor: 1000 },
  { from: 'litres', to: 'millilitres', factor: 1000 },
  { from: 'hours', to: 'minutes', factor: 60 },
  { from: 'minutes', to: 'seconds', factor: 60 },
  { from: 'days', to: 'hours', factor: 24 },
  { from: 'weeks', to: 'days', factor: 7 },
  { from: 'feet', to: 'inches', factor: 12 },
  { from: 'yards', to: 'feet', factor: 3 },
  { from: 'pounds', to: 'ounces', factor: 16 },
  { from: 'gallons', to: 'quarts', factor: 4 },
  { from: 'dozens', to: 'items', factor: 12 },
];

const NAMES = [
  'Ana',
  'Bilal',
  'Chen',
  'Dara',
  'Emeka',
  'Freya',
  'Goran',
  'Hana',
  'Ines',
  'Jonas',
  'Kemi',
  'Luca',
];
const ITEMS = [
  'apples',
  'pencils',
  'marbles',
  'stickers',
  'books',
  'cookies',
  'coins',
  'stamps',
  'shells',
  'cards',
];

type Maker = (r: () => number) => StarterQuestion;
const int = (r: () => number, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
const pick = <T>(r: () => number, list: readonly T[]): T => list[Math.floor(r() * list.length)]!;

const arithmetic: Maker[] = [
  (r) => {
    const a = int(r, 100, 9999);
    const b = int(r, 100, 9999);
    return { prompt: `What is ${a} + ${b}? ${ASK}`, truth: String(a + b), tags: ['arithmetic', 'addition'] };
  },
  (r) => {
    const a = int(r, 1000, 9999);
    const b = int(r, 10, a);
    return {
      prompt: `What is ${a} - ${b}? ${ASK}`,
      truth: String(a - b),
      tags: ['arithmetic', 'subtraction'],
    };
  },
  (r) => {
    const a = int(r, 12, 99);
    const b = int(r, 12, 99);
    return {
      prompt: `What is ${a} × ${b}? ${ASK}`,
      truth: String(a * b),
      tags: ['arithmetic', 'multiplication'],
    };
  },
  (r) => {
    const b = int(r, 3, 40);
    const q = int(r, 11, 250);
    return {
      prompt: `What is ${b * q} divided by ${b}? ${ASK}`,
      truth: String(q),
      tags: ['arithmetic', 'division'],
    };
  },
  (r) => {
    const p = pick(r, [10, 20, 25, 40, 50, 75]);
    const n = int(r, 2, 60) * 20;
    return {
      prompt: `What is ${p}% of ${n}? ${ASK}`,
      truth: String((p * n) / 100),
      tags: ['arithmetic', 'percent'],
    };
  },
];

const conversions: Maker = (r) => {
  const c = pick(r, CONVERSIONS);
  const n = int(r, 2, 250);
  return {
    prompt: `How many ${c.to} are there in ${n} ${c.from}? ${ASK}`,
    truth: String(n * c.factor),
    tags: ['units'],
  };
};

const wordProblems: Maker[] = [
  (r) => {
    const [name, item] = [pick(r, NAMES), pick(r, ITEMS)];
    const has = int(r, 5, 60);
    const bags = int(r, 2, 9);
    const per = int(r, 3, 12);
    return {
      prompt: `${name} has ${has} ${item} and buys ${bags} packs of ${per} ${item} each. How many ${item} does ${name} have now? ${ASK}`,
      truth: String(has + bags * per),
      tags: ['word-problem'],
    };
  },
  (r) => {
    const [name, item] = [pick(r, NAMES), pick(r, ITEMS)];
    const friends = int(r, 2, 9);
    const each = int(r, 3, 15);
    const left = int(r, 0, friends - 1);
    return {
      prompt: `${name} shares ${friends * each + left} ${item} equally among ${friends} friends and keeps what is left over. How many ${item} does each friend get? ${ASK}`,
      truth: String(each),
      tags: ['word-problem', 'division'],
    };
  },
  (r) => {
    const name = pick(r, NAMES);
    const speed = int(r, 30, 110);
    const hours = int(r, 2, 9);
    return {
      prompt: `${name} drives at a steady ${speed} km per hour for ${hours} hours. How many kilometres does ${name} travel? ${ASK}`,
      truth: String(speed * hours),
      tags: ['word-problem', 'rate'],
    };
  },
  (r) => {
    const [name, item] = [pick(r, NAMES), pick(r, ITEMS)];
    const price = int(r, 2, 19);
    const count = int(r, 3, 24);
    const paid = Math.ceil((price * count) / 50) * 50 + pick(r, [0, 50, 100]);
    return {
      prompt: `${name} buys ${count} ${item} at ${price} dollars each and pays with ${paid} dollars. How much change does ${name} get, in dollars? ${ASK}`,
      truth: String(paid - price * count),
      tags: ['word-problem', 'money'],
    };
  },
  (r) => {
    const name = pick(r, NAMES);
    const w = int(r, 3, 40);
    const h = int(r, 3, 40);
    return {
      prompt: `${name}'s garden is a rectangle ${w} metres long and ${h} metres wide. What is its area in square metres? ${ASK}`,
      truth: String(w * h),
      tags: ['word-problem', 'geometry'],
    };
  },
];

/**
 * The starter bank: `count` distinct questions with exact answers, generated from a fixed seed.
 * Mixes arithmetic, unit conversions and word problems about equally; none is copied from a dataset.
 */
export function generateStarterBank(count = 600, seed = 20261204): StarterQuestion[] {
  const r = seeded(seed);
  const makers: Maker[] = [...arithmetic, conversions, conversions, ...wordProblems];
  const seen = new Set<string>();
  const bank: StarterQuestion[] = [];
  for (let attempts = 0; bank.length < count && attempts < count * 50; attempts++) {
    const q = makers[attempts % makers.length]!(r);
    const key = promptKey(q.prompt);
    if (seen.has(key)) continue;
    seen.add(key);
    bank.push(q);
  }
  return bank;
}
