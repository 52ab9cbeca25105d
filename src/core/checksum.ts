import { createHash } from 'crypto';
import { Lazy } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';

/**
 * A pod-template annotation holding a hash of the ConfigMap data the pods mount, so that a config change rolls
 * the pods (Kubernetes does not restart pods when a mounted ConfigMap changes, and a subPath mount never sees
 * the change at all).
 */
export class ConfigChecksum {
  /** The annotation key on the pod template. */
  public static readonly ANNOTATION = 'cdk8s-distributed-patterns/config-checksum';

  /**
   * The SHA-256 of the data of the given ConfigMaps, in hex: keys sorted, each ConfigMap by name, so the result
   * does not depend on insertion order.
   */
  public static of(configMaps: kplus.ConfigMap[]): string {
    const h = createHash('sha256');
    for (const cm of [...configMaps].sort((a, b) => a.name.localeCompare(b.name))) {
      h.update(`configmap:${cm.name}\n`);
      const data = cm.data;
      for (const key of Object.keys(data).sort()) h.update(`${key}\n${data[key].length}\n${data[key]}\n`);
      const binary = cm.binaryData;
      for (const key of Object.keys(binary).sort()) h.update(`bin:${key}\n${binary[key]}\n`);
    }
    return h.digest('hex');
  }

  /**
   * Adds the checksum annotation to the pod template of `workload` (Deployment, StatefulSet, DaemonSet, Job,
   * CronJob). The hash is computed at synthesis, after every `addData` on the ConfigMaps.
   */
  public static annotate(workload: kplus.Workload, configMaps: kplus.ConfigMap[]): void {
    const list = [...configMaps];
    workload.podMetadata.addAnnotation(ConfigChecksum.ANNOTATION, Lazy.any({ produce: () => ConfigChecksum.of(list) }));
  }
}
