// Engine work that takes 2 s on a quiet machine takes several times that on a busy one: every
// e2e test and hook gets two minutes (Jest's project configuration has no timeout of its own).
jest.setTimeout(120_000);
