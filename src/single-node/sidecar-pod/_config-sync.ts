import { Duration, Size } from 'cdk8s';
import { BoundSidecar, checkPath, RestrictedContainerSpec, SidecarHost, SidecarPreset } from './_host';
import { GitCredentials } from './git-credentials';
import { ConfigSyncOptions } from './options';
import { resourcesOr } from '../../core/_resources';
import { checkResources } from '../../core/_rules';
import { PropCheck } from '../../core/errors';
import { ContainerImages, ImageKey } from '../../core/images';
import { ResourceNames } from '../../core/names';
import { NetworkPeer } from '../../core/network';
import { propError } from '../../core/prop-error';

/** Where git-sync keeps its checkouts in its own containers. */
const GIT_ROOT = '/git';

/** `Sidecar.configSync`: git-sync keeping a checkout in a shared volume the app reads. */
export class ConfigSync implements SidecarPreset {
  constructor(private readonly options: ConfigSyncOptions) {}

  public _bind(host: SidecarHost): BoundSidecar {
    const o = this.options ?? {};
    const containerName = host._checkNewContainer('containerName', o.containerName ?? 'config-sync');
    const p = (option: string) => `${containerName}.${option}`;
    if (o.initialSync !== undefined && typeof o.initialSync !== 'boolean') throw propError(host, p('initialSync'), 'true or false', o.initialSync);
    const initialSync = o.initialSync ?? true;
    if (initialSync) host._checkNewContainer('containerName', `${containerName}-init`);
    const repo = o.repository;
    if (typeof repo !== 'string' || !/^((https?|ssh|git|file):\/\/\S+|[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:\S+)$/.test(repo)) {
      throw propError(host, p('repository'), 'a git repository URL (https://…, ssh://…, git@host:path or file://…)', repo);
    }
    const ref = o.ref ?? 'HEAD';
    if (typeof ref !== 'string' || !/^[A-Za-z0-9._/@^~{}-]+$/.test(ref)) throw propError(host, p('ref'), 'a branch, tag or commit', ref);
    const period = PropCheck.wholeSeconds(host, p('period'), 1, 2147483647, Duration.seconds(60), o.period);
    const depth = PropCheck.integer(host, p('depth'), 0, 1000000, 1, o.depth);
    const link = o.link ?? 'current';
    ResourceNames.checkDnsLabel(host, p('link'), link);
    const mountPath = checkPath(host, p('mountPath'), o.mountPath ?? '/config');
    if (o.webhookUrl !== undefined && (typeof o.webhookUrl !== 'string' || !/^https?:\/\/\S+$/.test(o.webhookUrl))) {
      throw propError(host, p('webhookUrl'), 'an http:// or https:// URL', o.webhookUrl);
    }
    if (o.credentials !== undefined && !(o.credentials instanceof GitCredentials)) {
      throw propError(host, p('credentials'), 'GitCredentials.basicAuth(...) or GitCredentials.sshKey(...)', o.credentials);
    }
    o.credentials?._checkRepository(host, p('credentials'), repo);
    // cdk8s-plus writes an emptyDir's sizeLimit in whole MiB.
    const sizeLimit = Size.mebibytes(PropCheck.wholeMebibytes(host, p('sizeLimit'), 1, 1_048_576, Size.mebibytes(256), o.sizeLimit));
    checkResources(host, p('resources'), o.resources);
    const user = ContainerImages.user(ImageKey.GIT_SYNC);
    const volume = host.addSharedVolume(containerName, { sizeLimit });
    const args = [`--repo=${repo}`, `--ref=${ref}`, `--period=${period}s`, `--root=${GIT_ROOT}`, `--link=${link}`, `--depth=${depth}`];
    const auth = o.credentials?._bind(host, containerName, p('credentials'));
    const common: Omit<RestrictedContainerSpec, 'name'> = {
      prop: 'containerName',
      image: host._image(ImageKey.GIT_SYNC),
      uid: user.uid,
      gid: user.gid,
      env: { ...auth?.env },
      mounts: [{ volume: containerName, path: GIT_ROOT }],
      volumeMounts: auth?.volumeMounts ?? [],
      writableDirs: ['/tmp'],
      resources: resourcesOr(o.resources, { cpu: ['10m'], memory: ['32Mi', '256Mi'], ephemeralStorage: ['32Mi', `${sizeLimit.toMebibytes() + 64}Mi`] }),
    };
    args.push(...auth?.args ?? []);
    // The one-time initial clone does not notify the app: it has not started yet.
    const initContainer = initialSync
      ? host._addRestricted({ ...common, name: `${containerName}-init`, init: true, args: [...args, '--one-time'] }).container
      : undefined;
    const hook = o.webhookUrl === undefined ? [] : [`--webhook-url=${o.webhookUrl}`];
    const added = host._addRestricted({ ...common, name: containerName, args: [...args, ...hook] });
    host._mountShared(host.appContainer, p('mountPath'), { volume: containerName, path: mountPath, readOnly: true });
    // The repository's (and a remote webhook's) addresses are not known at synthesis: any address on its port.
    const remote = endpointOf(repo);
    if (remote && !(remote.port >= 1 && remote.port <= 65535)) throw propError(host, p('repository'), 'a git repository URL whose port is from 1 to 65535', repo);
    if (remote) host._allowEgress(remote.peer, [{ port: remote.port }], `git-sync: the repository ${repo}`);
    const hookEnd = o.webhookUrl === undefined ? undefined : endpointOf(o.webhookUrl);
    if (hookEnd && !(hookEnd.port >= 1 && hookEnd.port <= 65535)) throw propError(host, p('webhookUrl'), 'an http:// or https:// URL whose port is from 1 to 65535', o.webhookUrl);
    if (hookEnd) host._allowEgress(hookEnd.peer, [{ port: hookEnd.port }], `git-sync: the webhook ${o.webhookUrl}`);
    return { container: added.container, initContainer, volumes: [volume, ...auth?.volumes ?? [], ...added.volumes] };
  }
}

const DEFAULT_PORTS: { [scheme: string]: number } = { https: 443, http: 80, ssh: 22, git: 9418 };

/**
 * Where git-sync connects for a repository or webhook URL: the host as a peer (an IPv4 address as a /32, any
 * address for a name) and the port (the URL's, else the scheme's); none for `file://` and the pod's own loopback.
 */
function endpointOf(url: string): { peer: NetworkPeer; port: number } | undefined {
  const m = /^(?:([a-z]+):\/\/(?:[^@/]*@)?(\[[^\]]*\]|[^:/]*)(?::(\d+))?|[^@]+@([^:]+):)/.exec(url);
  if (!m || m[1] === 'file') return undefined;
  const host = (m[2] ?? m[4]).toLowerCase();
  if (host === 'localhost' || host === '[::1]' || /^127\./.test(host)) return undefined;
  const port = m[3] !== undefined ? Number(m[3]) : DEFAULT_PORTS[m[1] ?? 'ssh'];
  const peer = /^\d{1,3}(\.\d{1,3}){3}$/.test(host) ? NetworkPeer.ipBlock(`${host}/32`) : NetworkPeer.anywhere();
  return { peer, port };
}
