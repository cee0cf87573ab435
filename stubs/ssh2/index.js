'use strict';
class Client {
  constructor() {
    throw new Error(
      'Switchyard does not support ssh:// engines: use unix:// or tcp:// (with TLS) in DOCKER_HOST',
    );
  }
}
module.exports = { Client };
