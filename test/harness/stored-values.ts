// Every requestedAt value the apiserver stored for the GitRepositories of one namespace, in
// resourceVersion order, read through a watch from the admin side (not through the server under
// test). The watch resumes from the last resourceVersion when it breaks (an apiserver outage or
// restart), so no stored value is missed; a resumption the apiserver refuses (410 Gone) is counted.
import * as https from 'https';
import { createInterface } from 'readline';
import type { KubeConfig } from '@kubernetes/client-node';
import { adminKubeConfig, kubeRequest } from './kube';
import { RECONCILE_REQUESTED_AT_ANNOTATION } from '../../src/model';

/** The millisecond a requestedAt value (RFC3339 with nanoseconds) was taken at. */
export function requestedAtMs(value: string): number {
  return Date.parse(value.slice(0, 23) + 'Z');
}

export interface Decrease {
  readonly name: string;
  readonly from: string;
  readonly to: string;
}

export class StoredValues {
  /** Object name → its values in stored order (consecutive repeats dropped). */
  readonly byName = new Map<string, string[]>();
  /** Stored values lower than the one before them, per object. */
  readonly decreases: Decrease[] = [];
  /** Watch resumptions the apiserver refused (410): values may have been missed then. */
  gaps = 0;
  /** How often the watch was opened again after it ended. */
  resumptions = 0;
  private resourceVersion = '';
  private request?: ReturnType<typeof https.request>;
  private stopped = false;
  private readonly base: string;

  constructor(namespace: string, private readonly kc: KubeConfig = adminKubeConfig(), name?: string) {
    const selector = name ? `fieldSelector=metadata.name%3D${name}` : '';
    this.base = `/apis/source.toolkit.fluxcd.io/v1/namespaces/${namespace}/gitrepositories?${selector}`;
  }

  /** Lists the current values, then watches from there; resolves once the watch is open. */
  async start(): Promise<void> {
    await this._list();
    await new Promise<void>((resolve, reject) => {
      const first = this._watch(resolve);
      first.catch(reject);
      void first.then(() => this._keepWatching(), () => undefined);
    });
  }

  values(name: string): readonly string[] {
    return this.byName.get(name) ?? [];
  }

  /** Whether `name` stored a value taken within [fromMs, toMs] (one millisecond of rounding either side). */
  hasValueBetween(name: string, fromMs: number, toMs: number): boolean {
    const values = this.values(name);
    // Values only increase unless a decrease was recorded: binary search, then a linear fallback.
    let lo = 0;
    let hi = values.length;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (requestedAtMs(values[mid]) < fromMs - 1) lo = mid + 1;
      else hi = mid;
    }
    if (lo < values.length && requestedAtMs(values[lo]) <= toMs + 1) return true;
    return this.decreases.length > 0 && values.some((v) => requestedAtMs(v) >= fromMs - 1 && requestedAtMs(v) <= toMs + 1);
  }

  stop(): void {
    this.stopped = true;
    this.request?.destroy();
  }

  private _record(name: string, value: string | undefined): void {
    if (value === undefined) return;
    const values = this.byName.get(name) ?? [];
    this.byName.set(name, values);
    const last = values[values.length - 1];
    if (value === last) return;
    if (last !== undefined && value < last) this.decreases.push({ name, from: last, to: value });
    values.push(value);
  }

  private async _list(): Promise<void> {
    const res = await kubeRequest(this.kc, 'GET', this.base);
    if (res.status !== 200) throw new Error(`listing GitRepositories: HTTP ${res.status} ${res.text}`);
    for (const item of res.body.items) this._record(item.metadata.name, item.metadata.annotations?.[RECONCILE_REQUESTED_AT_ANNOTATION]);
    this.resourceVersion = res.body.metadata.resourceVersion;
  }

  /** One watch from the last resourceVersion: resolves when it ends, rejects unless it opens (200). */
  private async _watch(opened: () => void = () => undefined): Promise<void> {
    const url = new URL(`${this.base}&watch=true&allowWatchBookmarks=true&resourceVersion=${this.resourceVersion}`, this.kc.getCurrentCluster()!.server);
    const options: https.RequestOptions = { headers: { Accept: 'application/json' } };
    await this.kc.applyToHTTPSOptions(options);
    await new Promise<void>((resolve, reject) => {
      const req = https.request(url, options, (res) => {
        // stop() destroys the watch: the response then errors with "aborted", which must not
        // escape as an uncaught exception.
        res.on('error', () => undefined);
        if (res.statusCode !== 200) {
          // e.g. 503 from an apiserver still starting
          res.resume();
          reject(new Error(`watch: HTTP ${res.statusCode}`));
          return;
        }
        opened();
        const lines = createInterface({ input: res });
        lines.on('error', () => undefined);
        lines.on('line', (line) => this._event(line));
        // 'close', not the reader's end: a connection reset (a killed apiserver) never ends it.
        res.on('close', () => resolve());
      });
      this.request = req;
      req.on('error', reject);
      req.end();
    });
  }

  /** Opens the watch again whenever it ends, also while the apiserver is away. */
  private async _keepWatching(): Promise<void> {
    while (!this.stopped) {
      await new Promise((r) => setTimeout(r, 500));
      if (this.stopped) return;
      try {
        if (!this.resourceVersion) await this._list();
        await this._watch(() => this.resumptions++);
      } catch {
        // unreachable or not ready: try again
      }
    }
  }

  private _event(line: string): void {
    let event;
    try {
      event = JSON.parse(line);
    } catch {
      return;
    }
    if (event.type === 'ERROR') {
      // 410 Gone: the resourceVersion is compacted away; list again (values in between are lost).
      if (event.object?.code === 410) {
        this.gaps++;
        this.resourceVersion = '';
      }
      return;
    }
    const metadata = event.object?.metadata;
    if (!metadata) return;
    if (metadata.resourceVersion) this.resourceVersion = metadata.resourceVersion;
    if (event.type !== 'BOOKMARK') this._record(metadata.name, metadata.annotations?.[RECONCILE_REQUESTED_AT_ANNOTATION]);
  }
}
