import { Worker } from 'node:worker_threads';

/**
 * Another process's connection holding the write lock (BEGIN IMMEDIATE). It lives on its own
 * thread: better-sqlite3 waits for a lock synchronously, so a holder on the test's thread could
 * never let go while the app waits.
 */
export class LockHolder {
  private readonly worker: Worker;
  private readonly released: Promise<void>;

  private constructor(file: string, options: { releaseAfterMs?: number; writeFirst?: boolean }) {
    this.worker = new Worker(
      `
      const { parentPort, workerData } = require('node:worker_threads');
      const Database = require(workerData.driver);
      const db = new Database(workerData.file, { timeout: 0 });
      db.exec('BEGIN IMMEDIATE');
      if (workerData.writeFirst) db.exec("UPDATE WorkspaceSettings SET timezone = timezone");
      parentPort.postMessage('locked');
      const release = () => {
        db.exec('COMMIT');
        db.close();
        parentPort.postMessage('released');
        parentPort.close();
      };
      if (workerData.releaseAfterMs !== undefined) setTimeout(release, workerData.releaseAfterMs);
      else parentPort.once('message', release);
      `,
      { eval: true, workerData: { file, driver: require.resolve('better-sqlite3'), ...options } },
    );
    this.released = new Promise((resolve, reject) => {
      this.worker.on('message', (m) => m === 'released' && resolve());
      this.worker.once('error', reject);
    });
  }

  static async hold(file: string, options: { releaseAfterMs?: number; writeFirst?: boolean } = {}): Promise<LockHolder> {
    const holder = new LockHolder(file, options);
    await new Promise<void>((resolve, reject) => {
      holder.worker.once('message', (m) => m === 'locked' && resolve());
      holder.worker.once('error', reject);
    });
    return holder;
  }

  async release(): Promise<void> {
    this.worker.postMessage('release');
    await this.done();
  }

  async done(): Promise<void> {
    await this.released;
    await this.worker.terminate();
  }
}
