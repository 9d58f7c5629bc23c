import { type Command, Redis, type RedisOptions } from "ioredis";

type Stream = NonNullable<Redis["stream"]>;
export type TurnBatchedOptions = Omit<RedisOptions, "replyMapping">;

/**
 * A connection to one server (or Sentinel's master) that writes every command of one event-loop turn in one socket
 * write: the socket is corked at the turn's first command and uncorked when the turn ends (setImmediate, the moment
 * ioredis' auto-pipeline would have flushed). The same batching as `enableAutoPipelining`, without its cost: ioredis
 * builds each turn's auto-pipeline as a Pipeline, which copies every script defined on the connection (BullMQ's 64)
 * onto itself, and wraps every command in three more promises. Measured in docs/benchmarks.md ("Issue 19, seventh
 * round"). A duplicate() is a plain Redis (a worker's blocking connection must not wait for a turn's end).
 */
export class TurnBatchedRedis extends Redis {
  private corked: Stream | undefined;
  private atEnd: (() => void)[] = [];

  /** As `new Redis(url, options)` or `new Redis(options)`, with the default reply mapping. */
  constructor(...args: [url: string, options: TurnBatchedOptions] | [options: TurnBatchedOptions]) {
    // ioredis tells its forms apart at run time; its overloads cannot take the union.
    super(...(args as [string, TurnBatchedOptions]));
  }

  /** Cork now, if not yet this turn: the commands sent until the turn ends leave in one write. */
  batchTurn(): void {
    // Not connected: ioredis keeps the commands in its offline queue and writes them on connecting.
    if (this.corked || this.status !== "ready" || !this.stream) return;
    this.corked = this.stream;
    this.corked.cork();
    setImmediate(this.endTurn);
  }

  /** Run `fn` at the end of this turn, just before its commands are written; on setImmediate if nothing is corked. */
  atTurnEnd(fn: () => void): void {
    if (this.corked) this.atEnd.push(fn);
    else setImmediate(fn);
  }

  override sendCommand(command: Command, stream?: Parameters<Redis["sendCommand"]>[1]): unknown {
    // A pipeline's or MULTI's commands come with a stream of its own that writes them to this connection's socket
    // in one piece: held for the turn as well.
    if (!stream || (stream as { isPipeline?: boolean }).isPipeline) this.batchTurn();
    return super.sendCommand(command, stream);
  }

  private readonly endTurn = () => {
    let failed: { err: unknown } | undefined;
    // Still corked while they run: what they send leaves in this write (one may add another). A task that throws is
    // a bug: the others still run and the write still leaves, then it is thrown like any other.
    for (let fns = this.atEnd; fns.length; fns = this.atEnd) {
      this.atEnd = [];
      for (const fn of fns)
        try {
          fn();
        } catch (err) {
          failed ??= { err };
        }
    }
    const stream = this.corked;
    this.corked = undefined;
    stream?.uncork();
    if (failed) throw failed.err;
  };
}
