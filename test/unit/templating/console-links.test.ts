import { describe, expect, it } from "vitest";
import { CONSOLE_MODULES, consoleLink } from "../../../src/templating/console-links.js";
import { engine, toEvent } from "./support.js";

const BASE = "https://dataworks.data.aliyun.com";

describe("console links", () => {
  it("opens each module in the event's region and workspace", () => {
    expect(consoleLink(BASE, "cn-shanghai", "datastudio", 91234)).toBe(
      "https://dataworks.data.aliyun.com/cn-shanghai/ide?defaultProjectId=91234",
    );
    expect(consoleLink(BASE, "cn-beijing", "quality", "91234")).toBe(
      "https://dataworks.data.aliyun.com/cn-beijing/dqc?defaultProjectId=91234#/overview",
    );
    expect(consoleLink(BASE, "ap-southeast-1", "workspace", 7)).toBe(
      "https://dataworks.data.aliyun.com/ap-southeast-1/sc?defaultProjectId=7",
    );
    expect(Object.keys(CONSOLE_MODULES)).toHaveLength(9);
  });

  it("keeps the base configurable and tolerates a trailing slash", () => {
    expect(consoleLink("https://dw.example.internal/", "cn-shanghai", "operation", 1)).toBe(
      "https://dw.example.internal/cn-shanghai/ops?defaultProjectId=1",
    );
  });

  it("puts nothing from the payload into the URL unless it is a region id or a numeric workspace id", () => {
    expect(consoleLink(BASE, "cn-shanghai/../evil", "datastudio", 1)).toBe("");
    expect(consoleLink(BASE, undefined, "datastudio", 1)).toBe("");
    expect(consoleLink(BASE, "cn-shanghai", "datastudio", "1&x=<script>")).toBe(
      "https://dataworks.data.aliyun.com/cn-shanghai/ide",
    );
  });

  it("uses the configured region for Function Compute envelopes, which carry none", () => {
    const ev = toEvent({
      messageId: "m-1",
      eventType: "download-resources",
      messageBody: { eventCode: "download-resources", queryDwProjectId: "91234", fileName: "x.csv" },
    });
    const links = engine({ regionId: "cn-shenzhen" }).render(ev, "en").links;
    expect(links[0]?.url).toBe("https://dataworks.data.aliyun.com/cn-shenzhen/uad?defaultProjectId=91234");
  });
});
