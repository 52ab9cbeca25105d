import * as kplus from 'cdk8s-plus-27';
import { Construct, IConstruct } from 'constructs';
import { SecretWiring, volumeName } from './_host';
import { propError } from '../../core/prop-error';

/** Where the SSH key and known_hosts are mounted in the git-sync containers. */
const SSH_DIR = '/etc/git-secret';

/**
 * Credentials for the git repository of `Sidecar.configSync`, from a Secret.
 *
 * @see https://github.com/kubernetes/git-sync/blob/v4.3.0/docs/ssh.md
 */
export abstract class GitCredentials {
  /**
   * HTTP(S) basic auth (a user name and a password or token), passed to git-sync as `GITSYNC_USERNAME` and
   * `GITSYNC_PASSWORD` from the Secret.
   *
   * @param secret the Secret
   * @param usernameKey its key holding the user name (default `username`)
   * @param passwordKey its key holding the password or token (default `password`)
   */
  public static basicAuth(secret: kplus.ISecret, usernameKey?: string, passwordKey?: string): GitCredentials {
    return new BasicAuth(secret, usernameKey ?? 'username', passwordKey ?? 'password');
  }

  /**
   * An SSH private key and a known_hosts file from the Secret, mounted read-only (mode 0440, group = the
   * pod's fsGroup) at `/etc/git-secret`.
   *
   * @param secret the Secret
   * @param keyKey its key holding the private key (default `ssh`)
   * @param knownHostsKey its key holding the known_hosts lines (default `known_hosts`)
   */
  public static sshKey(secret: kplus.ISecret, keyKey?: string, knownHostsKey?: string): GitCredentials {
    return new SshKey(secret, keyKey ?? 'ssh', knownHostsKey ?? 'known_hosts');
  }

  protected constructor() {}

  /**
   * Throws (naming `prop` of `scope`) when these credentials cannot authenticate to `repository`.
   *
   * @internal
   */
  public abstract _checkRepository(scope: IConstruct, prop: string, repository: string): void;

  /**
   * What the git-sync containers named `containerName` get: env, Secret volumes (made in `scope`) and arguments.
   *
   * @internal
   */
  public abstract _bind(scope: Construct, containerName: string): SecretWiring;
}

function isHttp(repository: string): boolean {
  return /^https?:\/\//.test(repository);
}

class BasicAuth extends GitCredentials {
  constructor(private readonly secret: kplus.ISecret, private readonly usernameKey: string, private readonly passwordKey: string) {
    super();
  }

  public _checkRepository(scope: IConstruct, prop: string, repository: string): void {
    if (!isHttp(repository)) throw propError(scope, prop, 'GitCredentials.sshKey(...) for a repository that is not http(s)', 'GitCredentials.basicAuth(...)');
  }

  public _bind(): SecretWiring {
    return {
      env: {
        GITSYNC_USERNAME: kplus.EnvValue.fromSecretValue({ secret: this.secret, key: this.usernameKey }),
        GITSYNC_PASSWORD: kplus.EnvValue.fromSecretValue({ secret: this.secret, key: this.passwordKey }),
      },
      volumeMounts: [],
      volumes: [],
      args: [],
    };
  }
}

class SshKey extends GitCredentials {
  constructor(private readonly secret: kplus.ISecret, private readonly keyKey: string, private readonly knownHostsKey: string) {
    super();
  }

  public _checkRepository(scope: IConstruct, prop: string, repository: string): void {
    if (isHttp(repository)) throw propError(scope, prop, 'GitCredentials.basicAuth(...) for an http(s) repository', 'GitCredentials.sshKey(...)');
  }

  public _bind(scope: Construct, containerName: string): SecretWiring {
    const volume = kplus.Volume.fromSecret(scope, `${containerName}-ssh-volume`, this.secret, {
      name: volumeName(containerName, 'ssh'),
      defaultMode: 0o440,
      items: { [this.keyKey]: { path: 'ssh' }, [this.knownHostsKey]: { path: 'known_hosts' } },
    });
    return {
      env: {},
      volumeMounts: [{ path: SSH_DIR, volume }],
      volumes: [volume],
      args: [`--ssh-key-file=${SSH_DIR}/ssh`, '--ssh-known-hosts=true', `--ssh-known-hosts-file=${SSH_DIR}/known_hosts`],
    };
  }
}
