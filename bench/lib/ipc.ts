import type { Child } from './proc.js';

export interface IpcMessage {
  type: string;
  [key: string]: unknown;
}

/**
 * Messages from a child (spawned with `ipc: true`), queued so that none is
 * lost between two waits.
 */
export class IpcPeer {
  private readonly inbox: IpcMessage[] = [];
  private waiter: { match: (m: IpcMessage) => boolean; resolve: (m: IpcMessage) => void } | null = null;

  constructor(readonly child: Child) {
    child.proc.on('message', (message: IpcMessage) => {
      if (this.waiter?.match(message)) {
        const { resolve } = this.waiter;
        this.waiter = null;
        resolve(message);
      } else this.inbox.push(message);
    });
  }

  send(message: IpcMessage): void {
    this.child.proc.send(message);
  }

  /** The next message that `match`es (earlier ones that do not match are kept); rejects after `timeoutMs`. */
  next(match: (m: IpcMessage) => boolean, timeoutMs: number): Promise<IpcMessage> {
    const i = this.inbox.findIndex(match);
    if (i >= 0) return Promise.resolve(this.inbox.splice(i, 1)[0]!);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        reject(new Error(`${this.child.name}: no matching message within ${timeoutMs} ms\n${this.child.output().slice(-1500)}`));
      }, timeoutMs);
      const onExit = (): void => {
        clearTimeout(timer);
        this.waiter = null;
        reject(new Error(`${this.child.name} exited:\n${this.child.output().slice(-1500)}`));
      };
      this.child.proc.once('exit', onExit);
      this.waiter = {
        match,
        resolve: (m) => {
          clearTimeout(timer);
          this.child.proc.off('exit', onExit);
          resolve(m);
        },
      };
    });
  }

  nextOfType(type: string | string[], timeoutMs: number): Promise<IpcMessage> {
    const types = Array.isArray(type) ? type : [type];
    return this.next((m) => types.includes(m.type), timeoutMs);
  }

  /** Drops queued messages (e.g. late answers of an iteration that timed out). */
  clear(): void {
    this.inbox.length = 0;
  }
}

/** Child side: sends a message to the parent. */
export function toParent(message: IpcMessage): void {
  process.send?.(message);
}
