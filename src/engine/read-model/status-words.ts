// The engine's status sentence of a container list ("Up 5 minutes", "Exited (0) 2 seconds ago"),
// worded from what inspect tells, exactly as the engine words it (moby's container State.String
// and go-units' HumanDuration), so that a list served by the read model reads like the engine's.

export interface StatusInputs {
  // created | running | paused | restarting | removing | exited | dead
  state: string;
  // starting | healthy | unhealthy; null without a health check.
  health: string | null;
  exitCode: number;
  // Epoch milliseconds; null for the engine's "never" (0001-01-01).
  startedAtMs: number | null;
  finishedAtMs: number | null;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

// go-units HumanDuration: whole seconds and minutes are truncated, hours rounded.
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / SECOND);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.trunc(ms / MINUTE);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  // Go's math.Round rounds half away from zero, like Math.round for positive numbers.
  const hours = Math.round(ms / HOUR);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.trunc(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.trunc(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24 / 30)} months`;
  return `${Math.trunc(Math.trunc(ms / HOUR) / 24 / 365)} years`;
}

function since(nowMs: number, atMs: number | null): string {
  // The engine counts from Go's zero time when a stamp is missing; a running container always
  // has one. A clock that went backwards counts as no time.
  return humanDuration(Math.max(0, nowMs - (atMs ?? nowMs)));
}

export function statusWords(s: StatusInputs, nowMs: number): string {
  switch (s.state) {
    case 'paused':
      return `Up ${since(nowMs, s.startedAtMs)} (Paused)`;
    case 'restarting':
      return `Restarting (${s.exitCode}) ${since(nowMs, s.finishedAtMs)} ago`;
    case 'running':
      return s.health
        ? `Up ${since(nowMs, s.startedAtMs)} (${s.health === 'starting' ? 'health: starting' : s.health})`
        : `Up ${since(nowMs, s.startedAtMs)}`;
    case 'removing':
      return 'Removal In Progress';
    case 'dead':
      return 'Dead';
    case 'created':
      return 'Created';
    default:
      if (s.startedAtMs === null) return 'Created';
      if (s.finishedAtMs === null) return '';
      return `Exited (${s.exitCode}) ${since(nowMs, s.finishedAtMs)} ago`;
  }
}

// When the sentence next changes (so an answer worded now may be reused until then).
export function wordsValidUntil(s: StatusInputs, nowMs: number): number {
  const from =
    s.state === 'running' || s.state === 'paused'
      ? s.startedAtMs
      : s.state === 'restarting' || s.state === 'exited'
        ? s.finishedAtMs
        : null;
  if (from === null) return Number.POSITIVE_INFINITY;
  const elapsed = Math.max(0, nowMs - from);
  // Below a minute the words change every second, below an hour every minute; past that at
  // most every half hour (hours are rounded).
  const step = elapsed < MINUTE ? SECOND : elapsed < HOUR ? MINUTE : HOUR / 2;
  return from + (Math.floor(elapsed / step) + 1) * step;
}
