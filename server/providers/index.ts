export * from './provider';
export * from './registry';
export { unverifiedTokenIssuer } from './generic-oidc';
export { GOOGLE_ISSUERS } from './gcr';
export { validateSignature, type SignatureCheck } from '../wire/hmac-signature';
export { contentTypeListsJson, parseMediaType } from '../wire/media-type';
