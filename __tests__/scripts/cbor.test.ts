import { describe, expect, it } from "vitest";
import { decodeCbor, encodeCbor } from "../../scripts/terraform/cbor";

const hex = (h: string) => Buffer.from(h, "hex");

describe("CBOR as RFC 8949 Appendix A writes it", () => {
  // [value, encoding] pairs from the RFC's table of examples (the ones JSON-like values reach).
  const examples: [unknown, string][] = [
    [0, "00"],
    [23, "17"],
    [24, "1818"],
    [100, "1864"],
    [1000, "1903e8"],
    [1000000, "1a000f4240"],
    [1000000000000, "1b000000e8d4a51000"],
    [-1, "20"],
    [-100, "3863"],
    [-1000, "3903e7"],
    [1.1, "fb3ff199999999999a"],
    [-4.1, "fbc010666666666666"],
    [false, "f4"],
    [true, "f5"],
    [null, "f6"],
    ["", "60"],
    ["IETF", "6449455446"],
    ["\u00fc", "62c3bc"],
    ["\u6c34", "63e6b0b4"],
    [[], "80"],
    [[1, [2, 3], [4, 5]], "8301820203820405"],
    [{}, "a0"],
    [{ a: 1, b: [2, 3] }, "a26161016162820203"],
  ];

  it("encodes each example to the RFC's bytes, and decodes the bytes back", () => {
    for (const [value, encoding] of examples) {
      expect(encodeCbor(value).toString("hex"), JSON.stringify(value)).toBe(encoding);
      expect(decodeCbor(hex(encoding)), encoding).toEqual(value);
    }
  });

  it("decodes the floats and lengths other encoders choose: half and single floats, indefinite lengths", () => {
    expect(decodeCbor(hex("f93c00"))).toBe(1);
    expect(decodeCbor(hex("f93e00"))).toBe(1.5);
    expect(decodeCbor(hex("f9c400"))).toBe(-4);
    expect(decodeCbor(hex("f90001"))).toBe(5.960464477539063e-8);
    expect(decodeCbor(hex("fa47c35000"))).toBe(100000);
    expect(decodeCbor(hex("9f018202039f0405ffff"))).toEqual([1, [2, 3], [4, 5]]);
    expect(decodeCbor(hex("bf61610161629f0203ffff"))).toEqual({ a: 1, b: [2, 3] });
    expect(decodeCbor(hex("7f657374726561646d696e67ff"))).toBe("streaming");
    expect([...(decodeCbor(hex("5f42010243030405ff")) as Uint8Array)]).toEqual([1, 2, 3, 4, 5]);
  });

  it("reads tag 1 as a Date and writes a Date as tag 1 with epoch seconds", () => {
    expect(decodeCbor(hex("c11a514b67b0"))).toEqual(new Date("2013-03-21T20:04:00Z"));
    expect(decodeCbor(hex("c1fb41d452d9ec200000"))).toEqual(new Date("2013-03-21T20:04:00.5Z"));
    expect(encodeCbor(new Date("2013-03-21T20:04:00Z")).toString("hex")).toBe("c11a514b67b0");
    expect(encodeCbor(new Date("2013-03-21T20:04:00.5Z")).toString("hex")).toBe(
      "c1fb41d452d9ec200000",
    );
  });

  it("writes bytes as a byte string and leaves out undefined members", () => {
    expect(encodeCbor(new Uint8Array([1, 2, 3, 4])).toString("hex")).toBe("4401020304");
    expect(encodeCbor({ a: undefined, b: 1 }).toString("hex")).toBe("a1616201");
  });

  it("refuses truncated input, trailing bytes and non-text map keys", () => {
    expect(() => decodeCbor(hex("1903"))).toThrow(/truncated/);
    expect(() => decodeCbor(hex("0000"))).toThrow(/after the item/);
    expect(() => decodeCbor(hex("a10102"))).toThrow(/not text/);
  });
});
