import type { ActionRouter } from "../actions/router.js";
import type { TemplateEngine } from "../templating/engine.js";
import { translate } from "../templating/i18n.js";
import { INCIDENT_ACTIONS } from "./message.js";
import type { IncidentService } from "./service.js";

/** Incident buttons (`incident.`): the service acts; a failure is answered in the language of the chat clicked in. */
export function routeIncidentActions(router: ActionRouter, service: IncidentService, templates: TemplateEngine) {
  return router.on(INCIDENT_ACTIONS, {
    handle: (action) => service.handleClick(action),
    failed: (action) => ({
      ok: false,
      text: translate(templates.messages, service.clickLocale(action), "incident.reply.failed"),
    }),
  });
}
