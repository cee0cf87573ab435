'use strict';
const unsupported = () => {
  throw new Error('Switchyard does not open BuildKit sessions (gRPC is stubbed out)');
};
module.exports = new Proxy({}, { get: (_target, key) => (key === '__esModule' ? false : unsupported) });
