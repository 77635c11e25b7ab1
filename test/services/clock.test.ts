import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { offsetFileClock } from '../../src/services/clock';
import { DemoClock } from '../../src/demo/server';

const DAY = 86_400_000;

it("follows the demo's clock from its file, as it moves, and real time without one", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'clock-'));
  try {
    const file = path.join(dir, 'demo-clock');
    const demo = new DemoClock(file);
    const beside = offsetFileClock(file);
    expect(Math.abs(beside.now().getTime() - Date.now())).toBeLessThan(DAY / 2);
    demo.advance(3 * DAY);
    // Both read the real clock a moment apart; three days of offset dwarf that moment.
    expect(Math.abs(beside.now().getTime() - demo.now().getTime())).toBeLessThan(DAY / 2);
    expect(beside.now().getTime() - Date.now()).toBeGreaterThan(2.5 * DAY);

    fs.writeFileSync(file, 'not a number');
    expect(Math.abs(beside.now().getTime() - Date.now())).toBeLessThan(DAY / 2);
    expect(Math.abs(offsetFileClock(path.join(dir, 'missing')).now().getTime() - Date.now())).toBeLessThan(DAY / 2);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
