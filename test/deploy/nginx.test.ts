import { forwardedForSuite } from './forwarded.js';
import { balancerSuite } from './suite.js';

balancerSuite('nginx');
forwardedForSuite('nginx');
