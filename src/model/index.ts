export * from './receiver';
export * from './hook-path';
export * from './default-api-versions';
export * from './server-contract';
export * from './flux-service';
export * from './verification-keys-annotation';
export * from './rate-limit';
