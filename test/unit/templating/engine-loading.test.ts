/** Start-up and run-time failures, extends:, user template dirs and platform overrides, with real temp dirs. */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { renderSlack } from "../../../adapters/slack/render.js";
import { blockKitProblem } from "../../fakes/slack-api.js";
import { fixture } from "../../helpers/fixtures.js";
import { BUILT_IN, engine, toEvent } from "./support.js";

const dirs: string[] = [];
function userDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "dw-templates-"));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const withUser = (files: Record<string, string>) => engine({ dirs: [BUILT_IN, userDir(files)] });
const commit = () => toEvent(fixture("commit-file"));

// "yours" is the bot's: a broken file of templates.dir fails start-up there as under "eager" (check-config's).
describe.each(["eager", "yours"] as const)("start-up failures name the file and line (compile: %s)", (compile) => {
  const engineIn = (o: Parameters<typeof engine>[0]) => engine({ ...o, compile });
  const withUser = (files: Record<string, string>) => engineIn({ dirs: [BUILT_IN, userDir(files)] });
  it("a Handlebars syntax error", () => {
    const dir = userDir({
      "commit-file.yaml": 'title: "ok"\nfields:\n  - label: "x"\n    value: "{{#if data.a}}open"\n',
    });
    expect(() => engineIn({ dirs: [BUILT_IN, dir] })).toThrow(
      new RegExp(`${join(dir, "commit-file.yaml")}:4: template error`),
    );
  });
  it("what Handlebars' compiler refuses, not its parser: a partial given two contexts", () => {
    const dir = userDir({ "commit-file.yaml": 'title: "ok"\nsummary: "{{> details data event}}"\n' });
    expect(() => engineIn({ dirs: [BUILT_IN, dir] })).toThrow(
      /commit-file\.yaml:2: template error: Unsupported number of partial arguments: 2/,
    );
  });
  it("an unknown helper", () => {
    const dir = userDir({ "commit-file.yaml": 'title: "{{shout data.fileName}}"\n' });
    expect(() => engineIn({ dirs: [BUILT_IN, dir] })).toThrow(
      /commit-file\.yaml:1: template error: unknown helper "shout"/,
    );
  });
  it("broken YAML and a broken locale file", () => {
    expect(() => withUser({ "commit-file.yaml": "title: [unclosed\n" })).toThrow(/commit-file\.yaml/);
    expect(() => withUser({ "locales/en.yaml": "field: [\n" })).toThrow(/locales\/en\.yaml/);
  });
  it("extends of an unknown template, and a cycle", () => {
    expect(() => withUser({ "commit-file.yaml": "extends: _nope\n" })).toThrow(
      /commit-file\.yaml:1: .*unknown template "_nope"/,
    );
    expect(() => withUser({ "_a.yaml": "extends: _b\n", "_b.yaml": "extends: _a\n" })).toThrow(/extends cycle/);
  });
  it("a platform override and a partial of yours", () => {
    expect(() => withUser({ "commit-file.slack.hbs": '{"text": "{{#if data.a}}"}' })).toThrow(
      /commit-file\.slack\.hbs:1: template error/,
    );
    expect(() => withUser({ "partials/_named.hbs": "{{#each data}}" })).toThrow(/_named\.hbs:1: template error/);
  });
  it("an unknown time zone", () => {
    expect(() => engineIn({ timeZone: "Nowhere/Town" })).toThrow(/templates.timeZone/);
  });
});

describe("what the bot compiles at start-up (compile: yours)", () => {
  // A copy of the built-in directory with one file broken stands in for a built-in file the bot has not compiled.
  const brokenBuiltIn = (file: string, text: string) => {
    const dir = userDir({});
    cpSync(BUILT_IN, dir, { recursive: true });
    writeFileSync(join(dir, file), text);
    return dir;
  };
  const yours = (dirs: string[]) => engine({ dirs, compile: "yours" });
  it("leaves the built-in files for their first render, which compiles them with the same checks", () => {
    const builtIn = brokenBuiltIn("commit-file.yaml", 'title: "{{#if data.a}}open"\n');
    expect(() => engine({ dirs: [builtIn], compile: "eager" })).toThrow(/commit-file\.yaml:1: template error/);
    const t = yours([builtIn, userDir({ "delete-file.yaml": 'title: "mine"\n' })]);
    expect(() => t.render(commit(), "en")).toThrow(/commit-file\.yaml:1: template error/);
    expect(t.render(toEvent(fixture("delete-file")), "en").title).toBe("mine");
  });
  it("compiles every file when your directory replaces a base the built-in files extend", () => {
    const builtIn = brokenBuiltIn("commit-file.yaml", 'extends: _file\ntitle: "{{#if data.a}}open"\n');
    const base = userDir({ "_base.yaml": 'title: "base"\n' });
    expect(() => yours([builtIn, base])).toThrow(/commit-file\.yaml:2: template error/);
  });
  it("compiles a file that fails on first use once: later uses throw the same error, nothing is read again", () => {
    const builtIn = brokenBuiltIn("commit-file.yaml", 'title: "{{#if data.a}}open"\n');
    const t = yours([builtIn]);
    const errorOf = (): unknown => {
      try {
        t.render(commit(), "en");
        return undefined;
      } catch (err) {
        return err;
      }
    };
    const first = errorOf();
    expect(String(first)).toMatch(/commit-file\.yaml:1: template error/);
    expect(errorOf()).toBe(first);
    expect(t.fallback(commit(), "en").title).toBe("Pre-commit file check");
  });
  it("renders what was installed at start-up: the files are read then, parsed on first use", () => {
    const builtIn = brokenBuiltIn("commit-file.yaml", 'extends: _file\ntitle: "as installed"\n');
    const t = yours([builtIn]);
    writeFileSync(join(builtIn, "commit-file.yaml"), 'title: "{{#if data.a}}replaced later"\n');
    writeFileSync(join(builtIn, "locales", "en.yaml"), "field: [\n");
    expect(t.render(commit(), "en").title).toBe("as installed");
    expect(t.render(commit(), "en").fields.map((f) => f.label)).toContain("Workspace");
  });
  it("reads your locale files at start-up; a built-in catalog that does not parse on first use is skipped with a warning, and nothing throws", async () => {
    expect(() => yours([BUILT_IN, userDir({ "locales/zh-CN.yaml": "field: [\n" })])).toThrow(/locales\/zh-CN\.yaml/);
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on("warning", onWarning);
    try {
      const t = yours([brokenBuiltIn("locales/en.yaml", "field: [\n")]);
      expect(t.render(commit(), "en").fields.map((f) => f.label)).toContain("field.workspace");
      expect(t.fallback(commit(), "en").fields[0]?.label).toBe("field.eventType");
      await new Promise((r) => setImmediate(r));
      expect(warnings).toEqual([expect.stringMatching(/locales\/en\.yaml: /)]);
    } finally {
      process.off("warning", onWarning);
    }
  });
  it("a broken locale file of yours met on first use (one-shot render) still fails, naming it", () => {
    const t = engine({ dirs: [BUILT_IN, userDir({ "locales/en.yaml": "field: [\n" })], compile: "on-use" });
    expect(() => t.render(commit(), "en")).toThrow(/locales\/en\.yaml/);
  });
});

describe("user templates and extends:", () => {
  // Each file renders in an environment holding only the helpers it can call (engine.ts fileEnvironment).
  // Labels that only translate fixed keys are rendered once per locale (engine.ts compileFile).
  it("a fixed label follows each render's locale, whichever locale rendered first", () => {
    const t = engine();
    const labels = (locale: string) => t.render(commit(), locale).fields.map((f) => f.label);
    const zh = labels("zh-CN");
    const en = labels("en");
    expect(en).toContain("Workspace");
    expect(zh).toContain("工作空间");
    expect(labels("zh-CN")).toEqual(zh);
    expect(labels("en")).toEqual(en);
  });
  it("calls every helper a file or a partial names: one only a partial calls, one in a sub-expression of an else if", () => {
    const t = withUser({
      "partials/_shout.hbs": "{{upper name}}",
      "commit-file.yaml":
        "title: \"{{> _shout name=data.fileName}}\"\nsummary: \"{{#if data.nope}}no{{else if (gt 2 1)}}{{t (concat 'field.' 'node')}}{{/if}}\"\n",
    });
    const m = t.render(commit(), "en");
    expect(m.title).toBe("ODS_ORDER_DETAIL_DI");
    expect(m.summary).toBe("Node");
  });
  // A file's leaves render in one Handlebars call, split at a separator line (engine.ts leafTemplate).
  it("a value holding the leaves' separator shows in place, and every other part renders as without it", () => {
    const t = engine();
    const event = (fileName: string) => {
      const e = commit();
      return { ...e, data: { ...e.data, fileName } };
    };
    const plain = t.render(event("a-b"), "en");
    const held = t.render(event("a\u001eb"), "en");
    expect(held.title).toBe(plain.title.replace("a-b", "a\u001eb"));
    expect(held.fields).toEqual(plain.fields.map((f) => (f.value === "a-b" ? { ...f, value: "a\u001eb" } : f)));
    expect(held.fields.some((f) => f.value === "a\u001eb")).toBe(true);
    expect({ ...held, title: "", fields: [] }).toEqual({ ...plain, title: "", fields: [] });
  });
  // A file that reads no @-variable renders without Handlebars' data frames; helpers read the render's locale.
  it("helpers inside a loop follow the render's locale; a partial a partial names reads @-data and calls its helper", () => {
    const t = withUser({
      "partials/_nth.hbs": "{{@index}}:{{upper this}}",
      "partials/_item.hbs": "{{> _nth}}",
      "commit-file.yaml":
        "title: \"{{#each (ids 'a,b')}}{{t 'field.node'}}{{/each}}\"\nsummary: \"{{#each (ids 'x,y')}}{{> _item}} {{/each}}\"\n",
    });
    expect(t.render(commit(), "en").title).toBe("NodeNode");
    expect(t.render(commit(), "zh-CN").title).toBe("节点节点");
    expect(t.render(commit(), "en").summary).toBe("0:X 1:Y");
  });
  it("a user file replaces the built-in of the same name, and may extend the built-in bases", () => {
    const t = withUser({
      "commit-file.yaml":
        'extends: _file\ntitle: "Custom {{data.fileName}}"\nfields:\n  - label: "Ticket"\n    value: "OPS-1"\n  - "..."\n',
    });
    const m = t.render(commit(), "en");
    expect(m.title).toBe("Custom ods_order_detail_di");
    expect(m.fields[0]).toEqual({ label: "Ticket", value: "OPS-1" });
    expect(m.fields.map((f) => f.label)).toContain("File type");
    expect(m.fields.map((f) => f.label)).toContain("Workspace");
  });
  it("a child list without '...' replaces the base's list; null removes a key", () => {
    const t = withUser({
      "commit-file.yaml": 'extends: _file\nfields:\n  - label: "Only"\n    value: "me"\nlinks: ~\n',
    });
    const m = t.render(commit(), "en");
    expect(m.fields).toEqual([{ label: "Only", value: "me" }]);
    expect(m.links).toEqual([]);
  });
  it("a user locale file overrides single keys", () => {
    const t = withUser({ "locales/en.yaml": "field:\n  file: Script\n" });
    expect(t.render(commit(), "en").fields[0]).toEqual({ label: "Script", value: "ods_order_detail_di" });
    expect(t.render(commit(), "en").fields[1]?.label).toBe("File type");
  });
  it("never picks a base template from a payload's own eventCode", () => {
    const ev = toEvent({ id: "x1", source: "acs.dataworks", type: "dataworks:Made:Up", data: { eventCode: "_file" } });
    expect(engine().render(ev, "en").fields[0]?.label).toBe("Event type");
  });
});

describe("the worked example in docs/templates.md", () => {
  it("puts the ticket first, keeps the built-in file fields, and speaks both languages", () => {
    const t = withUser({
      "commit-file.yaml": `extends: _file
title: "{{t 'title.file' action=(t 'action.commit') name=data.fileName}} · {{default enrich.ownerName data.fileOwner}}"
fields:
  - label: "{{t 'field.ticket'}}"
    value: "{{default enrich.note '—'}}"
  - "..."
sections: ~
`,
      "locales/en.yaml": "field:\n  ticket: Ticket\n",
      "locales/zh-CN.yaml": "field:\n  ticket: 变更单\n",
    });
    const en = t.render(commit(), "en", { enrich: { note: "CHG-42", ownerName: "alice" } });
    expect(en.title).toBe("Commit requested: ods_order_detail_di · alice");
    expect(en.fields[0]).toEqual({ label: "Ticket", value: "CHG-42" });
    expect(en.fields[1]).toEqual({ label: "File", value: "ods_order_detail_di" });
    expect(en.sections).toEqual([]);
    expect(t.render(commit(), "zh-CN").fields[0]).toEqual({ label: "变更单", value: "—" });
    expect(t.render(toEvent(fixture("deploy-file")), "en").title).toBe("Deploy requested: ods_order_detail_di");
  });
});

describe("platform overrides", () => {
  const slackOverride = `{
  "text": "{{mrkdwn data.fileName}}",
  "blocks": [
    { "type": "header", "text": { "type": "plain_text", "text": "{{text (t 'action.commit')}}: {{text data.fileName}}" } },
    { "type": "section", "text": { "type": "mrkdwn", "text": "*{{text (t 'field.operator')}}* {{mrkdwn data.operator}}" } },
    { "type": "context", "elements": [ { "type": "mrkdwn", "text": "{{mrkdwn event.id}}" } ] }
  ],
  "metadata": { "event_payload": { "version": {{json data.fileVersion}}, "tags": {{json data.tags}} } }
}`;

  it("wins over the neutral rendering for its platform only", () => {
    const t = withUser({ "commit-file.slack.hbs": slackOverride });
    expect(t.hasOverride("commit-file", "slack")).toBe(true);
    const native = t.renderOverride(commit(), "slack", "zh-CN") as { blocks: Array<{ text?: { text: string } }> };
    expect(native.blocks[0]?.text?.text).toBe("申请提交: ods_order_detail_di");
    expect(t.renderOverride(commit(), "console", "en")).toBeUndefined();
  });

  it("keeps hostile values inside their strings: no new keys, no mentions, no links", () => {
    const t = withUser({ "commit-file.slack.hbs": slackOverride });
    const hostile = '", "blocks": [], "x": "<!channel> <@U1> <https://evil.example|bank> \\ \n {}[]:,';
    const ev = toEvent({
      ...fixture("commit-file"),
      data: { ...(fixture("commit-file").data as object), fileName: hostile, operator: "<!here>", tags: ["a", '"b"'] },
    });
    const native = t.renderOverride(ev, "slack", "en") as {
      text: string;
      blocks: Array<Record<string, unknown>>;
      metadata: unknown;
    };
    expect(Object.keys(native)).toEqual(["text", "blocks", "metadata"]);
    expect(native.blocks).toHaveLength(3);
    expect(native.text).toBe(hostile.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;"));
    expect(JSON.stringify(native.blocks[1])).toContain("&lt;!here&gt;");
    expect(JSON.stringify(native.blocks[0])).toContain(hostile.slice(0, 10).replace(/"/g, '\\"'));
    expect(native.metadata).toEqual({ event_payload: { version: 7, tags: ["a", '"b"'] } });
    expect(blockKitProblem(native.blocks)).toBeUndefined();
  });

  it("refuses at start-up an override that writes a raw value, naming the line", () => {
    const bad =
      '{\n  "text": "ok",\n  "blocks": [{ "type": "section", "text": { "type": "mrkdwn", "text": "{{data.fileName}}" } }]\n}';
    expect(() => withUser({ "commit-file.slack.hbs": bad })).toThrow(
      /commit-file\.slack\.hbs:3: template error: \{\{data\.fileName\}\}/,
    );
    expect(() => withUser({ "commit-file.slack.hbs": '{"text": "{{{t "x"}}}"}' })).toThrow(/writes a raw value/);
    expect(() => withUser({ "commit-file.slack.hbs": '{"text": "{{> _named}}"}' })).toThrow(/partials are not allowed/);
    // A value helper opened as a block returns its value raw: refused; control blocks around safe output are fine.
    expect(() =>
      withUser({ "commit-file.slack.hbs": '{"text": "{{#default data.fileName}}{{/default}}", "blocks": []}' }),
    ).toThrow(/commit-file\.slack\.hbs:1: .*only #if, #unless, #each and #with may open a block/);
    expect(() =>
      withUser({ "commit-file.slack.hbs": '{"text": "{{#if data.fileName}}{{text data.fileName}}{{/if}}"}' }),
    ).not.toThrow();
  });

  it("a misplaced escaping helper cannot change the structure: the JSON no longer parses", () => {
    const t = withUser({ "commit-file.slack.hbs": '{"text": "x", "n": {{text data.fileName}} }' });
    const ev = toEvent({ ...fixture("commit-file"), data: { fileName: '1, "blocks": [{}]' } });
    expect(() => t.renderOverride(ev, "slack", "en")).toThrow(SyntaxError);
  });
});

describe("run-time failures", () => {
  it("a template that throws while rendering propagates, and the fallback is minimal, safe and valid", () => {
    const t = withUser({ "commit-file.yaml": "title: \"{{consoleUrl 'no-such-page' data.projectId}}\"\n" });
    expect(() => t.render(commit(), "en")).toThrow(/unknown console page/);
    const hostileType = {
      ...fixture("commit-file"),
      type: "dataworks:<!channel>:X",
      data: { eventCode: "commit-file" },
    };
    for (const locale of ["en", "zh-CN"]) {
      const m = t.fallback(toEvent(hostileType), locale);
      expect(m.severity).toBe("warning");
      expect(m.fields.map((f) => f.value)).toContain("dataworks:<!channel>:X");
      expect(m.context[0]).toMatch(locale === "en" ? /could not be rendered/ : /无法用其模板渲染/);
      const slack = renderSlack(m);
      expect(blockKitProblem(slack.blocks)).toBeUndefined();
      expect(JSON.stringify(slack)).not.toContain("<!channel>");
    }
  });
});
