// Fault injection and the log of commands received, for tests that run tokserver as a stand-in:
// what a test arms here (embed.ts's API, or TOKSERVER FAULT with --enable-test-commands yes) the
// connections apply (server/socket_loop.ts, server.ts). While nothing is armed and nothing is
// recorded, a connection checks one boolean per command and takes its usual path.

/** What a fault does to the commands it matches. */
export type FaultKind = "error" | "delay" | "drop";

/** One armed fault: a command name and what happens to its next `times` calls. */
export interface FaultRule {
  /** Lowercase command name (`get`, `client|setname` is matched as `client`). */
  readonly command: string;
  readonly kind: FaultKind;
  /** Calls left to affect (Infinity: until cleared). */
  times: number;
  /** For `error`: the error line without the leading `-`, e.g. `ERR injected`. */
  readonly message?: string;
  /** For `delay`: milliseconds the reply waits. */
  readonly ms?: number;
}

/** A command as received, for assertions. */
export interface ReceivedCommand {
  /** The client's id (CLIENT ID). */
  readonly client: number;
  /** The database selected when it arrived. */
  readonly db: number;
  /** The arguments, the name first, decoded as UTF-8. */
  readonly args: string[];
}

const decoder = new TextDecoder();

/** The faults armed on one server, and the commands it recorded. */
export class Faults {
  /** True while anything is armed or recorded: the connections' one check per command. */
  active = false;
  #refuse = 0;
  #closeAfter = 0;
  #rules: FaultRule[] = [];
  #recording = false;
  readonly #received: ReceivedCommand[] = [];

  #update(): void {
    this.active = this.#recording || this.#closeAfter > 0 || this.#rules.length > 0;
  }

  /** Whether commands are recorded. */
  get recording(): boolean {
    return this.#recording;
  }

  set recording(on: boolean) {
    this.#recording = on;
    this.#update();
  }

  /** The commands recorded so far, oldest first. */
  get received(): readonly ReceivedCommand[] {
    return this.#received;
  }

  /** Forgets the commands recorded. */
  clearReceived(): void {
    this.#received.length = 0;
  }

  /** Records a command (called by a connection while recording). */
  record(client: number, db: number, args: Uint8Array[]): void {
    this.#received.push({ client, db, args: args.map((a) => decoder.decode(a)) });
  }

  /** Refuses (closes at once) the next `n` connections. */
  refuseConnections(n: number): void {
    this.#refuse = n;
  }

  /** Connections still to refuse. */
  get refusing(): number {
    return this.#refuse;
  }

  /** Whether to refuse this connection (counts it). */
  takeRefusal(): boolean {
    if (this.#refuse <= 0) return false;
    this.#refuse--;
    return true;
  }

  /** Closes the connection that gets the `n`th reply from now, right after that reply. */
  closeAfterReplies(n: number): void {
    this.#closeAfter = n;
    this.#update();
  }

  /** Counts a reply; true when its connection must close after it. */
  countReply(): boolean {
    if (this.#closeAfter <= 0) return false;
    if (--this.#closeAfter > 0) return false;
    this.#update();
    return true;
  }

  /** Arms a fault for the command named `rule.command`; a later rule for it comes first. */
  add(rule: FaultRule): void {
    this.#rules.unshift({ ...rule, command: rule.command.toLowerCase() });
    this.#update();
  }

  /** The armed rules. */
  get rules(): readonly FaultRule[] {
    return this.#rules;
  }

  /** The fault that applies to a call of `command` (lowercase), counted; undefined without. */
  take(command: string): FaultRule | undefined {
    const rules = this.#rules;
    for (let i = 0; i < rules.length; i++) {
      const r = rules[i]!;
      if (r.command !== command) continue;
      if (--r.times <= 0) {
        rules.splice(i, 1);
        this.#update();
      }
      return r;
    }
    return undefined;
  }

  /** Disarms every fault (the recording goes on). */
  clear(): void {
    this.#refuse = 0;
    this.#closeAfter = 0;
    this.#rules = [];
    this.#update();
  }
}
