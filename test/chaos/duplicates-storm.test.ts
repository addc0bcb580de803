import { duplicatesStorm } from './storm-suite';

// The quick size for every `npm test` (in process); the 10,000-delivery storm is test/chaos-slow/.
jest.setTimeout(120_000);
duplicatesStorm({ total: 400, customers: 25, concurrency: 12, drainTimeoutMs: 90_000, seed: 1000 });
