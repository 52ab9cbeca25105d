/**
 * Options for `ShardedCache.addClient`.
 */
export interface AddClientOptions {
  /**
   * The name of the twemproxy container in the client's pod.
   *
   * @default "twemproxy"
   */
  readonly containerName?: string;
  /**
   * Keep the client's pod passing Pod Security `restricted`: add seccomp `RuntimeDefault` and `runAsNonRoot: true`
   * to the pod, and `allowPrivilegeEscalation: false` and `capabilities.drop: [ALL]` to each of its containers,
   * where the pod does not say them. A pod that breaks `restricted` on purpose (privileged, uid 0, a host
   * namespace, a hostPath volume, an added capability other than NET_BIND_SERVICE) fails with the fix, and so
   * does a container added after `addClient`. Set to `false` to leave your pod exactly as it is (for a namespace
   * that does not enforce `restricted`).
   *
   * @default true
   */
  readonly hardenPod?: boolean;
}
