export * from './cel';
export * from './oidc-claims';
