export * from './oidc-token-verifier';
export * from './google-id-token-verifier';
export type { KeySetCacheOptions } from './_jwks-options';
export * from './bearer-token';
