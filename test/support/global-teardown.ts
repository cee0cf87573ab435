import { releaseRunLock } from './run-lock';

// Once at the end of a run, whichever e2e projects ran.
export default () => releaseRunLock(process.env.SWITCHYARD_TEST_RUN ?? String(process.pid));
