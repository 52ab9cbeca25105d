import { Duration, Size } from 'cdk8s';
import { BoundSidecar, checkPath, RestrictedContainerSpec, SidecarHost, SidecarPreset } from './_host';
import { GitCredentials } from './git-credentials';
import { ConfigSyncOptions } from './options';
import { containerResources } from '../../core/_resources';
import { checkResources } from '../../core/_rules';
import { PropCheck } from '../../core/errors';
import { ContainerImages, ImageKey } from '../../core/images';
import { ResourceNames } from '../../core/names';
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
      resources: o.resources ?? containerResources({ cpu: ['10m'], memory: ['32Mi', '256Mi'] }),
    };
    args.push(...auth?.args ?? []);
    // The one-time initial clone does not notify the app: it has not started yet.
    const initContainer = initialSync
      ? host._addRestricted({ ...common, name: `${containerName}-init`, init: true, args: [...args, '--one-time'] }).container
      : undefined;
    const hook = o.webhookUrl === undefined ? [] : [`--webhook-url=${o.webhookUrl}`];
    const added = host._addRestricted({ ...common, name: containerName, args: [...args, ...hook] });
    host._mountShared(host.appContainer, p('mountPath'), { volume: containerName, path: mountPath, readOnly: true });
    return { container: added.container, initContainer, volumes: [volume, ...auth?.volumes ?? [], ...added.volumes] };
  }
}
