import {
  matchesContainerFilter,
  matchesLabels,
  matchesNetworkFilter,
  findByReference,
} from '../../src/engine/read-model/model-queries';
import {
  humanDuration,
  statusWords,
  wordsValidUntil,
  type StatusInputs,
} from '../../src/engine/read-model/status-words';
import type { NetworkInfo } from '../../src/engine/engine.types';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('humanDuration (go-units, as the engine words it)', () => {
  test.each([
    [0, 'Less than a second'],
    [999, 'Less than a second'],
    [1000, '1 second'],
    [1999, '1 second'],
    [2 * S, '2 seconds'],
    [59 * S + 999, '59 seconds'],
    [60 * S, 'About a minute'],
    [119 * S, 'About a minute'],
    [2 * M, '2 minutes'],
    [59 * M + 59 * S, '59 minutes'],
    [60 * M, 'About an hour'],
    [89 * M, 'About an hour'],
    [90 * M, '2 hours'],
    [47 * H + 29 * M, '47 hours'],
    [47 * H + 30 * M, '2 days'],
    [13 * D, '13 days'],
    [14 * D, '2 weeks'],
    [59 * D, '8 weeks'],
    [60 * D, '2 months'],
    [729 * D, '24 months'],
    [730 * D, '2 years'],
    [5 * 365 * D, '5 years'],
  ])('%d ms is "%s"', (ms, words) => {
    expect(humanDuration(ms)).toBe(words);
  });
});

describe('statusWords (moby container State.String)', () => {
  const now = Date.parse('2026-01-01T12:00:00Z');
  const base: StatusInputs = {
    state: 'running',
    health: null,
    exitCode: 0,
    startedAtMs: now - 5 * M,
    finishedAtMs: null,
  };
  test.each<[Partial<StatusInputs>, string]>([
    [{}, 'Up 5 minutes'],
    [{ startedAtMs: now - 3 * S }, 'Up 3 seconds'],
    [{ state: 'paused', startedAtMs: now - 3 * S }, 'Up 3 seconds (Paused)'],
    [{ health: 'healthy' }, 'Up 5 minutes (healthy)'],
    [{ health: 'unhealthy' }, 'Up 5 minutes (unhealthy)'],
    [{ health: 'starting', startedAtMs: now - 500 }, 'Up Less than a second (health: starting)'],
    [{ state: 'exited', exitCode: 0, finishedAtMs: now - 2 * S }, 'Exited (0) 2 seconds ago'],
    [{ state: 'exited', exitCode: 137, finishedAtMs: now - 3 * H }, 'Exited (137) 3 hours ago'],
    [{ state: 'exited', finishedAtMs: null }, ''],
    [{ state: 'restarting', exitCode: 1, finishedAtMs: now - 1 * S }, 'Restarting (1) 1 second ago'],
    [{ state: 'created', startedAtMs: null }, 'Created'],
    [{ state: 'exited', startedAtMs: null }, 'Created'],
    [{ state: 'removing' }, 'Removal In Progress'],
    [{ state: 'dead' }, 'Dead'],
  ])('%j', (change, words) => {
    expect(statusWords({ ...base, ...change }, now)).toBe(words);
  });

  test('an answer is reused only until its words change', () => {
    const inputs = { ...base, startedAtMs: now - 1500 };
    const until = wordsValidUntil(inputs, now);
    expect(until).toBe(now + 500);
    expect(statusWords(inputs, until - 1)).toBe(statusWords(inputs, now));
    expect(statusWords(inputs, until)).not.toBe(statusWords(inputs, now));
    expect(wordsValidUntil({ ...base, state: 'created', startedAtMs: null }, now)).toBe(
      Number.POSITIVE_INFINITY,
    );
  });
});

describe('the engine filters', () => {
  test('labels: k exists, k=v equals, every one must match, = in values', () => {
    const labels = { a: '1', b: '', c: 'x=y' };
    expect(matchesLabels(labels, ['a'])).toBe(true);
    expect(matchesLabels(labels, ['a=1', 'b'])).toBe(true);
    expect(matchesLabels(labels, ['b='])).toBe(true);
    expect(matchesLabels(labels, ['c=x=y'])).toBe(true);
    expect(matchesLabels(labels, ['a=2'])).toBe(false);
    expect(matchesLabels(labels, ['a', 'z'])).toBe(false);
    expect(matchesLabels(labels, ['toString'])).toBe(false);
  });

  test('networks: driver and scope exact, any value', () => {
    const n = { driver: 'bridge', scope: 'local', labels: { t: '1' } } as unknown as NetworkInfo;
    expect(matchesNetworkFilter(n, { driver: ['overlay', 'bridge'] })).toBe(true);
    expect(matchesNetworkFilter(n, { driver: ['bri'] })).toBe(false);
    expect(matchesNetworkFilter(n, { scope: ['swarm'] })).toBe(false);
    expect(matchesNetworkFilter(n, { scope: ['local'], label: ['t=1'] })).toBe(true);
  });

  test('containers: all=false lists running, paused and restarting; a status filter lists every state', () => {
    const c = (state: string) => ({ state, labels: {}, endpoints: [] });
    for (const state of ['running', 'paused', 'restarting'])
      expect(matchesContainerFilter(c(state), {})).toBe(true);
    for (const state of ['created', 'exited', 'dead', 'removing']) {
      expect(matchesContainerFilter(c(state), {})).toBe(false);
      expect(matchesContainerFilter(c(state), { all: true })).toBe(true);
    }
    expect(matchesContainerFilter(c('exited'), { status: ['exited'] })).toBe(true);
    expect(matchesContainerFilter(c('running'), { all: true, status: ['exited'] })).toBe(false);
  });

  test('containers: network by name or id prefix', () => {
    const endpoint = { networkName: 'front', networkId: 'abcdef0123' };
    const c = { state: 'running', labels: {}, endpoints: [endpoint] } as never;
    expect(matchesContainerFilter(c, { network: ['front'] })).toBe(true);
    expect(matchesContainerFilter(c, { network: ['abc'] })).toBe(true);
    expect(matchesContainerFilter(c, { network: ['fro'] })).toBe(false);
    expect(matchesContainerFilter(c, { network: ['back', 'abcdef0123'] })).toBe(true);
  });

  test('references: id, then a unique name, then a unique id prefix; else the engine decides', () => {
    const items = new Map([
      ['aaa111', { name: 'web' }],
      ['aab222', { name: 'aaa111x' }],
      ['ccc333', { name: 'dup' }],
      ['ddd444', { name: 'dup' }],
    ]);
    const find = (ref: string) => findByReference(ref, items, (i) => i.name);
    expect(find('aaa111')).toEqual({ name: 'web' });
    expect(find('web')).toEqual({ name: 'web' });
    expect(find('aab')).toEqual({ name: 'aaa111x' });
    expect(find('aa')).toBeNull();
    expect(find('dup')).toBeNull();
    expect(find('zzz')).toBeNull();
    expect(find('')).toBeNull();
  });
});
