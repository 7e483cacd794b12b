import { randomUUID } from 'node:crypto';
import type { RoundProgressEvent } from '@tensornode/core/validation';
import { describe, expect, it } from 'vitest';
import {
  createProgressHub,
  ReplayGapError,
  SubscriberDroppedError,
  TooManySubscriptionsError,
} from './progress-hub.ts';

const roundId = randomUUID();
const answered = (i: number): RoundProgressEvent => ({
  type: 'answered',
  roundId,
  vmId: `vm-${i}`,
  minerAddress: null,
  latencyMs: i,
});
const vmOf = (event: RoundProgressEvent) => (event.type === 'answered' ? event.vmId : event.type);

describe('progress hub', () => {
  it('drops a reader that falls more than its buffer behind, saying why; it resumes from its last id', async () => {
    const hub = createProgressHub({ capacity: 100, subscriberBuffer: 5 });
    const slow = hub.open({});
    hub.publish(answered(1));
    hub.publish(answered(2));
    const first = await slow.next();
    const second = await slow.next();
    expect([first.value?.event, second.value?.event].map((e) => e && vmOf(e))).toEqual(['vm-1', 'vm-2']);

    // It stops reading while 20 more events are published: over its buffer of 5, it is dropped.
    for (let i = 3; i <= 22; i++) hub.publish(answered(i));
    const dropped = await slow.next().catch((e: unknown) => e);
    expect(dropped).toBeInstanceOf(SubscriberDroppedError);
    expect((dropped as SubscriberDroppedError).lastEventId).toBe(second.value!.id);
    expect((dropped as Error).message).toMatch(/fell 5 events behind; resubscribe with lastEventId/);

    // Resuming from the last id it saw replays what it missed, then follows live events.
    const resumed = hub.open({ lastEventId: (dropped as SubscriberDroppedError).lastEventId });
    hub.publish(answered(23));
    const seen: string[] = [];
    for (let i = 0; i < 21; i++) seen.push(vmOf((await resumed.next()).value!.event));
    expect(seen).toEqual(Array.from({ length: 21 }, (_, i) => `vm-${i + 3}`));
    await resumed.return?.();
  });

  it('keeps a reader that keeps up, however many events pass', async () => {
    const hub = createProgressHub({ subscriberBuffer: 3 });
    const reader = hub.open({});
    for (let i = 1; i <= 50; i++) {
      hub.publish(answered(i));
      expect(vmOf((await reader.next()).value!.event)).toBe(`vm-${i}`);
    }
    await reader.return?.();
  });

  it('caps the streams one token holds; ending one frees its place', async () => {
    const hub = createProgressHub();
    const streams = Array.from({ length: 5 }, () => hub.open({ holder: 'token-a', maxPerHolder: 5 }));
    expect(() => hub.open({ holder: 'token-a', maxPerHolder: 5 })).toThrow(TooManySubscriptionsError);
    expect(hub.open({ holder: 'token-b', maxPerHolder: 5 })).toBeDefined(); // another token is not affected

    await streams[0]!.return?.();
    const controller = new AbortController();
    hub.open({ holder: 'token-a', maxPerHolder: 5, signal: controller.signal });
    expect(hub.openCount('token-a')).toBe(5);
    controller.abort(); // a closed connection also frees its place
    expect(hub.openCount('token-a')).toBe(4);
  });

  it('says so when the events after a resume id are no longer kept', async () => {
    const hub = createProgressHub({ capacity: 3 });
    const watcher = hub.open({});
    hub.publish(answered(1));
    const { value } = await watcher.next();
    await watcher.return?.();
    // Kept: events 2-4 only; resuming after 1 misses nothing yet.
    for (let i = 2; i <= 4; i++) hub.publish(answered(i));
    await hub.open({ lastEventId: value!.id }).return?.();
    hub.publish(answered(5)); // event 2 is gone now
    expect(() => hub.open({ lastEventId: value!.id })).toThrow(ReplayGapError);
  });

  it('ends every stream on close', async () => {
    const hub = createProgressHub();
    const reader = hub.open({ holder: 't', maxPerHolder: 5 });
    const pending = reader.next();
    hub.close();
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(hub.openCount('t')).toBe(0);
  });
});
