/** Config pieces several approval tests share (plain objects, as a config file would hold them). */

/** A policy blocking every deploy: its freeze window covers any clock a test runs at. */
export const deployFreeze = (name: string) => ({
  name,
  match: { type: ["dataworks:FileChange:DeployFile"] },
  when: { during: [{ from: "2000-01-01T00:00:00+08:00", to: "2100-01-01T00:00:00+08:00" }] },
  decide: "block",
  message: "Deploys are frozen",
});

/** Kill-instance checks go to U0ALICE and time out after a second. */
export const shortKillRoute = (destinations: string[]) => ({
  name: "short",
  match: { type: ["dataworks:InstanceChange:PreKillInstance"] },
  destinations,
  approvers: { users: { slack: ["U0ALICE"] } },
  timeout: "1s",
});
