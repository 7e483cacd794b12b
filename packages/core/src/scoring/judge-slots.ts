/** Who is asking the judge: a validation round, or a one-off `scoring.evaluate` call. */
export type JudgeLane = 'round' | 'evaluate';

/**
 * The judge's request slots. When a slot frees, a waiting round request always goes first, and
 * evaluate calls hold at most `evaluateSlots` slots at once, so a burst of them never starves a round.
 */
export function createJudgeSlots(concurrency: number, evaluateSlots: number) {
  const slots = Math.max(1, concurrency);
  const evaluateCap = Math.max(1, Math.min(evaluateSlots, slots));
  const waiting: Record<JudgeLane, (() => void)[]> = { round: [], evaluate: [] };
  let active = 0;
  let activeEvaluate = 0;

  const startNext = () => {
    while (active < slots) {
      const start =
        waiting.round.shift() ?? (activeEvaluate < evaluateCap ? waiting.evaluate.shift() : undefined);
      if (!start) return;
      start();
    }
  };

  return async function run<T>(lane: JudgeLane, task: () => Promise<T>): Promise<T> {
    await new Promise<void>((resolve) => {
      waiting[lane].push(() => {
        active++;
        if (lane === 'evaluate') activeEvaluate++;
        resolve();
      });
      startNext();
    });
    try {
      return await task();
    } finally {
      active--;
      if (lane === 'evaluate') activeEvaluate--;
      startNext();
    }
  };
}
