/**
 * What happens to the app when its pod loses ownership without giving it up (the renew deadline passed without a
 * successful renewal, or another pod holds the Lease).
 */
export enum OwnershipLossAction {
  /**
   * The sidecar reports "not owner" at once (HTTP and file) and stays a candidate. The app must check before it
   * acts as the owner, and stamp its writes with the fencing token.
   */
  REPORT = 'report',
  /**
   * Also restart the app container: its liveness probe is the sidecar's `/watchdog`, which fails once after each
   * lost term, so the kubelet restarts the app within about a second — the book's watchdog that "will crash your
   * program if the TTL of the lock expires". A graceful release does not restart it.
   */
  RESTART_APP = 'restart-app',
}
