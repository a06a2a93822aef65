export default async function globalTeardown(): Promise<void> {
  await globalThis.__FLUX_WEBHOOKS_APISERVER__?.stop();
  globalThis.__FLUX_WEBHOOKS_APISERVER__ = undefined;
}
