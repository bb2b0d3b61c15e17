import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { startPoller } from "../src/lib/poller";

/** Fake timers only: nothing here depends on how fast the machine is. */
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function setup(tick: () => unknown) {
  let hidden = false;
  const poller = startPoller(tick, 1000, {
    isHidden: () => hidden,
    setTimer: (callback, ms) => setTimeout(callback, ms),
    clearTimer: (timer) => clearTimeout(timer as ReturnType<typeof setTimeout>),
  });
  return {
    poller,
    hide: () => {
      hidden = true;
      poller.visibilityChanged();
    },
    show: () => {
      hidden = false;
      poller.visibilityChanged();
    },
  };
}

describe("startPoller", () => {
  it("ticks every interval, starting one interval after start", async () => {
    const tick = vi.fn();
    const { poller } = setup(tick);
    await vi.advanceTimersByTimeAsync(999);
    expect(tick).toHaveBeenCalledTimes(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(tick).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(3000);
    expect(tick).toHaveBeenCalledTimes(4);
    poller.stop();
  });

  it("never overlaps: the next tick waits for a slow one to finish", async () => {
    let release: () => void = () => {};
    let running = 0;
    let maxRunning = 0;
    const tick = vi.fn(async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      running--;
    });
    const { poller } = setup(tick);
    await vi.advanceTimersByTimeAsync(1000);
    expect(tick).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(5000); // the server is slow: no second request meanwhile
    expect(tick).toHaveBeenCalledTimes(1);
    release();
    await vi.advanceTimersByTimeAsync(1000);
    expect(tick).toHaveBeenCalledTimes(2);
    expect(maxRunning).toBe(1);
    poller.stop();
  });

  it("keeps going after a failing tick", async () => {
    const tick = vi.fn().mockRejectedValueOnce(new Error("network")).mockResolvedValue(undefined);
    const { poller } = setup(tick);
    await vi.advanceTimersByTimeAsync(2000);
    expect(tick).toHaveBeenCalledTimes(2);
    poller.stop();
  });

  it("pauses while hidden and catches up at once when shown", async () => {
    const tick = vi.fn();
    const { poller, hide, show } = setup(tick);
    await vi.advanceTimersByTimeAsync(1000);
    expect(tick).toHaveBeenCalledTimes(1);
    hide();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(tick).toHaveBeenCalledTimes(1);
    show();
    await vi.advanceTimersByTimeAsync(0);
    expect(tick).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(1000);
    expect(tick).toHaveBeenCalledTimes(3);
    poller.stop();
  });

  it("stops for good", async () => {
    const tick = vi.fn();
    const { poller, show } = setup(tick);
    poller.stop();
    show();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(tick).not.toHaveBeenCalled();
  });
});
