import { describe, expect, test } from 'vitest';
import { withAgentEtcdSettings } from './agent-etcd-settings.js';

const read = (file: string) => `secret of ${file}\n`;

describe('the CLI and the LB take the agent\'s etcd settings where the CLI\'s are not set', () => {
  test.each<[string, NodeJS.ProcessEnv, NodeJS.ProcessEnv]>([
    ['agent.env of a secure node', {
      FLOTILLA_ETCD_CA_FILE: '/pki/ca.pem', FLOTILLA_ETCD_CERT_FILE: '/pki/agent.pem', FLOTILLA_ETCD_KEY_FILE: '/pki/agent.key',
      FLOTILLA_ETCD_USERNAME: 'flotilla-agent', FLOTILLA_ETCD_PASSWORD_FILE: '/pki/agent.password',
    }, {
      FLOTILLA_CA_FILE: '/pki/ca.pem', FLOTILLA_CERT_FILE: '/pki/agent.pem', FLOTILLA_KEY_FILE: '/pki/agent.key',
      FLOTILLA_ETCD_PASSWORD: 'secret of /pki/agent.password',
    }],
    ['the CLI\'s own names win', { FLOTILLA_CA_FILE: '/mine.pem', FLOTILLA_ETCD_CA_FILE: '/pki/ca.pem', FLOTILLA_ETCD_PASSWORD: 'pw', FLOTILLA_ETCD_PASSWORD_FILE: '/pki/x' }, {}],
    ['nothing to take', { FLOTILLA_ENDPOINT: 'http://e:2379' }, {}],
  ])('%s', (_name, env, added) => {
    expect(withAgentEtcdSettings(env, read)).toEqual({ ...env, ...added });
  });
});
