import { assertStructKeys, structKeys } from './validation';
import { ReceiverDefinition, ReceiverOptions } from '../receiver-definition';

const RECEIVER_OPTIONS_KEYS = structKeys<ReceiverOptions>()({
  provider: true,
  secret: true,
  targets: true,
  resourceFilter: true,
  suspend: true,
  interval: true,
  verificationKeys: true,
  rateLimit: true,
  senderRepository: true,
});

/** The receivers of one backend, keyed by name; names are unique within its namespace. */
export class ReceiverSet {
  private readonly byName = new Map<string, ReceiverDefinition>();

  constructor(private readonly owner: string, private readonly namespace: string) {}

  public add(name: string, options: ReceiverOptions): ReceiverDefinition {
    if (this.byName.has(name)) {
      throw new Error(`${this.owner}: receiver ${JSON.stringify(name)} is defined twice in namespace ${JSON.stringify(this.namespace)}: receiver names must be unique (they are part of the webhook path); rename one`);
    }
    assertStructKeys(`${this.owner}: receiver ${JSON.stringify(name)} options`, options, RECEIVER_OPTIONS_KEYS);
    let definition: ReceiverDefinition;
    try {
      definition = new ReceiverDefinition({ ...options, name, namespace: this.namespace });
    } catch (err) {
      // The definition knows no construct: name the one it was added to.
      throw new Error(`${this.owner}: ${(err as Error).message}`);
    }
    this.byName.set(name, definition);
    return definition;
  }

  public all(): ReceiverDefinition[] {
    return [...this.byName.values()];
  }
}
