import { setUpEngine } from './engine-setup';

export default () => setUpEngine('e26');
