import { type BulkJobOptions, type JobsOptions, Queue } from "bullmq";
import { JOB_FORMAT } from "./format-version.js";

/**
 * A queue whose every job carries this release's job format (`v`), wherever it is added: a process that cannot
 * read a newer format leaves the job for one that can (jobs/format-version.ts).
 */
export class VersionedQueue<D extends object> extends Queue<D, unknown, string, D, unknown, string> {
  override add(name: string, data: D, opts?: JobsOptions) {
    return super.add(name, { ...data, v: JOB_FORMAT }, opts);
  }

  override addBulk(jobs: { name: string; data: D; opts?: BulkJobOptions }[]) {
    return super.addBulk(jobs.map((j) => ({ ...j, data: { ...j.data, v: JOB_FORMAT } })));
  }
}
