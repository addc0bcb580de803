// The subset of autocannon's API the benchmarks use (the package ships no types).
declare module 'autocannon' {
  interface Histogram {
    average: number;
    total: number;
    p50: number;
    p99: number;
  }
  interface Result {
    requests: Histogram;
    latency: Histogram;
    non2xx: number;
    errors: number;
  }
  interface Options {
    url: string;
    duration?: number;
    connections?: number;
    overallRate?: number;
    requests?: Array<Record<string, unknown>>;
  }
  function autocannon(opts: Options): Promise<Result>;
  export default autocannon;
}
