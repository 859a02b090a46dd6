import { describe, expect, it } from 'vitest';
import { busyAndSteal, stealSeconds, statLine } from './proc.mjs';

// Fields: user nice system idle iowait irq softirq steal guest guest_nice.
const STAT = `cpu  47509 0 12172 299561 2123 0 1002 7294 0 0
cpu0 23000 0 6000 150000 1000 0 500 4000 0 0
cpu1 24509 0 6172 149561 1123 0 502 3294 0 0
intr 1 2 3
`;

describe('reading /proc/stat', () => {
  it('picks the machine line or one core by name, not a longer name starting the same', () => {
    expect(statLine('cpu', STAT)[0]).toBe(47509);
    expect(statLine('cpu1', STAT)[7]).toBe(3294);
    expect(statLine('cpu2', STAT)).toEqual([]);
  });

  it("counts steal apart from busy time: the hypervisor's other guests are no process here", () => {
    expect(busyAndSteal(statLine('cpu0', STAT))).toEqual({ busy: 29500, steal: 4000 });
    expect(busyAndSteal([1, 2, 3, 4, 5, 6, 7])).toEqual({ busy: 19, steal: 0 });
  });

  it('reads a steal figure for the machine and for core 0', () => {
    expect(stealSeconds()).toBeGreaterThanOrEqual(stealSeconds(0));
    expect(stealSeconds(0)).toBeGreaterThanOrEqual(0);
  });
});
