import { describe, expect, it } from "vitest";
import { compilePattern } from "../../../src/routing/pattern.js";

/**
 * Alibaba Cloud EventBridge pattern semantics, one row per rule. Sources: the doc "Event patterns"
 * (alibabacloud.com/help/en/eventbridge/user-guide/event-patterns) and apache/rocketmq-eventbridge
 * PatternEvaluatorTest / PatternCondition (the open-source implementation of the same engine).
 */
const event = {
  id: "53a224b1-4ea1-4625-aa9e-6caec34fa1b2",
  source: "acs.dataworks",
  type: "dataworks:InstanceStatusChanges:InstanceStatusChanges",
  subject: "",
  time: "2025-06-18T10:15:30+08:00",
  aliyunregionid: "cn-shanghai",
  aliyunpublishaddr: "172.25.10.7",
  data: {
    status: 5,
    appId: 91234,
    projectIdText: "91234",
    flag: true,
    state: "FAILURE",
    nodeName: "ods_order_detail_di",
    owner: null,
    empty: "",
    tags: ["etl", "daily"],
    codes: [3, 5],
    emptyList: [],
    objects: [{ name: "a" }],
    nested: { level: { deep: "yes" } },
    ratio: 0.25,
    ipv6: "2001:db8::1",
  },
};

type Row = [name: string, pattern: unknown, expected: boolean];
const rows: Row[] = [
  // exact values; keys AND, values OR
  ["exact string", { source: ["acs.dataworks"] }, true],
  ["exact string, case-sensitive", { source: ["ACS.dataworks"] }, false],
  ["values OR", { source: ["acs.ecs", "acs.dataworks"] }, true],
  ["keys AND, one fails", { source: ["acs.dataworks"], type: ["x"] }, false],
  ["keys AND, all pass", { source: ["acs.dataworks"], aliyunregionid: ["cn-shanghai"] }, true],
  ["empty pattern matches every event", {}, true],
  // data and nesting
  ["nested data number", { data: { status: [5] } }, true],
  ["number pattern vs number, other value", { data: { status: [6] } }, false],
  ["numbers compare as text: [5] matches 5", { data: { appId: ["91234"] } }, true],
  ['numbers compare as text: [91234] matches "91234"', { data: { projectIdText: [91234] } }, true],
  ["boolean true matches true", { data: { flag: [true] } }, true],
  ["boolean compares as text", { data: { flag: ["true"] } }, true],
  ["deep nesting", { data: { nested: { level: { deep: ["yes"] } } } }, true],
  ["nesting structure must be the same", { data: { level: { deep: ["yes"] } } }, false],
  ["a nested field that is not an object is missing", { data: { state: { x: ["y"] } } }, false],
  // null and empty string
  ["[null] matches null", { data: { owner: [null] } }, true],
  ['["null"] does not match null', { data: { owner: ["null"] } }, false],
  ["[null] does not match a missing field", { data: { nobody: [null] } }, false],
  ['[""] matches the empty string', { subject: [""] }, true],
  ['[""] does not match null', { data: { owner: [""] } }, false],
  // missing fields
  ["a missing field fails an exact value", { data: { missing: ["x"] } }, false],
  ["exists true on a value", { data: { state: [{ exists: true }] } }, true],
  ["exists true on null (present)", { data: { owner: [{ exists: true }] } }, true],
  ["exists false on null", { data: { owner: [{ exists: false }] } }, false],
  ["exists false on a missing field", { data: { missing: [{ exists: false }] } }, true],
  ["exists true on a missing field", { data: { missing: [{ exists: true }] } }, false],
  ["exists false inside a missing object", { data: { gone: { leaf: [{ exists: false }] } } }, true],
  ["exists on an object matches nothing", { data: { nested: [{ exists: true }] } }, false],
  // arrays in events
  ["array: any element matches", { data: { tags: ["daily"] } }, true],
  ["array: intersection empty", { data: { tags: ["hourly", "weekly"] } }, false],
  ["array of numbers with numeric", { data: { codes: [{ numeric: [">", 4] }] } }, true],
  ["array with prefix", { data: { tags: [{ prefix: "et" }] } }, true],
  ["empty array matches nothing, not even exists", { data: { emptyList: [{ exists: true }] } }, false],
  ["empty array and exists false", { data: { emptyList: [{ exists: false }] } }, false],
  ["array of objects matches nothing", { data: { objects: [{ exists: true }] } }, false],
  ["array: exists true when non-empty", { data: { tags: [{ exists: true }] } }, true],
  // prefix / suffix / contains
  ["prefix", { type: [{ prefix: "dataworks:Instance" }] }, true],
  ["prefix miss", { type: [{ prefix: "dataworks:File" }] }, false],
  ["prefix on a number does not apply", { data: { appId: [{ prefix: "912" }] } }, false],
  ["suffix", { data: { nodeName: [{ suffix: "_di" }] } }, true],
  ["suffix miss", { data: { nodeName: [{ suffix: "_hh" }] } }, false],
  ["contains", { type: [{ contains: "StatusChanges" }] }, true],
  ["contains miss", { type: [{ contains: "FileChange" }] }, false],
  ["equals-ignore-case (extension)", { data: { state: [{ "equals-ignore-case": "failure" }] } }, true],
  // anything-but
  ["anything-but value", { data: { state: [{ "anything-but": "SUCCESS" }] } }, true],
  ["anything-but the value itself", { data: { state: [{ "anything-but": "FAILURE" }] } }, false],
  ["anything-but list", { data: { state: [{ "anything-but": ["SUCCESS", "FAILURE"] }] } }, false],
  ["anything-but number", { data: { status: [{ "anything-but": 5 }] } }, false],
  ["anything-but number list", { data: { status: [{ "anything-but": [1, 2] }] } }, true],
  ["anything-but prefix", { data: { nodeName: [{ "anything-but": { prefix: "tmp_" } }] } }, true],
  ["anything-but prefix excluded", { data: { nodeName: [{ "anything-but": { prefix: "ods_" } }] } }, false],
  ["anything-but suffix excluded", { data: { nodeName: [{ "anything-but": { suffix: "_di" } }] } }, false],
  ["anything-but on a missing field", { data: { missing: [{ "anything-but": "x" }] } }, false],
  ["anything-but on null", { data: { owner: [{ "anything-but": "x" }] } }, true],
  ["anything-but null on null", { data: { owner: [{ "anything-but": null }] } }, false],
  ["anything-but array: one element outside", { data: { tags: [{ "anything-but": "etl" }] } }, true],
  // numeric
  ["numeric range", { data: { status: [{ numeric: [">", 0, "<=", 5] }] } }, true],
  ["numeric range excludes", { data: { status: [{ numeric: [">", 5] }] } }, false],
  ["numeric =", { data: { ratio: [{ numeric: ["=", 0.25] }] } }, true],
  ["numeric !=", { data: { status: [{ numeric: ["!=", 5] }] } }, false],
  ["numeric on a numeric string does not apply", { data: { projectIdText: [{ numeric: [">", 0] }] } }, false],
  ["numeric on a missing field", { data: { missing: [{ numeric: [">", 0] }] } }, false],
  ["numeric <= boundary", { data: { status: [{ numeric: ["<=", 5] }] } }, true],
  ["numeric < boundary", { data: { status: [{ numeric: ["<", 5] }] } }, false],
  // cidr
  ["cidr inside", { aliyunpublishaddr: [{ cidr: "172.25.0.0/16" }] }, true],
  ["cidr outside", { aliyunpublishaddr: [{ cidr: "10.0.0.0/8" }] }, false],
  ["cidr /32", { aliyunpublishaddr: [{ cidr: "172.25.10.7/32" }] }, true],
  ["cidr /0", { aliyunpublishaddr: [{ cidr: "0.0.0.0/0" }] }, true],
  ["cidr exact address", { aliyunpublishaddr: [{ cidr: "172.25.10.7" }] }, true],
  ["cidr exact IPv6 address", { data: { ipv6: [{ cidr: "2001:db8:0::1" }] } }, true],
  ["cidr on a non-IP string", { data: { state: [{ cidr: "10.0.0.0/8" }] } }, false],
  // several matchers in one key OR
  ["mixed matchers OR", { data: { status: [1, { numeric: [">=", 5] }] } }, true],
];

describe("compilePattern: EventBridge semantics", () => {
  for (const [name, pattern, expected] of rows) {
    it(`${name} → ${expected}`, () => {
      const c = compilePattern(pattern);
      expect(c.error).toBeUndefined();
      expect(c.match?.(event)).toBe(expected);
    });
  }
});

const invalid: Array<[string, unknown, string]> = [
  ["not an object", ["source"], "a pattern must be a JSON object"],
  ["unknown top-level key (typo)", { sourc: ["acs.dataworks"] }, "sourc: not an event attribute"],
  ["top-level scalar", { source: "acs.dataworks" }, "source: must be an array"],
  ["top-level nesting outside data", { source: { x: ["y"] } }, "source: must be an array"],
  ["data not an object", { data: ["x"] }, "data: must be an object"],
  ["empty data object", { data: {} }, "data: an empty object"],
  ["empty nested object", { data: { a: {} } }, "data.a: an empty object"],
  ["empty array", { type: [] }, "type: an empty array matches nothing"],
  ["nested arrays", { type: [["a"]] }, "type[0]: arrays cannot nest"],
  ["two operators in one matcher", { type: [{ prefix: "a", suffix: "b" }] }, "exactly one operator"],
  ["unknown operator", { type: [{ wildcard: "a*" }] }, 'unknown operator "wildcard"'],
  ["empty prefix", { type: [{ prefix: "" }] }, "type[0]: prefix takes a non-empty string"],
  ["prefix not a string", { type: [{ prefix: 1 }] }, "prefix takes a non-empty string"],
  ["exists not boolean", { data: { a: [{ exists: "yes" }] } }, "data.a[0]: exists takes true or false"],
  ["numeric odd length", { data: { a: [{ numeric: [">"] }] } }, "numeric takes [op, n]"],
  ["numeric six elements", { data: { a: [{ numeric: [">", 1, "<", 5, "=", 3] }] } }, "numeric takes [op, n]"],
  ["numeric bad operator", { data: { a: [{ numeric: ["=>", 1] }] } }, 'numeric operator "=>"'],
  ["numeric string value", { data: { a: [{ numeric: [">", "1"] }] } }, 'numeric needs a number after ">"'],
  ["anything-but exists", { data: { a: [{ "anything-but": { exists: true } }] } }, "anything-but takes a value"],
  ["anything-but empty list", { data: { a: [{ "anything-but": [] }] } }, "anything-but takes a non-empty list"],
  ["anything-but list of objects", { data: { a: [{ "anything-but": [{ prefix: "x" }] }] } }, "plain values"],
  ["cidr bad block", { data: { a: [{ cidr: "10.0.0.0/33" }] } }, 'cidr "10.0.0.0/33" is not an IPv4 CIDR'],
  ["cidr IPv6 block", { data: { a: [{ cidr: "2001:db8::/32" }] } }, "IPv4 only"],
  ["cidr not an address", { data: { a: [{ cidr: "example.com" }] } }, "neither an IPv4 CIDR block nor an IP"],
];

describe("compilePattern: invalid patterns are refused with a message that names the place", () => {
  for (const [name, pattern, message] of invalid) {
    it(name, () => {
      const c = compilePattern(pattern);
      expect(c.match).toBeUndefined();
      expect(c.error).toContain(message);
    });
  }
});
