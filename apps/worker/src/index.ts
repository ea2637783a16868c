export { startWorker, type RunningWorker, type WorkerOptions } from './worker';
export * from './worker.error';
