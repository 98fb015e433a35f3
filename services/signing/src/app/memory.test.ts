import { describe, expect, it } from 'vitest';
import { MemoryBudget } from './memory.js';

describe('memory budget', () => {
  it('lets calls wait for memory in order, and gives up when the call does', async () => {
    const budget = new MemoryBudget(100);
    const first = await budget.reserve(70);
    const order: string[] = [];
    const second = budget.reserve(50).then((release) => (order.push('second'), release));
    const third = budget.reserve(10).then((release) => (order.push('third'), release));
    const abort = new AbortController();
    const abandoned = budget.reserve(60, abort.signal);
    await new Promise((r) => setTimeout(r, 10));
    expect(order).toEqual([]); // the third waits behind the second though it would fit
    abort.abort(new Error('deadline'));
    await expect(abandoned).rejects.toThrow('deadline');
    first();
    first(); // releasing twice counts once
    (await second)();
    (await third)();
    expect(order).toEqual(['second', 'third']);
    // Larger than the whole budget: granted alone.
    const huge = await budget.reserve(1000);
    huge();
  });
});
