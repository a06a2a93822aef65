import { assertNoOptions } from './private/validation';

/**
 * Where the bundled server of `WebhookReceiver` reads its receivers from.
 *
 * - `files()` (the default): a ConfigMap of the receiver definitions and the Secrets, mounted
 *   as files. The server needs no access to Receivers or Secrets.
 * - `cluster()`: Flux `Receiver` objects, which the server watches (`--watch-receivers`) and
 *   whose status it writes, so `kubectl -n <ns> get receiver` shows Ready and the webhook path.
 *   The server reads only the Secrets the receivers name (`--secrets-by-name`, re-read every
 *   30 seconds), through a Role limited to them by `resourceNames`.
 */
export class ReceiverMode {
  /** Receivers and Secrets mounted as files (the default). */
  public static files(): ReceiverMode {
    assertNoOptions('ReceiverMode.files()', arguments, 'call it without arguments');
    return new ReceiverMode('files');
  }

  /**
   * Receivers as Flux `Receiver` objects in the cluster, watched by the server, which writes
   * their status (unless notification-controller manages them).
   */
  public static cluster(): ReceiverMode {
    assertNoOptions('ReceiverMode.cluster()', arguments, 'call it without arguments');
    return new ReceiverMode('cluster');
  }

  private constructor(
    /** `files` or `cluster`. */
    public readonly kind: string,
  ) {}
}
