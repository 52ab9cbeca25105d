/**
 * What the queue server the construct creates keeps across a restart of its process or its node, and what that
 * costs. Redis writes its append-only file (AOF) before it answers a command, so with either AOF setting a killed
 * or OOM-killed server loses nothing it acknowledged (with `everysec`, unless a disk stalled a fsync for over a second:
 * then Redis postpones the write by up to 2 s); the fsync setting decides what a crash of the node (kernel, power)
 * loses.
 *
 * @see https://redis.io/docs/latest/operate/oss_and_stack/management/persistence/#how-durable-is-the-append-only-file
 */
export enum QueuePersistence {
  /**
   * The AOF on the PersistentVolumeClaim, fsynced once a second in the background (`appendfsync everysec`): a
   * node crash loses the writes of the last second (two in the worst case, when the disk stalls a fsync): items
   * seeded, settled or leased then come back as they were a second before (a done item may run again; nothing
   * seeded before that second is lost). Writes cost no disk wait.
   */
  APPEND_FSYNC_EVERY_SECOND = 'everysec',
  /**
   * The AOF on the PersistentVolumeClaim, fsynced before every reply (`appendfsync always`): a node crash loses
   * nothing acknowledged. Every hand-off waits for the disk (one fsync per event-loop round, shared by the clients
   * served in it): slower on a slow disk.
   */
  APPEND_FSYNC_ALWAYS = 'always',
  /**
   * Nothing on disk and no claim: a restart of the server loses the whole queue — every item not yet done
   * (pending, leased, waiting to retry), the dead letters, the counters and the seed runs. A parallel Job's
   * workers notice the lost seed run and exit 3, so the Job fails instead of completing; in the KEDA mode, or
   * with items pushed by someone else, nothing notices.
   */
  NONE = 'none',
}
