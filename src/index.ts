export * from './webhook-receiver-ref';
