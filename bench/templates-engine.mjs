// Imported before lib.mjs (which reads DOCKER_HOST once): the template benchmark runs on the test
// suite's Docker 26.1 engine (API 1.45, where a container joins all its networks at create), or on the
// local engine socket BENCH_DOCKER_HOST names. A DOCKER_HOST left in the shell is deliberately ignored,
// so that the benchmark never creates 200 containers on a user's own engine by accident.
process.env.DOCKER_HOST = process.env.BENCH_DOCKER_HOST ?? 'unix:///run/switchyard-test/e26.sock';
