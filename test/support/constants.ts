// Shared facts about the test environment that scripts/test-engines.sh provides on every engine.
export const TEST_IMAGE = process.env.TEST_IMAGE ?? 'switchyard/busybox:latest';
// An image with only `sleep`: no ping, no shell.
export const NOPING_IMAGE = 'switchyard/noping:latest';
// Docker gives a parent interface to one macvlan network at a time, so each test file that makes
// macvlan or ipvlan networks has a parent of its own (veths in each engine's namespace).
export const MACVLAN_PARENTS = {
  drivers: 'sy-mv0',
  networksGraphql: 'sy-mv1',
  walkthroughRest: 'sy-mv2',
  walkthroughGraphql: 'sy-mv3',
  containersRest: 'sy-mv4',
  security: 'sy-mv5',
  audit: 'sy-mv6',
  trustPower: 'sy-mv7',
  // The peer end of sy-mv7's veth pair: an interface of its own, free for one more file.
  trustPower2: 'sy-mvp7',
  // The peer end of sy-mv4's veth pair.
  seedMac: 'sy-mvp4',
} as const;
// The address on sy-veth1 in each engine's namespace, to test the host-interface overlap rule.
export const HOST_TEST_SUBNET = '10.213.250.0/24';
// An address each engine's namespace drops silently (a black-hole route): a name server that never answers.
export const SILENT_ADDRESS = '10.213.251.53';
// Every object a test creates has a name starting with this, so leftovers of a crashed run can be
// found and removed without touching anything else.
export const TEST_PREFIX = 'syt-';
export const TEST_LABEL = 'switchyard-test';
