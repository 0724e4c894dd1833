import { balancerSuite } from './suite.js';

balancerSuite('haproxy');
