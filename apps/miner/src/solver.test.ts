import { describe, expect, it } from 'vitest';
import { FINAL_ANSWER_MARKER, solve, UNKNOWN_ANSWER } from './solver.ts';

function finalAnswer(prompt: string): string | undefined {
  const outcome = solve(prompt);
  const match = new RegExp(`\\n${FINAL_ANSWER_MARKER} (.+)$`).exec(outcome.text);
  return match?.[1];
}

describe('solve: answers arithmetic exactly, with a final-answer marker', () => {
  const cases: Array<[prompt: string, answer: string]> = [
    ['2 + 2', '4'],
    ['what is 12 times 7', '84'],
    ['What is 12 × 7?', '84'],
    ['2 + 3 * 4', '14'],
    ['(2 + 3) * 4', '20'],
    ['10 - 4 - 3', '3'],
    ['100 / 10 / 5', '2'],
    ['2 ^ 3 ^ 2', '512'],
    ['2 ** 10', '1024'],
    ['-2 ^ 2', '-4'],
    ['(-2) ^ 2', '4'],
    ['-(-3)', '3'],
    ['7 - -3', '10'],
    ['--5', '5'],
    ['2 * -3', '-6'],
    ['0.1 + 0.2', '0.3'],
    ['1.1 * 1.1', '1.21'],
    ['0.3 - 0.1', '0.2'],
    ['.5 + 1.', '1.5'],
    ['1/3', '1/3'],
    ['1/3 + 1/6', '0.5'],
    ['22 / 7', '22/7'],
    ['-6 / 4', '-1.5'],
    ['2^-2', '0.25'],
    ['1e3 + 1', '1001'],
    ['1,234,567 + 1', '1234568'],
    ['99999999999999999999 * 99999999999999999999', '9999999999999999999800000000000000000001'],
    ['2 ^ 200', (2n ** 200n).toString()],
    ['(-1) ^ 1000000000001', '-1'],
    ['15% of 80', '12'],
    ['what is 15 percent of 80?', '12'],
    ['50%', '0.5'],
    ['add 3 and 4', '7'],
    ['add 3 to 4', '7'],
    ['the sum of 1, 2, and 3', '6'],
    ['subtract 2 from 9', '7'],
    ['multiply 6 by 7', '42'],
    ['what is the product of 6 and 7', '42'],
    ['divide 10 by 4', '2.5'],
    ['what is the difference between 10 and 15', '-5'],
    ['quotient of 9 and 3', '3'],
    ['10 divided by 4', '2.5'],
    ['3 multiplied by 4 plus 1', '13'],
    ['9 minus 4', '5'],
    ['2 to the power of 8', '256'],
    ['5 squared', '25'],
    ['2 cubed + 1', '9'],
    ['square root of 144', '12'],
    ['√(9/16)', '0.75'],
    ['what is the square root of 2', '1.4142135624'],
    ['10 mod 3', '1'],
    ['-7 mod 3', '2'],
    ["what's 2 + 2 = ?", '4'],
    ['calculate (1 + 2) * (3 + 4)', '21'],
    // A closing instruction about the answer's form is not part of the question.
    ['What is 4132 - 510? Answer with the number only.', '3622'],
    ['What is 40% of 360? Please reply with just the number', '144'],
    ['What is 1599 divided by 39? Give your answer as an integer.', '41'],
  ];

  it.each(cases)('%s → %s', (prompt, answer) => {
    expect(solve(prompt).kind).toBe('answer');
    expect(finalAnswer(prompt)).toBe(answer);
  });

  it('replies in a sentence that restates the question, then the marker', () => {
    expect(solve('what is 12 times 7').text).toBe('12 × 7 = 84.\n#### 84');
    expect(solve('1/3').text).toBe('1 ÷ 3 = 1/3 ≈ 0.3333333333.\n#### 1/3');
    expect(solve('sqrt 2').text).toBe('√2 ≈ 1.4142135624.\n#### 1.4142135624');
  });
});

describe('solve: refuses plainly, without a final answer', () => {
  it.each(['5 / 0', 'divide 7 by 0', '1 / (2 - 2)', '0 ^ -1', '4 mod 0'])(
    '%s cannot divide by zero',
    (prompt) => {
      const outcome = solve(prompt);
      expect(outcome).toMatchObject({ kind: 'refusal', reason: 'division-by-zero' });
      expect(outcome.text).toMatch(/cannot divide by zero/);
      expect(outcome.text).not.toContain(FINAL_ANSWER_MARKER);
    },
  );

  it.each([
    '',
    '   ',
    'what is',
    'hello there',
    'what is the capital of France?',
    'process.exit()',
    "require('fs')",
    'require("child_process").execSync("reboot")',
    '1; process.exit(1)',
    'constructor',
    '__proto__',
    'this.constructor.constructor("return process")()',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-literal injection attempt, on purpose
    '`${1+1}`',
    '2 + ',
    '(2 + 3',
    '2 + 3)',
    '2 (3)',
    '2 +* 3',
    'add 3',
    'subtract 3 and 4',
    '0x1f + 1',
    '2 + 2 apples',
    `${'('.repeat(5000)}1${')'.repeat(5000)}`,
    '1 +'.repeat(7000),
  ])('%s → "I don\'t know"', (prompt) => {
    expect(solve(prompt)).toEqual({ kind: 'refusal', text: UNKNOWN_ANSWER, reason: 'unknown' });
  });

  it('refuses numbers too large to compute instead of hanging', () => {
    expect(solve('2 ^ 100000000000')).toMatchObject({ kind: 'refusal', reason: 'too-large' });
    expect(solve('9 ^ 9 ^ 9')).toMatchObject({ kind: 'refusal', reason: 'too-large' });
    expect(solve('1e99999999 + 1')).toMatchObject({ kind: 'refusal', reason: 'too-large' });
  });

  it('explains what it cannot do for real numbers it does not handle', () => {
    expect(solve('4 ^ 0.5').text).toBe('I can only raise numbers to whole-number powers.');
    expect(solve('sqrt(-4)').text).toBe('I cannot take the square root of a negative number.');
  });
});
