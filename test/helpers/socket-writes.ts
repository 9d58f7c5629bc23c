import type { Socket } from "node:net";

/** Counts what leaves a socket: one call of _write or _writev is one write to the kernel (Node's stream internals). */
export function countWrites(socket: Socket): { readonly count: number; restore(): void } {
  const s = socket as Socket & { _write: (...a: unknown[]) => void; _writev?: (...a: unknown[]) => void };
  const [write, writev] = [s._write, s._writev];
  let count = 0;
  s._write = (...a) => {
    count++;
    write.apply(s, a);
  };
  if (writev)
    s._writev = (...a) => {
      count++;
      writev.apply(s, a);
    };
  return {
    get count() {
      return count;
    },
    restore() {
      s._write = write;
      s._writev = writev;
    },
  };
}
