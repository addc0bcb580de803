import { duplicatesStorm } from '../chaos/storm-suite';

// The full size: 10,000 deliveries over 200 customers, web and worker in their own processes.
jest.setTimeout(900_000);
duplicatesStorm({ total: 10_000, customers: 200, concurrency: 16, drainTimeoutMs: 300_000, seed: 10_000, processes: true });
