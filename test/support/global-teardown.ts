import { releaseRunLock } from './run-lock';
import { removeRunFolder } from './temp';

// Once at the end of a run, whichever e2e projects ran.
export default () => {
  const run = process.env.SWITCHYARD_TEST_RUN ?? String(process.pid);
  removeRunFolder(run);
  releaseRunLock(run);
};
