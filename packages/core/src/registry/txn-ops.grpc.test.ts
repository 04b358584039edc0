/** txn-ops.test.ts again over the gRPC transport (etcd3): etcd's refusal reads the same there. */
process.env.FLOTILLA_ETCD_TRANSPORT = 'grpc';
await import('./txn-ops.test.js');
