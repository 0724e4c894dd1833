import { forwardedForSuite } from './forwarded.js';
import { balancerSuite } from './suite.js';

balancerSuite('haproxy');
forwardedForSuite('haproxy');
