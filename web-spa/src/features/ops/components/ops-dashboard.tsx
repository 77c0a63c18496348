import { useEffect, useMemo, useState } from 'react';
import { Alert } from '@/components/alert';
import { Card } from '@/components/card';
import { Loading } from '@/components/spinner';
import { describeError, isApiError } from '@/lib/api-client';
import { useInstances } from '@/features/ops/api/get-instances';
import { useQueue } from '@/features/ops/api/get-queue';
import { InstancesTable } from '@/features/ops/components/instances-table';
import { LiveChart } from '@/features/ops/components/live-chart';
import styles from '@/features/ops/components/ops-dashboard.module.css';
import { appendSample, flattenNumbers, seriesData, type Sample } from '@/features/ops/utils/flatten-metrics';
import type { InstanceHeartbeatView, QueueView } from '@/types/api';
import { formatDuration } from '@/utils/format';

const pollMs = 2_000;
const maxCharts = 12;

function ResourceError({ error }: { error: unknown }) {
  if (isApiError(error) && error.status === 404) return <p className={styles.note}>This Api does not report it yet.</p>;
  return <Alert tone="error">{describeError(error)}</Alert>;
}

/** The cluster at a glance: instances from their heartbeats, the queue, and live charts of both. */
export function OpsDashboard() {
  const instances = useInstances(pollMs);
  const queue = useQueue(pollMs);
  const samples = useSamples(instances.data, queue.data, instances.dataUpdatedAt + queue.dataUpdatedAt);
  const queueView = queue.data;

  return (
    <div data-testid="ops-dashboard">
      <Card title="Instances" titleId="ops-instances-heading" actions={<span className={styles.note}>From heartbeats, every 2 s</span>}>
        {instances.isPending ? <Loading /> : instances.isError ? <ResourceError error={instances.error} /> : <InstancesTable value={instances.data} label="Api instances" />}
      </Card>
      <Card title="Queue" titleId="ops-queue-heading">
        {queue.isPending ? (
          <Loading />
        ) : queue.isError ? (
          <ResourceError error={queue.error} />
        ) : (
          <>
            <dl className={styles.grid} data-testid="ops-queue">
              <Figure label="Queued" value={queueView?.queued} />
              <Figure label="Running" value={queueView?.running} />
              <Figure label="Cancelling" value={queueView?.cancelling} />
              {/* eslint-disable-next-line react-hooks/purity -- the age is read at each poll's render */}
              <Figure label="Oldest queued" value={queueView?.oldestQueuedAt ? formatDuration(Date.now() - Date.parse(queueView.oldestQueuedAt)) : '—'} />
            </dl>
            <h3 style={{ marginTop: 16 }}>Busiest users</h3>
            <InstancesTable value={queueView?.users ?? []} label="Busiest users" testId="ops-users" />
          </>
        )}
      </Card>
      <LiveCharts samples={samples} />
    </div>
  );
}

function Figure({ label, value }: { label: string; value: number | string | undefined }) {
  return (
    <div className={styles.metric}>
      <dt className={styles.metricName}>{label}</dt>
      <dd className={styles.metricValue} style={{ margin: 0 }}>
        {value ?? '—'}
      </dd>
    </div>
  );
}

/** One sample per poll: the queue's numbers and each instance's slots, plus the cluster's total slots in use. */
function useSamples(instances: InstanceHeartbeatView[] | undefined, queue: QueueView | undefined, version: number): Sample[] {
  const [samples, setSamples] = useState<Sample[]>([]);
  useEffect(() => {
    if (instances === undefined && queue === undefined) return;
    const values: Record<string, number> = {};
    if (queue) {
      const queueNumbers = flattenNumbers({ queued: queue.queued, running: queue.running, cancelling: queue.cancelling });
      for (const [key, value] of Object.entries(queueNumbers)) values[`queue.${key}`] = value;
    }
    if (instances) {
      let inUse = 0;
      for (const item of instances) {
        values[`${item.instance}.slotsInUse`] = item.slotsInUse;
        inUse += item.slotsInUse;
      }
      values['cluster.slotsInUse'] = inUse;
      values['cluster.instances'] = instances.length;
    }
    // One sample per poll answer: the effect is the poll's consequence, not a render's.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    setSamples((current) => appendSample(current, { t: Date.now() / 1000, values }));
    // `version` changes when either poll brings new data.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [version]);
  return samples;
}

function LiveCharts({ samples }: { samples: Sample[] }) {
  const keys = useMemo(() => {
    const all = new Set<string>();
    samples.forEach((s) => Object.keys(s.values).forEach((k) => all.add(k)));
    return [...all].sort();
  }, [samples]);
  const shown = keys.slice(0, maxCharts);
  return (
    <Card title="Live charts" titleId="ops-charts-heading" actions={<span className={styles.note}>Every 2 s · last 5 min</span>}>
      {shown.length === 0 && <p className={styles.note}>Waiting for the first figures…</p>}
      <div className={styles.grid}>
        {shown.map((key) => (
          <div key={key} className={styles.metric} data-testid="ops-metric">
            <div className={styles.metricHead}>
              <span className={styles.metricName}>{key}</span>
              <span className={styles.metricValue}>{samples.at(-1)?.values[key]?.toLocaleString(undefined, { maximumFractionDigits: 2 }) ?? '—'}</span>
            </div>
            <LiveChart title={key} data={seriesData(samples, key)} />
          </div>
        ))}
      </div>
    </Card>
  );
}
