export * from './provider';
export * from './registry';
export { unverifiedTokenIssuer } from './generic-oidc';
export { GOOGLE_ISSUERS } from './gcr';
