import { Intake } from '../../src/slack/intake';

/** Lets the event loop go round a few times. */
async function turns(n = 5): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe('background work and the requests being answered', () => {
  it('goes on at once when no request is being answered', async () => {
    const intake = new Intake();
    let through = false;
    void intake.yieldTo(60_000).then(() => {
      through = true;
    });
    await turns();
    expect(through).toBe(true);
  });

  it('waits while a request is being answered, and goes on once the last one is', async () => {
    const intake = new Intake();
    const first = intake.begin();
    const second = intake.begin();
    let through = false;
    const waiting = intake.yieldTo(60_000).then(() => {
      through = true;
    });
    await turns();
    expect(through).toBe(false);
    first();
    // The same answer counted twice is still one.
    first();
    await turns();
    expect(intake.waiting).toBe(1);
    expect(through).toBe(false);
    second();
    await waiting;
    expect(intake.waiting).toBe(0);
  });

  it('does not wait longer than it was told to, whatever keeps arriving', async () => {
    const intake = new Intake();
    intake.begin();
    const started = Date.now();
    await intake.yieldTo(30);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(intake.waiting).toBe(1);
  });
});
