/** Registry defaults that must be readable without loading etcd3 (the index exports them). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 5000;
