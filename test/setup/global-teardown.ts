import type { MlflowServer } from '../helpers/mlflow-server';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __mlflow?: MlflowServer }).__mlflow?.stop();
}
