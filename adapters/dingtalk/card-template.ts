/**
 * The approval card template to import into DingTalk's card platform (卡片平台 → create a template → ⋯ More →
 * Import), so nobody has to build it by hand. DingTalk's card builder exports a template as
 * `{editorData: "<JSON string>", type, mode}` and imports the same shape (the official examples ship such files:
 * github.com/open-dingtalk/dingtalk-card-examples, README "导入步骤"). The envelope and component shapes below follow
 * those exported files; the builder compiles the runtime layout when the imported template is saved, so none is
 * shipped. Not verified against a live tenant (it needs a DingTalk organisation): adapters/dingtalk/README.md.
 *
 * The template binds exactly the variables renderDingTalkCardData() fills and the private ones the Stream click
 * answer sets (interactive.ts); its buttons send the action ids and params interactive.ts reads. A test holds the
 * three together, and holds approval-card-template.json to this function's output:
 *   npx tsx adapters/dingtalk/card-template.ts > adapters/dingtalk/approval-card-template.json
 */

import { pathToFileURL } from "node:url";

type Json = Record<string, unknown>;

const text = (content: string) => ({ type: "dynamicString", content, i18n: false });
/** The builder's binding syntax: ${name} shows a variable's value. */
const bind = (name: string) => text(`\${${name}}`);
const whenPending = {
  type: "dynamicVisible",
  value: true,
  valueType: "condition",
  condition: {
    op: "and",
    conditions: [
      {
        type: "variable",
        variable: "status",
        variableType: "global",
        op: "equal",
        value: "pending",
        valueType: "fixed",
        valueVariableType: "global",
      },
    ],
  },
};
const always = { type: "dynamicVisible", value: true, valueType: "fixed", condition: { op: "and", conditions: [] } };
const param = (name: string, from: { fixed: string } | { variable: string }, id: number) =>
  "fixed" in from
    ? { type: "fixed", name, value: from.fixed, variable: "", variableType: "global", id: String(id) }
    : { type: "variable", name, value: "", variable: from.variable, variableType: "global", id: String(id) };

/** Public card data (cardParamMap of createAndDeliver / PUT) and private data (the clicker's click answer). */
export const TEMPLATE_VARIABLES = {
  public: { title: "string", markdown: "markdown", status: "string", actionValue: "string" },
  labels: { action0Label: "string", action1Label: "string" },
  private: { actionResult: "markdown", actionOk: "boolean", needReason: "boolean" },
} as const;

function button(id: "approve" | "block", label: string, color: string, extra: Json[]): Json {
  return {
    $$key: id,
    id,
    text: bind(label),
    status: "normal",
    color,
    actionType: "request",
    actionId: text(id),
    params: [param("actionId", { fixed: id }, 1), param("value", { variable: "actionValue" }, 2), ...extra],
    successToast: text(""),
    failureToast: text(""),
    successCondition: { op: "and", conditions: [] },
    visible: whenPending,
  };
}

function node(componentName: string, id: string, props: Json, children?: Json[]): Json {
  return {
    componentName,
    id,
    props,
    title: "",
    hidden: false,
    isLocked: false,
    condition: true,
    conditionGroup: "",
    ...(children ? { children } : {}),
  };
}

function variable(name: string, type: string, isPrivate: boolean, description: string): Json {
  return { name, id: name, type, private: isPrivate, description, editorVarType: "variables" };
}

export function approvalCardTemplate(): Json {
  const markdown = (id: string, variable: string) =>
    node("Markdown", id, {
      content: { type: "dynamicMarkdown", valueType: "variable", value: "", variable, variableType: "global" },
      visible: always,
    });
  const card = node("StdCard", "node_dwc_card", { cardName: bind("title"), tagText: text("DataWorks") }, [
    markdown("node_dwc_markdown", "markdown"),
    node("Input", "node_dwc_reason", {
      title: text("原因 · Reason"),
      placeholder: text("拒绝时填写原因 · Why you block (when asked)"),
      message: text("拒绝时填写原因 · Why you block (when asked)"),
      currentValue: bind("reason"),
      status: { type: "dynamicSelect", valueType: "fixed", value: "normal", variable: "", variableType: "global" },
      localVarAction: { type: "variableValue", variable: "reason", variableType: "global", varType: "string" },
      visible: whenPending,
    }),
    node("ButtonBlock", "node_dwc_buttons", {
      buttons: [
        button("approve", "action0Label", "blue", []),
        button("block", "action1Label", "red", [param("reason", { variable: "reason" }, 3)]),
      ],
    }),
    // Private: only the clicker sees the answer to their click ("Approved", "You are not an approver", …).
    markdown("node_dwc_result", "actionResult"),
  ]);
  // The root of the builder's low-code schema carries these (empty) members in every exported template.
  const tree = {
    ...card,
    fileName: "dataworks_approval",
    dataSource: { list: [] },
    state: {},
    lifeCycles: {},
    methods: {},
  };
  const descriptions: Record<string, string> = {
    title: "header",
    markdown: "the whole message (DingTalk markdown)",
    status: "pending while the buttons apply, done after the decision",
    actionValue: "the approval id the buttons send back",
    action0Label: "Approve button label (localised)",
    action1Label: "Block button label (localised)",
    actionResult: "private: the answer to the clicker",
    actionOk: "private: whether the click was accepted",
    needReason: "private: the route needs a reason to block",
  };
  const { public: pub, labels, private: priv } = TEMPLATE_VARIABLES;
  const editorData = {
    schemaVersion: "2.0.0",
    schema: {
      version: "1.0.0",
      componentsMap: ["StdCard", "Markdown", "Input", "ButtonBlock"].map((name) => ({
        package: "@ali/dxComponent",
        version: "1.0.0",
        exportName: name,
        main: "./src/index.tsx",
        destructuring: false,
        subName: "",
        componentName: name,
      })),
      componentsTree: [tree],
      i18n: {},
    },
    variableList: [
      ...Object.entries({ ...pub, ...labels }).map(([n, t]) => variable(n, t, false, descriptions[n] ?? "")),
      ...Object.entries(priv).map(([n, t]) => variable(n, t, true, descriptions[n] ?? "")),
    ],
    localList: [
      { ...variable("reason", "string", false, "the block reason typed on the card"), editorVarType: "localList" },
    ],
    expList: [],
    formList: [],
    hsfList: [],
    lwpList: [],
    mockData: {
      cardData: {
        title: "DataWorks: approve the deploy of ads_finance_voucher_di?",
        markdown: "#### 🟠 Deploy file\n\n**Workspace**: finance_prod",
        status: "pending",
        actionValue: "ap_0123456789",
        action0Label: "Approve",
        action1Label: "Block",
      },
      cardPrivateData: { actionResult: "", actionOk: false, needReason: false },
      localData: { reason: "" },
    },
    editVersion: 0,
    customWidgetInfo: "",
    useCustomWidgetInfo: false,
    extension: { extendType: "NORMAL", fileTypeList: [] },
  };
  return { editorData: JSON.stringify(editorData), type: "standard", mode: "card" };
}

/** A button as the template declares it: what it sends back when clicked. */
export interface TemplateButton {
  id: string;
  actionType: string;
  text: { content: string };
  params: Array<{ type: "fixed" | "variable"; name: string; value: string; variable: string }>;
}

/** The buttons of a template file, wherever they sit in its component tree (tests read the shipped file). */
export function templateButtons(file: { editorData: string }): TemplateButton[] {
  const found: TemplateButton[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) for (const x of v) walk(x);
    else if (v && typeof v === "object") {
      const o = v as Record<string, unknown>;
      if (Array.isArray(o.buttons)) found.push(...(o.buttons as TemplateButton[]));
      for (const x of Object.values(o)) walk(x);
    }
  };
  walk(JSON.parse(file.editorData));
  return found;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href)
  process.stdout.write(`${JSON.stringify(approvalCardTemplate(), null, 2)}\n`);
