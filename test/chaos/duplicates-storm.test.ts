import { duplicatesStorm } from './storm-suite';

// The quick size for every `npm test`; the 10,000-delivery storm is test/chaos-slow/.
jest.setTimeout(120_000);
duplicatesStorm({ total: 1000, customers: 50, concurrency: 12, drainTimeoutMs: 90_000, seed: 1000 });
