import { createMemoryStorage } from '../../../src/storage/memory.js';
import { storageConformance } from './conformance.suite.js';

storageConformance('memory', () => createMemoryStorage());
