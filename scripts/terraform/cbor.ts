// The part of CBOR (RFC 8949) that Smithy RPC v2 CBOR bodies use, for the CloudWatch bridge:
// unsigned and negative integers, byte and text strings, arrays, maps with text keys, tag 1
// (epoch time, as a Date), false/true/null/undefined and half, single and double floats, with
// definite and indefinite lengths. Written here because the well-kept libraries do not install or
// load in this project: cbor-x's optional native packages (@cbor-extract/*) are missing from the
// registry this project installs from, so `npm ci` refuses the lock file, and cborg is ESM-only
// without a `require` export, which this CommonJS project cannot load.

const TAG_EPOCH_TIME = 1;

/** Decodes one CBOR data item; throws on truncated input, trailing bytes or unsupported items. */
export function decodeCbor(bytes: Uint8Array): unknown {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  const need = (n: number) => {
    if (at + n > bytes.length) throw new Error(`CBOR: truncated at byte ${at}`);
  };
  const BREAK = Symbol("break");

  /** The argument of a head: the additional info, or the 1/2/4/8 bytes after it. */
  const argument = (info: number): number | undefined => {
    if (info < 24) return info;
    const size = { 24: 1, 25: 2, 26: 4, 27: 8 }[info];
    if (size === undefined) {
      if (info === 31) return undefined; // indefinite length
      throw new Error(`CBOR: reserved additional information ${info}`);
    }
    need(size);
    let value: number;
    if (size === 1) value = view.getUint8(at);
    else if (size === 2) value = view.getUint16(at);
    else if (size === 4) value = view.getUint32(at);
    else {
      const big = view.getBigUint64(at);
      if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error("CBOR: integer beyond 2^53");
      value = Number(big);
    }
    at += size;
    return value;
  };

  const item = (): unknown => {
    need(1);
    const head = view.getUint8(at++);
    const major = head >> 5;
    const info = head & 0x1f;
    if (major === 7) {
      if (info === 20) return false;
      if (info === 21) return true;
      if (info === 22) return null;
      if (info === 23) return undefined;
      if (info === 25) return half(take(2));
      if (info === 26) return float(4);
      if (info === 27) return float(8);
      if (info === 31) return BREAK;
      throw new Error(`CBOR: unsupported simple value ${info}`);
    }
    const length = argument(info);
    switch (major) {
      case 0:
        return length;
      case 1:
        return -1 - length!;
      case 2:
        return length === undefined ? chunks(2) : Buffer.from(take(length));
      case 3:
        return length === undefined
          ? (chunks(3) as Buffer).toString("utf8")
          : Buffer.from(take(length)).toString("utf8");
      case 4: {
        const list: unknown[] = [];
        for (let i = 0; length === undefined || i < length; i++) {
          const value = item();
          if (value === BREAK) {
            if (length === undefined) break;
            throw new Error("CBOR: break inside a definite array");
          }
          list.push(value);
        }
        return list;
      }
      case 5: {
        const map: Record<string, unknown> = {};
        for (let i = 0; length === undefined || i < length; i++) {
          const key = item();
          if (key === BREAK && length === undefined) break;
          if (typeof key !== "string") throw new Error("CBOR: a map key that is not text");
          map[key] = item();
        }
        return map;
      }
      case 6: {
        const value = item();
        if (length === TAG_EPOCH_TIME && typeof value === "number") return new Date(value * 1000);
        return value;
      }
      default:
        throw new Error(`CBOR: major type ${major}`);
    }
  };

  const float = (size: 4 | 8) => {
    need(size);
    const value = size === 4 ? view.getFloat32(at) : view.getFloat64(at);
    at += size;
    return value;
  };
  const take = (n: number) => {
    need(n);
    const slice = bytes.subarray(at, at + n);
    at += n;
    return slice;
  };
  /** An indefinite-length byte or text string: definite chunks of the same type until a break. */
  const chunks = (major: number) => {
    const parts: Buffer[] = [];
    for (;;) {
      need(1);
      const head = view.getUint8(at);
      if (head === 0xff) {
        at++;
        return Buffer.concat(parts);
      }
      if (head >> 5 !== major) throw new Error("CBOR: a chunk of another type");
      at++;
      parts.push(Buffer.from(take(argument(head & 0x1f)!)));
    }
  };

  const value = item();
  if (at !== bytes.length) throw new Error(`CBOR: ${bytes.length - at} bytes after the item`);
  return value;
}

/** IEEE 754 half precision (RFC 8949 Appendix D). */
function half(bytes: Uint8Array): number {
  const h = (bytes[0]! << 8) | bytes[1]!;
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  const value =
    exp === 0
      ? mant * 2 ** -24
      : exp !== 31
        ? (mant + 1024) * 2 ** (exp - 25)
        : mant === 0
          ? Infinity
          : NaN;
  return h & 0x8000 ? -value : value;
}

/** Encodes a JSON-like value; Dates as tag 1 (epoch seconds), Uint8Arrays as byte strings. */
export function encodeCbor(value: unknown): Buffer {
  const out: Buffer[] = [];
  const head = (major: number, n: number) => {
    if (n < 24) out.push(Buffer.from([(major << 5) | n]));
    else if (n < 0x100) out.push(Buffer.from([(major << 5) | 24, n]));
    else if (n < 0x10000) {
      const b = Buffer.alloc(3);
      b[0] = (major << 5) | 25;
      b.writeUInt16BE(n, 1);
      out.push(b);
    } else if (n < 0x100000000) {
      const b = Buffer.alloc(5);
      b[0] = (major << 5) | 26;
      b.writeUInt32BE(n, 1);
      out.push(b);
    } else {
      const b = Buffer.alloc(9);
      b[0] = (major << 5) | 27;
      b.writeBigUInt64BE(BigInt(n), 1);
      out.push(b);
    }
  };
  const number = (n: number) => {
    if (Number.isSafeInteger(n)) head(n < 0 ? 1 : 0, n < 0 ? -1 - n : n);
    else {
      const b = Buffer.alloc(9);
      b[0] = 0xfb;
      b.writeDoubleBE(n, 1);
      out.push(b);
    }
  };
  const write = (v: unknown): void => {
    if (v === null) out.push(Buffer.from([0xf6]));
    else if (v === undefined) out.push(Buffer.from([0xf7]));
    else if (typeof v === "boolean") out.push(Buffer.from([v ? 0xf5 : 0xf4]));
    else if (typeof v === "number") number(v);
    else if (typeof v === "string") {
      const text = Buffer.from(v, "utf8");
      head(3, text.length);
      out.push(text);
    } else if (v instanceof Date) {
      head(6, TAG_EPOCH_TIME);
      number(v.getTime() / 1000);
    } else if (v instanceof Uint8Array) {
      head(2, v.length);
      out.push(Buffer.from(v));
    } else if (Array.isArray(v)) {
      head(4, v.length);
      v.forEach(write);
    } else if (typeof v === "object") {
      const entries = Object.entries(v).filter(([, x]) => x !== undefined);
      head(5, entries.length);
      for (const [k, x] of entries) {
        write(k);
        write(x);
      }
    } else throw new Error(`CBOR: cannot encode a ${typeof v}`);
  };
  write(value);
  return Buffer.concat(out);
}
