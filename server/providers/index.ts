export * from './provider';
export * from './provider-types';
export { unverifiedTokenIssuer } from './generic-oidc';
export { GOOGLE_ISSUERS } from './gcr';
