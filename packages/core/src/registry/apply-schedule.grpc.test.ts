/** apply-schedule.test.ts again over the gRPC transport (etcd3): the scheduler's bulk path and the fallback keep every
 * behaviour. The variable is read at connect (transport.ts; transport.test.ts checks that it selects gRPC). */
process.env.FLOTILLA_ETCD_TRANSPORT = 'grpc';
await import('./apply-schedule.test.js');
