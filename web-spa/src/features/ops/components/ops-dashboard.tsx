import { useEffect, useMemo, useState } from 'react';
import { Alert } from '@/components/alert';
import { Card } from '@/components/card';
import { Loading } from '@/components/spinner';
import { describeError, isApiError } from '@/lib/api-client';
import { useOpsResource } from '@/features/ops/api/get-ops';
import { InstancesTable } from '@/features/ops/components/instances-table';
import { LiveChart } from '@/features/ops/components/live-chart';
import styles from '@/features/ops/components/ops-dashboard.module.css';
import { appendSample, flattenNumbers, seriesData, type Sample } from '@/features/ops/utils/flatten-metrics';

const maxCharts = 12;

function ResourceError({ error }: { error: unknown }) {
  if (isApiError(error) && error.status === 404) return <p className={styles.note}>This Api does not report it yet.</p>;
  return <Alert tone="error">{describeError(error)}</Alert>;
}

export function OpsDashboard() {
  const instances = useOpsResource('instances', 5_000);
  const health = useOpsResource('health', 5_000);
  return (
    <div data-testid="ops-dashboard">
      <Card title="Instances" titleId="ops-instances-heading">
        {instances.isPending ? <Loading /> : instances.isError ? <ResourceError error={instances.error} /> : <InstancesTable value={instances.data} label="Instances" />}
      </Card>
      <Card title="Health" titleId="ops-health-heading">
        {health.isPending ? <Loading /> : health.isError ? <ResourceError error={health.error} /> : <InstancesTable value={healthRows(health.data)} label="Health checks" />}
      </Card>
      <LiveMetrics />
    </div>
  );
}

/** `/health`-style documents ({status, entries:{name:{status,…}}}) become one row per check. */
function healthRows(value: unknown): unknown {
  const body = value as { status?: unknown; entries?: Record<string, unknown>; checks?: unknown } | null;
  if (body?.entries && typeof body.entries === 'object') {
    return Object.entries(body.entries).map(([name, entry]) => ({ name, ...(entry as object) }));
  }
  return body?.checks ?? value;
}

function LiveMetrics() {
  const metrics = useOpsResource('metrics', 2_000);
  const [samples, setSamples] = useState<Sample[]>([]);
  const [chosen, setChosen] = useState<string[] | null>(null);

  useEffect(() => {
    if (metrics.data === undefined) return;
    setSamples((current) => appendSample(current, { t: metrics.dataUpdatedAt / 1000, values: flattenNumbers(metrics.data) }));
  }, [metrics.data, metrics.dataUpdatedAt]);

  const keys = useMemo(() => Object.keys(samples.at(-1)?.values ?? {}), [samples]);
  const shown = (chosen ?? keys.slice(0, maxCharts)).filter((k) => keys.includes(k));

  return (
    <Card title="Live metrics" titleId="ops-metrics-heading" actions={<span className={styles.note}>Every 2 s · last 5 min</span>}>
      {metrics.isPending && <Loading />}
      {metrics.isError && <ResourceError error={metrics.error} />}
      {keys.length > maxCharts && (
        <details>
          <summary>Choose series ({shown.length} of {keys.length})</summary>
          <div className={styles.picker}>
            {keys.map((key) => (
              <label key={key}>
                <input
                  type="checkbox"
                  checked={shown.includes(key)}
                  onChange={(e) => setChosen(e.target.checked ? [...shown, key] : shown.filter((k) => k !== key))}
                />{' '}
                {key}
              </label>
            ))}
          </div>
        </details>
      )}
      <div className={styles.grid}>
        {shown.map((key) => (
          <div key={key} className={styles.metric} data-testid="ops-metric">
            <div className={styles.metricHead}>
              <span className={styles.metricName}>{key}</span>
              <span className={styles.metricValue}>{samples.at(-1)?.values[key]?.toLocaleString(undefined, { maximumFractionDigits: 2 })}</span>
            </div>
            <LiveChart title={key} data={seriesData(samples, key)} />
          </div>
        ))}
      </div>
    </Card>
  );
}
