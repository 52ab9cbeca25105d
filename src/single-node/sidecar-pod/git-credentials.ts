import * as kplus from 'cdk8s-plus-27';
import { Construct, IConstruct } from 'constructs';
import { SecretWiring, volumeName } from './_host';
import { checkSecretValue } from '../../core/_rules';
import { propError } from '../../core/prop-error';

/** Where the SSH key (and, from the same Secret, known_hosts) is mounted in the git-sync containers. */
const SSH_DIR = '/etc/git-secret';
/** Where known_hosts is mounted when it comes from another Secret than the key. */
const KNOWN_HOSTS_DIR = '/etc/git-known-hosts';

/**
 * Credentials for the git repository of `Sidecar.configSync`, from Secret keys.
 *
 * @see https://github.com/kubernetes/git-sync/blob/v4.3.0/docs/ssh.md
 */
export abstract class GitCredentials {
  /**
   * HTTP(S) basic auth (a user name and a password or token), passed to git-sync as `GITSYNC_USERNAME` and
   * `GITSYNC_PASSWORD` from Secret keys.
   *
   * @param username the Secret key holding the user name, e.g. `{ secret, key: 'username' }`
   * @param password the Secret key holding the password or token, e.g. `{ secret, key: 'password' }`
   */
  public static basicAuth(username: kplus.SecretValue, password: kplus.SecretValue): GitCredentials {
    return new BasicAuth(username, password);
  }

  /**
   * An SSH private key and a known_hosts file from Secret keys, mounted read-only (mode 0440, group = the pod's
   * fsGroup): the key at `/etc/git-secret/ssh`, known_hosts beside it when both keys are of one Secret (else at
   * `/etc/git-known-hosts/known_hosts`).
   *
   * @param privateKey the Secret key holding the private key, e.g. `{ secret, key: 'ssh' }`
   * @param knownHosts the Secret key holding the known_hosts lines, e.g. `{ secret, key: 'known_hosts' }`
   */
  public static sshKey(privateKey: kplus.SecretValue, knownHosts: kplus.SecretValue): GitCredentials {
    return new SshKey(privateKey, knownHosts);
  }

  protected constructor() {}

  /**
   * Throws (naming `prop` of `scope`) when these credentials cannot authenticate to `repository` or a Secret key is
   * not one.
   *
   * @internal
   */
  public abstract _checkRepository(scope: IConstruct, prop: string, repository: string): void;

  /**
   * What the git-sync containers named `containerName` get: env, Secret volumes (made in `scope`) and arguments.
   *
   * @internal
   */
  public abstract _bind(scope: Construct, containerName: string, prop: string): SecretWiring;
}

function isHttp(repository: string): boolean {
  return /^https?:\/\//.test(repository);
}

class BasicAuth extends GitCredentials {
  constructor(private readonly username: kplus.SecretValue, private readonly password: kplus.SecretValue) {
    super();
  }

  public _checkRepository(scope: IConstruct, prop: string, repository: string): void {
    if (!isHttp(repository)) throw propError(scope, prop, 'GitCredentials.sshKey(...) for a repository that is not http(s)', 'GitCredentials.basicAuth(...)');
    checkSecretValue(scope, `${prop}.username`, this.username);
    checkSecretValue(scope, `${prop}.password`, this.password);
  }

  public _bind(): SecretWiring {
    return {
      env: {
        GITSYNC_USERNAME: kplus.EnvValue.fromSecretValue(this.username),
        GITSYNC_PASSWORD: kplus.EnvValue.fromSecretValue(this.password),
      },
      volumeMounts: [],
      volumes: [],
      args: [],
    };
  }
}

class SshKey extends GitCredentials {
  constructor(private readonly privateKey: kplus.SecretValue, private readonly knownHosts: kplus.SecretValue) {
    super();
  }

  public _checkRepository(scope: IConstruct, prop: string, repository: string): void {
    if (isHttp(repository)) throw propError(scope, prop, 'GitCredentials.basicAuth(...) for an http(s) repository', 'GitCredentials.sshKey(...)');
    checkSecretValue(scope, `${prop}.privateKey`, this.privateKey);
    checkSecretValue(scope, `${prop}.knownHosts`, this.knownHosts);
    if (this.knownHosts.secret.name === this.privateKey.secret.name && this.knownHosts.key === this.privateKey.key) {
      throw propError(scope, `${prop}.knownHosts`, 'another key than the private key\'s', this.knownHosts.key);
    }
  }

  public _bind(scope: Construct, containerName: string): SecretWiring {
    const key = this.privateKey;
    const hosts = this.knownHosts;
    if (key.secret.name === hosts.secret.name) {
      const both = kplus.Volume.fromSecret(scope, `${containerName}-ssh-volume`, key.secret, {
        name: volumeName(containerName, 'ssh'), defaultMode: 0o440, items: { [key.key]: { path: 'ssh' }, [hosts.key]: { path: 'known_hosts' } },
      });
      return {
        env: {},
        volumeMounts: [{ path: SSH_DIR, volume: both }],
        volumes: [both],
        args: [`--ssh-key-file=${SSH_DIR}/ssh`, '--ssh-known-hosts=true', `--ssh-known-hosts-file=${SSH_DIR}/known_hosts`],
      };
    }
    const keyVolume = kplus.Volume.fromSecret(scope, `${containerName}-ssh-volume`, key.secret, {
      name: volumeName(containerName, 'ssh'), defaultMode: 0o440, items: { [key.key]: { path: 'ssh' } },
    });
    const hostsVolume = kplus.Volume.fromSecret(scope, `${containerName}-known-hosts-volume`, hosts.secret, {
      name: volumeName(containerName, 'known-hosts'), defaultMode: 0o440, items: { [hosts.key]: { path: 'known_hosts' } },
    });
    return {
      env: {},
      volumeMounts: [{ path: SSH_DIR, volume: keyVolume }, { path: KNOWN_HOSTS_DIR, volume: hostsVolume }],
      volumes: [keyVolume, hostsVolume],
      args: [`--ssh-key-file=${SSH_DIR}/ssh`, '--ssh-known-hosts=true', `--ssh-known-hosts-file=${KNOWN_HOSTS_DIR}/known_hosts`],
    };
  }
}
