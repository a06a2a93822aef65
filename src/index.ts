export * from './webhook-receiver-ref';
export * from './expose-via-load-balancer';
export * from './expose-via-ingress';
export * from './expose-via-http-route';
export * from './cert-manager-solver-policy';
