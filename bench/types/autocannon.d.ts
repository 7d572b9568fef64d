// The part of autocannon's programmatic API the load worker uses (the package ships no types).
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';

  namespace autocannon {
    interface Options {
      url: string;
      method?: string;
      connections?: number;
      amount?: number;
      duration?: number;
      headers?: Record<string, string>;
      body?: string;
      timeout?: number;
      pipelining?: number;
      sampleInt?: number;
    }
    interface Result {
      non2xx: number;
      errors: number;
      timeouts: number;
      duration: number;
      '2xx': number;
    }
    interface Instance extends EventEmitter {
      stop(): void;
    }
  }
  function autocannon(options: autocannon.Options): autocannon.Instance;
  export default autocannon;
}
