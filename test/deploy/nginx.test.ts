import { balancerSuite } from './suite.js';

balancerSuite('nginx');
