/**
 * The cluster's image registry (docs/registry-images.md): the name its certificate carries and that machines map
 * to its published endpoint, its port, and the unit that runs it. Shared by the PKI (`pki init`), the node configs
 * (engines trust it), the agent (the name in /etc/hosts) and `flotilla image push|ls`.
 */

/** Host name of the registry: the SAN of `registry.pem`, the name in image references and in /etc/hosts. */
export const IMAGE_REGISTRY_HOST = 'registry.flotilla';
/** The registry's port (`units/registry.service`, `[X-Flotilla] Port=`): image references name it. */
export const IMAGE_REGISTRY_PORT = 5000;
/** The registry unit whose published endpoint (agent-endpoints) tells where the registry runs. */
export const IMAGE_REGISTRY_UNIT = 'registry.service';

/** `registry.flotilla:5000`: the prefix of pushed images' references, and the engines' certs.d directory name. */
export const IMAGE_REGISTRY_ADDRESS = `${IMAGE_REGISTRY_HOST}:${IMAGE_REGISTRY_PORT}`;
