import { describeAccessRules } from './services/access-rules';
import { describeAuditRecording } from './services/audit-recording';
import { describeConnectivity } from './services/connectivity';
import { describeContainerRunner } from './services/container-runner';
import { describeNetworkRules } from './services/network-rules';

// The services' rules through the real app (REST and GraphQL, a real SQLite file with the real
// migrations) on the in-memory engine. One test file for all of them: every test file loads the
// whole application anew (about 1.5 s of CPU), which would otherwise be most of the unit tier's
// time. Each suite boots an app of its own, one at a time.

// A test of several requests takes milliseconds on a quiet machine, seconds on a busy one.
jest.setTimeout(30_000);

describeAccessRules();
describeNetworkRules();
describeContainerRunner();
describeAuditRecording();
describeConnectivity();
