import type { ActionRouter } from "../actions/router.js";
import type { TemplateEngine } from "../templating/engine.js";
import { translate } from "../templating/i18n.js";
import { APPROVAL_ACTIONS } from "./card.js";
import type { ApprovalService } from "./service.js";

/** Approval buttons: the service decides; a failure is answered in the language of the destination clicked in. */
export function routeApprovalActions(router: ActionRouter, service: ApprovalService, templates: TemplateEngine) {
  return router.on(APPROVAL_ACTIONS, {
    handle: (action) => service.handleAction(action),
    failed: (action) => ({
      ok: false,
      text: translate(templates.messages, service.clickLocale(action), "approval.reply.failed"),
    }),
  });
}
