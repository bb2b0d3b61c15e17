/**
 * The live-update loop behind `useLive`, free of React so it can be tested with fake timers:
 * - `tick` runs `intervalMs` after the previous tick *finished* (a slow server never gets two at once);
 * - nothing runs while the page is hidden; when it shows again, one tick runs at once, then the rhythm resumes;
 * - a failing tick does not stop the loop (the screen shows its own error);
 * - `stop()` ends it for good.
 */
export interface PollerDeps {
  isHidden: () => boolean;
  setTimer: (callback: () => void, ms: number) => unknown;
  clearTimer: (timer: unknown) => void;
}

export interface Poller {
  /** Call on `visibilitychange`. */
  visibilityChanged: () => void;
  stop: () => void;
}

export function startPoller(tick: () => unknown, intervalMs: number, deps: PollerDeps): Poller {
  let stopped = false;
  let inFlight = false;
  let timer: unknown;

  const clear = () => {
    if (timer !== undefined) deps.clearTimer(timer);
    timer = undefined;
  };
  const schedule = () => {
    clear();
    if (stopped || deps.isHidden()) return;
    timer = deps.setTimer(() => {
      timer = undefined;
      void step();
    }, intervalMs);
  };
  const step = async () => {
    if (stopped || inFlight || deps.isHidden()) return;
    inFlight = true;
    try {
      await tick();
    } catch {
      // Polling simply tries again on the next beat.
    } finally {
      inFlight = false;
      schedule();
    }
  };

  schedule();
  return {
    visibilityChanged: () => {
      if (deps.isHidden()) clear();
      else if (!inFlight) {
        clear();
        void step();
      }
    },
    stop: () => {
      stopped = true;
      clear();
    },
  };
}
