// Imported before lib.mjs (which reads DOCKER_HOST once): the read-model benchmark runs on the test
// suite's swarm-less Docker 26.1 engine (e26b: no swarm networks or services in the estate), or on the
// local engine socket BENCH_DOCKER_HOST names. A DOCKER_HOST left in the shell is deliberately ignored,
// so that the benchmark never creates 1,000 networks and 2,000 containers on a user's engine by accident.
process.env.DOCKER_HOST = process.env.BENCH_DOCKER_HOST ?? 'unix:///run/switchyard-test/e26b.sock';
