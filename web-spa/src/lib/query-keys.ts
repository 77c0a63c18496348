// Every server-state key in one place, so the live connection and the features agree on where data lives.

export interface JobListParams {
  page: number;
  pageSize: number;
  state?: string;
  search?: string;
}

export const queryKeys = {
  me: ['account', 'me'] as const,
  usage: ['me', 'usage'] as const,
  formats: ['formats'] as const,
  jobs: {
    all: ['jobs'] as const,
    lists: ['jobs', 'list'] as const,
    list: (params: JobListParams) => ['jobs', 'list', params] as const,
    /** The live JobStore (snapshot + events by seq) of one job. */
    live: (jobId: string) => ['jobs', 'live', jobId] as const,
    /** The job's whole event history (the job page's timeline). */
    history: (jobId: string) => ['jobs', 'history', jobId] as const,
    result: (jobId: string, format: string, version: string) => ['jobs', 'result', jobId, format, version] as const,
  },
  ops: {
    instances: ['ops', 'instances'] as const,
    queue: ['ops', 'queue'] as const,
  },
};
